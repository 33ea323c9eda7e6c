"""The correction history (search/correction.pxd): learnt per thread by the
search, bounded, scaled by CORR_HIST and CORR_NON_PAWN, forgotten by clear()."""
import random

import chess
import pytest

from engine.position import Position
from search.limits import Limits
from search.search import Searcher, search_params, set_params
from suites import random_game_board

KIWIPETE = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
ENTRY_CP = 64          # CORR_LIMIT / CORR_GRAIN: one entry's bound


def _bound():
    """The largest correction the tables can add at the current percents:
    the pawn entry and one non-pawn entry per colour."""
    p = search_params()
    return ENTRY_CP * (p["CORR_HIST"] + 2 * p["CORR_NON_PAWN"]) // 100


def _positions(n, seed):
    rng = random.Random(seed)
    return [random_game_board(rng, 80, min_plies=1).fen() for _ in range(n)]


def _pv_positions(fen, pv):
    """The root and each position along `pv` (they share most pawn structures
    the search visited)."""
    board = chess.Board(fen)
    out = [board.fen()]
    for m in pv:
        board.push_uci(m)
        out.append(board.fen())
    return out


def test_learnt_by_search_bounded_and_forgotten_by_clear():
    s = Searcher(16)
    fens = _positions(40, seed=3) + [KIWIPETE]
    assert all(s.correction(Position(f)) == 0 for f in fens)
    learnt = []
    for fen in (KIWIPETE, chess.STARTING_FEN):
        r = s.search(Position(fen), Limits(nodes=100_000))
        learnt += [s.correction(Position(f)) for f in _pv_positions(fen, r.pv)]
    assert any(c != 0 for c in learnt), learnt
    assert all(abs(c) <= _bound() for c in learnt)
    assert all(abs(s.correction(Position(f))) <= _bound() for f in fens)
    s.clear()
    assert all(s.correction(Position(f)) == 0 for f in fens + [KIWIPETE])


@pytest.mark.parametrize("name,other", [("CORR_HIST", "CORR_NON_PAWN"),
                                        ("CORR_NON_PAWN", "CORR_HIST")])
def test_each_percent_scales_its_tables(name, other, defaults_after):
    s = Searcher(16)
    r = s.search(Position(KIWIPETE), Limits(nodes=100_000))
    fens = _pv_positions(KIWIPETE, r.pv) + _positions(20, seed=5)
    set_params({name: 0, other: 0})
    assert all(s.correction(Position(f)) == 0 for f in fens)
    set_params({name: 100})
    full = [s.correction(Position(f)) for f in fens]
    set_params({name: 200})
    double = [s.correction(Position(f)) for f in fens]
    assert any(full)
    assert all(abs(d - 2 * c) <= 1 for c, d in zip(full, double)), (full, double)
    set_params({name: 100, other: 100})
    both = [s.correction(Position(f)) for f in fens]
    set_params({name: 0})
    rest = [s.correction(Position(f)) for f in fens]
    assert all(abs(b - (c + x)) <= 1 for b, c, x in zip(both, full, rest)), (both, full, rest)


def test_each_thread_learns_its_own_table():
    s = Searcher(16, threads=2)
    r = s.search(Position(KIWIPETE), Limits(nodes=200_000))
    fens = _pv_positions(KIWIPETE, r.pv)
    for t in (0, 1):
        values = [s.correction(Position(f), thread=t) for f in fens]
        assert all(abs(v) <= _bound() for v in values)
    assert any(s.correction(Position(f), thread=1) for f in fens)
    with pytest.raises(ValueError):
        s.correction(Position(KIWIPETE), thread=2)
    s.clear()
    assert all(s.correction(Position(f), thread=t) == 0 for f in fens for t in (0, 1))
