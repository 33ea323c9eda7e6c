# Alpha-beta search: iterative deepening with aspiration windows, principal
# variation search, quiescence, a transposition table and the usual
# pruning, reductions and extensions of modern engines.  The whole tree is
# searched without the GIL; Python is touched only to report `info` lines
# between iterations.  Tunables are in search/tunables.py.
from libc.stdlib cimport calloc, free
from libc.string cimport memset, memcpy
from libc.math cimport log
from libc.stdint cimport int16_t, int64_t, uint64_t

from engine.types cimport (Move, MOVE_NONE, MOVE_NULL, PAWN, QUEEN, KING, NO_PIECE,
                           MT_PROMOTION, MT_EN_PASSANT, MAX_MOVES, MAX_PLY, move_from, move_to,
                           move_kind, promotion_type, type_of)
from engine.board cimport (Board, key_after, make_move, unmake_move, make_null_move, unmake_null_move,
                           gives_check, is_draw, is_capture, board_copy, board_init, board_free,
                           board_reserve)
from engine.notation cimport move_to_uci
from engine.position cimport Position
from engine.see cimport PIECE_VALUE, see_ge
from engine.movegen cimport generate_moves, is_legal_move, GEN_ALL
from search.tt cimport (TT, TTEntry, TTSlot, tt_resize, tt_free, tt_clear, tt_new_search, tt_probe,
                        tt_prefetch, tt_hashfull, tt_store, BOUND_NONE, BOUND_UPPER,
                        BOUND_LOWER, BOUND_EXACT, TT_DEPTH_OFFSET)
from search.history cimport History, history_update
from search.correction cimport Correction, corr_value, corr_update
from search.movepick cimport MovePicker, picker_init_main, picker_init_qs, next_move
from search.timeman cimport TimeManager, time_init, time_elapsed, ly_now_ms
from search.evaluate cimport evaluate
from nnue.network cimport NetData, Network
from nnue.accumulator cimport AccStack, acc_alloc, acc_free, acc_set_root, acc_push, nnue_evaluate
from search.params cimport *

from search.limits import DEFAULT_HASH_MB, MAX_THREADS, MOVE_OVERHEAD_MS
from search.result import Info, Score, SearchResult
from search import tunables

cdef extern from "sync.h" nogil:
    int ly_flag_get(const volatile int* f)
    void ly_flag_set(volatile int* f, int v)

cdef enum:
    VALUE_MATE = 32000
    VALUE_INFINITE = 32001
    VALUE_NONE = 32002
    MATE_IN_MAX_PLY = VALUE_MATE - MAX_PLY

cdef int LMR[64][64]

# The tunables (search/params.pxd, values in search/tunables.py), one copy for
# the process: every thread of every Searcher reads them.
cdef SearchParams P


# Late-move reductions: round(base + ln(depth) * ln(move number) / divisor),
# base and divisor in hundredths (0.75 and 2.25 by default).
cdef void init_lmr() noexcept:
    cdef int d, m
    cdef double base = P.LMR_BASE / 100.0, divisor = P.LMR_DIVISOR / 100.0
    for d in range(64):
        for m in range(64):
            LMR[d][m] = 0 if d == 0 or m == 0 else <int>(base + log(d) * log(m) / divisor)


def search_params():
    """The search parameters now in use, name -> value."""
    return dict(P)


def set_params(values):
    """Set some search parameters (name -> int, names and ranges from
    search/tunables.py) for every search of this process; not during a search."""
    global P
    merged = dict(P)
    for name, value in values.items():
        merged[name] = tunables.check(name, value)
    P = merged
    init_lmr()


P = tunables.defaults()
init_lmr()


cdef struct Stack:
    Move pv[MAX_PLY + 1]
    int pv_len
    int ply
    Move move
    int moved_piece
    Move excluded
    Move killers[2]
    int static_eval
    int double_extensions
    int16_t* cont_hist          # continuation history entry of the move made here


cdef struct RootMove:
    Move move
    int score
    int prev_score
    int avg_score
    # the latest score this move was given, at any depth (-INF: none): a move
    # sorted first by a fail-high whose re-search was cut off has neither score
    # nor prev_score, but it is the move played
    int last_score
    int seldepth
    bint lower                   # score is a fail-high bound ...
    bint upper                   # ... or a fail-low bound
    Move pv[MAX_PLY + 1]
    int pv_len


cdef struct Worker:
    Board board
    TT* tt
    History* hist
    Correction* corr              # correction history tables (search/correction.pxd)
    Stack stack[MAX_PLY + 10]
    RootMove root_moves[MAX_MOVES]
    int n_root
    int pv_idx
    int root_depth
    int seldepth
    int nmp_min_ply
    uint64_t nodes
    uint64_t node_limit           # 0 = none
    uint64_t soft_node_limit      # 0 = none: checked between iterations
    TimeManager tm
    volatile int* stop
    volatile int* pondering
    const NetData* net            # NULL: the bootstrap evaluation
    AccStack acc
    int id                        # 0: the main thread, which keeps the clock and reports
    int completed_depth           # the last iteration this thread finished
    int max_depth
    int mate_limit
    int multipv
    Worker** pool                 # every thread's worker (node counts add up over them)
    int n_workers


# The evaluation the search uses: the NNUE when a net is loaded, else the
# bootstrap (PeSTO) evaluation; EVAL_SCALE (tuning only) rescales it.
cdef inline int static_eval(Worker* w) noexcept nogil:
    cdef int v
    if w.net != NULL:
        v = nnue_evaluate(&w.acc, w.net, &w.board)
    else:
        v = evaluate(&w.board)
    if P.EVAL_SCALE != 100:
        v = v * P.EVAL_SCALE // 100
        if v >= MATE_IN_MAX_PLY:
            v = MATE_IN_MAX_PLY - 1
        elif v <= -MATE_IN_MAX_PLY:
            v = -MATE_IN_MAX_PLY + 1
    return v


# The static evaluation the search prunes with: the net's (raw, as the TT
# keeps it) plus what this thread has learnt about the pawn structure and the
# pieces' placement.
cdef inline int corrected_eval(Worker* w, int raw) noexcept nogil:
    cdef int v
    if P.CORR_HIST == 0 and P.CORR_NON_PAWN == 0:
        return raw
    v = raw + corr_value(w.corr, &w.board, P.CORR_HIST, P.CORR_NON_PAWN)
    if v >= MATE_IN_MAX_PLY:
        return MATE_IN_MAX_PLY - 1
    if v <= -MATE_IN_MAX_PLY:
        return -MATE_IN_MAX_PLY + 1
    return v


cdef inline int mate_in(int ply) noexcept nogil:
    return VALUE_MATE - ply


cdef inline int mated_in(int ply) noexcept nogil:
    return -VALUE_MATE + ply


# Mate scores are stored relative to the node, not the root.
cdef inline int value_to_tt(int v, int ply) noexcept nogil:
    if v >= MATE_IN_MAX_PLY:
        return v + ply
    if v <= -MATE_IN_MAX_PLY:
        return v - ply
    return v


cdef inline int value_from_tt(int v, int ply, int rule50) noexcept nogil:
    if v == VALUE_NONE:
        return VALUE_NONE
    if v >= MATE_IN_MAX_PLY:
        # A mate that the fifty-move rule would overtake is not a mate.
        if VALUE_MATE - v > 99 - rule50:
            return MATE_IN_MAX_PLY - 1
        return v - ply
    if v <= -MATE_IN_MAX_PLY:
        if VALUE_MATE + v > 99 - rule50:
            return -MATE_IN_MAX_PLY + 1
        return v + ply
    return v


cdef inline int stat_bonus(int depth) noexcept nogil:
    cdef int b = P.HISTORY_BONUS_MULT * depth - P.HISTORY_BONUS_SUB
    return b if b < P.HISTORY_BONUS_CAP else P.HISTORY_BONUS_CAP


cdef inline bint has_non_pawn_material(const Board* b, int side) noexcept nogil:
    return (b.by_color[side] & ~(b.by_type[PAWN] | b.by_type[KING])) != 0


# Nodes of all threads.  The counters belong to other threads, which keep
# writing them; a slightly stale read is all a node count needs.
cdef inline uint64_t total_nodes(Worker* w) noexcept nogil:
    cdef uint64_t n = 0
    cdef int i
    for i in range(w.n_workers):
        n += (<volatile uint64_t*>&w.pool[i].nodes)[0]
    return n


# Check the clock and the node budget every 1024 nodes.  Depth 1 always
# completes, so even `go movetime 0` or `go nodes 1` returns a searched move.
cdef inline void check_limits(Worker* w) noexcept nogil:
    if w.root_depth <= 1:
        return
    if w.node_limit and w.n_workers == 1 and w.nodes >= w.node_limit:
        ly_flag_set(w.stop, 1)
    if (w.nodes & TIME_CHECK_NODES) == 0:
        # With helper threads the budget is the sum of all threads' nodes,
        # which each thread adds up now and then (never exact).  Helpers
        # start once the main thread has finished depth 1.
        if w.node_limit and w.n_workers > 1 and total_nodes(w) >= w.node_limit:
            ly_flag_set(w.stop, 1)
        if w.tm.use_time and not ly_flag_get(w.pondering) and time_elapsed(&w.tm) >= w.tm.maximum:
            ly_flag_set(w.stop, 1)


cdef inline void do_move(Worker* w, Stack* ss, Move m) noexcept nogil:
    cdef Board* b = &w.board
    cdef int pc = b.squares[move_from(m)]
    ss.move = m
    ss.moved_piece = pc
    ss.cont_hist = &w.hist.continuation[pc][move_to(m)][0]
    w.nodes += 1
    tt_prefetch(w.tt, key_after(b, m))
    make_move(b, m)
    if w.net != NULL:
        acc_push(&w.acc, b)


cdef inline void update_pv(Stack* ss, Move m) noexcept nogil:
    ss.pv[0] = m
    memcpy(&ss.pv[1], (ss + 1).pv, (ss + 1).pv_len * sizeof(Move))
    ss.pv_len = (ss + 1).pv_len + 1


cdef inline void update_continuation(Stack* ss, int pc, int to, int bonus) noexcept nogil:
    if (ss - 1).move and (ss - 1).move != MOVE_NULL:
        history_update(&(ss - 1).cont_hist[pc * 64 + to], bonus)
    if (ss - 2).move and (ss - 2).move != MOVE_NULL:
        history_update(&(ss - 2).cont_hist[pc * 64 + to], bonus)


cdef inline void update_quiet_stats(Worker* w, Stack* ss, Move m, int bonus) noexcept nogil:
    cdef Board* b = &w.board
    cdef int pc = b.squares[move_from(m)]
    if ss.killers[0] != m:
        ss.killers[1] = ss.killers[0]
        ss.killers[0] = m
    history_update(&w.hist.butterfly[b.side][m & 4095], bonus)
    update_continuation(ss, pc, move_to(m), bonus)
    if (ss - 1).move and (ss - 1).move != MOVE_NULL:
        w.hist.countermove[(ss - 1).moved_piece][move_to((ss - 1).move)] = m


cdef inline int captured_type(const Board* b, Move m) noexcept nogil:
    if move_kind(m) == MT_EN_PASSANT:
        return PAWN
    return type_of(b.squares[move_to(m)])


# Reward the move that cut off, punish the ones tried before it.
cdef void update_all_stats(Worker* w, Stack* ss, Move best, int depth,
                           Move* quiets, int n_quiets, Move* captures, int n_captures) noexcept nogil:
    cdef Board* b = &w.board
    cdef int bonus = stat_bonus(depth)
    cdef int i, pc
    cdef Move m
    if move_kind(best) != MT_PROMOTION and not is_capture(b, best):
        update_quiet_stats(w, ss, best, bonus)
        for i in range(n_quiets):
            m = quiets[i]
            pc = b.squares[move_from(m)]
            history_update(&w.hist.butterfly[b.side][m & 4095], -bonus)
            update_continuation(ss, pc, move_to(m), -bonus)
    else:
        history_update(&w.hist.capture[b.squares[move_from(best)]][move_to(best)][captured_type(b, best)],
                       bonus)
    for i in range(n_captures):
        m = captures[i]
        history_update(&w.hist.capture[b.squares[move_from(m)]][move_to(m)][captured_type(b, m)], -bonus)


# `checks`: the first quiescence ply (QS_CHECKS) also tries quiet checks, so that mates and
# forks whose key move is a quiet check are seen one ply sooner.
cdef int qsearch(Worker* w, Stack* ss, int alpha, int beta, bint pv_node, bint checks) noexcept nogil:
    cdef Board* b = &w.board
    cdef bint found, in_check, gives
    cdef TTSlot* tte
    cdef TTEntry ttd
    cdef int tt_value = VALUE_NONE, tt_bound = BOUND_NONE
    cdef int best, value, stand_pat, futility_base, bound, move_count = 0
    cdef int raw_eval = VALUE_NONE
    cdef Move tt_move = MOVE_NONE, best_move = MOVE_NONE, m
    cdef MovePicker mp
    cdef int old_alpha = alpha
    cdef int ply = ss.ply

    if pv_node:
        ss.pv_len = 0
        if w.seldepth < ply + 1:
            w.seldepth = ply + 1
    check_limits(w)
    if ly_flag_get(w.stop):
        return 0
    in_check = b.st.checkers != 0
    if is_draw(b, ply):
        return 0
    if ply >= MAX_PLY:
        return 0 if in_check else static_eval(w)

    tte = tt_probe(w.tt, b.st.key, &found, &ttd)
    if found:
        tt_value = value_from_tt(ttd.value, ply, b.st.rule50)
        tt_bound = ttd.gen_bound & 3
        tt_move = ttd.move
        if (not pv_node and tt_value != VALUE_NONE
                and (tt_bound & (BOUND_LOWER if tt_value >= beta else BOUND_UPPER))):
            return tt_value

    if in_check:
        best = -VALUE_INFINITE
        futility_base = -VALUE_INFINITE
        ss.static_eval = VALUE_NONE
    else:
        if found and ttd.eval != VALUE_NONE:
            raw_eval = ttd.eval
        else:
            raw_eval = static_eval(w)
        ss.static_eval = stand_pat = corrected_eval(w, raw_eval)
        # A TT bound can sharpen the stand-pat score.
        if found and tt_value != VALUE_NONE and \
                (tt_bound & (BOUND_LOWER if tt_value > stand_pat else BOUND_UPPER)):
            stand_pat = tt_value
        if stand_pat >= beta:
            if not found:
                tt_store(w.tt, tte, b.st.key, value_to_tt(stand_pat, ply), BOUND_LOWER, 0,
                         MOVE_NONE, raw_eval, False)
            return stand_pat
        if stand_pat > alpha:
            alpha = stand_pat
        best = stand_pat
        futility_base = stand_pat + P.QS_DELTA_MARGIN

    picker_init_qs(&mp, b, w.hist, tt_move, (ss - 1).cont_hist, (ss - 2).cont_hist, checks)
    while True:
        m = next_move(&mp)
        if m == MOVE_NONE:
            break
        if not in_check:
            # Underpromotions are never worth a quiescence node.
            if move_kind(m) == MT_PROMOTION and promotion_type(m) != QUEEN:
                continue
            gives = gives_check(b, m)
            if best > -MATE_IN_MAX_PLY and not gives and move_kind(m) != MT_PROMOTION:
                # Delta pruning: even winning the piece cannot reach alpha.
                if futility_base + PIECE_VALUE[captured_type(b, m)] <= alpha:
                    if best < futility_base + PIECE_VALUE[captured_type(b, m)]:
                        best = futility_base + PIECE_VALUE[captured_type(b, m)]
                    continue
            if best > -MATE_IN_MAX_PLY and not see_ge(b, m, 0):
                continue
        elif best > -MATE_IN_MAX_PLY and move_count >= 2 and move_kind(m) != MT_PROMOTION \
                and not is_capture(b, m):
            # In check, after two evasions, quiet ones are unlikely to help.
            continue
        move_count += 1
        (ss + 1).ply = ply + 1
        do_move(w, ss, m)
        value = -qsearch(w, ss + 1, -beta, -alpha, pv_node, False)
        unmake_move(b)
        if ly_flag_get(w.stop):
            return 0
        if value > best:
            best = value
            if value > alpha:
                best_move = m
                if pv_node:
                    update_pv(ss, m)
                if value >= beta:
                    break
                alpha = value

    if in_check and best == -VALUE_INFINITE:
        return mated_in(ply)
    if best >= beta:
        bound = BOUND_LOWER
    elif pv_node and best > old_alpha:
        bound = BOUND_EXACT
    else:
        bound = BOUND_UPPER
    tt_store(w.tt, tte, b.st.key, value_to_tt(best, ply), bound, 0, best_move, raw_eval, pv_node)
    return best


cdef bint is_root_move(Worker* w, Move m) noexcept nogil:
    cdef int i
    for i in range(w.pv_idx, w.n_root):
        if w.root_moves[i].move == m:
            return True
    return False


cdef RootMove* find_root_move(Worker* w, Move m) noexcept nogil:
    cdef int i
    for i in range(w.n_root):
        if w.root_moves[i].move == m:
            return &w.root_moves[i]
    return NULL


cdef int search(Worker* w, Stack* ss, int alpha, int beta, int depth, bint cut_node) noexcept nogil:
    cdef Board* b = &w.board
    cdef bint pv_node = beta - alpha > 1
    cdef int ply = ss.ply
    cdef bint root = ply == 0
    cdef bint found = False, in_check, improving, capture, gives, tt_capture
    cdef TTSlot* tte
    cdef TTEntry ttd
    cdef int tt_value = VALUE_NONE, tt_bound = BOUND_NONE, tt_depth = -100
    cdef Move tt_move = MOVE_NONE, best_move = MOVE_NONE, m, excluded = ss.excluded
    cdef int eval_, value = 0, best = -VALUE_INFINITE, move_count = 0
    cdef int raw_eval = VALUE_NONE
    cdef int new_depth, extension, r, d, lmr_depth, hist, bound
    cdef int singular_beta, singular_depth, null_r, value2, probcut_beta
    cdef MovePicker mp
    cdef Move quiets[64]
    cdef Move captures[32]
    cdef int n_quiets = 0, n_captures = 0
    cdef Move counter = MOVE_NONE
    cdef int pc_prev
    cdef RootMove* rm

    if depth <= 0:
        return qsearch(w, ss, alpha, beta, pv_node, P.QS_CHECKS != 0)
    if depth > MAX_PLY - 1:
        depth = MAX_PLY - 1

    if pv_node:
        ss.pv_len = 0
        if w.seldepth < ply + 1:
            w.seldepth = ply + 1
    check_limits(w)
    in_check = b.st.checkers != 0
    (ss + 1).excluded = MOVE_NONE
    (ss + 1).ply = ply + 1
    (ss + 2).killers[0] = (ss + 2).killers[1] = MOVE_NONE
    (ss + 1).double_extensions = ss.double_extensions

    if not root:
        if ly_flag_get(w.stop) or is_draw(b, ply):
            return 0
        if ply >= MAX_PLY:
            return 0 if in_check else static_eval(w)
        # Mate distance pruning: no line can beat a shorter mate found earlier.
        if alpha < mated_in(ply):
            alpha = mated_in(ply)
        if beta > mate_in(ply + 1):
            beta = mate_in(ply + 1)
        if alpha >= beta:
            return alpha

    # Transposition table (not while searching for a singular move).
    if not excluded:
        tte = tt_probe(w.tt, b.st.key, &found, &ttd)
    else:
        tte = NULL
    if found:
        tt_value = value_from_tt(ttd.value, ply, b.st.rule50)
        tt_bound = ttd.gen_bound & 3
        tt_depth = <int>ttd.depth - TT_DEPTH_OFFSET
        tt_move = ttd.move
    if root:
        tt_move = w.root_moves[w.pv_idx].move
    tt_capture = tt_move != MOVE_NONE and is_legal_move(b, tt_move) and is_capture(b, tt_move)

    if (not pv_node and found and tt_depth >= depth and tt_value != VALUE_NONE
            and (tt_bound & (BOUND_LOWER if tt_value >= beta else BOUND_UPPER))
            and b.st.rule50 < 90):
        if tt_move and tt_value >= beta and not tt_capture and is_legal_move(b, tt_move) \
                and move_kind(tt_move) != MT_PROMOTION:
            update_quiet_stats(w, ss, tt_move, stat_bonus(depth))
        return tt_value

    # Static evaluation.
    if in_check:
        ss.static_eval = eval_ = VALUE_NONE
        improving = False
    else:
        if excluded:
            eval_ = ss.static_eval
        else:
            if found and ttd.eval != VALUE_NONE:
                raw_eval = ttd.eval
            else:
                raw_eval = static_eval(w)
                if not found:
                    tt_store(w.tt, tte, b.st.key, VALUE_NONE, BOUND_NONE, -TT_DEPTH_OFFSET + 1,
                             MOVE_NONE, raw_eval, False)
            ss.static_eval = eval_ = corrected_eval(w, raw_eval)
            if found and tt_value != VALUE_NONE and \
                    (tt_bound & (BOUND_LOWER if tt_value > eval_ else BOUND_UPPER)):
                eval_ = tt_value
        if (ss - 2).static_eval != VALUE_NONE:
            improving = ss.static_eval > (ss - 2).static_eval
        elif (ss - 4).static_eval != VALUE_NONE:
            improving = ss.static_eval > (ss - 4).static_eval
        else:
            improving = True

        if not pv_node and not excluded:
            # Razoring: far below alpha, only captures could save us.
            if depth <= 3 and eval_ + P.RAZOR_MARGIN * depth < alpha:
                value = qsearch(w, ss, alpha - 1, alpha, False, P.QS_CHECKS != 0)
                if value < alpha:
                    return value
            # Reverse futility pruning: far above beta at low depth.
            if depth <= P.RFP_MAX_DEPTH and eval_ < MATE_IN_MAX_PLY and \
                    eval_ - P.RFP_MARGIN * (depth - improving) >= beta:
                return (eval_ + beta) // 2
            # Null-move pruning, not in pawn endings (zugzwang).
            if (depth >= P.NMP_MIN_DEPTH and (ss - 1).move != MOVE_NULL and eval_ >= beta
                    and ss.static_eval >= beta - 20 * depth + 150
                    and ply >= w.nmp_min_ply and has_non_pawn_material(b, b.side)
                    and beta > -MATE_IN_MAX_PLY):
                null_r = P.NMP_BASE_REDUCTION + depth // P.NMP_DEPTH_DIVISOR
                null_r += min((eval_ - beta) // P.NMP_EVAL_DIVISOR, 3)
                ss.move = MOVE_NULL
                ss.moved_piece = NO_PIECE
                ss.cont_hist = &w.hist.continuation[0][0][0]
                w.nodes += 1
                make_null_move(b)
                if w.net != NULL:
                    acc_push(&w.acc, b)
                value = -search(w, ss + 1, -beta, -beta + 1, depth - null_r, not cut_node)
                unmake_null_move(b)
                if ly_flag_get(w.stop):
                    return 0
                if value >= beta:
                    if value >= MATE_IN_MAX_PLY:
                        value = beta
                    if w.nmp_min_ply or depth < P.NMP_VERIFY_DEPTH:
                        return value
                    # Verify at high depth with null moves disabled for a while.
                    w.nmp_min_ply = ply + 3 * (depth - null_r) // 4
                    value2 = search(w, ss, beta - 1, beta, depth - null_r, False)
                    w.nmp_min_ply = 0
                    if value2 >= beta:
                        return value
            # ProbCut: a capture whose shallow search beats beta by a margin
            # would almost surely beat beta at full depth.  Qsearch first, to
            # spend the reduced search only on captures that hold up.
            probcut_beta = beta + P.PROBCUT_MARGIN - P.PROBCUT_IMPROVING * improving
            if (depth >= P.PROBCUT_MIN_DEPTH and abs(beta) < MATE_IN_MAX_PLY
                    and not (found and tt_value != VALUE_NONE and tt_depth >= depth - 3
                             and tt_value < probcut_beta)):
                picker_init_qs(&mp, b, w.hist, tt_move, (ss - 1).cont_hist, (ss - 2).cont_hist, False)
                while True:
                    m = next_move(&mp)
                    if m == MOVE_NONE:
                        break
                    if not see_ge(b, m, probcut_beta - ss.static_eval):
                        continue
                    do_move(w, ss, m)
                    value = -qsearch(w, ss + 1, -probcut_beta, -probcut_beta + 1, False, False)
                    if value >= probcut_beta:
                        value = -search(w, ss + 1, -probcut_beta, -probcut_beta + 1, depth - 4, not cut_node)
                    unmake_move(b)
                    if ly_flag_get(w.stop):
                        return 0
                    if value >= probcut_beta and abs(value) < MATE_IN_MAX_PLY:
                        tt_store(w.tt, tte, b.st.key, value_to_tt(value, ply), BOUND_LOWER, depth - 3,
                                 m, raw_eval, False)
                        return value - (probcut_beta - beta)
    # Internal iterative reduction: without a TT move this node is likely
    # not worth the full depth.
    if not root and depth >= P.IIR_MIN_DEPTH and not tt_move and (pv_node or cut_node):
        depth -= 1

    if (ss - 1).move and (ss - 1).move != MOVE_NULL:
        pc_prev = (ss - 1).moved_piece
        counter = w.hist.countermove[pc_prev][move_to((ss - 1).move)]
    picker_init_main(&mp, b, w.hist, tt_move, ss.killers[0], ss.killers[1], counter,
                     (ss - 1).cont_hist, (ss - 2).cont_hist)

    while True:
        m = next_move(&mp)
        if m == MOVE_NONE:
            break
        if m == excluded:
            continue
        if root and not is_root_move(w, m):
            continue
        move_count += 1
        if pv_node:
            (ss + 1).pv_len = 0
        capture = is_capture(b, m) or move_kind(m) == MT_PROMOTION
        gives = gives_check(b, m)
        new_depth = depth - 1
        hist = 0
        if not capture:
            hist = (w.hist.butterfly[b.side][m & 4095]
                    + (ss - 1).cont_hist[b.squares[move_from(m)] * 64 + move_to(m)]
                    + (ss - 2).cont_hist[b.squares[move_from(m)] * 64 + move_to(m)])

        # Shallow-depth pruning, once we have a move that does not lose.
        if not root and best > -MATE_IN_MAX_PLY and has_non_pawn_material(b, b.side):
            if move_count >= (P.LMP_BASE + depth * depth) // (2 - improving):
                mp.skip_quiets = True
            lmr_depth = new_depth - LMR[min(depth, 63)][min(move_count, 63)]
            if capture or gives:
                if not see_ge(b, m, -P.SEE_NOISY_MARGIN * depth):
                    continue
            else:
                if mp.skip_quiets:
                    continue
                if lmr_depth < P.HISTORY_PRUNE_DEPTH and hist < -P.HISTORY_PRUNE_MARGIN * depth:
                    continue
                if lmr_depth < 0:
                    lmr_depth = 0
                if (not in_check and lmr_depth < P.FUTILITY_MAX_DEPTH
                        and ss.static_eval + P.FUTILITY_BASE + P.FUTILITY_PER_DEPTH * lmr_depth <= alpha):
                    continue
                if not see_ge(b, m, -P.SEE_QUIET_MARGIN * lmr_depth * lmr_depth):
                    continue

        # Extensions.
        extension = 0
        if (not root and depth >= P.SINGULAR_MIN_DEPTH and m == tt_move and not excluded
                and found and tt_value != VALUE_NONE and abs(tt_value) < MATE_IN_MAX_PLY
                and (tt_bound & BOUND_LOWER) and tt_depth >= depth - P.SINGULAR_TT_DEPTH_SLACK
                and ply < 2 * w.root_depth):
            # Singular extension: is the TT move much better than all others?
            singular_beta = tt_value - 2 * depth
            singular_depth = (depth - 1) // 2
            ss.excluded = m
            value = search(w, ss, singular_beta - 1, singular_beta, singular_depth, cut_node)
            ss.excluded = MOVE_NONE
            if ly_flag_get(w.stop):
                return 0
            if value < singular_beta:
                extension = 1
                if not pv_node and value < singular_beta - P.DOUBLE_EXTENSION_MARGIN \
                        and ss.double_extensions < P.MAX_DOUBLE_EXTENSIONS:
                    extension = 2
                    (ss + 1).double_extensions = ss.double_extensions + 1
            elif singular_beta >= beta:
                # Multi-cut: several moves beat beta, so this node will too.
                return singular_beta
            elif tt_value >= beta:
                extension = -1
        elif gives and ply < 2 * w.root_depth and see_ge(b, m, 0):
            # Check extension for checks that don't lose material.
            extension = 1
        new_depth += extension

        do_move(w, ss, m)

        # Late-move reductions for moves after the first few.
        if depth >= P.LMR_MIN_DEPTH and move_count > 1 + 2 * root and (not capture or not pv_node):
            r = LMR[min(depth, 63)][min(move_count, 63)]
            r -= pv_node
            r += 2 * cut_node
            r -= gives
            r += not improving
            r += tt_capture
            r -= hist // P.LMR_HISTORY_DIVISOR
            if capture:
                r = r // 2
            d = new_depth - r
            if d < 1:
                d = 1
            if d > new_depth + 1:
                d = new_depth + 1
            value = -search(w, ss + 1, -(alpha + 1), -alpha, d, True)
            if value > alpha and d < new_depth:
                value = -search(w, ss + 1, -(alpha + 1), -alpha, new_depth, not cut_node)
        elif not pv_node or move_count > 1:
            value = -search(w, ss + 1, -(alpha + 1), -alpha, new_depth, not cut_node)

        if pv_node and (move_count == 1 or (value > alpha and (root or value < beta))):
            (ss + 1).pv_len = 0
            value = -search(w, ss + 1, -beta, -alpha, new_depth, False)

        unmake_move(b)
        if ly_flag_get(w.stop):
            return 0

        if root:
            rm = find_root_move(w, m)
            if move_count == 1 or value > alpha:
                rm.score = value
                rm.last_score = value
                rm.seldepth = w.seldepth
                rm.lower = value >= beta
                rm.upper = value <= alpha
                rm.pv[0] = m
                memcpy(&rm.pv[1], (ss + 1).pv, (ss + 1).pv_len * sizeof(Move))
                rm.pv_len = (ss + 1).pv_len + 1
            else:
                rm.score = -VALUE_INFINITE

        if value > best:
            best = value
            if value > alpha:
                best_move = m
                if pv_node and not root:
                    update_pv(ss, m)
                if value >= beta:
                    break
                alpha = value

        if m != best_move:
            if capture and n_captures < 32:
                captures[n_captures] = m
                n_captures += 1
            elif not capture and n_quiets < 64:
                quiets[n_quiets] = m
                n_quiets += 1

    if move_count == 0:
        if excluded:
            return alpha
        return mated_in(ply) if in_check else 0

    if best_move:
        update_all_stats(w, ss, best_move, depth, quiets, n_quiets, captures, n_captures)

    # Learn the evaluation's error at this structure from a result that
    # says more than a bound on the wrong side of the evaluation: not after a
    # capture or promotion (the material changed, not the judgement), not from
    # a fail-high below it or a fail-low above it, not from mate scores.
    if (not in_check and not excluded and abs(best) < MATE_IN_MAX_PLY
            and (not best_move or not (is_capture(b, best_move) or move_kind(best_move) == MT_PROMOTION))
            and not (best >= beta and best <= ss.static_eval)
            and not (not best_move and best >= ss.static_eval)):
        corr_update(w.corr, b, best - ss.static_eval, depth)

    if not excluded and not (root and w.pv_idx):
        if best >= beta:
            bound = BOUND_LOWER
        elif pv_node and best_move:
            bound = BOUND_EXACT
        else:
            bound = BOUND_UPPER
        tt_store(w.tt, tte, b.st.key, value_to_tt(best, ply), bound, depth, best_move,
                 raw_eval, pv_node)
    return best


# Stable insertion sort of root moves [lo, hi) by score, best first.
cdef void sort_root_moves(Worker* w, int lo, int hi) noexcept nogil:
    cdef int i, j
    cdef RootMove tmp
    for i in range(lo + 1, hi):
        if w.root_moves[i].score <= w.root_moves[i - 1].score:
            continue
        tmp = w.root_moves[i]
        j = i - 1
        while j >= lo and w.root_moves[j].score < tmp.score:
            w.root_moves[j + 1] = w.root_moves[j]
            j -= 1
        w.root_moves[j + 1] = tmp


def uci_score(int v):
    """The Score of an internal value: centipawns, or moves to mate."""
    if v >= MATE_IN_MAX_PLY:
        return Score(mate=(VALUE_MATE - v + 1) // 2)
    if v <= -MATE_IN_MAX_PLY:
        return Score(mate=-((VALUE_MATE + v) // 2))
    return Score(cp=v)


cdef Worker* new_worker() except NULL:
    cdef Worker* w = <Worker*>calloc(1, sizeof(Worker))
    if w == NULL:
        raise MemoryError()
    w.hist = <History*>calloc(1, sizeof(History))
    w.corr = <Correction*>calloc(1, sizeof(Correction))
    if w.hist == NULL or w.corr == NULL:
        free(w.hist)
        free(w.corr)
        free(w)
        raise MemoryError()
    board_init(&w.board)
    return w


cdef void free_worker(Worker* w) noexcept:
    if w != NULL:
        board_free(&w.board)
        acc_free(&w.acc)
        free(w.hist)
        free(w.corr)
        free(w)


# Lazy SMP helpers skip iterations in a staggered pattern, so that at any
# moment the threads spread over neighbouring depths instead of all
# searching the same tree: helper i skips `depth` when
# ((depth + phase) // size) is odd, with (size, phase) from these rows.
cdef int SKIP_SIZE[20]
cdef int SKIP_PHASE[20]
SKIP_SIZE[:] = [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4]
SKIP_PHASE[:] = [0, 1, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 7]


cdef inline bint helper_skips(int id, int depth) noexcept nogil:
    cdef int i = (id - 1) % 20
    return ((depth + SKIP_PHASE[i]) // SKIP_SIZE[i]) % 2 == 1


# The score a worker's best move stands on: its last full score, else the
# previous iteration's, else whatever it was last given.
cdef inline int best_score(const Worker* w) noexcept nogil:
    cdef const RootMove* rm = &w.root_moves[0]
    if rm.score != -VALUE_INFINITE:
        return rm.score
    if rm.prev_score != -VALUE_INFINITE:
        return rm.prev_score
    return rm.last_score


cdef class Searcher:
    """The search: a transposition table shared by `threads` workers (Lazy
    SMP), each with its own board, accumulators and history tables.

    `search()` blocks; `stop()` and `ponderhit()` may be called from
    another thread while it runs."""
    cdef TT tt
    cdef Worker** workers          # workers[0] belongs to the main thread
    cdef int n_threads
    cdef Worker* w                 # workers[0]
    cdef volatile int stop_flag
    cdef volatile int ponder_flag
    cdef public int multipv
    cdef public int move_overhead
    cdef object on_info
    cdef object limits
    cdef int _completed
    cdef Network network
    cdef list _helpers             # running helper threads (Python threads, GIL released)

    def __cinit__(self, int hash_mb=DEFAULT_HASH_MB, int threads=1):
        memset(&self.tt, 0, sizeof(TT))
        self.workers = <Worker**>calloc(1, sizeof(Worker*))
        if self.workers == NULL:
            raise MemoryError()
        self.workers[0] = new_worker()
        self.w = self.workers[0]
        self.n_threads = 1
        tt_resize(&self.tt, hash_mb)
        self.multipv = 1
        self.move_overhead = MOVE_OVERHEAD_MS
        self._helpers = []
        if threads != 1:
            self.set_threads(threads)

    def __dealloc__(self):
        cdef int i
        if self.workers != NULL:
            for i in range(self.n_threads):
                free_worker(self.workers[i])
            free(self.workers)
        tt_free(&self.tt)

    def set_hash(self, int mb):
        """Resize (and clear) the transposition table."""
        tt_resize(&self.tt, mb)

    def set_threads(self, int n):
        """Search with `n` threads (1..MAX_THREADS).  New helpers start with
        empty histories; one thread keeps the search deterministic."""
        cdef Worker** pool
        cdef int i
        if n < 1 or n > MAX_THREADS:
            raise ValueError(f"threads must be 1..{MAX_THREADS}, got {n}")
        if n == self.n_threads:
            return
        pool = <Worker**>calloc(n, sizeof(Worker*))
        if pool == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                if i < self.n_threads:
                    pool[i] = self.workers[i]
                else:
                    pool[i] = new_worker()
                    if self.network is not None:
                        acc_alloc(&pool[i].acc, self.network.net.hidden)
        except MemoryError:
            for i in range(self.n_threads, n):
                free_worker(pool[i])
            free(pool)
            raise MemoryError(f"cannot allocate {n} search threads")
        for i in range(n, self.n_threads):
            free_worker(self.workers[i])
        free(self.workers)
        self.workers = pool
        self.n_threads = n
        self.w = pool[0]

    @property
    def threads(self):
        return self.n_threads

    def _tear_tt(self, double fraction, uint64_t seed):
        """Test hook: give about `fraction` of the used slots another slot's
        data word, as a write torn between two threads would; returns how
        many were torn."""
        cdef uint64_t i, j, x = seed | 1, n = self.tt.count * 4, torn = 0
        cdef TTSlot* slots = <TTSlot*>self.tt.buckets
        cdef uint64_t limit = <uint64_t>(fraction * 4294967296.0)
        for i in range(n):
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            if slots[i].data and (x & 0xFFFFFFFF) < limit:
                j = (x >> 32) % n
                if slots[j].data != slots[i].data:
                    slots[i].data = slots[j].data
                    torn += 1
        return torn

    def clear(self):
        """Forget everything learnt: TT and histories (ucinewgame, Clear Hash)."""
        cdef int i
        tt_clear(&self.tt)
        for i in range(self.n_threads):
            memset(self.workers[i].hist, 0, sizeof(History))
            memset(self.workers[i].corr, 0, sizeof(Correction))

    @property
    def hashfull(self):
        return tt_hashfull(&self.tt)

    def correction(self, Position pos, int thread=0):
        """Centipawns that `thread`'s correction history now adds to the static
        evaluation of `pos` in the search (at the CORR_HIST and CORR_NON_PAWN
        percents)."""
        if not 0 <= thread < self.n_threads:
            raise ValueError(f"thread {thread} not in 0..{self.n_threads - 1}")
        return corr_value(self.workers[thread].corr, &pos.b, P.CORR_HIST, P.CORR_NON_PAWN)

    def evaluate(self, Position pos):
        """Static evaluation in centipawns from the side to move's view."""
        if self.network is not None:
            from nnue.accumulator import evaluate as nnue_eval
            return nnue_eval(self.network, pos)
        return evaluate(&pos.b)

    def set_network(self, Network net):
        """Evaluate with `net` (a nnue.network.Network), or None for the
        bootstrap evaluation."""
        cdef int i
        if net is not None:
            for i in range(self.n_threads):
                acc_alloc(&self.workers[i].acc, net.net.hidden)
        self.network = net

    @property
    def network(self):
        return self.network

    @property
    def eval_name(self):
        return "bootstrap (PeSTO)" if self.network is None else f"NNUE {self.network.description}"

    def stop(self):
        ly_flag_set(&self.stop_flag, 1)
        ly_flag_set(&self.ponder_flag, 0)

    def ponderhit(self):
        # Our clock runs from now on: restart the time budget here.
        self.w.tm.start = ly_now_ms()
        ly_flag_set(&self.ponder_flag, 0)

    def search(self, Position pos not None, limits, on_info=None):
        """Search `pos` under `limits` (search.limits.Limits) and return a
        search.result.SearchResult.  on_info(search.result.Info) receives
        each report."""
        cdef Worker* w = self.w
        cdef Worker* best_w
        cdef Move moves[MAX_MOVES]
        cdef int n, i, k
        board_copy(&w.board, &pos.b)
        board_reserve(&w.board, MAX_PLY + 16)
        if self.network is not None:
            w.net = &self.network.net
            acc_set_root(&w.acc, w.net, &w.board)
        else:
            w.net = NULL
        self.stop_flag = 0
        self.ponder_flag = 1 if limits.ponder else 0
        self.on_info = on_info
        self.limits = limits
        w.tt = &self.tt
        w.stop = &self.stop_flag
        w.pondering = &self.ponder_flag
        w.nodes = 0
        w.node_limit = limits.nodes if limits.nodes else 0
        soft = getattr(limits, "soft_nodes", None)
        w.soft_node_limit = soft if soft else 0
        if soft and not w.node_limit:
            w.node_limit = 8 * soft
        time_init(&w.tm, limits, w.board.side, self.move_overhead)
        w.id = 0
        w.pool = self.workers
        w.n_workers = self.n_threads
        w.completed_depth = 0
        w.max_depth = max(1, min(limits.depth if limits.depth else MAX_PLY - 1, MAX_PLY - 1))
        w.mate_limit = limits.mate if limits.mate else 0
        self._completed = 0

        n = generate_moves(&w.board, moves, GEN_ALL)
        w.n_root = 0
        wanted = set(limits.searchmoves or [])
        for i in range(n):
            if wanted and move_to_uci(&w.board, moves[i]) not in wanted:
                continue
            memset(&w.root_moves[w.n_root], 0, sizeof(RootMove))
            w.root_moves[w.n_root].move = moves[i]
            w.root_moves[w.n_root].score = -VALUE_INFINITE
            w.root_moves[w.n_root].prev_score = -VALUE_INFINITE
            w.root_moves[w.n_root].avg_score = -VALUE_INFINITE
            w.root_moves[w.n_root].last_score = -VALUE_INFINITE
            w.n_root += 1
        if w.n_root == 0:
            if wanted and n:
                self._info_string("searchmoves has no legal move; searching all moves")
                for i in range(n):
                    memset(&w.root_moves[i], 0, sizeof(RootMove))
                    w.root_moves[i].move = moves[i]
                    w.root_moves[i].score = -VALUE_INFINITE
                    w.root_moves[i].prev_score = -VALUE_INFINITE
                    w.root_moves[i].avg_score = -VALUE_INFINITE
                    w.root_moves[i].last_score = -VALUE_INFINITE
                w.n_root = n
            else:
                self._wait_while_infinite()
                if w.board.st.checkers:
                    return SearchResult(bestmove="0000", score=Score(mate=0))
                return SearchResult(bestmove="0000", score=Score(cp=0))
        w.multipv = max(1, min(self.multipv, w.n_root))
        tt_new_search(&self.tt)

        self._helpers = []
        with nogil:
            self._iterate(w)
        self._wait_while_infinite()
        best_w = w
        if self._helpers:
            ly_flag_set(&self.stop_flag, 1)
            for t in self._helpers:
                t.join()
            self._helpers = []
            best_w = self._best_worker()
            if best_w != w:
                self._report(best_w, best_w.completed_depth, True)

        rm0 = &best_w.root_moves[0]
        best = move_to_uci(&w.board, rm0.move)
        pv = [move_to_uci(&w.board, rm0.move)]
        ponder = None
        # Build the PV text move by move (move text needs each position).
        make_move(&w.board, rm0.move)
        k = 1
        for i in range(1, rm0.pv_len):
            if not is_legal_move(&w.board, rm0.pv[i]):
                break
            pv.append(move_to_uci(&w.board, rm0.pv[i]))
            make_move(&w.board, rm0.pv[i])
            k += 1
        while k:
            unmake_move(&w.board)
            k -= 1
        if len(pv) > 1:
            ponder = pv[1]
        return SearchResult(bestmove=best, ponder=ponder,
                            depth=self._completed if best_w == w else best_w.completed_depth,
                            nodes=total_nodes(w), time_ms=time_elapsed(&w.tm),
                            score=uci_score(best_score(best_w)), pv=pv)

    cdef void _start_helpers(self) noexcept with gil:
        # Called by the main thread once it has finished depth 1, so that a
        # move is known before any budget can end the search.  Helpers
        # search the same root moves with the same shared table and stop
        # flag, but neither keep the clock nor report.
        cdef Worker* w = self.w
        cdef Worker* h
        cdef int k
        import threading
        for k in range(1, self.n_threads):
            h = self.workers[k]
            board_copy(&h.board, &w.board)
            board_reserve(&h.board, MAX_PLY + 16)
            h.net = w.net
            if h.net != NULL:
                acc_set_root(&h.acc, h.net, &h.board)
            h.tt = w.tt
            h.stop = w.stop
            h.pondering = w.pondering
            h.nodes = 0
            h.node_limit = w.node_limit          # every thread watches the summed budget
            h.soft_node_limit = 0
            h.tm = w.tm
            h.tm.use_time = False
            h.id = k
            h.pool = self.workers
            h.n_workers = self.n_threads
            h.completed_depth = 0
            h.max_depth = w.max_depth
            h.mate_limit = 0
            h.multipv = 1
            h.n_root = w.n_root
            memcpy(h.root_moves, w.root_moves, w.n_root * sizeof(RootMove))
            t = threading.Thread(target=self._helper, args=(k,), daemon=True,
                                 name=f"ladya-search-{k}")
            t.start()
            self._helpers.append(t)

    def _helper(self, int k):
        cdef Worker* h = self.workers[k]
        with nogil:
            self._iterate(h)

    cdef Worker* _best_worker(self):
        # Stockfish's vote: each thread that finished an iteration votes for
        # its best move, weighted by its depth and by how far its score is
        # above the worst thread's; the thread of the winning move is taken.
        # A proven mate wins outright (the shortest one; when being mated,
        # the longest defence).  `go depth` and MultiPV keep the main thread.
        cdef Worker* best = self.w
        cdef Worker* t
        cdef int i, j, k = 0, min_score = VALUE_INFINITE, s, bs
        cdef int64_t* votes
        cdef bint take
        if self.limits.depth or self.w.multipv > 1 or self.w.completed_depth == 0:
            return best
        votes = <int64_t*>calloc(self.n_threads, sizeof(int64_t))
        if votes == NULL:
            return best
        for i in range(self.n_threads):
            t = self.workers[i]
            if t.completed_depth and best_score(t) < min_score:
                min_score = best_score(t)
        for i in range(self.n_threads):
            votes[i] = 0
            t = self.workers[i]
            if not t.completed_depth:
                continue
            for j in range(self.n_threads):
                if self.workers[j].completed_depth and \
                        self.workers[j].root_moves[0].move == t.root_moves[0].move:
                    votes[i] += <int64_t>(best_score(self.workers[j]) - min_score + 14) \
                        * self.workers[j].completed_depth
        bs = best_score(best)
        k = 0
        for i in range(1, self.n_threads):
            t = self.workers[i]
            if not t.completed_depth:
                continue
            s = best_score(t)
            if abs(bs) >= MATE_IN_MAX_PLY:
                take = s > bs
            else:
                take = s >= MATE_IN_MAX_PLY or (s > -MATE_IN_MAX_PLY and votes[i] > votes[k])
            if take:
                best = t
                bs = s
                k = i
        free(votes)
        return best

    cdef _wait_while_infinite(self):
        # UCI: in infinite or ponder mode, bestmove waits for stop/ponderhit.
        import time
        if self.limits.infinite or self.limits.ponder:
            while not ly_flag_get(&self.stop_flag) and (self.limits.infinite
                                                        or ly_flag_get(&self.ponder_flag)):
                time.sleep(0.001)

    cdef _info_string(self, str text):
        if self.on_info is not None:
            self.on_info(Info(string=text))

    cdef void _report(self, Worker* w, int depth, bint final_only) noexcept with gil:
        cdef int i, j, shown
        cdef RootMove* rm
        if self.on_info is None:
            return
        try:
            elapsed = max(time_elapsed(&w.tm), 0)
            nodes = total_nodes(self.w)
            nps = nodes * 1000 // max(elapsed, 1)
            hashfull = tt_hashfull(&self.tt)
            shown = min(w.multipv, w.n_root)
            for i in range(shown):
                rm = &w.root_moves[i]
                updated = rm.score != -VALUE_INFINITE
                v = rm.score if updated else rm.prev_score
                bound_only = v == -VALUE_INFINITE and i == 0
                if bound_only:
                    v = rm.last_score          # the move that will be played is always shown
                if v == -VALUE_INFINITE:
                    continue
                d = depth if updated else max(depth - 1, 1)
                pv = []
                for j in range(rm.pv_len):
                    if not is_legal_move(&w.board, rm.pv[j]):
                        break
                    pv.append(move_to_uci(&w.board, rm.pv[j]))
                    make_move(&w.board, rm.pv[j])
                for _ in pv:
                    unmake_move(&w.board)
                bound = bool((bound_only or i == w.pv_idx and not final_only) and (rm.lower or rm.upper))
                self.on_info(Info(depth=d, seldepth=max(rm.seldepth, d), multipv=i + 1,
                                  score=uci_score(v), lowerbound=bound and rm.lower,
                                  upperbound=bound and not rm.lower, nodes=nodes, nps=nps,
                                  hashfull=hashfull, time_ms=elapsed, pv=pv))
        except Exception:  # a broken callback must not kill the search
            import logging
            logging.getLogger(__name__).exception("on_info failed")

    # Iterative deepening of one thread: the main thread (id 0) keeps the
    # clock, the soft limits and the reports; helpers search until stopped.
    cdef void _iterate(self, Worker* w) noexcept nogil:
        cdef bint main = w.id == 0
        cdef Stack* ss = &w.stack[4]
        cdef int depth, alpha, beta, delta, value, i, avg, max_depth, multipv, pv_idx, rm_score
        cdef int stable = 0, mate_limit = 0
        cdef Move last_best = MOVE_NONE
        cdef int64_t elapsed
        cdef double scale
        memset(w.stack, 0, sizeof(w.stack))
        for i in range(MAX_PLY + 10):
            w.stack[i].static_eval = VALUE_NONE
            w.stack[i].cont_hist = &w.hist.continuation[0][0][0]
        ss.ply = 0
        w.nmp_min_ply = 0
        max_depth = w.max_depth
        mate_limit = w.mate_limit
        multipv = w.multipv
        for depth in range(1, max_depth + 1):
            if not main and depth > 1 and helper_skips(w.id, depth):
                continue
            w.root_depth = depth
            for i in range(w.n_root):
                w.root_moves[i].prev_score = w.root_moves[i].score
            for pv_idx in range(multipv):
                w.pv_idx = pv_idx
                w.seldepth = 0
                avg = w.root_moves[w.pv_idx].avg_score
                if depth >= P.ASPIRATION_MIN_DEPTH and avg != -VALUE_INFINITE:
                    delta = P.ASPIRATION_DELTA + avg * avg // 20000
                    alpha = max(avg - delta, -VALUE_INFINITE)
                    beta = min(avg + delta, VALUE_INFINITE)
                else:
                    delta = VALUE_INFINITE
                    alpha = -VALUE_INFINITE
                    beta = VALUE_INFINITE
                while True:
                    for i in range(w.pv_idx, w.n_root):
                        w.root_moves[i].score = -VALUE_INFINITE
                    value = search(w, ss, alpha, beta, depth, False)
                    sort_root_moves(w, w.pv_idx, w.n_root)
                    if ly_flag_get(w.stop):
                        break
                    if value <= alpha:
                        beta = (alpha + beta) // 2
                        alpha = max(value - delta, -VALUE_INFINITE)
                    elif value >= beta:
                        beta = min(value + delta, VALUE_INFINITE)
                    else:
                        break
                    if main and multipv == 1 and time_elapsed(&w.tm) > 1000:
                        self._report(w, depth, False)
                    delta += delta // 2
                    if delta > 1000:
                        delta = VALUE_INFINITE
                sort_root_moves(w, 0, w.pv_idx + 1)
                if ly_flag_get(w.stop):
                    break
                rm_score = w.root_moves[w.pv_idx].score
                if w.root_moves[w.pv_idx].avg_score == -VALUE_INFINITE:
                    w.root_moves[w.pv_idx].avg_score = rm_score
                else:
                    w.root_moves[w.pv_idx].avg_score = (rm_score + w.root_moves[w.pv_idx].avg_score) // 2

            if ly_flag_get(w.stop):
                # An interrupted iteration still reports what it found.
                if main and depth > 1:
                    self._report(w, depth, True)
                break
            w.completed_depth = depth
            if not main:
                continue
            if depth == 1 and self.n_threads > 1:
                self._start_helpers()
            with gil:
                self._completed = depth
            self._report(w, depth, True)

            if w.soft_node_limit and w.nodes >= w.soft_node_limit:
                break
            # Mate limit reached?
            if mate_limit and w.root_moves[0].score >= mate_in(2 * mate_limit):
                break
            # Soft time limit, scaled by the stability of the best move
            # (a clock game's budget; `go movetime` asks for exactly its time).
            if w.tm.use_time and not w.tm.fixed and not ly_flag_get(w.pondering):
                if w.root_moves[0].move == last_best:
                    stable += 1
                else:
                    stable = 0
                last_best = w.root_moves[0].move
                scale = 1.6 - 0.15 * stable
                if scale < 0.55:
                    scale = 0.55
                if w.n_root == 1:
                    scale = 0.05
                elapsed = time_elapsed(&w.tm)
                if elapsed > w.tm.optimum * scale or elapsed > w.tm.maximum * 6 // 10:
                    break
        # Depth limit reached in ponder/infinite mode: the caller waits.
