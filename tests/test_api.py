"""The Python API: `import ladya`, and the typed reports of the search
(search/result.py: Score, Info, SearchResult)."""
import doctest
import subprocess
import sys
from pathlib import Path

import chess
import pytest

import ladya
from search import result
from search.result import Cp, Info, Mate, Score, SearchResult

ROOT = Path(__file__).resolve().parents[1]


# -- Score ------------------------------------------------------------------

def test_scores_order_from_worst_to_best_for_the_side_to_move():
    worst_to_best = [Mate(0), Mate(-1), Mate(-2), Mate(-30), Cp(-2000), Cp(-1), Cp(0), Cp(35),
                     Cp(2000), Mate(30), Mate(2), Mate(1)]
    for i, a in enumerate(worst_to_best):
        for j, b in enumerate(worst_to_best):
            assert (a < b) == (i < j) and (a == b) == (i == j) and (a >= b) == (i >= j), (a, b)
    assert sorted(reversed(worst_to_best)) == worst_to_best
    assert max([Cp(300), Mate(-4), Mate(7)]) == Mate(7)


def test_score_fields_text_and_repr():
    assert (Cp(-25).cp, Cp(-25).mate, Cp(-25).is_mate()) == (-25, None, False)
    assert (Mate(3).cp, Mate(3).mate, Mate(3).is_mate()) == (None, 3, True)
    assert [str(s) for s in (Cp(25), Cp(0), Cp(-7), Mate(2), Mate(-2), Mate(0))] == \
        ["+25", "0", "-7", "#+2", "#-2", "#-0"]               # as python-chess prints them
    assert [s.uci() for s in (Cp(-7), Mate(-2))] == ["cp -7", "mate -2"]
    assert repr(Mate(-2)) == "Mate(-2)" and eval(repr(Cp(14))) == Cp(14)
    assert Score(cp=5) == Cp(5) and hash(Cp(5)) == hash(Score(cp=5)) and Cp(0) != Mate(0)
    assert Cp(5) != 5 and Cp(5).__lt__(5) is NotImplemented
    for bad in ({}, {"cp": 1, "mate": 1}):
        with pytest.raises(ValueError):
            Score(**bad)


def test_module_examples():
    assert doctest.testmod(result).failed == 0
    assert doctest.testmod(ladya).failed == 0


# -- import ladya -----------------------------------------------------------

def test_import_ladya_is_cheap():
    """`import ladya` loads none of the engine's parts: each is imported when
    first named."""
    code = ("import sys, ladya\n"
            "print(*sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'chess', 'search', 'nnue', 'training', 'nets') or m.startswith('engine.')))\n"
            "ladya.Position\n"
            "print('engine.position' in sys.modules, 'training' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["", "True False"], run.stdout


def test_every_name_resolves_to_the_engines_own_object():
    from engine.position import Position
    from search.limits import Limits
    from search.search import Searcher
    from training.datagen import DatagenConfig
    assert (ladya.Position, ladya.Limit, ladya.Searcher, ladya.DatagenConfig) == \
        (Position, Limits, Searcher, DatagenConfig)
    assert (ladya.Score, ladya.Cp, ladya.Info, ladya.SearchResult) == (Score, Cp, Info, SearchResult)
    from training.match import MatchConfig, play_match
    from training.spsa import SpsaConfig, run
    assert (ladya.MatchConfig, ladya.play_match, ladya.SpsaConfig, ladya.tune) == \
        (MatchConfig, play_match, SpsaConfig, run)
    assert set(ladya._LAZY) <= set(ladya.__all__)
    for name in ladya.__all__:
        assert getattr(ladya, name) is not None, name
    assert set(ladya.__all__) <= set(dir(ladya))
    import engine
    assert ladya.__version__ == engine.__version__
    with pytest.raises(AttributeError):
        ladya.NoSuchThing


def test_engine_searches_a_python_chess_board_with_its_history():
    """The move stack is replayed, so a repetition counts: a queen down,
    Black draws by the knight shuffle's third repetition (the same case as
    tests/test_search.py, given as a chess.Board)."""
    board = chess.Board("rnb1kbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1")
    for uci in "g1f3 g8f6 f3g1 f6g8 g1f3 g8f6 f3g1".split():
        board.push_uci(uci)
    engine = ladya.Engine(net=None, hash_mb=16)
    assert engine.eval_name.startswith("bootstrap")
    res = engine.search(board, ladya.Limit(depth=6))
    assert res.bestmove == "f6g8" and res.score == ladya.Cp(0)
    # The same position without its history has no repetition to claim.
    engine.clear()
    assert engine.search(board.fen(), ladya.Limit(depth=6)).score < ladya.Cp(-500)


def test_engine_with_the_shipped_net_reports_typed_infos():
    engine = ladya.Engine()
    assert engine.eval_name.startswith("NNUE") and "NNUE" in repr(engine)
    infos = []
    board = chess.Board.from_chess960_pos(100)
    board.push_uci("e2e4")
    res = engine.search(board, ladya.Limit(depth=7), infos.append)
    assert chess.Move.from_uci(res.bestmove) in board.legal_moves
    assert isinstance(res, SearchResult) and isinstance(res.score, Score) and res.depth == 7
    assert infos and all(isinstance(i, Info) for i in infos) and infos[-1].depth == 7
    assert isinstance(engine.evaluate(board), int)
    with pytest.raises(TypeError):
        engine.search(42, ladya.Limit(depth=1))


def test_load_net():
    net = ladya.load_net()
    assert net.hidden > 0 and isinstance(net, ladya.Network)
    with pytest.raises(OSError):
        ladya.load_net(ROOT / "no-such.nnue")


def test_datagen_and_loop_entry_points(tmp_path):
    summary = ladya.datagen(out=str(tmp_path / "data"), positions=40, nodes=100, workers=1,
                            progress=False)
    assert summary["positions"] >= 40
    config = ladya.DatagenConfig(out=str(tmp_path / "more"), positions=20, nodes=100, workers=1,
                                 progress=False)
    assert ladya.datagen(config, positions=30)["positions"] >= 30
    with pytest.raises(ValueError, match="even"):
        ladya.loop(workdir=str(tmp_path / "run"), games=3)
