from engine.types cimport (Move, MOVE_NONE, PAWN, QUEEN, MT_PROMOTION, MT_EN_PASSANT,
                           move_from, move_to, move_kind, promotion_type, type_of)
from engine.board cimport Board, is_capture, gives_check
from engine.movegen cimport generate_moves, is_legal_move, GEN_NOISY, GEN_QUIET
from engine.see cimport PIECE_VALUE, see_ge
from search.history cimport History
from libc.stdint cimport int16_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset
from engine.notation cimport move_to_uci
from engine.position cimport Position

cdef enum:
    ST_TT = 0
    ST_GEN_NOISY = 1
    ST_GOOD_NOISY = 2
    ST_KILLER1 = 3
    ST_KILLER2 = 4
    ST_COUNTER = 5
    ST_GEN_QUIET = 6
    ST_QUIET = 7
    ST_BAD_NOISY = 8
    ST_DONE = 9
    ST_EV_TT = 10
    ST_EV_GEN = 11
    ST_EVASION = 12
    ST_QS_TT = 20
    ST_QS_GEN = 21
    ST_QS_NOISY = 22
    ST_QS_GEN_CHECKS = 23
    ST_QS_CHECKS = 24


cdef inline bint is_quiet(const Board* b, Move m) noexcept nogil:
    return move_kind(m) != MT_PROMOTION and not is_capture(b, m)


cdef void picker_init_main(MovePicker* mp, const Board* b, const History* hist, Move tt_move,
                           Move killer1, Move killer2, Move counter,
                           const int16_t* cont1, const int16_t* cont2) noexcept nogil:
    mp.board = b
    mp.hist = hist
    mp.cont1 = cont1
    mp.cont2 = cont2
    mp.n = mp.cur = mp.n_bad = mp.cur_bad = 0
    mp.skip_quiets = False
    mp.qs_checks = False
    mp.tt_move = tt_move if (tt_move and is_legal_move(b, tt_move)) else MOVE_NONE
    mp.killer1 = killer1
    mp.killer2 = killer2
    mp.counter = counter
    if b.st.checkers:
        mp.stage = ST_EV_TT if mp.tt_move else ST_EV_GEN
    else:
        mp.stage = ST_TT if mp.tt_move else ST_GEN_NOISY


cdef void picker_init_qs(MovePicker* mp, const Board* b, const History* hist, Move tt_move,
                         const int16_t* cont1, const int16_t* cont2, bint checks) noexcept nogil:
    picker_init_main(mp, b, hist, tt_move, MOVE_NONE, MOVE_NONE, MOVE_NONE, cont1, cont2)
    if not b.st.checkers:
        # Quiescence looks at captures and promotions, and with `checks` then
        # at quiet checks (a quiet TT move is tried in their stage).
        mp.qs_checks = checks
        if mp.tt_move and is_quiet(b, mp.tt_move):
            mp.tt_move = MOVE_NONE
        mp.stage = ST_QS_TT if mp.tt_move else ST_QS_GEN


# Captures: most valuable victim first, then capture history.
cdef void score_noisy(MovePicker* mp) noexcept nogil:
    cdef int i, victim
    cdef Move m
    cdef const Board* b = mp.board
    for i in range(mp.n):
        m = mp.moves[i]
        victim = PAWN if move_kind(m) == MT_EN_PASSANT else type_of(b.squares[move_to(m)])
        mp.scores[i] = 16 * PIECE_VALUE[victim] + mp.hist.capture[b.squares[move_from(m)]][move_to(m)][victim]
        if move_kind(m) == MT_PROMOTION:
            mp.scores[i] += 16 * PIECE_VALUE[promotion_type(m)] if promotion_type(m) == QUEEN else -100000


# Quiets: butterfly history plus the two continuation histories.
cdef void score_quiets(MovePicker* mp, int start) noexcept nogil:
    cdef int i, pc, to
    cdef Move m
    cdef const Board* b = mp.board
    for i in range(start, mp.n):
        m = mp.moves[i]
        pc = b.squares[move_from(m)]
        to = move_to(m)
        mp.scores[i] = (mp.hist.butterfly[b.side][m & 4095]
                        + 2 * mp.cont1[pc * 64 + to] + mp.cont2[pc * 64 + to])


cdef inline int max_int(int a, int b) noexcept nogil:
    return a if a > b else b


# Selection sort step: move the best remaining move (the first of equals) to position cur.
# The maximum first, as a reduction the compiler vectorises, then its first index: a
# scan that carries the best index stalls on each comparison.
cdef inline Move pick_best(MovePicker* mp) noexcept nogil:
    cdef int best = mp.cur, i, s, top = mp.scores[mp.cur]
    cdef const int* sc = mp.scores
    cdef Move m
    for i in range(mp.cur + 1, mp.n):
        top = max_int(top, sc[i])
    while sc[best] != top:
        best += 1
    m = mp.moves[best]
    s = mp.scores[best]
    mp.moves[best] = mp.moves[mp.cur]
    mp.scores[best] = mp.scores[mp.cur]
    mp.moves[mp.cur] = m
    mp.scores[mp.cur] = s
    mp.cur += 1
    return m


cdef inline bint is_special(const MovePicker* mp, Move m) noexcept nogil:
    return m == mp.tt_move or m == mp.killer1 or m == mp.killer2 or m == mp.counter


cdef Move next_move(MovePicker* mp) noexcept nogil:
    cdef Move m
    cdef int i, start
    cdef const Board* b = mp.board
    while True:
        if mp.stage == ST_TT or mp.stage == ST_EV_TT or mp.stage == ST_QS_TT:
            mp.stage += 1
            return mp.tt_move

        elif mp.stage == ST_GEN_NOISY or mp.stage == ST_QS_GEN:
            mp.n = generate_moves(b, mp.moves, GEN_NOISY)
            mp.cur = 0
            score_noisy(mp)
            mp.stage += 1

        elif mp.stage == ST_GOOD_NOISY:
            while mp.cur < mp.n:
                m = pick_best(mp)
                if m == mp.tt_move:
                    continue
                # Losing captures and underpromotions wait until the end.
                if mp.scores[mp.cur - 1] < -50000 or not see_ge(b, m, -mp.scores[mp.cur - 1] // 64):
                    if mp.n_bad < 64:
                        mp.bad[mp.n_bad] = m
                        mp.n_bad += 1
                    continue
                return m
            mp.stage = ST_KILLER1

        elif mp.stage == ST_KILLER1:
            mp.stage = ST_KILLER2
            m = mp.killer1
            if not mp.skip_quiets and m and m != mp.tt_move and is_legal_move(b, m) and is_quiet(b, m):
                return m

        elif mp.stage == ST_KILLER2:
            mp.stage = ST_COUNTER
            m = mp.killer2
            if not mp.skip_quiets and m and m != mp.tt_move and m != mp.killer1 \
                    and is_legal_move(b, m) and is_quiet(b, m):
                return m

        elif mp.stage == ST_COUNTER:
            mp.stage = ST_GEN_QUIET
            m = mp.counter
            if not mp.skip_quiets and m and m != mp.tt_move and m != mp.killer1 \
                    and m != mp.killer2 and is_legal_move(b, m) and is_quiet(b, m):
                return m

        elif mp.stage == ST_GEN_QUIET:
            mp.stage = ST_QUIET
            if not mp.skip_quiets:
                mp.n = generate_moves(b, mp.moves, GEN_QUIET)
                mp.cur = 0
                score_quiets(mp, 0)
            else:
                mp.n = mp.cur = 0

        elif mp.stage == ST_QUIET:
            while mp.cur < mp.n and not mp.skip_quiets:
                m = pick_best(mp)
                if not is_special(mp, m):
                    return m
            mp.stage = ST_BAD_NOISY

        elif mp.stage == ST_BAD_NOISY:
            if mp.cur_bad < mp.n_bad:
                mp.cur_bad += 1
                return mp.bad[mp.cur_bad - 1]
            mp.stage = ST_DONE

        elif mp.stage == ST_EV_GEN:
            # In check: all evasions, captures by MVV first, then quiets by history.
            mp.n = generate_moves(b, mp.moves, GEN_NOISY)
            score_noisy(mp)
            for i in range(mp.n):
                mp.scores[i] += 1000000
            start = mp.n
            mp.n += generate_moves(b, mp.moves + mp.n, GEN_QUIET)
            score_quiets(mp, start)
            mp.cur = 0
            mp.stage = ST_EVASION

        elif mp.stage == ST_EVASION:
            while mp.cur < mp.n:
                m = pick_best(mp)
                if m != mp.tt_move:
                    return m
            mp.stage = ST_DONE

        elif mp.stage == ST_QS_NOISY:
            while mp.cur < mp.n:
                m = pick_best(mp)
                if m != mp.tt_move:
                    return m
            mp.stage = ST_QS_GEN_CHECKS if mp.qs_checks else ST_DONE

        elif mp.stage == ST_QS_GEN_CHECKS:
            mp.n = generate_moves(b, mp.moves, GEN_QUIET)
            start = 0
            for i in range(mp.n):
                if gives_check(b, mp.moves[i]):
                    mp.moves[start] = mp.moves[i]
                    start += 1
            mp.n = start
            mp.cur = 0
            score_quiets(mp, 0)
            mp.stage = ST_QS_CHECKS

        elif mp.stage == ST_QS_CHECKS:
            if mp.cur < mp.n:
                return pick_best(mp)
            mp.stage = ST_DONE

        else:
            return MOVE_NONE


def quiescence_moves(Position pos, bint checks=False):
    """The moves the quiescence picker yields for `pos` with empty histories,
    in order (UCI strings): captures and promotions, then, with `checks`,
    quiet checks.  For tests and tools."""
    cdef MovePicker mp
    cdef History* hist = <History*> calloc(1, sizeof(History))
    cdef int16_t cont[16 * 64]
    cdef Move m
    cdef list out = []
    if hist == NULL:
        raise MemoryError()
    memset(cont, 0, sizeof(cont))
    try:
        picker_init_qs(&mp, &pos.b, hist, MOVE_NONE, cont, cont, checks)
        while True:
            m = next_move(&mp)
            if m == MOVE_NONE:
                break
            out.append(move_to_uci(&pos.b, m))
    finally:
        free(hist)
    return out
