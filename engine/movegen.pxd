# Legal move generation.  Moves are generated fully legal (check, pin and
# en-passant aware), so perft counts leaves without making them and search
# never has to test legality after the fact.
from engine.types cimport Move, MAX_MOVES
from engine.board cimport Board

cdef enum GenKind:
    GEN_ALL = 0
    GEN_NOISY = 1     # captures and all promotions (quiescence search)
    GEN_QUIET = 2     # everything else, castling included

# Writes the legal moves of one kind into `moves` (room for MAX_MOVES) and
# returns how many.  GEN_NOISY and GEN_QUIET partition GEN_ALL.
cdef int generate_moves(const Board* b, Move* moves, int kind) noexcept nogil
cdef bint has_legal_move(const Board* b) noexcept nogil
cdef bint is_legal_move(const Board* b, Move m) noexcept nogil
