# Position: make/unmake with a state stack, Polyglot-compatible Zobrist keys,
# FEN (with X-FEN and Shredder-FEN castling), check information, static
# exchange evaluation, draw rules, and the Python-facing Position class.
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport uint64_t

from engine.types cimport (Bitboard, Key, Move, WHITE, BLACK, PAWN, KNIGHT,
                           BISHOP, ROOK, QUEEN, KING, NO_PIECE, SQ_NONE,
                           MOVE_NONE, MOVE_NULL, MT_NORMAL, MT_PROMOTION,
                           MT_EN_PASSANT, MT_CASTLING, make_piece, type_of,
                           color_of, file_of, rank_of, relative_square,
                           move_from, move_to, move_kind, promotion_type,
                           new_move, SEE_PAWN, SEE_KNIGHT, SEE_BISHOP,
                           SEE_ROOK, SEE_QUEEN, SEE_KING)
from engine.bitboard cimport (square_bb, lsb, msb, pop_lsb, popcount,
                              more_than_one, DARK_SQUARES_BB)
from engine.attacks cimport (PAWN_ATTACKS, KNIGHT_ATTACKS, KING_ATTACKS,
                             BETWEEN, LINE, rook_attacks, bishop_attacks,
                             piece_attacks, aligned)
from engine.board cimport (Board, StateInfo, DirtyPiece, attackers_to,
                           king_square, pieces_cp)
from engine.movegen cimport (generate_moves, has_legal_move, is_legal_move,
                             GEN_ALL, GEN_NOISY, GEN_QUIET)

cdef extern from "polyglot_keys.h":
    const uint64_t POLYGLOT_RANDOM[781]

STARTING_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"

# ---------------------------------------------------------------------------
# Zobrist keys.  The main key is Polyglot's, so opening books work and tests
# can compare against chess.polyglot.zobrist_hash.

cdef Key PSQ_KEYS[16][64]
cdef Key CASTLING_KEYS[16]
cdef Key EP_KEYS[8]
cdef Key SIDE_KEY
cdef Key MATERIAL_KEYS[16][16]
cdef int SEE_VALUES[8]


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
    SEE_VALUES[:] = [0, SEE_PAWN, SEE_KNIGHT, SEE_BISHOP, SEE_ROOK, SEE_QUEEN, SEE_KING, 0]


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
# Piece placement

cdef inline void put_piece(Board* b, int pc, int sq) noexcept nogil:
    cdef Bitboard bb = square_bb(sq)
    b.squares[sq] = pc
    b.by_type[0] |= bb
    b.by_type[type_of(pc)] |= bb
    b.by_color[color_of(pc)] |= bb


cdef inline void remove_piece(Board* b, int sq) noexcept nogil:
    cdef int pc = b.squares[sq]
    cdef Bitboard bb = square_bb(sq)
    b.by_type[0] ^= bb
    b.by_type[type_of(pc)] ^= bb
    b.by_color[color_of(pc)] ^= bb
    b.squares[sq] = NO_PIECE


cdef inline void move_piece(Board* b, int frm, int to) noexcept nogil:
    cdef int pc = b.squares[frm]
    cdef Bitboard ft = square_bb(frm) | square_bb(to)
    b.by_type[0] ^= ft
    b.by_type[type_of(pc)] ^= ft
    b.by_color[color_of(pc)] ^= ft
    b.squares[frm] = NO_PIECE
    b.squares[to] = pc


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


# Distance to an earlier occurrence of this position within the reversible
# plies (negative if that one was itself a repetition), as Stockfish keeps it.
# True if an en-passant capture is legal (FEN shows the square only then, as
# python-chess does).
cdef bint ep_capture_legal(const Board* b) noexcept nogil:
    cdef Move moves[256]
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


# The key after a move, without making it (for TT prefetch); ignores
# en passant and castling-right changes, which only prefetch approximates.
cdef Key key_after(const Board* b, Move m) noexcept nogil:
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int pc = b.squares[frm]
    cdef int captured = b.squares[to]
    cdef Key k = b.st.key ^ SIDE_KEY ^ PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][to]
    if captured != NO_PIECE and move_kind(m) != MT_CASTLING:
        k ^= PSQ_KEYS[captured][to]
    return k


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
        swap = SEE_VALUES[type_of(b.squares[to])] - threshold
    if swap < 0:
        return False
    swap = SEE_VALUES[type_of(b.squares[frm])] - swap
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
        swap = SEE_VALUES[pt] - swap
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

# ---------------------------------------------------------------------------
# Perft: bulk counting at the leaves (generation is fully legal).

cdef unsigned long long perft(Board* b, int depth) noexcept nogil:
    cdef Move moves[256]
    cdef int n = generate_moves(b, moves, GEN_ALL)
    cdef int i
    cdef unsigned long long total = 0
    if depth <= 1:
        return n
    for i in range(n):
        make_move(b, moves[i])
        total += perft(b, depth - 1)
        unmake_move(b)
    return total

# ---------------------------------------------------------------------------
# FEN

PIECE_CHARS = " PNBRQK  pnbrqk"
cdef dict PIECE_FROM_CHAR = {ch: i for i, ch in enumerate(PIECE_CHARS) if ch != " "}
COLOR_NAMES = ("white", "black")


def square_name(int sq):
    return "abcdefgh"[sq & 7] + str((sq >> 3) + 1)


def parse_square(str name):
    """Square index (a1 = 0) of a name such as 'e4'; ValueError otherwise."""
    if len(name) != 2 or name[0] not in "abcdefgh" or name[1] not in "12345678":
        raise ValueError(f"invalid square name {name!r}")
    return (ord(name[1]) - 49) * 8 + ord(name[0]) - 97


cdef void setup_castling(Board* b, int right, int rsq) noexcept:
    cdef int color = right >> 1
    cdef int ksq = king_square(b, color)
    cdef int kto = relative_square(color, 6 if (right & 1) == 0 else 2)
    cdef int rto = relative_square(color, 5 if (right & 1) == 0 else 3)
    b.castling_rook[right] = rsq
    b.castling_path[right] = ((BETWEEN[ksq][kto] | BETWEEN[rsq][rto] | square_bb(kto) | square_bb(rto))
                              & ~(square_bb(ksq) | square_bb(rsq)))
    b.castling_king_path[right] = BETWEEN[ksq][kto]
    b.castling_mask[ksq] |= 3 << (2 * color)
    b.castling_mask[rsq] |= 1 << right


cdef int board_set_fen(Board* b, str fen, object chess960) except -1:
    """Parse and validate a FEN (X-FEN and Shredder-FEN castling accepted).

    Raises ValueError naming the problem; on error *b is left unchanged."""
    cdef int squares[64]
    cdef int rank, f, sq, pc, i, color, side, rsq, ksq, kfile, n, right
    cdef int rights = 0
    cdef int rook_of_right[4]
    cdef int ep = SQ_NONE
    halfmove, fullmove = 0, 1   # Python ints until range-checked: no OverflowError
    cdef bint standard
    cdef Board tmp
    cdef Bitboard checkers
    cdef StateInfo* st
    if not isinstance(fen, str):
        raise TypeError("FEN must be a str")
    fields = fen.split()
    if len(fields) not in (4, 5, 6):
        raise ValueError(f"FEN must have 6 fields (4 without the move counters), "
                         f"found {len(fields)}: {fen!r}")
    rows = fields[0].split("/")
    if len(rows) != 8:
        raise ValueError(f"FEN board must have 8 ranks separated by '/', found {len(rows)}: {fen!r}")
    for i in range(64):
        squares[i] = NO_PIECE
    for i, row in enumerate(rows):
        rank = 7 - i
        f = 0
        prev_digit = False
        for ch in row:
            if ch in "12345678":
                if prev_digit:
                    raise ValueError(f"rank {rank + 1} of the FEN has two digits in a row: {row!r}")
                f += ord(ch) - 48
                prev_digit = True
            elif ch in PIECE_FROM_CHAR:
                if f >= 8:
                    raise ValueError(f"rank {rank + 1} of the FEN has more than 8 squares: {row!r}")
                squares[rank * 8 + f] = PIECE_FROM_CHAR[ch]
                f += 1
                prev_digit = False
            else:
                raise ValueError(f"bad piece letter {ch!r} in rank {rank + 1} of the FEN")
        if f != 8:
            raise ValueError(f"rank {rank + 1} of the FEN has {f} squares, not 8: {row!r}")

    if fields[1] not in ("w", "b"):
        raise ValueError(f"side to move must be 'w' or 'b', found {fields[1]!r}")
    side = WHITE if fields[1] == "w" else BLACK

    for color in range(2):
        n = sum(1 for i in range(64) if squares[i] == make_piece(color, KING))
        if n == 0:
            raise ValueError(f"the {COLOR_NAMES[color]} king is missing")
        if n > 1:
            raise ValueError(f"there are {n} {COLOR_NAMES[color]} kings")
        if sum(1 for i in range(64) if squares[i] != NO_PIECE and color_of(squares[i]) == color) > 16:
            raise ValueError(f"{COLOR_NAMES[color]} has more than 16 pieces")
        if sum(1 for i in range(64) if squares[i] == make_piece(color, PAWN)) > 8:
            raise ValueError(f"{COLOR_NAMES[color]} has more than 8 pawns")
    for i in list(range(8)) + list(range(56, 64)):
        if squares[i] != NO_PIECE and type_of(squares[i]) == PAWN:
            raise ValueError(f"pawn on the first or last rank ({square_name(i)})")

    # Castling: KQkq (outermost rook, X-FEN) or rook files (Shredder-FEN).
    for i in range(4):
        rook_of_right[i] = SQ_NONE
    cfield = fields[2]
    if cfield != "-":
        if len(set(cfield)) != len(cfield) or any(ch not in "KQkqABCDEFGHabcdefgh" for ch in cfield):
            raise ValueError(f"bad castling field {cfield!r}")
        for ch in cfield:
            color = WHITE if ch.isupper() else BLACK
            ksq = next(i for i in range(64) if squares[i] == make_piece(color, KING))
            if rank_of(ksq) != (0 if color == WHITE else 7):
                raise ValueError(f"castling right {ch!r} but the {COLOR_NAMES[color]} king "
                                 f"is not on its first rank")
            kfile = file_of(ksq)
            rank = rank_of(ksq)
            rook = make_piece(color, ROOK)
            c = ch.lower()
            rsq = SQ_NONE
            if c == "k":
                for f in range(7, kfile, -1):
                    if squares[rank * 8 + f] == rook:
                        rsq = rank * 8 + f
                        break
                if rsq == SQ_NONE:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on the king side")
            elif c == "q":
                for f in range(0, kfile):
                    if squares[rank * 8 + f] == rook:
                        rsq = rank * 8 + f
                        break
                if rsq == SQ_NONE:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on the queen side")
            else:
                rsq = rank * 8 + ord(c) - 97
                if squares[rsq] != rook:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on {square_name(rsq)}")
            right = 2 * color + (0 if file_of(rsq) > kfile else 1)
            if rook_of_right[right] != SQ_NONE:
                raise ValueError(f"castling field {cfield!r} gives {COLOR_NAMES[color]} two rights "
                                 f"on the same side")
            rook_of_right[right] = rsq
            rights |= 1 << right

    standard = True
    for right in range(4):
        if rook_of_right[right] != SQ_NONE:
            color = right >> 1
            if (next(i for i in range(64) if squares[i] == make_piece(color, KING))
                    != relative_square(color, 4)
                    or rook_of_right[right] != relative_square(color, 7 if (right & 1) == 0 else 0)):
                standard = False
    if chess960 is None:
        chess960 = not standard
    elif not chess960 and not standard:
        raise ValueError(f"castling rights {cfield!r} are only possible in Chess960 "
                         f"(king not on e1/e8 or rook not on a corner)")

    if fields[3] != "-":
        try:
            ep = parse_square(fields[3])
        except ValueError:
            raise ValueError(f"bad en-passant square {fields[3]!r}") from None
        if rank_of(ep) != (5 if side == WHITE else 2):
            raise ValueError(f"en-passant square {fields[3]} is impossible with "
                             f"{COLOR_NAMES[side]} to move")
        pawn_sq = ep - 8 if side == WHITE else ep + 8
        origin = ep + 8 if side == WHITE else ep - 8
        if squares[pawn_sq] != make_piece(side ^ 1, PAWN):
            raise ValueError(f"en-passant square {fields[3]} but no {COLOR_NAMES[side ^ 1]} pawn "
                             f"on {square_name(pawn_sq)}")
        if squares[ep] != NO_PIECE or squares[origin] != NO_PIECE:
            raise ValueError(f"en-passant square {fields[3]} but {square_name(ep)} or "
                             f"{square_name(origin)} is occupied")

    if len(fields) > 4:
        try:
            halfmove = int(fields[4])
        except ValueError:
            raise ValueError(f"bad halfmove clock {fields[4]!r}") from None
        if halfmove < 0:
            raise ValueError(f"halfmove clock cannot be negative: {halfmove}")
    if len(fields) > 5:
        try:
            fullmove = int(fields[5])
        except ValueError:
            raise ValueError(f"bad fullmove number {fields[5]!r}") from None
        if fullmove < 0:
            raise ValueError(f"fullmove number cannot be negative: {fullmove}")
        fullmove = max(fullmove, 1)
    if halfmove > 10000 or fullmove > 100000:
        raise ValueError("move counters out of range")

    # Build into a scratch board, check the last rules, then commit.
    memset(&tmp, 0, sizeof(Board))
    for i in range(64):
        if squares[i] != NO_PIECE:
            put_piece(&tmp, squares[i], i)
    tmp.side = side
    tmp.chess960 = chess960
    tmp.game_ply = 2 * (fullmove - 1) + side
    for i in range(4):
        tmp.castling_rook[i] = SQ_NONE
        if rook_of_right[i] != SQ_NONE:
            setup_castling(&tmp, i, rook_of_right[i])
    if attackers_to(&tmp, king_square(&tmp, side ^ 1), tmp.by_type[0]) & tmp.by_color[side]:
        raise ValueError(f"the side not to move ({COLOR_NAMES[side ^ 1]}) is in check")
    checkers = attackers_to(&tmp, king_square(&tmp, side), tmp.by_type[0]) & tmp.by_color[side ^ 1]
    if popcount(checkers) > 2:
        raise ValueError(f"impossible position: {popcount(checkers)} pieces give check")
    # The en-passant square says the last move was a double push, so the
    # only possible check is by that pawn or discovered from its origin
    # square (python-chess's STATUS_IMPOSSIBLE_CHECK).  Without one, checks
    # from both ends of a line stay accepted: perft suites use them.
    ksq = king_square(&tmp, side)
    if fields[3] != "-" and checkers:
        if popcount(checkers) > 1 or (lsb(checkers) != pawn_sq and attackers_to(
                &tmp, ksq, (tmp.by_type[0] ^ square_bb(pawn_sq)) | square_bb(origin))
                & tmp.by_color[side ^ 1]):
            raise ValueError(f"impossible check with en-passant square {fields[3]}: "
                             f"the double push could not have given it")

    tmp.states = b.states
    tmp.capacity = b.capacity
    tmp.sp = 0
    tmp.st = tmp.states
    memcpy(b, &tmp, sizeof(Board))
    st = b.st
    memset(st, 0, sizeof(StateInfo))
    st.castling = rights
    st.rule50 = halfmove
    st.ep_square = SQ_NONE
    st.checkers = checkers
    st.move = MOVE_NONE
    if ep != SQ_NONE and PAWN_ATTACKS[side ^ 1][ep] & pieces_cp(b, side, PAWN):
        st.ep_square = ep
    compute_keys(b)
    set_check_info(b)
    set_rep_key(b)
    return 0


cdef void compute_keys(Board* b) noexcept:
    cdef StateInfo* st = b.st
    cdef int sq, pc, c, pt, n
    st.key = CASTLING_KEYS[st.castling]
    st.pawn_key = 0
    st.material_key = 0
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
    for c in range(2):
        for pt in range(PAWN, KING + 1):
            for n in range(popcount(pieces_cp(b, c, pt))):
                st.material_key ^= MATERIAL_KEYS[make_piece(c, pt)][n]


cdef str castling_text(const Board* b):
    cdef int right, color, rsq, other, side_sign
    cdef str out = ""
    cdef str ch
    for right in range(4):
        if not (b.st.castling & (1 << right)):
            continue
        color = right >> 1
        rsq = b.castling_rook[right]
        ch = "k" if (right & 1) == 0 else "q"
        if b.chess960:
            # X-FEN: the file letter when another rook stands further out.
            for other in range(8):
                sq = rank_of(rsq) * 8 + other
                if sq != rsq and b.squares[sq] == make_piece(color, ROOK):
                    if (other > file_of(rsq)) == ((right & 1) == 0):
                        ch = "abcdefgh"[file_of(rsq)]
        out += ch.upper() if color == WHITE else ch
    return out or "-"


cdef str board_fen(const Board* b):
    cdef int rank, f, empty, pc
    parts = []
    for rank in range(7, -1, -1):
        row = ""
        empty = 0
        for f in range(8):
            pc = b.squares[rank * 8 + f]
            if pc == NO_PIECE:
                empty += 1
            else:
                if empty:
                    row += str(empty)
                    empty = 0
                row += PIECE_CHARS[pc]
        if empty:
            row += str(empty)
        parts.append(row)
    ep = square_name(b.st.ep_square) if ep_capture_legal(b) else "-"
    return "%s %s %s %s %d %d" % ("/".join(parts), "wb"[b.side], castling_text(b), ep,
                                  b.st.rule50, b.game_ply // 2 + 1)

# ---------------------------------------------------------------------------
# UCI move text

cdef str move_to_uci(const Board* b, Move m):
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    if m == MOVE_NONE or m == MOVE_NULL:
        return "0000"
    if move_kind(m) == MT_CASTLING and not b.chess960:
        to = relative_square(color_of(b.squares[frm]), 6 if to > frm else 2)
    s = square_name(frm) + square_name(to)
    if move_kind(m) == MT_PROMOTION:
        s += " pnbrqk"[promotion_type(m)]
    return s


# Parse a UCI move and match it against the legal moves.  Castling is
# accepted both as king-takes-rook and as the king's two-square move.
cdef Move move_from_uci(Board* b, str uci) except? 0:
    cdef Move moves[256]
    cdef int n = generate_moves(b, moves, GEN_ALL)
    cdef int i, frm
    cdef Move m
    if not isinstance(uci, str) or len(uci) not in (4, 5) or uci[0] not in "abcdefgh" \
            or uci[1] not in "12345678" or uci[2] not in "abcdefgh" or uci[3] not in "12345678" \
            or (len(uci) == 5 and uci[4] not in "nbrq"):
        raise ValueError(f"invalid UCI move {uci!r}")
    for i in range(n):
        if move_to_uci(b, moves[i]) == uci:
            return moves[i]
    for i in range(n):
        m = moves[i]
        if move_kind(m) == MT_CASTLING:
            frm = move_from(m)
            alt = square_name(frm) + square_name(
                relative_square(b.side, 6 if move_to(m) > frm else 2))
            if b.chess960:
                alt_is_normal = False
                for j in range(n):
                    if move_kind(moves[j]) != MT_CASTLING and move_to_uci(b, moves[j]) == alt:
                        alt_is_normal = True
                if alt_is_normal:
                    continue
                if alt == uci:
                    return m
            elif square_name(frm) + square_name(move_to(m)) == uci:
                return m
    raise ValueError(f"illegal move {uci!r} in {board_fen(b)}")

# ---------------------------------------------------------------------------
# Python API


cdef class Position:
    """A chess position with its game history, shaped like chess.Board.

    >>> pos = Position()
    >>> len(pos.legal_moves())
    20
    >>> pos.push_uci("e2e4"); pos.fen()
    'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1'
    """

    def __cinit__(self):
        board_init(&self.b)
        self._stack = []

    def __dealloc__(self):
        board_free(&self.b)

    def __init__(self, fen=None, chess960=None):
        board_set_fen(&self.b, STARTING_FEN if fen is None else fen, chess960)

    @classmethod
    def from_fen(cls, str fen, chess960=None):
        """Position from a FEN, X-FEN or Shredder-FEN; ValueError if invalid.

        chess960=None detects Chess960 from the castling rights."""
        return cls(fen, chess960)

    def set_fen(self, str fen, chess960=None):
        board_set_fen(&self.b, fen, chess960)
        self._stack = []

    def fen(self):
        """FEN of the position (X-FEN castling in Chess960 mode)."""
        return board_fen(&self.b)

    def copy(self):
        cdef Position other = Position.__new__(Position)
        board_copy(&other.b, &self.b)
        other._stack = list(self._stack)
        return other

    def __copy__(self):
        return self.copy()

    def __reduce__(self):
        return (_rebuild, (self.root_fen(), self.b.chess960, self.move_stack))

    def root_fen(self):
        cdef Position root = self.copy()
        while root._stack:
            root.pop()
        return root.fen()

    @property
    def chess960(self):
        return bool(self.b.chess960)

    @chess960.setter
    def chess960(self, value):
        self.b.chess960 = bool(value)

    @property
    def turn(self):
        """True when White is to move (chess.WHITE), False for Black."""
        return self.b.side == WHITE

    @property
    def zobrist(self):
        """Polyglot-compatible Zobrist key of the position."""
        return self.b.st.key

    @property
    def pawn_key(self):
        return self.b.st.pawn_key

    @property
    def material_key(self):
        return self.b.st.material_key

    @property
    def halfmove_clock(self):
        return self.b.st.rule50

    @property
    def fullmove_number(self):
        return self.b.game_ply // 2 + 1

    @property
    def ply(self):
        return self.b.game_ply

    @property
    def ep_square(self):
        """The en-passant square if a legal en-passant capture exists, else None."""
        return self.b.st.ep_square if ep_capture_legal(&self.b) else None

    @property
    def move_stack(self):
        return list(self._stack)

    def piece_at(self, square):
        """Piece symbol ('P', 'n', ...) on a square (index or name), or None."""
        cdef int sq = parse_square(square) if isinstance(square, str) else square
        if not 0 <= sq < 64:
            raise ValueError(f"square out of range: {square!r}")
        pc = self.b.squares[sq]
        return None if pc == NO_PIECE else PIECE_CHARS[pc]

    def king(self, bint white):
        return king_square(&self.b, WHITE if white else BLACK)

    def legal_moves(self):
        """All legal moves as UCI strings."""
        return self._moves(GEN_ALL)

    def noisy_moves(self):
        """Legal captures and promotions (what quiescence search looks at)."""
        return self._moves(GEN_NOISY)

    def quiet_moves(self):
        """Legal moves that are neither captures nor promotions."""
        return self._moves(GEN_QUIET)

    cdef list _moves(self, int kind):
        cdef Move moves[256]
        cdef int n = generate_moves(&self.b, moves, kind)
        return [move_to_uci(&self.b, moves[i]) for i in range(n)]

    def is_legal(self, str uci):
        try:
            move_from_uci(&self.b, uci)
        except ValueError:
            return False
        return True

    def parse_uci(self, str uci):
        """The internal 16-bit code of a legal UCI move (ValueError if illegal)."""
        return move_from_uci(&self.b, uci)

    def legal_move_codes(self):
        """The legal moves as 16-bit codes (the engine's internal encoding)."""
        cdef Move moves[256]
        cdef int n = generate_moves(&self.b, moves, GEN_ALL)
        return [moves[i] for i in range(n)]

    def is_legal_code(self, int code):
        """The search's direct legality test for a 16-bit move code."""
        return is_legal_move(&self.b, <Move>(code & 0xFFFF))

    def push_uci(self, str uci):
        """Play a move given in UCI notation; ValueError if malformed or illegal."""
        cdef Move m = move_from_uci(&self.b, uci)
        board_reserve(&self.b, 1)
        make_move(&self.b, m)
        self._stack.append(uci)

    push = push_uci

    def push_null(self):
        if self.b.st.checkers:
            raise ValueError("cannot pass while in check")
        board_reserve(&self.b, 1)
        make_null_move(&self.b)
        self._stack.append("0000")

    def pop(self):
        """Take back the last move and return it in UCI notation."""
        if not self._stack:
            raise IndexError("pop from a position with no moves")
        if self.b.st.move == MOVE_NULL:
            unmake_null_move(&self.b)
        else:
            unmake_move(&self.b)
        return self._stack.pop()

    def peek(self):
        if not self._stack:
            raise IndexError("no move has been played")
        # Not _stack[-1]: with wraparound off, Cython indexes a typed list
        # without adjusting negative indices (a read before the list).
        return self._stack[len(self._stack) - 1]

    def is_check(self):
        return self.b.st.checkers != 0

    def checkers(self):
        """Squares of the pieces giving check, in increasing order."""
        cdef Bitboard bb = self.b.st.checkers
        out = []
        while bb:
            out.append(pop_lsb(&bb))
        return out

    def gives_check(self, str uci):
        return gives_check(&self.b, move_from_uci(&self.b, uci))

    def is_capture(self, str uci):
        return is_capture(&self.b, move_from_uci(&self.b, uci))

    def is_castling(self, str uci):
        return move_kind(move_from_uci(&self.b, uci)) == MT_CASTLING

    def is_en_passant(self, str uci):
        return move_kind(move_from_uci(&self.b, uci)) == MT_EN_PASSANT

    def see(self, str uci):
        """Static exchange value of a move, in centipawns (P=100 ... Q=950)."""
        return see_value(&self.b, move_from_uci(&self.b, uci))

    def see_ge(self, str uci, int threshold):
        return see_ge(&self.b, move_from_uci(&self.b, uci), threshold)

    def is_checkmate(self):
        return self.b.st.checkers != 0 and not has_legal_move(&self.b)

    def is_stalemate(self):
        return self.b.st.checkers == 0 and not has_legal_move(&self.b)

    def is_insufficient_material(self):
        return has_insufficient_material(&self.b)

    def is_fifty_moves(self):
        """Fifty-move rule: 100 plies without capture or pawn move (and not mate)."""
        return self.b.st.rule50 >= 100 and has_legal_move(&self.b)

    def is_repetition(self, int count=3):
        """True if the position occurred at least `count` times in the game."""
        cdef int seen = 1, i = 2
        cdef int end = min(self.b.st.rule50, self.b.sp)
        while i <= end and seen < count:
            if self.b.states[self.b.sp - i].rep_key == self.b.st.rep_key:
                seen += 1
            i += 2
        return seen >= count

    def is_draw(self, int ply=0):
        """Draw by the engine's search rule (see is_draw in position.pyx)."""
        return is_draw(&self.b, ply)

    def is_game_over(self):
        return self.outcome() is not None

    def outcome(self):
        """'1-0', '0-1' or '1/2-1/2' if the game is over by the rules, else None.

        Draws: stalemate, insufficient material, fifty moves, threefold
        repetition (python-chess's claimable draws count as over)."""
        if not has_legal_move(&self.b):
            if self.b.st.checkers:
                return "0-1" if self.b.side == WHITE else "1-0"
            return "1/2-1/2"
        if has_insufficient_material(&self.b) or self.b.st.rule50 >= 100 or self.is_repetition(3):
            return "1/2-1/2"
        return None

    def perft(self, int depth):
        """Number of leaf nodes of the legal move tree of `depth` plies."""
        if depth < 0:
            raise ValueError("perft depth must be >= 0")
        if depth == 0:
            return 1
        board_reserve(&self.b, depth + 1)
        with nogil:
            total = perft(&self.b, depth)
        return total

    def perft_divide(self, int depth):
        """{uci_move: leaf count} for each legal move (depth >= 1)."""
        cdef Move moves[256]
        cdef int n, i
        if depth < 1:
            raise ValueError("perft divide depth must be >= 1")
        board_reserve(&self.b, depth + 1)
        n = generate_moves(&self.b, moves, GEN_ALL)
        out = {}
        for i in range(n):
            uci = move_to_uci(&self.b, moves[i])
            if depth == 1:
                out[uci] = 1
                continue
            make_move(&self.b, moves[i])
            with nogil:
                cnt = perft(&self.b, depth - 1)
            unmake_move(&self.b)
            out[uci] = cnt
        return out

    def __str__(self):
        rows = []
        for rank in range(7, -1, -1):
            rows.append(" ".join(PIECE_CHARS[self.b.squares[rank * 8 + f]].strip() or "."
                                 for f in range(8)))
        return "\n".join(rows)

    def __repr__(self):
        return f"Position({self.fen()!r})"

    def __eq__(self, other):
        if not isinstance(other, Position):
            return NotImplemented
        return self.fen() == other.fen()

    def __hash__(self):
        return hash(self.zobrist)


def _rebuild(fen, chess960, moves):
    pos = Position(fen, chess960)
    for m in moves:
        if m == "0000":
            pos.push_null()
        else:
            pos.push_uci(m)
    return pos
