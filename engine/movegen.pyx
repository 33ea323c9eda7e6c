# Fully legal move generation with check and pin masks.
#
# When in check by one piece, non-king moves must land on `checkmask` (the
# checker or a square between it and the king); in double check only the
# king moves.  A pinned piece may only move along the line through its king.
# King moves are tested against attacks computed with the king removed from
# the board, so it cannot step back along a slider's ray.  En passant, the
# one move that clears two squares of a rank at once, is checked by
# simulation.  See https://www.chessprogramming.org/Move_Generation
from engine.types cimport (Bitboard, Move, MAX_MOVES, WHITE, PAWN, KNIGHT, BISHOP, ROOK,
                           QUEEN, KING, SQ_NONE, MT_NORMAL, MT_PROMOTION,
                           MT_EN_PASSANT, MT_CASTLING, new_move, new_special,
                           new_promotion, relative_square, relative_rank,
                           move_kind, move_from, move_to)
from engine.bitboard cimport (square_bb, lsb, pop_lsb, more_than_one, rank_bb,
                              pawn_push, FILE_A_BB, FILE_H_BB)
from engine.attacks cimport (PAWN_ATTACKS, KNIGHT_ATTACKS, KING_ATTACKS, BETWEEN,
                             LINE, rook_attacks, bishop_attacks, piece_attacks)
from engine.board cimport Board, attackers_to, king_square, pieces_cp


cdef inline Move* add_targets(Move* out, int frm, Bitboard targets) noexcept nogil:
    while targets:
        out[0] = new_move(frm, pop_lsb(&targets))
        out += 1
    return out


cdef inline Move* add_promotions(Move* out, int frm, int to) noexcept nogil:
    out[0] = new_promotion(frm, to, QUEEN)
    out[1] = new_promotion(frm, to, KNIGHT)
    out[2] = new_promotion(frm, to, ROOK)
    out[3] = new_promotion(frm, to, BISHOP)
    return out + 4


# Pawn moves of the pawns that are not pinned, in bulk with shifts.
cdef inline Move* gen_pawns(const Board* b, Move* out, int us, Bitboard pawns,
                            Bitboard checkmask, int kind) noexcept nogil:
    cdef int up = 8 if us == WHITE else -8
    cdef Bitboard rank7 = rank_bb(6) if us == WHITE else rank_bb(1)
    cdef Bitboard rank3 = rank_bb(2) if us == WHITE else rank_bb(5)
    cdef Bitboard empty = ~b.by_type[0]
    cdef Bitboard theirs = b.by_color[us ^ 1] & checkmask
    cdef Bitboard low = pawns & ~rank7
    cdef Bitboard high = pawns & rank7
    cdef Bitboard b1, b2, west, east
    cdef int to
    # Capture directions: "west" towards the a-file, "east" towards h.
    cdef int dw = up - 1
    cdef int de = up + 1
    if kind != 1:  # quiet pushes
        b1 = pawn_push(us, low) & empty
        b2 = pawn_push(us, b1 & rank3) & empty & checkmask
        b1 &= checkmask
        while b1:
            to = pop_lsb(&b1)
            out[0] = new_move(to - up, to)
            out += 1
        while b2:
            to = pop_lsb(&b2)
            out[0] = new_move(to - up - up, to)
            out += 1
    if kind != 2:  # captures and promotions
        if us == WHITE:
            west = ((low & ~FILE_A_BB) << 7) & theirs
            east = ((low & ~FILE_H_BB) << 9) & theirs
        else:
            west = ((low & ~FILE_A_BB) >> 9) & theirs
            east = ((low & ~FILE_H_BB) >> 7) & theirs
        while west:
            to = pop_lsb(&west)
            out[0] = new_move(to - dw, to)
            out += 1
        while east:
            to = pop_lsb(&east)
            out[0] = new_move(to - de, to)
            out += 1
        if high:
            b1 = pawn_push(us, high) & empty & checkmask
            if us == WHITE:
                west = ((high & ~FILE_A_BB) << 7) & theirs
                east = ((high & ~FILE_H_BB) << 9) & theirs
            else:
                west = ((high & ~FILE_A_BB) >> 9) & theirs
                east = ((high & ~FILE_H_BB) >> 7) & theirs
            while b1:
                to = pop_lsb(&b1)
                out = add_promotions(out, to - up, to)
            while west:
                to = pop_lsb(&west)
                out = add_promotions(out, to - dw, to)
            while east:
                to = pop_lsb(&east)
                out = add_promotions(out, to - de, to)
    return out


# A pinned pawn moves only along its pin line.  In check that line must
# also meet the check mask: a "pinned" piece can still capture the checker
# when the pinner stands behind the checker on the same line (K g5, bishop
# f4 checking, pawn e3, queen d2: exf4 is legal), since the blockers are
# found with the snipers themselves removed from the board, as Stockfish does.
cdef inline Move* gen_pinned_pawn(const Board* b, Move* out, int us, int frm,
                                  Bitboard line, int kind) noexcept nogil:
    cdef int up = 8 if us == WHITE else -8
    cdef Bitboard empty = ~b.by_type[0]
    cdef Bitboard pushes = 0, caps, targets
    cdef bint promo = ((frm >> 3) == 6) if us == WHITE else ((frm >> 3) == 1)
    cdef bint start = ((frm >> 3) == 1) if us == WHITE else ((frm >> 3) == 6)
    if square_bb(frm + up) & empty:
        pushes = square_bb(frm + up)
        if start and (square_bb(frm + up + up) & empty):
            pushes |= square_bb(frm + up + up)
    pushes &= line
    caps = PAWN_ATTACKS[us][frm] & b.by_color[us ^ 1] & line
    if promo:
        if kind != 2:
            targets = pushes | caps
            while targets:
                out = add_promotions(out, frm, pop_lsb(&targets))
        return out
    if kind != 1:
        out = add_targets(out, frm, pushes)
    if kind != 2:
        out = add_targets(out, frm, caps)
    return out


cdef inline Move* gen_en_passant(const Board* b, Move* out, int us, int ksq) noexcept nogil:
    cdef int ep = b.st.ep_square
    cdef int them = us ^ 1
    cdef int capsq = ep - 8 if us == WHITE else ep + 8
    cdef Bitboard candidates = PAWN_ATTACKS[them][ep] & pieces_cp(b, us, PAWN)
    cdef Bitboard occ, attackers
    cdef int frm
    while candidates:
        frm = pop_lsb(&candidates)
        occ = (b.by_type[0] ^ square_bb(frm) ^ square_bb(capsq)) | square_bb(ep)
        attackers = ((rook_attacks(ksq, occ) & (b.by_type[ROOK] | b.by_type[QUEEN]))
                     | (bishop_attacks(ksq, occ) & (b.by_type[BISHOP] | b.by_type[QUEEN]))
                     | (KNIGHT_ATTACKS[ksq] & b.by_type[KNIGHT])
                     | (PAWN_ATTACKS[us][ksq] & b.by_type[PAWN] & ~square_bb(capsq)))
        if not (attackers & b.by_color[them]):
            out[0] = new_special(frm, ep, MT_EN_PASSANT)
            out += 1
    return out


# Castling under python-chess's rules (our oracle): the squares between the
# king and its target must be empty of all but king and rook and not
# attacked; the target square must not be attacked once king and rook stand
# on their new squares (matters in Chess960, where the rook can shield it).
cdef inline Move* gen_castling(const Board* b, Move* out, int us, int ksq) noexcept nogil:
    cdef int i, rsq, kto, rto, s
    cdef Bitboard occ = b.by_type[0]
    cdef Bitboard theirs = b.by_color[us ^ 1]
    cdef Bitboard path, occ_k
    cdef bint ok
    for i in range(2 * us, 2 * us + 2):
        if not (b.st.castling & (1 << i)):
            continue
        rsq = b.castling_rook[i]
        if (occ ^ square_bb(ksq) ^ square_bb(rsq)) & b.castling_path[i]:
            continue
        kto = relative_square(us, 6 if (i & 1) == 0 else 2)
        rto = relative_square(us, 5 if (i & 1) == 0 else 3)
        occ_k = occ ^ square_bb(ksq)
        path = b.castling_king_path[i]
        ok = True
        while path:
            s = pop_lsb(&path)
            if attackers_to(b, s, occ_k) & theirs:
                ok = False
                break
        if not ok:
            continue
        if attackers_to(b, kto, occ_k ^ square_bb(rsq) ^ square_bb(rto)) & theirs:
            continue
        out[0] = new_special(ksq, rsq, MT_CASTLING)
        out += 1
    return out


cdef int generate_moves(const Board* b, Move* moves, int kind) noexcept nogil:
    cdef int us = b.side
    cdef int them = us ^ 1
    cdef Bitboard occ = b.by_type[0]
    cdef Bitboard ours = b.by_color[us]
    cdef Bitboard theirs = b.by_color[them]
    cdef int ksq = king_square(b, us)
    cdef Bitboard checkers = b.st.checkers
    cdef Move* out = moves
    cdef Bitboard target_mask, targets, bb, att, checkmask, pinned
    cdef Bitboard occ_nok = occ ^ square_bb(ksq)
    cdef int frm, to

    if kind == 1:
        target_mask = theirs
    elif kind == 2:
        target_mask = ~occ
    else:
        target_mask = ~ours

    # King moves: the destination must be safe with the king lifted off.
    bb = KING_ATTACKS[ksq] & target_mask
    while bb:
        to = pop_lsb(&bb)
        if not (attackers_to(b, to, occ_nok) & theirs):
            out[0] = new_move(ksq, to)
            out += 1
    if more_than_one(checkers):
        return <int>(out - moves)

    if checkers:
        checkmask = BETWEEN[ksq][lsb(checkers)] | checkers
    else:
        checkmask = ~(<Bitboard>0)
    targets = target_mask & checkmask
    pinned = b.st.blockers[us] & ours

    bb = pieces_cp(b, us, KNIGHT) & ~pinned
    while bb:
        frm = pop_lsb(&bb)
        out = add_targets(out, frm, KNIGHT_ATTACKS[frm] & targets)

    bb = ours & (b.by_type[BISHOP] | b.by_type[QUEEN])
    while bb:
        frm = pop_lsb(&bb)
        att = bishop_attacks(frm, occ) & targets
        if pinned & square_bb(frm):
            att &= LINE[ksq][frm]
        out = add_targets(out, frm, att)

    bb = ours & (b.by_type[ROOK] | b.by_type[QUEEN])
    while bb:
        frm = pop_lsb(&bb)
        att = rook_attacks(frm, occ) & targets
        if pinned & square_bb(frm):
            att &= LINE[ksq][frm]
        out = add_targets(out, frm, att)

    bb = pieces_cp(b, us, PAWN)
    out = gen_pawns(b, out, us, bb & ~pinned, checkmask, kind)
    bb &= pinned
    while bb:
        frm = pop_lsb(&bb)
        out = gen_pinned_pawn(b, out, us, frm, LINE[ksq][frm] & checkmask, kind)
    if kind != 2 and b.st.ep_square != SQ_NONE:
        out = gen_en_passant(b, out, us, ksq)

    if kind != 1 and not checkers and b.st.castling:
        out = gen_castling(b, out, us, ksq)
    return <int>(out - moves)


cdef bint has_legal_move(const Board* b) noexcept nogil:
    cdef Move moves[MAX_MOVES]
    return generate_moves(b, moves, 0) > 0


# Is a move from outside the generator (TT, killers, countermoves, UCI)
# legal here?  Checked directly, without generating the moves, because the
# search asks this at most nodes.
cdef bint is_legal_move(const Board* b, Move m) noexcept nogil:
    cdef int us = b.side
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int kind = move_kind(m)
    cdef int pc = b.squares[frm]
    cdef int target = b.squares[to]
    cdef int pt, ksq, up, i, n
    cdef Bitboard occ = b.by_type[0]
    cdef Bitboard checkers = b.st.checkers
    cdef Move tmp[4]
    if frm == to or pc == 0 or (pc >> 3) != us:
        return False
    if kind != MT_PROMOTION and (m & 0x3000):
        return False            # promotion bits on a move that is not one
    ksq = king_square(b, us)
    pt = pc & 7
    if kind == MT_CASTLING:
        if pt != KING or target != ((us << 3) | ROOK) or checkers:
            return False
        n = <int>(gen_castling(b, tmp, us, ksq) - tmp)
        for i in range(n):
            if tmp[i] == m:
                return True
        return False
    if target != 0 and (target >> 3) == us:
        return False
    if kind == MT_EN_PASSANT:
        if pt != PAWN or to != b.st.ep_square:
            return False
        n = <int>(gen_en_passant(b, tmp, us, ksq) - tmp)
        for i in range(n):
            if tmp[i] == m:
                return True
        return False
    if pt == PAWN:
        up = 8 if us == WHITE else -8
        if (kind == MT_PROMOTION) != (relative_rank(us, to) == 7):
            return False
        if target != 0:
            if not (PAWN_ATTACKS[us][frm] & square_bb(to)):
                return False
        elif to == frm + up:
            pass
        elif not (to == frm + 2 * up and relative_rank(us, frm) == 1
                  and b.squares[frm + up] == 0):
            return False
    elif kind != MT_NORMAL:
        return False
    elif pt == KING:
        return (KING_ATTACKS[frm] & square_bb(to)) != 0 and \
            not (attackers_to(b, to, occ ^ square_bb(frm)) & b.by_color[us ^ 1])
    elif not (piece_attacks(pt, frm, occ) & square_bb(to)):
        return False
    if checkers:
        if more_than_one(checkers):
            return False
        if not ((BETWEEN[ksq][lsb(checkers)] | checkers) & square_bb(to)):
            return False
    if (b.st.blockers[us] & square_bb(frm)) and not (LINE[ksq][frm] & square_bb(to)):
        return False
    return True
