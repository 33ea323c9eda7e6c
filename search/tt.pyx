from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.stdint cimport uint64_t, uintptr_t, uint8_t
from engine.bitboard cimport ly_prefetch, ly_mulhi64


# Fixed-point range reduction (high half of key * count) instead of a
# modulo, so any table size works and no bits of the key are wasted.
cdef inline TTBucket* bucket_of(TT* tt, uint64_t key) noexcept nogil:
    return &tt.buckets[ly_mulhi64(key, tt.count)]


cdef int tt_resize(TT* tt, int mb) except -1:
    cdef uint64_t count
    cdef void* raw
    if mb < 1 or mb > 65536:
        raise ValueError(f"hash size must be 1..65536 MB, got {mb}")
    count = (<uint64_t>mb * 1024 * 1024) // sizeof(TTBucket)
    # Allocate before freeing: on failure the old table stays usable.
    raw = malloc(count * sizeof(TTBucket) + 64)
    if raw == NULL:
        raise MemoryError(f"cannot allocate a {mb} MB hash table")
    tt_free(tt)
    tt.raw = raw
    tt.count = count
    # 64-byte alignment so that a bucket is one cache line.
    tt.buckets = <TTBucket*>(((<uintptr_t>tt.raw) + 63) & ~(<uintptr_t>63))
    tt_clear(tt)
    return 0


cdef void tt_free(TT* tt) noexcept:
    free(tt.raw)
    tt.raw = NULL
    tt.buckets = NULL
    tt.count = 0


cdef void tt_clear(TT* tt) noexcept nogil:
    memset(tt.buckets, 0, tt.count * sizeof(TTBucket))
    tt.generation = 0


cdef void tt_new_search(TT* tt) noexcept nogil:
    tt.generation = (tt.generation + 1) & 63


cdef void tt_prefetch(TT* tt, uint64_t key) noexcept nogil:
    ly_prefetch(bucket_of(tt, key))


# The entry holding `key` (*found = True), else the entry to overwrite:
# the one with the least depth, where each search of age costs 8 plies.
cdef TTEntry* tt_probe(TT* tt, uint64_t key, bint* found) noexcept nogil:
    cdef TTEntry* e = bucket_of(tt, key).entries
    cdef TTEntry* replace = e
    cdef int i, worth, best_worth = 1 << 30
    for i in range(TT_BUCKET_SIZE):
        if e[i].key == key and e[i].depth:
            found[0] = True
            return &e[i]
    for i in range(TT_BUCKET_SIZE):
        worth = e[i].depth - 8 * ((tt.generation - (e[i].gen_bound >> 2)) & 63)
        if worth < best_worth:
            best_worth = worth
            replace = &e[i]
    found[0] = False
    return replace


# Permille of the first 1000 buckets' entries written by the current search.
cdef int tt_hashfull(const TT* tt) noexcept nogil:
    cdef uint64_t i, sample = 1000 if tt.count >= 1000 else tt.count
    cdef int j, n = 0
    for i in range(sample):
        for j in range(TT_BUCKET_SIZE):
            if tt.buckets[i].entries[j].depth and (tt.buckets[i].entries[j].gen_bound >> 2) == tt.generation:
                n += 1
    return <int>(n * 1000 // (sample * TT_BUCKET_SIZE)) if sample else 0


cdef void tt_store(TT* tt, TTEntry* e, uint64_t key, int value, int bound, int depth,
                   int move, int eval, bint pv) noexcept nogil:
    # Keep the old move when we have none for the same position, and don't
    # let a much shallower non-exact result replace this search's entry.
    if move or e.key != key:
        e.move = move
    if (bound == BOUND_EXACT or e.key != key
            or depth + TT_DEPTH_OFFSET + 2 * pv > e.depth - 4
            or (e.gen_bound >> 2) != tt.generation):
        e.key = key
        e.value = value
        e.eval = eval
        e.depth = depth + TT_DEPTH_OFFSET
        e.gen_bound = (tt.generation << 2) | bound
