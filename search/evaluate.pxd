# Bootstrap static evaluation: tapered material + piece-square tables with
# PeSTO's published values (see evaluate.pyx for the data and the rules).
from engine.board cimport Board

cdef enum:
    PHASE_MAX = 24            # N=1 B=1 R=2 Q=4 per piece; 24 = full middlegame

# Combined tables, material included, indexed [piece][square] with
# piece = colour*8 + type and a1 = 0.  Signed white-positive: a black piece
# holds the negated value of the white piece on the mirrored square.  Exposed
# so that make/unmake can later keep the mg/eg sums incrementally.
cdef int MG[16][64]
cdef int EG[16][64]

# Static evaluation in centipawns from the side to move's point of view.
cdef int evaluate(const Board* b) noexcept nogil
