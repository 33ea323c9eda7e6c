"""The clock budget (search/timeman.pyx): the soft and hard limits it gives a
move, checked as properties over many clocks rather than as figures."""
import itertools

import pytest

from search.limits import Limits
from search.timeman import time_budget

CLOCKS = [5, 20, 50, 100, 300, 1000, 3000, 10000, 60000, 600000]
INCS = [0, 10, 100, 600, 5000]
OVERHEADS = [0, 10, 30, 100]


@pytest.mark.parametrize("clock,inc,overhead", list(itertools.product(CLOCKS, INCS, OVERHEADS)))
def test_hard_limit_never_spends_the_clock(clock, inc, overhead):
    optimum, maximum = time_budget(Limits(wtime=clock, btime=clock, winc=inc, binc=inc), 0, overhead)
    assert 1 <= optimum <= maximum
    # The hard limit keeps the overhead and at least a fifth of what is left.
    if clock > overhead:
        assert maximum <= (clock - overhead) * 8 // 10
    else:
        assert maximum == 1


@pytest.mark.parametrize("clock,inc", [(1000, 10), (10000, 100), (60000, 600)])
def test_move_overhead_is_not_charged_to_every_remaining_move(clock, inc):
    # With 30 ms of Move Overhead a 1+0.01 move still plans with the whole
    # clock over the horizon: the overhead is held back from this move only.
    plain, _ = time_budget(Limits(wtime=clock, winc=inc), 0, 0)
    reserved, _ = time_budget(Limits(wtime=clock, winc=inc), 0, 30)
    assert plain - reserved <= 2
    assert reserved >= (clock + inc) // 40


def test_each_side_reads_its_own_clock():
    limits = Limits(wtime=60000, btime=1000, winc=0, binc=0)
    assert time_budget(limits, 0, 0)[0] > time_budget(limits, 1, 0)[0]


def test_the_last_move_before_the_control_may_use_most_of_the_clock():
    optimum, maximum = time_budget(Limits(wtime=10000, movestogo=1), 0, 50)
    assert maximum <= (10000 - 50) * 8 // 10
    assert maximum >= (10000 - 50) * 7 // 10
    assert optimum <= maximum


def test_more_moves_to_go_means_less_per_move():
    budgets = [time_budget(Limits(wtime=60000, movestogo=n), 0, 10)[0] for n in (2, 5, 10, 20, 40)]
    assert budgets == sorted(budgets, reverse=True)


def test_movetime_is_the_time_less_the_overhead():
    assert time_budget(Limits(movetime=1000), 0, 30) == (970, 970)
    assert time_budget(Limits(movetime=10), 0, 30) == (1, 1)


def test_no_clock_no_budget():
    assert time_budget(Limits(depth=5), 0, 30) is None
    assert time_budget(Limits(infinite=True, wtime=1000), 0, 30) is None
    assert time_budget(Limits(wtime=1000), 1, 30) is None  # black has no clock given
