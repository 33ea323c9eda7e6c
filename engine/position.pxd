# Position operations on the Board struct (engine/board.pxd) and the
# Python-facing Position class, shaped like python-chess's chess.Board.
from engine.types cimport Bitboard, Key, Move
from engine.board cimport Board, StateInfo

cdef class Position:
    cdef Board b
    cdef list _stack           # Python-pushed moves, for pop()
    cdef list _moves(self, int kind)

# --- C API used by search (all hot functions without the GIL) ---
cdef int board_init(Board* b) except -1
cdef void board_free(Board* b) noexcept
cdef int board_reserve(Board* b, int extra) except -1 nogil
cdef int board_copy(Board* dst, const Board* src) except -1 nogil
cdef int board_set_fen(Board* b, str fen, object chess960) except -1
cdef str board_fen(const Board* b)

cdef void make_move(Board* b, Move m) noexcept nogil
cdef void unmake_move(Board* b) noexcept nogil
cdef void make_null_move(Board* b) noexcept nogil
cdef void unmake_null_move(Board* b) noexcept nogil

cdef bint gives_check(const Board* b, Move m) noexcept nogil
cdef bint see_ge(const Board* b, Move m, int threshold) noexcept nogil
cdef int see_value(const Board* b, Move m) noexcept nogil
cdef bint is_draw(const Board* b, int ply) noexcept nogil
cdef bint has_insufficient_material(const Board* b) noexcept nogil
cdef bint is_capture(const Board* b, Move m) noexcept nogil
cdef unsigned long long perft(Board* b, int depth) noexcept nogil
cdef str move_to_uci(const Board* b, Move m)
cdef Move move_from_uci(Board* b, str uci) except? 0
