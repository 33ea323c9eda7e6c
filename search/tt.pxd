# Transposition table: 64-byte buckets of four 16-byte entries, each
# holding the full key (so a probe never returns another position's entry),
# one cache line per probe.  Replacement prefers shallow or stale entries.
from libc.stdint cimport uint64_t, uint16_t, int16_t, uint8_t

cdef enum:
    BOUND_NONE = 0
    BOUND_UPPER = 1
    BOUND_LOWER = 2
    BOUND_EXACT = 3
    TT_BUCKET_SIZE = 4
    TT_DEPTH_OFFSET = 8               # stored depth = depth + 8, so qsearch depths fit; 0 = empty

cdef struct TTEntry:
    uint64_t key
    uint16_t move
    int16_t value
    int16_t eval
    uint8_t depth
    uint8_t gen_bound                 # generation << 2 | bound

cdef struct TTBucket:
    TTEntry entries[4]

cdef struct TT:
    TTBucket* buckets
    void* raw
    uint64_t count
    uint8_t generation

cdef int tt_resize(TT* tt, int mb) except -1
cdef void tt_free(TT* tt) noexcept
cdef void tt_clear(TT* tt) noexcept nogil
cdef void tt_new_search(TT* tt) noexcept nogil
cdef TTEntry* tt_probe(TT* tt, uint64_t key, bint* found) noexcept nogil
cdef void tt_prefetch(TT* tt, uint64_t key) noexcept nogil
cdef int tt_hashfull(const TT* tt) noexcept nogil
cdef void tt_store(TT* tt, TTEntry* e, uint64_t key, int value, int bound, int depth,
                   int move, int eval, bint pv) noexcept nogil
