"""benchmarks/clock_share.py: clock use read from a fastchess PGN."""
import importlib.util
import io
import sys
from pathlib import Path

import chess.pgn
import pytest

spec = importlib.util.spec_from_file_location(
    "clock_share", Path(__file__).resolve().parents[1] / "benchmarks" / "clock_share.py")
clock_share = importlib.util.module_from_spec(spec)
sys.modules["clock_share"] = clock_share  # dataclasses look their module up
spec.loader.exec_module(clock_share)

PGN = """[White "a"]
[Black "b"]
[Result "0-1"]
[TimeControl "2+0.5"]
[Termination "time forfeit"]

1. e4 {+0.10/10 0.500s} e5 {-0.10/9 1.000s} 2. Nf3 {+0.20/10 1.500s} Nc6 {book} 0-1

[White "b"]
[Black "a"]
[Result "1/2-1/2"]
[TimeControl "2+0.5"]
[Termination "normal"]

1. d4 {+0.00/1 0.250s} d5 {0.00/1 0.250s} 1/2-1/2
"""


def test_spent_available_and_time_losses_per_engine():
    games = []
    f = io.StringIO(PGN)
    while (g := chess.pgn.read_game(f)) is not None:
        games.append(g)
    use = clock_share.clock_use(games)
    a, b = use["a"], use["b"]
    assert (a.games, a.moves, b.games, b.moves) == (2, 3, 2, 2)
    assert a.spent == pytest.approx(0.5 + 1.5 + 0.25)
    # start clock of each game plus the increment of each timed move
    assert a.available == pytest.approx(2 + 2 * 0.5 + 2 + 0.5)
    assert b.spent == pytest.approx(1.25)
    assert b.available == pytest.approx(2 + 0.5 + 2 + 0.5)
    assert (a.time_losses, b.time_losses) == (1, 0)
    assert a.per_move == pytest.approx(2.25 / 3)


def test_time_control_tags():
    assert clock_share.parse_tc("10+0.1") == (10.0, 0.1)
    assert clock_share.parse_tc("60") == (60.0, 0.0)
    with pytest.raises(ValueError):
        clock_share.parse_tc("40/60")
