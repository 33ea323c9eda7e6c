from libc.string cimport memset
from libc.stdint cimport uint64_t, uint8_t
from engine.bitboard cimport ly_prefetch, ly_mulhi64
from engine.large_alloc cimport ly_large_alloc, ly_large_free


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
    # Allocate before freeing: on failure the old table stays usable.  At
    # least 64-byte aligned, so that a bucket is one cache line; huge pages
    # where the OS grants them (a probe lands anywhere in the table).
    raw = ly_large_alloc(count * sizeof(TTBucket))
    if raw == NULL:
        raise MemoryError(f"cannot allocate a {mb} MB hash table")
    tt_free(tt)
    tt.raw = raw
    tt.count = count
    tt.buckets = <TTBucket*>raw
    tt_clear(tt)
    return 0


cdef void tt_free(TT* tt) noexcept:
    ly_large_free(tt.raw)
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


cdef inline uint64_t pack(int move, int value, int eval, int depth, int gen_bound) noexcept nogil:
    return (<uint64_t>(<uint16_t>move) | (<uint64_t>(<uint16_t>value) << 16)
            | (<uint64_t>(<uint16_t>eval) << 32) | (<uint64_t>(<uint8_t>depth) << 48)
            | (<uint64_t>(<uint8_t>gen_bound) << 56))


cdef inline void unpack(uint64_t d, TTEntry* out) noexcept nogil:
    out.move = <uint16_t>d
    out.value = <int16_t>(<uint16_t>(d >> 16))
    out.eval = <int16_t>(<uint16_t>(d >> 32))
    out.depth = <uint8_t>(d >> 48)
    out.gen_bound = <uint8_t>(d >> 56)


cdef inline int depth_of(uint64_t d) noexcept nogil:
    return <uint8_t>(d >> 48)


cdef inline int generation_of(uint64_t d) noexcept nogil:
    return <uint8_t>(d >> 56) >> 2


# The slot holding `key` (*found = True, its data copied to *out), else the
# slot to overwrite: the one with the least depth, where each search of age
# costs 8 plies.  Each slot is read once into locals: the copy that passes
# the key test is the one used.
cdef TTSlot* tt_probe(TT* tt, uint64_t key, bint* found, TTEntry* out) noexcept nogil:
    cdef TTSlot* e = bucket_of(tt, key).slots
    cdef TTSlot* replace = e
    cdef uint64_t c[TT_BUCKET_SIZE]
    cdef uint64_t d[TT_BUCKET_SIZE]
    cdef int i, worth, best_worth = 1 << 30
    for i in range(TT_BUCKET_SIZE):
        d[i] = (<volatile uint64_t*>&e[i].data)[0]
        c[i] = (<volatile uint64_t*>&e[i].check)[0]
        if (c[i] ^ d[i]) == key and depth_of(d[i]):
            found[0] = True
            unpack(d[i], out)
            return &e[i]
    for i in range(TT_BUCKET_SIZE):
        worth = depth_of(d[i]) - 8 * ((tt.generation - generation_of(d[i])) & 63)
        if worth < best_worth:
            best_worth = worth
            replace = &e[i]
    found[0] = False
    return replace


# Permille of the first 1000 buckets' entries written by the current search.
cdef int tt_hashfull(const TT* tt) noexcept nogil:
    cdef uint64_t i, d, sample = 1000 if tt.count >= 1000 else tt.count
    cdef int j, n = 0
    for i in range(sample):
        for j in range(TT_BUCKET_SIZE):
            d = tt.buckets[i].slots[j].data
            if depth_of(d) and generation_of(d) == tt.generation:
                n += 1
    return <int>(n * 1000 // (sample * TT_BUCKET_SIZE)) if sample else 0


cdef void tt_store(TT* tt, TTSlot* e, uint64_t key, int value, int bound, int depth,
                   int move, int eval, bint pv) noexcept nogil:
    cdef uint64_t d = (<volatile uint64_t*>&e.data)[0]
    cdef uint64_t c = (<volatile uint64_t*>&e.check)[0]
    cdef bint same = (c ^ d) == key
    cdef TTEntry old
    unpack(d, &old)
    # Keep the old move when we have none for the same position, and don't
    # let a much shallower non-exact result replace this search's entry.
    if not move and same:
        move = old.move
    if (bound == BOUND_EXACT or not same
            or depth + TT_DEPTH_OFFSET + 2 * pv > old.depth - 4
            or (old.gen_bound >> 2) != tt.generation):
        d = pack(move, value, eval, depth + TT_DEPTH_OFFSET, (tt.generation << 2) | bound)
    elif move != old.move:
        d = pack(move, old.value, old.eval, old.depth, old.gen_bound)
    else:
        return
    e.data = d
    e.check = key ^ d
