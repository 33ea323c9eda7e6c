# The C-level position.  Plain structs so that search and movegen work on it
# without the GIL; engine/position.pyx implements the operations and the
# Python-facing Position class.  This file has no .pyx of its own.
from engine.types cimport Bitboard, Key, Move
from engine.bitboard cimport lsb
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
    Bitboard castling_path[4] # squares that must be empty (except king and rook)
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
