# Bootstrap static evaluation: tapered material + piece-square tables with
# PeSTO's published values (see evaluate.pyx for the data and the rules).
from engine.board cimport Board

cdef enum:
    PHASE_MAX = 24            # N=1 B=1 R=2 Q=4 per piece; 24 = full middlegame

# Static evaluation in centipawns from the side to move's point of view.
cdef int evaluate(const Board* b) noexcept nogil
