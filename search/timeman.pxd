# Time management: how long to think about one move.
from libc.stdint cimport int64_t

cdef extern from "sync.h" nogil:
    int64_t ly_now_ms()

cdef struct TimeManager:
    int64_t start          # ms, monotonic clock
    int64_t optimum        # soft limit: don't start another iteration after it
    int64_t maximum        # hard limit: abort the search inside the tree
    bint use_time          # False: depth/nodes/infinite only
    bint fixed             # go movetime: the whole time is used, no soft stop

cdef void time_init(TimeManager* tm, object limits, int side, int overhead) except *

cdef inline int64_t time_elapsed(const TimeManager* tm) noexcept nogil:
    return ly_now_ms() - tm.start
