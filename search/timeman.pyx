# Soft and hard limits from the clock (https://www.chessprogramming.org/Time_Management).
# The soft limit (optimum) is checked between iterations and scaled by how
# stable the best move is; the hard limit (maximum) is polled inside the
# tree, so even a deep iteration stops in time.  Move Overhead is kept in
# reserve for the GUI and the pipes.
from libc.stdint cimport int64_t
from search.params cimport DEFAULT_MOVES_TO_GO, MAX_TIME_FACTOR, MAX_TIME_PERCENT


cdef void time_init(TimeManager* tm, object limits, int side, int overhead) except *:
    cdef int64_t clock, inc, left, mtg
    tm.start = ly_now_ms()
    tm.use_time = False
    tm.fixed = False
    tm.optimum = tm.maximum = 1 << 50
    if limits.movetime is not None:
        tm.use_time = tm.fixed = True
        tm.optimum = tm.maximum = max(1, limits.movetime - overhead)
        return
    py_clock = limits.wtime if side == 0 else limits.btime
    if py_clock is None or limits.infinite:
        return
    clock = py_clock
    inc = max(0, (limits.winc if side == 0 else limits.binc) or 0)
    tm.use_time = True
    mtg = DEFAULT_MOVES_TO_GO
    if limits.movestogo is not None and limits.movestogo > 0:
        mtg = min(limits.movestogo, 50)
    # Time we may spend in total over the next mtg moves.  Move Overhead is a
    # safety margin held back from this move (twice, for the hard limit), not a
    # cost every one of the mtg moves pays: reserving it mtg times left a
    # 1+0.01 game a third of its clock.
    left = max(1, clock + inc * (mtg - 1) - 2 * overhead)
    tm.optimum = left // mtg
    tm.maximum = min(tm.optimum * MAX_TIME_FACTOR,
                     max(1, (clock - overhead) * MAX_TIME_PERCENT // 100))
    if mtg == 1:
        tm.maximum = max(1, (clock - overhead) * 80 // 100)
    tm.optimum = max(1, min(tm.optimum, tm.maximum))
    tm.maximum = max(1, tm.maximum)


def time_budget(limits, int side=0, int overhead=0):
    """(optimum, maximum) in ms that a search under `limits` (search.limits.Limits)
    would get for `side` (0 white, 1 black); None for a search without a clock."""
    cdef TimeManager tm
    time_init(&tm, limits, side, overhead)
    if not tm.use_time:
        return None
    return tm.optimum, tm.maximum
