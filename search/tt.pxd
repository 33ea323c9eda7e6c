# Transposition table: 64-byte buckets of four 16-byte slots, one cache
# line per probe.  Replacement prefers shallow or stale entries.  The search
# threads share the table without locks: a slot stores its data word and
# key ^ data, so a slot torn by two threads writing at once fails the key
# test instead of handing one position another's move or score.
from libc.stdint cimport uint64_t, uint16_t, int16_t, uint8_t

cdef enum:
    BOUND_NONE = 0
    BOUND_UPPER = 1
    BOUND_LOWER = 2
    BOUND_EXACT = 3
    TT_BUCKET_SIZE = 4
    TT_DEPTH_OFFSET = 8               # stored depth = depth + 8, so qsearch depths fit; 0 = empty

# What a probe read: a verified copy, never the slot itself, which
# another thread may be overwriting.
cdef struct TTEntry:
    uint16_t move
    int16_t value
    int16_t eval
    uint8_t depth
    uint8_t gen_bound                 # generation << 2 | bound

cdef struct TTSlot:
    uint64_t check                    # key ^ data
    uint64_t data                     # move | value << 16 | eval << 32 | depth << 48 | gen_bound << 56

cdef struct TTBucket:
    TTSlot slots[4]

cdef struct TT:
    TTBucket* buckets
    void* raw
    uint64_t count
    uint8_t generation

cdef int tt_resize(TT* tt, int mb) except -1
cdef void tt_free(TT* tt) noexcept
cdef void tt_clear(TT* tt) noexcept nogil
cdef void tt_new_search(TT* tt) noexcept nogil
cdef TTSlot* tt_probe(TT* tt, uint64_t key, bint* found, TTEntry* out) noexcept nogil
cdef void tt_prefetch(TT* tt, uint64_t key) noexcept nogil
cdef int tt_hashfull(const TT* tt) noexcept nogil
cdef void tt_store(TT* tt, TTSlot* e, uint64_t key, int value, int bound, int depth,
                   int move, int eval, bint pv) noexcept nogil
