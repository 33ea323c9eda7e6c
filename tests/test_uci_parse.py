"""The pure parts of the UCI front end: command parsers and output formatting."""
import dataclasses
import io

import chess
import chess.polyglot
import pytest

from engine.uci import (OPTIONS, Option, UciEngine, board_diagram, format_bestmove,
                        format_info, parse_go, parse_position, parse_setoption)
from engine.position import Position
from search.limits import Limits
from search.result import Cp, Info, Mate


def toks(text):
    return text.split()


# -- position ---------------------------------------------------------------

def test_position_startpos():
    assert parse_position(toks("startpos")) == (None, [])
    assert parse_position(toks("startpos moves")) == (None, [])
    assert parse_position(toks("startpos moves e2e4 e7e5 g1f3")) == (None, ["e2e4", "e7e5", "g1f3"])


def test_position_fen():
    fen = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
    assert parse_position(["fen"] + fen.split()) == (fen, [])
    assert parse_position(["fen"] + fen.split() + ["moves", "e1g1", "a6e2"]) == (fen, ["e1g1", "a6e2"])
    # Four-field FENs are passed on; Position decides.
    assert parse_position(toks("fen 8/8/8/8/8/8/8/K6k w - - moves a1b1")) == (
        "8/8/8/8/8/8/8/K6k w - -", ["a1b1"])


def test_position_promotion_and_null_moves():
    assert parse_position(toks("startpos moves e7e8q a2a1n 0000"))[1] == ["e7e8q", "a2a1n", "0000"]


@pytest.mark.parametrize("line", [
    "",
    "moves e2e4",
    "start",
    "startpos e2e4",
    "startpos fen 8/8/8/8/8/8/8/K6k w - - 0 1",
    "fen",
    "fen moves e2e4",
    "fen 8/8/8/8/8/8/8/K6k w - - 0 1 extra",
    "startpos moves e2e9",
    "startpos moves e2",
    "startpos moves e2e4e5",
    "startpos moves E2E4",
    "startpos moves e7e8k",
    "startpos moves e7e8Q",
    "startpos moves i2i4",
    "startpos moves e2e4 moves e7e5",
    "STARTPOS",
])
def test_position_malformed(line):
    with pytest.raises(ValueError):
        parse_position(toks(line))


# -- go ---------------------------------------------------------------------

def test_go_clock():
    lim = parse_go(toks("wtime 300000 btime 290000 winc 2000 binc 1000 movestogo 40"))
    assert (lim.wtime, lim.btime, lim.winc, lim.binc, lim.movestogo) == (300000, 290000, 2000, 1000, 40)
    assert not lim.infinite and not lim.ponder


def test_go_fixed_limits():
    assert parse_go(toks("depth 12")).depth == 12
    assert parse_go(toks("nodes 100000")).nodes == 100000
    assert parse_go(toks("movetime 250")).movetime == 250
    assert parse_go(toks("mate 3")).mate == 3
    assert parse_go(toks("perft 4")).perft == 4


def test_go_flags_and_searchmoves():
    lim = parse_go(toks("ponder wtime 1000 btime 1000"))
    assert lim.ponder and lim.wtime == 1000
    assert parse_go(toks("infinite")).infinite
    lim = parse_go(toks("searchmoves e2e4 d2d4 depth 5"))
    assert lim.searchmoves == ["e2e4", "d2d4"] and lim.depth == 5
    lim = parse_go(toks("depth 5 searchmoves g1f3"))
    assert lim.searchmoves == ["g1f3"] and lim.depth == 5


def test_bare_go_is_infinite():
    assert parse_go([]) == Limits(infinite=True)
    assert parse_go(toks("searchmoves e2e4")).infinite


def test_go_clock_edge_values():
    # A fallen flag may be sent as a negative time: read as 0, not an error.
    assert parse_go(toks("wtime -50 btime 10")).wtime == 0
    assert parse_go(toks("wtime 10 btime 10 movestogo 0")).movestogo is None
    assert parse_go(toks("depth 100000")).depth <= 255
    assert parse_go(toks("movetime 0")).movetime == 0


@pytest.mark.parametrize("line", [
    "depth",
    "depth x",
    "depth 0",
    "depth -3",
    "depth 2.5",
    "nodes 0",
    "mate 0",
    "movetime -1",
    "movestogo -1",
    "wtime",
    "wtime 1000 btime",
    "wtime abc",
    "perft",
    "perft 0",
    "perft 3 depth 2",
    "depth 3 perft 3",
    "depth 3 depth 4",
    "infinite infinite",
    "searchmoves",
    "searchmoves depth 3",
    "searchmoves e2e4 x",
    "searchmoves 0000",
    "searchmoves e2e4 searchmoves d2d4",
    "fast",
    "depth 3 blah",
    "Depth 3",
])
def test_go_malformed(line):
    with pytest.raises(ValueError):
        parse_go(toks(line))


# -- setoption --------------------------------------------------------------

def test_setoption():
    assert parse_setoption(toks("name Hash value 64")) == ("Hash", "64")
    assert parse_setoption(toks("name Move Overhead value 100")) == ("Move Overhead", "100")
    assert parse_setoption(toks("name Clear Hash")) == ("Clear Hash", None)
    assert parse_setoption(toks("name EvalFile value my net.nnue")) == ("EvalFile", "my net.nnue")
    assert parse_setoption(toks("name EvalFile value")) == ("EvalFile", "")


@pytest.mark.parametrize("line", ["", "Hash value 3", "name", "name value 3", "value 3 name Hash"])
def test_setoption_malformed(line):
    with pytest.raises(ValueError):
        parse_setoption(toks(line))


def test_option_values():
    opts = {o.name: o for o in OPTIONS}
    assert opts["Hash"].coerce("64") == 64
    assert opts["Ponder"].coerce("TRUE") is True
    assert opts["UCI_Chess960"].coerce("false") is False
    assert opts["EvalFile"].coerce("<empty>") == ""
    assert opts["Clear Hash"].coerce(None) is None
    for name, value in [("Hash", "0"), ("Hash", "x"), ("Hash", None), ("MultiPV", "257"),
                        ("Move Overhead", "-1"), ("Move Overhead", "5001"), ("Ponder", "yes"),
                        ("Threads", "0"), ("EvalFile", None)]:
        with pytest.raises(ValueError):
            opts[name].coerce(value)


def test_option_lines():
    assert Option("Hash", "spin", 16, 1, 32768).uci() == \
        "option name Hash type spin default 16 min 1 max 32768"
    assert Option("Ponder", "check", False).uci() == "option name Ponder type check default false"
    assert Option("Clear Hash", "button").uci() == "option name Clear Hash type button"
    assert Option("EvalFile", "string", "").uci() == "option name EvalFile type string default <empty>"


# -- output -----------------------------------------------------------------

def test_format_info():
    info = Info(depth=7, seldepth=11, multipv=1, score=Cp(-25), nodes=12345,
                nps=500000, hashfull=3, time_ms=24, pv=["e2e4", "e7e5"])
    assert format_info(info) == ("info depth 7 seldepth 11 multipv 1 score cp -25 nodes 12345 "
                                 "nps 500000 hashfull 3 time 24 pv e2e4 e7e5")
    info = dataclasses.replace(info, score=Mate(-3), upperbound=True)
    assert "score mate -3 upperbound nodes" in format_info(info)
    info = dataclasses.replace(info, score=Cp(40), upperbound=False, lowerbound=True)
    assert "score cp 40 lowerbound nodes" in format_info(info)
    assert format_info(Info(string="hello")) == "info string hello"
    assert format_info(Info(depth=1, nodes=20)) == "info depth 1 nodes 20"


def test_format_bestmove():
    assert format_bestmove("e2e4", "e7e5") == "bestmove e2e4 ponder e7e5"
    assert format_bestmove("e2e4", None) == "bestmove e2e4"
    assert format_bestmove("0000") == "bestmove (none)"


def test_diagram_matches_python_chess():
    fen = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
    text = board_diagram(Position(fen))
    board = chess.Board(fen)
    rows = [line for line in text.splitlines() if line.startswith(" | ")]
    for rank, row in zip(range(7, -1, -1), rows):
        cells = [c.strip() or None for c in row.split("|")[1:9]]
        assert cells == [(lambda p: p.symbol() if p else None)(board.piece_at(rank * 8 + f))
                         for f in range(8)]
    assert f"Fen: {fen}" in text
    assert f"Key: {chess.polyglot.zobrist_hash(board):016X}" in text


def test_engine_reports_bad_lines_in_process():
    """The loop without a searcher: each bad line gives exactly one info string."""
    out = io.StringIO()
    engine = UciEngine(out=out, searcher_factory=lambda mb: None)
    for line in ["xyzzy", "position", "position startpos moves e2e5", "go depth x",
                 "setoption name Nope value 1", "setoption name Hash value 0", "debug maybe"]:
        out.seek(0)
        out.truncate()
        assert engine.handle(line)
        lines = out.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("info string "), (line, lines)
    assert engine.handle("quit") is False
