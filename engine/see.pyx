# Static exchange evaluation: the material balance of the capture sequence
# on one square, each side recapturing with its least valuable piece.
from engine.types cimport (Bitboard, Move, WHITE, PAWN, BISHOP, ROOK, QUEEN, KING,
                           MT_PROMOTION, MT_EN_PASSANT, MT_CASTLING, type_of,
                           move_from, move_to, move_kind, SEE_PAWN, SEE_KNIGHT,
                           SEE_BISHOP, SEE_ROOK, SEE_QUEEN, SEE_KING)
from engine.bitboard cimport square_bb
from engine.attacks cimport rook_attacks, bishop_attacks
from engine.board cimport attackers_to

PIECE_VALUE[:] = [0, SEE_PAWN, SEE_KNIGHT, SEE_BISHOP, SEE_ROOK, SEE_QUEEN, SEE_KING, 0]


# Static exchange evaluation as a threshold test: is the exchange sequence
# started by m worth at least `threshold`?  Each side recaptures with its
# least valuable attacker, x-rays are revealed as pieces leave, and pinned
# pieces may not recapture while their pinner is on the board.
# https://www.chessprogramming.org/Static_Exchange_Evaluation
cdef bint see_ge(const Board* b, Move m, int threshold) noexcept nogil:
    cdef int kind = move_kind(m)
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int swap, res, stm, pt
    cdef Bitboard occ, attackers, stm_attackers, bb
    cdef Bitboard diag = b.by_type[BISHOP] | b.by_type[QUEEN]
    cdef Bitboard orth = b.by_type[ROOK] | b.by_type[QUEEN]
    if kind == MT_CASTLING or kind == MT_PROMOTION:
        return 0 >= threshold
    occ = b.by_type[0] ^ square_bb(frm) ^ square_bb(to)
    if kind == MT_EN_PASSANT:
        swap = SEE_PAWN - threshold
        occ ^= square_bb(to - 8 if b.side == WHITE else to + 8)
    else:
        swap = PIECE_VALUE[type_of(b.squares[to])] - threshold
    if swap < 0:
        return False
    swap = PIECE_VALUE[type_of(b.squares[frm])] - swap
    if swap <= 0:
        return True
    stm = b.side
    attackers = attackers_to(b, to, occ)
    res = 1
    while True:
        stm ^= 1
        attackers &= occ
        stm_attackers = attackers & b.by_color[stm]
        if not stm_attackers:
            break
        if b.st.pinners[stm ^ 1] & occ:
            stm_attackers &= ~b.st.blockers[stm]
            if not stm_attackers:
                break
        res ^= 1
        # The least valuable attacker recaptures.
        pt = PAWN
        while pt < KING:
            bb = stm_attackers & b.by_type[pt]
            if bb:
                break
            pt += 1
        if pt == KING:
            # Only the king is left: it may capture only if nothing defends.
            if attackers & ~b.by_color[stm]:
                return not res
            return res
        swap = PIECE_VALUE[pt] - swap
        if swap < res:
            break
        occ ^= bb & (~bb + 1)
        # Lifting the piece may reveal a slider behind it (x-ray).
        if pt == PAWN or pt == BISHOP or pt == QUEEN:
            attackers |= bishop_attacks(to, occ) & diag
        if pt == ROOK or pt == QUEEN:
            attackers |= rook_attacks(to, occ) & orth
    return res


# The exchange value itself, by bisection over see_ge (which is monotone).
cdef int see_value(const Board* b, Move m) noexcept nogil:
    cdef int lo = -SEE_KING - SEE_QUEEN, hi = SEE_KING + SEE_QUEEN, mid
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if see_ge(b, m, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo
