# Fixed-width types and the chess vocabulary shared by every Cython module.
#
# Squares are 0..63 with a1 = 0, h1 = 7, a8 = 56.  Pieces pack colour and
# type as colour*8 + type (Stockfish's layout), so `piece & 7` is the type and
# `piece >> 3` the colour.  A Move is 16 bits:
#   bits 0-5 from, 6-11 to, 12-13 promotion (knight..queen), 14-15 kind.
# Castling is stored as "king takes own rook", which makes Chess960 and
# standard chess one code path; UCI text converts at the edges.
from libc.stdint cimport uint64_t, uint32_t, uint16_t, int16_t, int8_t, int32_t

ctypedef uint64_t Bitboard
ctypedef uint64_t Key
ctypedef uint16_t Move
ctypedef int32_t Value

cdef enum:
    WHITE = 0
    BLACK = 1

cdef enum:
    NO_PIECE_TYPE = 0
    PAWN = 1
    KNIGHT = 2
    BISHOP = 3
    ROOK = 4
    QUEEN = 5
    KING = 6

cdef enum:
    NO_PIECE = 0
    W_PAWN = 1
    W_KING = 6
    B_PAWN = 9
    B_KING = 14
    PIECE_NB = 16

cdef enum:
    SQ_NONE = 64
    MAX_MOVES = 256         # room for the legal moves of any position (at most 218)
    MAX_PLY = 128           # deepest ply the search reaches from its root

cdef enum:
    MOVE_NONE = 0
    MOVE_NULL = 65          # b1b1: never a real move
    MT_NORMAL = 0
    MT_PROMOTION = 1 << 14
    MT_EN_PASSANT = 2 << 14
    MT_CASTLING = 3 << 14

# Castling rights: one bit per (colour, side).  Index i = 2*colour + (0 for
# the king side / h-side rook, 1 for the queen side / a-side rook), which is
# also the order of Polyglot's castling keys.
cdef enum:
    WHITE_OO = 1
    WHITE_OOO = 2
    BLACK_OO = 4
    BLACK_OOO = 8
    ALL_CASTLING = 15

cdef inline int make_piece(int color, int pt) noexcept nogil:
    return (color << 3) | pt

cdef inline int type_of(int piece) noexcept nogil:
    return piece & 7

cdef inline int color_of(int piece) noexcept nogil:
    return piece >> 3

cdef inline int file_of(int sq) noexcept nogil:
    return sq & 7

cdef inline int rank_of(int sq) noexcept nogil:
    return sq >> 3

cdef inline int make_square(int f, int r) noexcept nogil:
    return (r << 3) | f

# Flip a square to the other side's point of view (a1 <-> a8).
cdef inline int relative_square(int color, int sq) noexcept nogil:
    return sq ^ (color * 56)

cdef inline int relative_rank(int color, int sq) noexcept nogil:
    return (sq >> 3) ^ (color * 7)

cdef inline Move new_move(int frm, int to) noexcept nogil:
    return <Move>(frm | (to << 6))

cdef inline Move new_special(int frm, int to, int kind) noexcept nogil:
    return <Move>(frm | (to << 6) | kind)

cdef inline Move new_promotion(int frm, int to, int pt) noexcept nogil:
    return <Move>(frm | (to << 6) | ((pt - KNIGHT) << 12) | MT_PROMOTION)

cdef inline int move_from(Move m) noexcept nogil:
    return m & 63

cdef inline int move_to(Move m) noexcept nogil:
    return (m >> 6) & 63

cdef inline int move_kind(Move m) noexcept nogil:
    return m & (3 << 14)

cdef inline int promotion_type(Move m) noexcept nogil:
    return ((m >> 12) & 3) + KNIGHT

# Values used by static exchange evaluation and move ordering (centipawns).
cdef enum:
    SEE_PAWN = 100
    SEE_KNIGHT = 320
    SEE_BISHOP = 330
    SEE_ROOK = 500
    SEE_QUEEN = 950
    SEE_KING = 20000
