# The Python-facing Position (engine/position.pyx); C code reaches its board
# as `pos.b` and works on it with the functions of engine/board.pxd.
from engine.board cimport Board

cdef class Position:
    cdef Board b
    cdef list _stack           # Python-pushed moves, for pop()
    cdef list _moves(self, int kind)
