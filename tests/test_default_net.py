"""The shipped net (nets/default.nnue): found, loaded by default, exact, and
replaceable through EvalFile without ever leaving the engine without an
evaluator."""
import chess
import pytest

from engine.position import Position
from nnue import default_net_path
from nnue.accumulator import evaluate
from nnue.format import VERSION_MIRRORED, VERSION_PACKED, read_net
from nnue.network import Network
from nnue.reference import int_eval
from test_uci import RawEngine

NET = default_net_path()
pytestmark = pytest.mark.skipif(NET is None, reason="no net shipped in nets/")

SAMPLE = [
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
    "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4",
    "r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10",
    "8/2k5/3p4/p2P1p2/P2P1P2/8/8/3K4 w - - 0 1",
    "6k1/5ppp/8/8/8/8/5PPP/3R2K1 b - - 0 1",
]


def test_the_shipped_net_is_packed_and_exact():
    with open(NET, "rb") as f:
        header = f.read(12)
    assert int.from_bytes(header[8:12], "little") in (VERSION_PACKED, VERSION_MIRRORED)
    qnet = read_net(NET)
    net = Network(NET)
    assert net.hidden == qnet.hidden
    for fen in SAMPLE:
        pos = Position(fen)
        assert evaluate(net, pos) == int_eval(qnet, pos)


def test_the_shipped_net_knows_material():
    """Sanity, not a score: the side a rook or a queen up is clearly better,
    from either side's point of view."""
    net = Network(NET)
    start = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"
    assert abs(evaluate(net, Position(start))) < 100
    for fen in ("rnb1kbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",    # White a queen up
                "rnbqkbn1/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQq - 0 1"):    # White a rook up
        assert evaluate(net, Position(fen)) > 250
        assert evaluate(net, Position(fen.replace(" w ", " b "))) < -250


def lines_with(lines, text):
    return [s for s in lines if text in s]


def test_uci_loads_the_shipped_net_by_default_and_keeps_it_on_bad_files(tmp_path):
    eng = RawEngine()
    try:
        eng.send("uci")
        eng.read_until(lambda s: s == "uciok")
        out = eng.sync()                     # the net is loaded, and named, before readyok
        assert lines_with(out, "info string evaluation: NNUE"), out
        assert not lines_with(out, "bootstrap")
        # A truncated copy of the net: refused, the shipped net stays.
        bad = tmp_path / "truncated.nnue"
        bad.write_bytes(NET.read_bytes()[:1000])
        eng.send(f"setoption name EvalFile value {bad}")
        out = eng.sync()
        assert lines_with(out, "truncated") and lines_with(out, "keeping NNUE"), out
        eng.send("position startpos moves e2e4", "go depth 6")
        move = eng.read_until(lambda s: s.startswith("bestmove"))[-1].split()[1]
        board = chess.Board()
        board.push_uci("e2e4")
        assert chess.Move.from_uci(move) in board.legal_moves
        # bootstrap and back to the default
        eng.send("setoption name EvalFile value bootstrap")
        assert lines_with(eng.sync(), "evaluation: bootstrap")
        eng.send("setoption name EvalFile value <default>")
        assert lines_with(eng.sync(), "evaluation: NNUE")
    finally:
        eng.close()
    assert not any(b"Traceback" in line for line in eng.stderr)


def test_a_game_with_the_shipped_net_is_legal_to_the_end():
    """A fast game against itself through python-chess's UCI client: every
    move legal, the game ends by the rules."""
    from test_uci import engine_command, ROOT
    import chess.engine
    board = chess.Board()
    with chess.engine.SimpleEngine.popen_uci(engine_command(), cwd=ROOT, timeout=60) as eng:
        while not board.is_game_over(claim_draw=True) and board.ply() < 200:
            result = eng.play(board, chess.engine.Limit(nodes=2000))
            assert result.move in board.legal_moves
            board.push(result.move)
    assert board.ply() > 10
