import os
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport int16_t, int32_t, uintptr_t, int64_t
from engine.types cimport SQ_NONE, KING, PAWN, QUEEN, Bitboard
from engine.bitboard cimport pop_lsb
from engine.board cimport Board, DirtyPiece, king_square, pieces_cp
from engine.position cimport Position
from nnue.network cimport NetData, Network
from nnue.features cimport (halfkp_index, king_block, piece_square_table, active_features_for,
                            MAX_ACTIVE_FEATURES)
from nnue.kernels cimport ly_kernels, ly_kernels_select, ly_kernels_available


cdef int acc_alloc(AccStack* a, int hidden) except -1:
    cdef size_t stack = <size_t>ACC_PLIES * 2 * hidden * sizeof(int16_t)
    cdef size_t cache = <size_t>2 * 64 * hidden * sizeof(int16_t)
    acc_free(a)
    a.raw = malloc(stack + cache + 64)
    if a.raw == NULL:
        raise MemoryError("cannot allocate accumulators")
    a.data = <int16_t*>(((<uintptr_t>a.raw) + 63) & ~(<uintptr_t>63))
    a.cache = a.data + <size_t>ACC_PLIES * 2 * hidden    # hidden is a multiple of 32: aligned
    a.hidden = hidden
    a.cache_serial = 0
    return 0


cdef void acc_free(AccStack* a) noexcept:
    free(a.raw)
    a.raw = NULL
    a.data = NULL
    a.cache = NULL


cdef inline void refresh(AccStack* a, const NetData* net, const Board* b, int ply, int c) noexcept nogil:
    cdef int32_t feats[MAX_ACTIVE_FEATURES]
    cdef int n = active_features_for(b, c, row_king(net, b, c), feats)
    ly_kernels.update(acc_at(a, ply, c), net.ft_b, net.ft_w, feats, n, NULL, 0, a.hidden)
    a.computed[ply][c] = 1


# Every cache entry starts as the empty board: the bias, no pieces.
cdef void cache_reset(AccStack* a, const NetData* net) noexcept nogil:
    cdef int e
    for e in range(2 * 64):
        memcpy(a.cache + <size_t>e * a.hidden, net.ft_b, a.hidden * sizeof(int16_t))
    memset(a.cache_pieces, 0, sizeof(a.cache_pieces))
    a.cache_serial = net.serial


# Refresh perspective c of `ply` through the cache entry of c's king square:
# apply the pieces that appeared or vanished since the entry was last used
# (few, as positions in one search are alike), then store the result back.
# int16 sums wrap, so the result equals a refresh from scratch bit for bit
# whatever the order of additions and removals the entry went through.
cdef void cache_refresh(AccStack* a, const NetData* net, const Board* b, int ply, int c) noexcept nogil:
    cdef int ksq = king_square(b, c)
    cdef int row_ksq = row_king(net, b, c)
    cdef int16_t* entry = a.cache + (<size_t>(64 * c + ksq)) * a.hidden
    cdef int16_t* dst = acc_at(a, ply, c)
    cdef Bitboard* held = a.cache_pieces[c][ksq]
    cdef Bitboard now, gone, came
    cdef int32_t add[MAX_ACTIVE_FEATURES]
    cdef int32_t sub[MAX_ACTIVE_FEATURES]
    cdef int n_add = 0, n_sub = 0, colour, pt, pc, i
    for colour in range(2):
        for pt in range(PAWN, QUEEN + 1):
            i = colour * 5 + pt - 1
            now = pieces_cp(b, colour, pt)
            gone = held[i] & ~now
            came = now & ~held[i]
            held[i] = now
            pc = (colour << 3) | pt
            while gone:
                sub[n_sub] = halfkp_index(c, row_ksq, pc, pop_lsb(&gone))
                n_sub += 1
            while came:
                add[n_add] = halfkp_index(c, row_ksq, pc, pop_lsb(&came))
                n_add += 1
    ly_kernels.update(dst, entry, net.ft_w, add, n_add, sub, n_sub, a.hidden)
    if n_add or n_sub:
        memcpy(entry, dst, a.hidden * sizeof(int16_t))
    a.computed[ply][c] = 1


cdef void acc_set_root(AccStack* a, const NetData* net, const Board* b) noexcept nogil:
    if a.cache_serial != net.serial:
        cache_reset(a, net)
    a.root_sp = b.sp
    refresh(a, net, b, 0, 0)
    refresh(a, net, b, 0, 1)


cdef const int32_t* PIECE_SQUARE = piece_square_table()


# The feature rows that move d adds and removes for perspective c (kings
# are not features; a king move of c's own side in a net whose rows depend
# on the king needs a refresh instead, which the callers see to).
cdef inline void dirty_rows(const DirtyPiece* d, int c, int ksq, int32_t* add, int* n_add,
                            int32_t* sub, int* n_sub) noexcept nogil:
    cdef int i, pc
    cdef int block = king_block(c, ksq)
    cdef const int32_t* table = PIECE_SQUARE + c * 16 * 64
    n_add[0] = n_sub[0] = 0
    for i in range(d.count):
        pc = d.piece[i]
        if (pc & 7) == KING:
            continue
        if d.frm[i] != SQ_NONE:
            sub[n_sub[0]] = block + table[pc * 64 + d.frm[i]]
            n_sub[0] += 1
        if d.to[i] != SQ_NONE:
            add[n_add[0]] = block + table[pc * 64 + d.to[i]]
            n_add[0] += 1


# Bring perspective c of the current ply up to date: walk back to the last
# computed ply, then apply each move's changes in one fused pass per ply;
# if c's king moved to another block of rows on the way, refresh through the cache instead.
cdef void update_perspective(AccStack* a, const NetData* net, const Board* b, int c) noexcept nogil:
    cdef int p = b.sp - a.root_sp
    cdef int j = p, k, ksq, n_add, n_sub
    cdef int32_t add[3]
    cdef int32_t sub[3]
    while j > 0 and not a.computed[j][c]:
        if changes_king_block(net, &b.states[a.root_sp + j].dirty, c):
            cache_refresh(a, net, b, p, c)
            return
        j -= 1
    ksq = row_king(net, b, c)
    for k in range(j + 1, p + 1):
        dirty_rows(&b.states[a.root_sp + k].dirty, c, ksq, add, &n_add, sub, &n_sub)
        ly_kernels.update(acc_at(a, k, c), acc_at(a, k - 1, c), net.ft_w, add, n_add, sub, n_sub, a.hidden)
        a.computed[k][c] = 1


# The same reading of d as dirty_rows, but in one pass for both
# perspectives and straight to row pointers: this is the search's hot path.
cdef inline void move_rows(const NetData* net, const Board* b, const DirtyPiece* d,
                           LyMove* m) noexcept nogil:
    cdef size_t h = net.hidden
    # each perspective's king block, and its piece-square terms
    cdef const int16_t* block0 = net.ft_w + <size_t>king_block(0, row_king(net, b, 0)) * h
    cdef const int16_t* block1 = net.ft_w + <size_t>king_block(1, row_king(net, b, 1)) * h
    cdef const int32_t* psq0 = PIECE_SQUARE
    cdef const int32_t* psq1 = PIECE_SQUARE + 16 * 64
    cdef int i, pc, sq, n_sub = 0
    m.add[0] = m.add[1] = m.sub[0][0] = m.sub[1][0] = net.zero_row
    for i in range(d.count):
        pc = d.piece[i]
        if (pc & 7) == KING:
            continue
        sq = d.frm[i]
        if sq != SQ_NONE:
            m.sub[0][n_sub] = block0 + <size_t>psq0[pc * 64 + sq] * h
            m.sub[1][n_sub] = block1 + <size_t>psq1[pc * 64 + sq] * h
            n_sub += 1
        sq = d.to[i]
        if sq != SQ_NONE:
            m.add[0] = block0 + <size_t>psq0[pc * 64 + sq] * h
            m.add[1] = block1 + <size_t>psq1[pc * 64 + sq] * h
    m.n_sub = 2 if n_sub == 2 else 1


# Ply p of both perspectives from ply p - 1 by move d, one kernel call.
cdef inline void update_ply(AccStack* a, const NetData* net, const Board* b, int p,
                            const DirtyPiece* d) noexcept nogil:
    cdef LyMove m
    move_rows(net, b, d, &m)
    m.src[0] = acc_at(a, p - 1, 0)
    m.src[1] = acc_at(a, p - 1, 1)
    m.dst[0] = acc_at(a, p, 0)
    m.dst[1] = acc_at(a, p, 1)
    ly_kernels.update_move(&m, a.hidden)
    a.computed[p][0] = a.computed[p][1] = 1


# Both perspectives of ply p up to date, ply p not computed: from the last
# ply where both are computed, one kernel call per ply for both (nodes that
# were never evaluated, such as those in check, leave gaps).  If a king
# whose rows depend on it moved on the way, perspective by perspective
# instead, so that the side whose king moved is refreshed.
cdef void catch_up(AccStack* a, const NetData* net, const Board* b, int p) noexcept nogil:
    cdef int j = p, k
    cdef const DirtyPiece* d
    while not (a.computed[j][0] & a.computed[j][1]):     # ply 0, the root, always is
        d = &b.states[a.root_sp + j].dirty
        if changes_king_block(net, d, 0) or changes_king_block(net, d, 1):
            if not a.computed[p][0]:
                update_perspective(a, net, b, 0)
            if not a.computed[p][1]:
                update_perspective(a, net, b, 1)
            return
        j -= 1
    for k in range(j + 1, p + 1):
        update_ply(a, net, b, k, &b.states[a.root_sp + k].dirty)


# Both perspectives of the current ply up to date.  The search's common
# case, one ply from a computed parent by a move that needs no refresh, is
# inlined into the callers; the rest is catch_up's.
cdef inline void update_current(AccStack* a, const NetData* net, const Board* b) noexcept nogil:
    cdef int p = b.sp - a.root_sp
    cdef const DirtyPiece* d = &b.st.dirty
    if a.computed[p][0] & a.computed[p][1]:
        return
    if (a.computed[p - 1][0] & a.computed[p - 1][1]
            and not (changes_king_block(net, d, 0) or changes_king_block(net, d, 1))):
        update_ply(a, net, b, p, d)
    else:
        catch_up(a, net, b, p)


# The exported forms of the inline helpers above (for nnue/timing.pyx).
cdef void acc_update(AccStack* a, const NetData* net, const Board* b) noexcept nogil:
    update_current(a, net, b)


cdef void acc_move_rows(const NetData* net, const Board* b, const DirtyPiece* d, LyMove* m) noexcept nogil:
    move_rows(net, b, d, m)


# Evaluation in centipawns from the side to move's view.
cdef int nnue_evaluate(AccStack* a, const NetData* net, const Board* b) noexcept nogil:
    cdef int p = b.sp - a.root_sp
    cdef int stm = b.side
    cdef int64_t out, q
    cdef int64_t divisor = net.out_div
    update_current(a, net, b)
    if net.activation:
        out = ly_kernels.screlu_dot(acc_at(a, p, stm), acc_at(a, p, stm ^ 1), net.out_w, a.hidden, net.qa)
    else:
        out = ly_kernels.crelu_dot(acc_at(a, p, stm), acc_at(a, p, stm ^ 1), net.out_w, a.hidden, net.qa)
    out = (out + net.out_b) * net.out_mul
    # Floor division, as the format (nnue/format.py) and the trainer define
    # it; C's `/` (cdivision) would round negative evaluations towards zero.
    q = out // divisor
    if out % divisor != 0 and out < 0:
        q -= 1
    return <int>q


# --- runtime SIMD selection -------------------------------------------------

def simd_path():
    """Name of the kernel path in use: 'avx512', 'avx2', 'sse2', 'neon' or 'scalar'."""
    return ly_kernels.name.decode()


def available_simd():
    """Paths this CPU can run, best first."""
    return ly_kernels_available().decode().split()


def select_simd(str name=""):
    """Use kernel path `name` ('' = best available); ValueError if unavailable."""
    if ly_kernels_select(name.encode()) != 0:
        raise ValueError(f"SIMD path {name!r} is not available on this CPU "
                         f"(available: {', '.join(available_simd())})")
    return simd_path()


_forced = os.environ.get("LADYA_SIMD", "")
if ly_kernels_select(_forced.encode()) != 0:
    import logging
    logging.getLogger(__name__).warning("LADYA_SIMD=%r is not available here; using the best path", _forced)
    ly_kernels_select(b"")


# --- Python helpers (tests, benchmarks, the UCI `eval` command) ------------

def evaluate(Network net not None, Position pos not None):
    """NNUE evaluation of `pos` (centipawns, side to move) by full refresh."""
    cdef AccStack a
    a.raw = NULL
    acc_alloc(&a, net.net.hidden)
    try:
        acc_set_root(&a, &net.net, &pos.b)
        return nnue_evaluate(&a, &net.net, &pos.b)
    finally:
        acc_free(&a)


def accumulators(Network net not None, Position pos not None):
    """(white, black) accumulator vectors of `pos` by full refresh, as lists."""
    cdef AccStack a
    a.raw = NULL
    acc_alloc(&a, net.net.hidden)
    try:
        acc_set_root(&a, &net.net, &pos.b)
        return ([acc_at(&a, 0, 0)[i] for i in range(a.hidden)],
                [acc_at(&a, 0, 1)[i] for i in range(a.hidden)])
    finally:
        acc_free(&a)


def check_incremental(Network net not None, Position pos not None, list moves, int stride=1):
    """Play `moves` (UCI; "0000" is a null move, as the search makes them)
    from `pos`, evaluating incrementally after every
    `stride`-th move and after the last (stride > 1 makes the lazy update
    catch up over several plies), and compare both accumulators bit for bit
    with a full refresh.  Returns the list of incremental evaluations;
    raises AssertionError on mismatch."""
    return check_incremental_paths(net, [(pos, moves, stride)])[0]


def check_incremental_paths(Network net not None, list paths):
    """check_incremental for each (pos, moves, stride) in `paths`, all with
    one accumulator stack, as a search keeps it from one position to the
    next: the refresh cache carries over.  Returns a list of evaluation
    lists."""
    cdef AccStack a, fresh
    cdef Position p
    cdef int c, i, ply, stride
    for _, moves, stride in paths:
        if len(moves) >= ACC_PLIES - 1:
            raise ValueError(f"at most {ACC_PLIES - 2} moves, got {len(moves)}")
        if stride < 1:
            raise ValueError("stride must be positive")
    a.raw = NULL
    fresh.raw = NULL
    acc_alloc(&a, net.net.hidden)
    acc_alloc(&fresh, net.net.hidden)
    results = []
    try:
        for pos, moves, stride in paths:
            p = (<Position?>pos).copy()
            ply = 0
            evals = []
            acc_set_root(&a, &net.net, &p.b)
            for uci in moves:
                if uci == "0000":
                    p.push_null()
                else:
                    p.push_uci(uci)
                ply += 1
                acc_push(&a, &p.b)
                if ply % stride and ply != len(moves):
                    continue
                evals.append(nnue_evaluate(&a, &net.net, &p.b))
                acc_set_root(&fresh, &net.net, &p.b)
                for c in range(2):
                    for i in range(a.hidden):
                        if acc_at(&a, ply, c)[i] != acc_at(&fresh, 0, c)[i]:
                            raise AssertionError(f"accumulator {c} differs at ply {ply} ({uci}) "
                                                 f"index {i} in {p.fen()}")
            results.append(evals)
        return results
    finally:
        acc_free(&a)
        acc_free(&fresh)
