# Static exchange evaluation, and the piece values it works with.
from engine.types cimport Move
from engine.board cimport Board

# Centipawns by piece type (engine/types.pxd SEE_PAWN .. SEE_KING), index 0
# and 7 unused: SEE, capture ordering (MVV) and delta pruning read this table.
cdef int PIECE_VALUE[8]

cdef bint see_ge(const Board* b, Move m, int threshold) noexcept nogil
cdef int see_value(const Board* b, Move m) noexcept nogil
