# Text forms of positions and moves (engine/notation.pyx).
from engine.types cimport Move
from engine.board cimport Board

# Parse and validate a FEN into *b (ValueError naming the problem; *b is
# unchanged then).  chess960=None detects Chess960 from the castling field.
cdef int board_set_fen(Board* b, str fen, object chess960) except -1
cdef str board_fen(const Board* b)
cdef str move_to_uci(const Board* b, Move m)
# A legal move from its UCI text (castling also as the king's two-square
# move); ValueError if malformed or illegal.
cdef Move move_from_uci(Board* b, str uci) except? 0
