# Correction history: how far the search's results have run from the static
# evaluation, per side to move and pawn structure (and per each colour's
# placement of its other pieces, king included), added back to the
# evaluation.  A net's errors are not noise: it misjudges a king shelter or a
# pawn chain the same way at every node with that structure, and the search
# keeps paying for it (Ladya's lost games turn on positions the net sees one
# to two pawns too hopefully).  Each thread learns its own tables, as it does
# its move-ordering histories; ucinewgame clears them.
from libc.stdint cimport int32_t
from engine.board cimport Board

cdef enum:
    CORR_SIZE = 16384            # entries per table, indexed by a key's low bits
    CORR_GRAIN = 256             # units per centipawn
    CORR_LIMIT = 64 * 256        # |entry| <= 64 centipawns
    CORR_RATE_SCALE = 256        # an update moves an entry by weight/256 of the way ...
    CORR_MAX_WEIGHT = 16         # ... with weight = min(depth + 1, this)

cdef struct Correction:
    int32_t pawn[2][CORR_SIZE]              # [side to move][pawn key]
    int32_t non_pawn[2][2][CORR_SIZE]       # [side to move][colour][that colour's non-pawn key]


# The correction in centipawns: the pawn table's entry times `pawn_pct`/100
# plus each colour's non-pawn entry times `non_pawn_pct`/100 (the CORR_HIST
# and CORR_NON_PAWN tunables).
cdef inline int corr_value(const Correction* c, const Board* b, int pawn_pct,
                           int non_pawn_pct) noexcept nogil:
    cdef int s = b.side
    cdef long long v = <long long>c.pawn[s][b.st.pawn_key & (CORR_SIZE - 1)] * pawn_pct
    if non_pawn_pct:
        v += (<long long>c.non_pawn[s][0][b.st.non_pawn_key[0] & (CORR_SIZE - 1)]
              + c.non_pawn[s][1][b.st.non_pawn_key[1] & (CORR_SIZE - 1)]) * non_pawn_pct
    return <int>(v // (100 * CORR_GRAIN))


# Move an entry towards `target` (grains), the more the deeper the search
# that found it (an exponential moving average).
cdef inline void corr_entry_update(int32_t* e, long long target, int weight) noexcept nogil:
    e[0] = <int32_t>((<long long>e[0] * (CORR_RATE_SCALE - weight) + target * weight) // CORR_RATE_SCALE)


# Learn `diff` = search result - static evaluation (centipawns) at this node.
cdef inline void corr_update(Correction* c, const Board* b, int diff, int depth) noexcept nogil:
    cdef int s = b.side
    cdef int weight = depth + 1 if depth + 1 < CORR_MAX_WEIGHT else CORR_MAX_WEIGHT
    cdef long long target = <long long>diff * CORR_GRAIN
    if target > CORR_LIMIT:
        target = CORR_LIMIT
    elif target < -CORR_LIMIT:
        target = -CORR_LIMIT
    corr_entry_update(&c.pawn[s][b.st.pawn_key & (CORR_SIZE - 1)], target, weight)
    corr_entry_update(&c.non_pawn[s][0][b.st.non_pawn_key[0] & (CORR_SIZE - 1)], target, weight)
    corr_entry_update(&c.non_pawn[s][1][b.st.non_pawn_key[1] & (CORR_SIZE - 1)], target, weight)
