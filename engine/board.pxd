# The C-level position: plain structs, so that search and movegen work on it
# without the GIL, and its core operations (engine/board.pyx): memory,
# Zobrist keys, check information, make/unmake and the draw rules.  Text
# forms are in engine/notation, exchange evaluation in engine/see, the
# Python-facing class in engine/position.
from engine.types cimport (Bitboard, Key, Move, NO_PIECE, MT_CASTLING, type_of, color_of,
                           move_from, move_to, move_kind)
from engine.bitboard cimport lsb, square_bb
from engine.attacks cimport (PAWN_ATTACKS, KNIGHT_ATTACKS, KING_ATTACKS,
                             rook_attacks, bishop_attacks)
from libc.stdint cimport int8_t

# What a move changed on the board, for incremental NNUE updates: up to three
# pieces (castling moves two, a capture-promotion removes two and adds one).
# from/to = SQ_NONE (64) means the piece appeared / vanished.
cdef struct DirtyPiece:
    int8_t count
    int8_t piece[3]
    int8_t frm[3]
    int8_t to[3]

# Everything make_move must restore on unmake, one per ply on a stack.
cdef struct StateInfo:
    # -- copied from the previous state by make_move --
    Key pawn_key
    Key material_key
    Key non_pawn_key[2]   # each colour's pieces other than pawns, king included
    int castling          # WHITE_OO | WHITE_OOO | BLACK_OO | BLACK_OOO bits
    int rule50            # plies since the last capture or pawn move
    int plies_from_null
    # -- recomputed by make_move --
    Key key               # Polyglot-compatible Zobrist key
    Key rep_key           # key for repetitions: no en-passant file unless the capture is legal
    int ep_square         # SQ_NONE unless a pawn of the side to move can capture there
    int captured          # piece captured by the move that led here
    int repetition        # plies back to an earlier occurrence (<0: it was a repetition too)
    Move move             # the move that led here
    Bitboard checkers     # enemy pieces giving check to the side to move
    Bitboard blockers[2]  # pieces (either colour) shielding each king from a slider
    Bitboard pinners[2]   # sliders of colour c pinning a piece to the other king
    Bitboard check_squares[7]  # squares from which a piece type would give check
    DirtyPiece dirty

cdef struct Board:
    int8_t squares[64]
    Bitboard by_type[7]       # [0] = all pieces
    Bitboard by_color[2]
    int side
    int game_ply              # plies since the start of the game (fullmove derived)
    bint chess960
    int castling_rook[4]      # rook square per castling right, or SQ_NONE
    Bitboard castling_path[4]  # squares that must be empty (except king and rook)
    Bitboard castling_king_path[4]  # squares the king crosses, strictly before its target
    int castling_mask[64]     # rights lost when a piece leaves or enters a square
    StateInfo* st             # = &states[sp]
    StateInfo* states
    int sp
    int capacity


cdef inline int piece_on(const Board* b, int sq) noexcept nogil:
    return b.squares[sq]

cdef inline Bitboard pieces_cp(const Board* b, int c, int pt) noexcept nogil:
    return b.by_color[c] & b.by_type[pt]

cdef inline int king_square(const Board* b, int c) noexcept nogil:
    return lsb(b.by_color[c] & b.by_type[6])

# All pieces (both colours) attacking sq, given an occupancy.
cdef inline Bitboard attackers_to(const Board* b, int sq, Bitboard occ) noexcept nogil:
    return ((PAWN_ATTACKS[1][sq] & b.by_color[0] & b.by_type[1])
            | (PAWN_ATTACKS[0][sq] & b.by_color[1] & b.by_type[1])
            | (KNIGHT_ATTACKS[sq] & b.by_type[2])
            | (rook_attacks(sq, occ) & (b.by_type[4] | b.by_type[5]))
            | (bishop_attacks(sq, occ) & (b.by_type[3] | b.by_type[5]))
            | (KING_ATTACKS[sq] & b.by_type[6]))


# --- Piece placement (no keys, no state: make_move and FEN setup keep those)

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

# --- Zobrist keys (Polyglot's, filled by engine/board.pyx at import)

cdef Key PSQ_KEYS[16][64]
cdef Key SIDE_KEY

# The key after a move, without making it, so that search can prefetch the
# TT entry while make_move runs (Stockfish's key_after); en passant and
# castling-right changes are left out, which only make the prefetch miss.
cdef inline Key key_after(const Board* b, Move m) noexcept nogil:
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    cdef int pc = b.squares[frm]
    cdef int captured = b.squares[to]
    cdef Key k = b.st.key ^ SIDE_KEY ^ PSQ_KEYS[pc][frm] ^ PSQ_KEYS[pc][to]
    if captured != NO_PIECE and move_kind(m) != MT_CASTLING:
        k ^= PSQ_KEYS[captured][to]
    return k

# --- Operations (engine/board.pyx; all hot ones without the GIL)

# Memory: the state stack grows on demand; search reserves its depth once,
# so make_move itself never allocates.
cdef int board_init(Board* b) except -1
cdef void board_free(Board* b) noexcept
cdef int board_reserve(Board* b, int extra) except -1 nogil
cdef int board_copy(Board* dst, const Board* src) except -1 nogil

# After the pieces, side, castling rights, rule50 and en-passant square of
# the root state are set (FEN setup): its keys, check and repetition data.
cdef void board_set_state(Board* b) noexcept nogil

cdef void make_move(Board* b, Move m) noexcept nogil
cdef void unmake_move(Board* b) noexcept nogil
cdef void make_null_move(Board* b) noexcept nogil
cdef void unmake_null_move(Board* b) noexcept nogil

cdef bint is_capture(const Board* b, Move m) noexcept nogil
cdef bint gives_check(const Board* b, Move m) noexcept nogil
# True if an en-passant capture is legal (only then does the FEN show the square).
cdef bint ep_capture_legal(const Board* b) noexcept nogil

cdef bint is_draw(const Board* b, int ply) noexcept nogil
cdef bint has_insufficient_material(const Board* b) noexcept nogil
