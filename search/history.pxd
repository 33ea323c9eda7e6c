# Move-ordering statistics learnt during search.  All tables use the
# "gravity" update, entry += bonus - entry*|bonus|/HISTORY_MAX, which keeps
# values in range and lets old information fade.
from libc.stdint cimport int16_t, uint16_t
from search.params cimport HISTORY_MAX

cdef struct History:
    int16_t butterfly[2][4096]               # [side][from*64 + to] of quiet moves
    int16_t capture[16][64][8]               # [moved piece][to][captured type]
    int16_t continuation[16][64][16 * 64]    # [previous piece][previous to][piece*64 + to]
    uint16_t countermove[16][64]             # refutation of [previous piece][previous to]

cdef inline void history_update(int16_t* entry, int bonus) noexcept nogil:
    cdef int b = bonus if bonus < HISTORY_MAX else HISTORY_MAX
    if b < -HISTORY_MAX:
        b = -HISTORY_MAX
    entry[0] = <int16_t>(entry[0] + b - entry[0] * (b if b >= 0 else -b) // HISTORY_MAX)
