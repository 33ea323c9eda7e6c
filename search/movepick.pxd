# Staged move picker: the TT move first, then captures, killers and the
# countermove, then quiets, generated only when the earlier stages did not
# cut off.  https://www.chessprogramming.org/Move_Ordering
from engine.types cimport Move, MAX_MOVES
from engine.board cimport Board
from search.history cimport History
from libc.stdint cimport int16_t

cdef struct MovePicker:
    const Board* board
    const History* hist
    const int16_t* cont1           # continuation history of the previous move
    const int16_t* cont2           # ... and of the move before it
    Move moves[MAX_MOVES]
    int scores[MAX_MOVES]
    Move bad[64]                   # captures that lose material, tried last
    int n, cur, n_bad, cur_bad
    int stage
    Move tt_move
    Move killer1, killer2, counter
    bint skip_quiets
    bint qs_checks                 # quiescence: quiet checks after the captures

cdef void picker_init_main(MovePicker* mp, const Board* b, const History* hist, Move tt_move,
                           Move killer1, Move killer2, Move counter,
                           const int16_t* cont1, const int16_t* cont2) noexcept nogil
cdef void picker_init_qs(MovePicker* mp, const Board* b, const History* hist, Move tt_move,
                         const int16_t* cont1, const int16_t* cont2, bint checks) noexcept nogil
cdef Move next_move(MovePicker* mp) noexcept nogil
