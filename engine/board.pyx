# The board's core operations (declared in engine/board.pxd): state-stack
# memory, Polyglot-compatible Zobrist keys, check information, make/unmake,
# move properties and the draw rules that read the repetition data make_move
# keeps.
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport uint64_t

from engine.types cimport (Bitboard, Key, Move, WHITE, BLACK, PAWN, KNIGHT,
                           BISHOP, ROOK, QUEEN, KING, NO_PIECE, SQ_NONE,
                           MOVE_NULL, MT_NORMAL, MT_PROMOTION, MT_EN_PASSANT,
                           MT_CASTLING, MAX_MOVES, make_piece, type_of, color_of,
                           file_of, relative_square, move_from, move_to, move_kind,
                           promotion_type)
from engine.bitboard cimport square_bb, pop_lsb, popcount, more_than_one, DARK_SQUARES_BB
from engine.attacks cimport (PAWN_ATTACKS, KNIGHT_ATTACKS, BETWEEN, rook_attacks,
                             bishop_attacks, piece_attacks, aligned)
from engine.movegen cimport generate_moves, has_legal_move, GEN_NOISY

cdef extern from "polyglot_keys.h":
    const uint64_t POLYGLOT_RANDOM[781]

# ---------------------------------------------------------------------------
# Zobrist keys.  The main key is Polyglot's, so opening books work and tests
# can compare against chess.polyglot.zobrist_hash.

cdef Key CASTLING_KEYS[16]
cdef Key EP_KEYS[8]
cdef Key MATERIAL_KEYS[16][16]

cdef void init_keys() noexcept:
    global SIDE_KEY
    cdef int pc, sq, i, c, pt, n
    cdef uint64_t s = 0x9E3779B97F4A7C15ULL
    cdef uint64_t z
    memset(PSQ_KEYS, 0, sizeof(PSQ_KEYS))
    for c in range(2):
        for pt in range(PAWN, KING + 1):
            pc = make_piece(c, pt)
            for sq in range(64):
                # Polyglot's kind: black pawn 0, white pawn 1, black knight 2, ...
                PSQ_KEYS[pc][sq] = POLYGLOT_RANDOM[64 * (2 * (pt - 1) + (1 - c)) + sq]
    for i in range(16):
        CASTLING_KEYS[i] = 0
        for n in range(4):
            if i & (1 << n):
                CASTLING_KEYS[i] ^= POLYGLOT_RANDOM[768 + n]
    for i in range(8):
        EP_KEYS[i] = POLYGLOT_RANDOM[772 + i]
    SIDE_KEY = POLYGLOT_RANDOM[780]
    # Material keys are our own (splitmix64), XOR of key[piece][i] for each
    # i below the piece's count.
    for pc in range(16):
        for n in range(16):
            s += 0x9E3779B97F4A7C15ULL
            z = s
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
            MATERIAL_KEYS[pc][n] = z ^ (z >> 31)


init_keys()

# ---------------------------------------------------------------------------
# Board memory

cdef int board_init(Board* b) except -1:
    memset(b, 0, sizeof(Board))
    b.capacity = 256
    b.states = <StateInfo*>malloc(b.capacity * sizeof(StateInfo))
    if b.states == NULL:
        raise MemoryError()
    b.sp = 0
    b.st = b.states
    memset(b.st, 0, sizeof(StateInfo))
    return 0


cdef void board_free(Board* b) noexcept:
    free(b.states)
    b.states = NULL
    b.st = NULL


# Make room for `extra` more plies on the state stack.  Search reserves its
# maximum depth once, so make_move itself never allocates.
cdef int board_reserve(Board* b, int extra) except -1 nogil:
    cdef int need = b.sp + extra + 1
    cdef StateInfo* p
    if need <= b.capacity:
        return 0
    while b.capacity < need:
        b.capacity *= 2
    p = <StateInfo*>realloc(b.states, b.capacity * sizeof(StateInfo))
    if p == NULL:
        with gil:
            raise MemoryError()
    b.states = p
    b.st = &b.states[b.sp]
    return 0


cdef int board_copy(Board* dst, const Board* src) except -1 nogil:
    cdef StateInfo* states = dst.states
    cdef int cap = dst.capacity
    if cap < src.capacity:
        states = <StateInfo*>realloc(states, src.capacity * sizeof(StateInfo))
        if states == NULL:
            with gil:
                raise MemoryError()
        cap = src.capacity
    memcpy(dst, src, sizeof(Board))
    dst.states = states
    dst.capacity = cap
    memcpy(dst.states, src.states, (src.sp + 1) * sizeof(StateInfo))
    dst.st = &dst.states[dst.sp]
    return 0

# ---------------------------------------------------------------------------
# Dirty pieces: what a move changed, for the NNUE accumulator

cdef inline void add_dirty(DirtyPiece* d, int pc, int frm, int to) noexcept nogil:
    d.piece[d.count] = pc
    d.frm[d.count] = frm
    d.to[d.count] = to
    d.count += 1

# ---------------------------------------------------------------------------
# Check information: pins, discovered-check candidates, checking squares.

# Pieces (either colour) that alone stand between `sq` and a slider of
# `sliders`; *pinners gets those sliders whose blocker has the colour of
# the piece on sq.
cdef inline Bitboard slider_blockers(const Board* b, Bitboard sliders, int sq,
                                     Bitboard* pinners) noexcept nogil:
    cdef Bitboard blockers = 0, snipers, occ, between
    cdef int sniper
    pinners[0] = 0
    snipers = ((rook_attacks(sq, 0) & (b.by_type[ROOK] | b.by_type[QUEEN]))
               | (bishop_attacks(sq, 0) & (b.by_type[BISHOP] | b.by_type[QUEEN]))) & sliders
    occ = b.by_type[0] ^ snipers
    while snipers:
        sniper = pop_lsb(&snipers)
        between = BETWEEN[sq][sniper] & occ
        if between and not more_than_one(between):
            blockers |= between
            if between & b.by_color[color_of(b.squares[sq])]:
                pinners[0] |= square_bb(sniper)
    return blockers


cdef inline void set_check_info(Board* b) noexcept nogil:
    cdef StateInfo* st = b.st
    cdef int us = b.side
    cdef int ksq = king_square(b, us ^ 1)
    cdef Bitboard occ = b.by_type[0]
    st.blockers[WHITE] = slider_blockers(b, b.by_color[BLACK], king_square(b, WHITE), &st.pinners[BLACK])
    st.blockers[BLACK] = slider_blockers(b, b.by_color[WHITE], king_square(b, BLACK), &st.pinners[WHITE])
    st.check_squares[0] = 0
    st.check_squares[PAWN] = PAWN_ATTACKS[us ^ 1][ksq]
    st.check_squares[KNIGHT] = KNIGHT_ATTACKS[ksq]
    st.check_squares[BISHOP] = bishop_attacks(ksq, occ)
    st.check_squares[ROOK] = rook_attacks(ksq, occ)
    st.check_squares[QUEEN] = st.check_squares[BISHOP] | st.check_squares[ROOK]
    st.check_squares[KING] = 0


# True if an en-passant capture is legal (FEN shows the square only then, as
# python-chess does).
cdef bint ep_capture_legal(const Board* b) noexcept nogil:
    cdef Move moves[MAX_MOVES]
    cdef int n, i
    if b.st.ep_square == SQ_NONE:
        return False
    n = generate_moves(b, moves, GEN_NOISY)
    for i in range(n):
        if move_kind(moves[i]) == MT_EN_PASSANT:
            return True
    return False


# Polyglot hashes the en-passant file whenever a pawn could capture, even
# illegally; repetition (FIDE, python-chess) counts the position as the same
# in that case, so repetitions compare a key without the file.
cdef inline void set_rep_key(Board* b) noexcept nogil:
    cdef StateInfo* st = b.st
    st.rep_key = st.key
    if st.ep_square != SQ_NONE and not ep_capture_legal(b):
        st.rep_key ^= EP_KEYS[file_of(st.ep_square)]


# Distance to an earlier occurrence of this position within the reversible
# plies (negative if that one was itself a repetition), as Stockfish keeps it.
cdef inline void set_repetition(Board* b) noexcept nogil:
    cdef StateInfo* st = b.st
    cdef int end = st.rule50 if st.rule50 < st.plies_from_null else st.plies_from_null
    cdef int i
    cdef StateInfo* stp
    st.repetition = 0
    if end > b.sp:
        end = b.sp
    i = 4
    while i <= end:
        stp = &b.states[b.sp - i]
        if stp.rep_key == st.rep_key:
            st.repetition = -i if stp.repetition else i
            return
        i += 2

# ---------------------------------------------------------------------------
# Make / unmake

cdef void make_move(Board* b, Move m) noexcept nogil:
    cdef StateInfo* old = b.st
    cdef StateInfo* st = &b.states[b.sp + 1]
    cdef int us = b.side
    cdef int them = us ^ 1
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int kind = move_kind(m)
    cdef int pc = b.squares[frm]
    cdef int captured = NO_PIECE
    cdef int capsq, rfrom, rto, kto, promo, epsq, rook
    cdef Key key = old.key ^ SIDE_KEY
    cdef int lost

    st.pawn_key = old.pawn_key
    st.material_key = old.material_key
    st.non_pawn_key[0] = old.non_pawn_key[0]
    st.non_pawn_key[1] = old.non_pawn_key[1]
    st.castling = old.castling
    st.rule50 = old.rule50 + 1
    st.plies_from_null = old.plies_from_null + 1
    st.ep_square = SQ_NONE
    st.move = m
    st.dirty.count = 0
    if old.ep_square != SQ_NONE:
        key ^= EP_KEYS[file_of(old.ep_square)]

    if kind == MT_CASTLING:
        rfrom = to
        rook = b.squares[rfrom]
        kto = relative_square(us, 6 if rfrom > frm else 2)
        rto = relative_square(us, 5 if rfrom > frm else 3)
        remove_piece(b, frm)
        remove_piece(b, rfrom)
        put_piece(b, pc, kto)
        put_piece(b, rook, rto)
        key ^= PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][kto] ^ PSQ_KEYS[rook][rfrom] ^ PSQ_KEYS[rook][rto]
        st.non_pawn_key[us] ^= (PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][kto]
                                ^ PSQ_KEYS[rook][rfrom] ^ PSQ_KEYS[rook][rto])
        add_dirty(&st.dirty, pc, frm, kto)
        add_dirty(&st.dirty, rook, rfrom, rto)
    else:
        capsq = to
        if kind == MT_EN_PASSANT:
            capsq = to - 8 if us == WHITE else to + 8
        captured = b.squares[capsq]
        if captured != NO_PIECE:
            if type_of(captured) == PAWN:
                st.pawn_key ^= PSQ_KEYS[captured][capsq]
            else:
                st.non_pawn_key[them] ^= PSQ_KEYS[captured][capsq]
            remove_piece(b, capsq)
            st.material_key ^= MATERIAL_KEYS[captured][popcount(pieces_cp(b, them, type_of(captured)))]
            key ^= PSQ_KEYS[captured][capsq]
            st.rule50 = 0
            add_dirty(&st.dirty, captured, capsq, SQ_NONE)
        move_piece(b, frm, to)
        key ^= PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][to]
        add_dirty(&st.dirty, pc, frm, to)
        if type_of(pc) == PAWN:
            st.rule50 = 0
            st.pawn_key ^= PSQ_KEYS[pc][frm]
            if kind == MT_PROMOTION:
                promo = make_piece(us, promotion_type(m))
                remove_piece(b, to)
                put_piece(b, promo, to)
                key ^= PSQ_KEYS[pc][to] ^ PSQ_KEYS[promo][to]
                st.non_pawn_key[us] ^= PSQ_KEYS[promo][to]
                st.material_key ^= (MATERIAL_KEYS[pc][popcount(pieces_cp(b, us, PAWN))]
                                    ^ MATERIAL_KEYS[promo][popcount(pieces_cp(b, us, type_of(promo))) - 1])
                st.dirty.to[st.dirty.count - 1] = SQ_NONE
                add_dirty(&st.dirty, promo, SQ_NONE, to)
            else:
                st.pawn_key ^= PSQ_KEYS[pc][to]
                if (to ^ frm) == 16:
                    # Keep the en-passant square only if a pawn could take
                    # there: the same rule as Polyglot's key.
                    epsq = (to + frm) >> 1
                    if PAWN_ATTACKS[us][epsq] & pieces_cp(b, them, PAWN):
                        st.ep_square = epsq
                        key ^= EP_KEYS[file_of(epsq)]
        else:
            st.non_pawn_key[us] ^= PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][to]

    lost = b.castling_mask[frm] | b.castling_mask[to]
    if st.castling & lost:
        key ^= CASTLING_KEYS[st.castling]
        st.castling &= ~lost
        key ^= CASTLING_KEYS[st.castling]

    st.key = key
    st.captured = captured
    b.side = them
    b.game_ply += 1
    b.sp += 1
    b.st = st
    st.checkers = attackers_to(b, king_square(b, them), b.by_type[0]) & b.by_color[us]
    set_check_info(b)
    set_rep_key(b)
    set_repetition(b)


cdef void unmake_move(Board* b) noexcept nogil:
    cdef StateInfo* st = b.st
    cdef Move m = st.move
    cdef int them = b.side
    cdef int us = them ^ 1
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int kind = move_kind(m)
    cdef int kto, rto, king, rook, capsq
    b.side = us
    if kind == MT_CASTLING:
        kto = relative_square(us, 6 if to > frm else 2)
        rto = relative_square(us, 5 if to > frm else 3)
        king = b.squares[kto]
        rook = b.squares[rto]
        remove_piece(b, kto)
        remove_piece(b, rto)
        put_piece(b, king, frm)
        put_piece(b, rook, to)
    else:
        if kind == MT_PROMOTION:
            remove_piece(b, to)
            put_piece(b, make_piece(us, PAWN), to)
        move_piece(b, to, frm)
        if st.captured != NO_PIECE:
            capsq = to
            if kind == MT_EN_PASSANT:
                capsq = to - 8 if us == WHITE else to + 8
            put_piece(b, st.captured, capsq)
    b.game_ply -= 1
    b.sp -= 1
    b.st = &b.states[b.sp]


cdef void make_null_move(Board* b) noexcept nogil:
    cdef StateInfo* old = b.st
    cdef StateInfo* st = &b.states[b.sp + 1]
    memcpy(st, old, sizeof(StateInfo))
    if old.ep_square != SQ_NONE:
        st.key ^= EP_KEYS[file_of(old.ep_square)]
        st.ep_square = SQ_NONE
    st.key ^= SIDE_KEY
    st.rule50 += 1
    st.plies_from_null = 0
    st.move = MOVE_NULL
    st.captured = NO_PIECE
    st.repetition = 0
    st.dirty.count = 0
    b.side ^= 1
    b.sp += 1
    b.st = st
    st.checkers = 0
    set_check_info(b)
    st.rep_key = st.key


cdef void unmake_null_move(Board* b) noexcept nogil:
    b.side ^= 1
    b.sp -= 1
    b.st = &b.states[b.sp]

# ---------------------------------------------------------------------------
# Move properties

cdef bint is_capture(const Board* b, Move m) noexcept nogil:
    cdef int kind = move_kind(m)
    if kind == MT_CASTLING:
        return False
    return kind == MT_EN_PASSANT or b.squares[move_to(m)] != NO_PIECE


cdef bint gives_check(const Board* b, Move m) noexcept nogil:
    cdef int us = b.side
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int ksq = king_square(b, us ^ 1)
    cdef int kind = move_kind(m)
    cdef Bitboard occ, rq, bq
    cdef int capsq, kto, rto
    if kind == MT_CASTLING:
        # Rare: rebuild the board after castling and look at the sliders.
        kto = relative_square(us, 6 if to > frm else 2)
        rto = relative_square(us, 5 if to > frm else 3)
        occ = (b.by_type[0] ^ square_bb(frm) ^ square_bb(to)) | square_bb(kto) | square_bb(rto)
        rq = ((pieces_cp(b, us, ROOK) ^ square_bb(to)) | square_bb(rto) | pieces_cp(b, us, QUEEN))
        bq = pieces_cp(b, us, BISHOP) | pieces_cp(b, us, QUEEN)
        return ((rook_attacks(ksq, occ) & rq) | (bishop_attacks(ksq, occ) & bq)) != 0
    if b.st.check_squares[type_of(b.squares[frm])] & square_bb(to):
        return True
    if (b.st.blockers[us ^ 1] & square_bb(frm)) and not aligned(frm, to, ksq):
        return True
    if kind == MT_NORMAL:
        return False
    if kind == MT_PROMOTION:
        return (piece_attacks(promotion_type(m), to, b.by_type[0] ^ square_bb(frm)) & square_bb(ksq)) != 0
    # En passant: the captured pawn may uncover a slider.
    capsq = to - 8 if us == WHITE else to + 8
    occ = (b.by_type[0] ^ square_bb(frm) ^ square_bb(capsq)) | square_bb(to)
    return ((rook_attacks(ksq, occ) & (pieces_cp(b, us, ROOK) | pieces_cp(b, us, QUEEN)))
            | (bishop_attacks(ksq, occ) & (pieces_cp(b, us, BISHOP) | pieces_cp(b, us, QUEEN)))) != 0


# ---------------------------------------------------------------------------
# Root state: what FEN setup cannot take from the text

cdef inline void compute_keys(Board* b) noexcept nogil:
    cdef StateInfo* st = b.st
    cdef int sq, pc, c, pt, n
    st.key = CASTLING_KEYS[st.castling]
    st.pawn_key = 0
    st.material_key = 0
    st.non_pawn_key[0] = st.non_pawn_key[1] = 0
    if b.side == WHITE:
        st.key ^= SIDE_KEY
    if st.ep_square != SQ_NONE:
        st.key ^= EP_KEYS[file_of(st.ep_square)]
    for sq in range(64):
        pc = b.squares[sq]
        if pc != NO_PIECE:
            st.key ^= PSQ_KEYS[pc][sq]
            if type_of(pc) == PAWN:
                st.pawn_key ^= PSQ_KEYS[pc][sq]
            else:
                st.non_pawn_key[color_of(pc)] ^= PSQ_KEYS[pc][sq]
    for c in range(2):
        for pt in range(PAWN, KING + 1):
            for n in range(popcount(pieces_cp(b, c, pt))):
                st.material_key ^= MATERIAL_KEYS[make_piece(c, pt)][n]


cdef void board_set_state(Board* b) noexcept nogil:
    compute_keys(b)
    set_check_info(b)
    set_rep_key(b)

# ---------------------------------------------------------------------------
# Draws

# FIDE dead positions that are easy to recognise, with python-chess's
# definition: no pawns, rooks or queens, and either a lone knight or only
# bishops all on squares of one colour.
cdef bint has_insufficient_material(const Board* b) noexcept nogil:
    cdef Bitboard minors
    if b.by_type[PAWN] | b.by_type[ROOK] | b.by_type[QUEEN]:
        return False
    minors = b.by_type[KNIGHT] | b.by_type[BISHOP]
    if b.by_type[KNIGHT]:
        return not more_than_one(minors)
    return (minors & DARK_SQUARES_BB) == 0 or (minors & ~DARK_SQUARES_BB) == 0


# Draw by the rules at `ply` plies from the search root: fifty-move rule
# (unless mated), any repetition inside the search path, a third occurrence
# counting the game history, or insufficient material.
cdef bint is_draw(const Board* b, int ply) noexcept nogil:
    if b.st.rule50 > 99 and (not b.st.checkers or has_legal_move(b)):
        return True
    if b.st.repetition and b.st.repetition < ply:
        return True
    return has_insufficient_material(b)
