# Timing driver of benchmarks/evaluate.py: the bootstrap evaluation called
# from a nogil C loop, through the same cross-module call as the search's.
from libc.stdlib cimport calloc, free

from engine.board cimport Board, board_init, board_free
from engine.notation cimport board_set_fen
from search.evaluate cimport evaluate

from time import perf_counter

# A compiler barrier: after each call the compiler must assume memory changed,
# so it cannot hoist evaluate() of an unchanged board out of the timing loop.
cdef extern from *:
    """
    #if defined(_MSC_VER) && !defined(__clang__)
    #include <intrin.h>
    #define ly_clobber() _ReadWriteBarrier()
    #else
    #define ly_clobber() __asm__ __volatile__("" ::: "memory")
    #endif
    """
    void ly_clobber() nogil

cdef long long _sink = 0


def time_evaluate(list fens, int repeats):
    """Evaluate every FEN `repeats` times in a nogil loop.

    Returns (elapsed seconds, number of evaluations)."""
    global _sink
    cdef int n = len(fens)
    cdef int i, _r
    cdef long long total = 0
    cdef Board* boards = <Board*>calloc(max(n, 1), sizeof(Board))
    if boards == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            board_init(&boards[i])
            board_set_fen(&boards[i], fens[i], None)
        t0 = perf_counter()
        with nogil:
            for _r in range(repeats):
                for i in range(n):
                    total += evaluate(&boards[i])
                    ly_clobber()
        elapsed = perf_counter() - t0
    finally:
        for i in range(n):
            board_free(&boards[i])
        free(boards)
    _sink += total
    return elapsed, <long long>n * repeats
