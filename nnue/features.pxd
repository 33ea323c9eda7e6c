# HalfKP input features, shared by the engine and the trainer.
#
# For perspective c (WHITE = 0, BLACK = 1), with squares flipped vertically
# (sq ^ 56) when c is Black so that each side sees itself at the bottom:
#
#   index = king_sq * 640 + (2 * (type - 1) + (colour != c)) * 64 + sq
#
# king_sq: c's own king (flipped for Black); type: PAWN=1 .. QUEEN=5 (kings
# are not features); own pieces get the even piece index, enemy pieces the
# odd one.  64 king squares x 10 piece kinds x 64 squares = 40960.
#
# These sizes are the trainer's and the net format's too: `cpdef` makes them
# attributes of nnue.features for Python (nnue/format.py, training/*.py).
from libc.stdint cimport int32_t
from engine.board cimport Board

cpdef enum:
    PIECE_KINDS = 10                        # pawn..queen of either colour
    KING_BLOCK = PIECE_KINDS * 64           # 640 rows per king square
    HALFKP_FEATURES = 64 * KING_BLOCK       # 40960
    MAX_ACTIVE_FEATURES = 30                # every piece but the two kings

# The index in two terms: the king's block of KING_BLOCK rows, and the piece
# and square within it.
cdef inline int king_block(int perspective, int ksq) noexcept nogil:
    return (ksq ^ (56 * perspective)) * KING_BLOCK

cdef inline int piece_square(int perspective, int piece, int sq) noexcept nogil:
    return (2 * ((piece & 7) - 1) + ((piece >> 3) != perspective)) * 64 + (sq ^ (56 * perspective))

cdef inline int halfkp_index(int perspective, int ksq, int piece, int sq) noexcept nogil:
    return king_block(perspective, ksq) + piece_square(perspective, piece, sq)

# piece_square for every perspective, piece code (colour << 3 | type; 0
# where the code is not a HalfKP piece) and square, flat [2][16][64]: the
# engine's hot paths look the term up instead of computing it.
cdef const int32_t* piece_square_table() noexcept nogil

cdef int active_features(const Board* b, int perspective, int32_t* out) noexcept nogil
# The same with the rows of king square `ksq` (for nets whose rows do not
# depend on the king: any block will do).
cdef int active_features_for(const Board* b, int perspective, int ksq, int32_t* out) noexcept nogil
