"""Perft against the published counts of ../shared/data/perft.epd and perft960.epd.

Every depth whose published count is at most SMALL_NODES is checked (about
4,500 counts, 650 million leaves, a few seconds with bulk counting).  Records
whose smallest count is above that get their smallest depth if it is at most
MEDIUM_NODES, otherwise python-chess counts depth 1 and 2 for us.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import chess
import pytest

from engine.position import STARTING_FEN, Position
from suites import DATA, missing

REPO = Path(__file__).resolve().parents[1]
SMALL_NODES = 2_000_000
MEDIUM_NODES = 12_000_000


def read_epd(name):
    """[(fen, {depth: count})] from a `FEN ;D1 n ;D2 n ...` file."""
    records = []
    for line in (DATA / name).read_text().splitlines():
        if not line.strip():
            continue
        fen, *ops = line.split(";")
        counts = {}
        for op in ops:
            key, value = op.split()
            counts[int(key[1:])] = int(value)
        records.append((fen.strip(), counts))
    return records


def depths_to_check(counts):
    small = {d: n for d, n in counts.items() if n <= SMALL_NODES}
    if small:
        return small
    d = min(counts)
    return {d: counts[d]} if counts[d] <= MEDIUM_NODES else {}


def python_chess_perft(board, depth):
    if depth == 0:
        return 1
    if depth == 1:
        return board.legal_moves.count()
    total = 0
    for move in board.legal_moves:
        board.push(move)
        total += python_chess_perft(board, depth - 1)
        board.pop()
    return total


def cases(name, chess960):
    if missing([name]):                  # read at collection: a placeholder the marker skips
        return [pytest.param(None, None, chess960, marks=pytest.mark.shared_data(name), id=name)]
    return [pytest.param(fen, counts, chess960, id=fen) for fen, counts in read_epd(name)]


@pytest.mark.parametrize("fen,counts,chess960",
                         cases("perft.epd", None) + cases("perft960.epd", True))
def test_perft_counts(fen, counts, chess960):
    pos = Position(fen, chess960)
    key = pos.zobrist
    expected = depths_to_check(counts)
    if not expected:
        # Only huge counts are published: let python-chess be the oracle.
        board = chess.Board(fen, chess960=pos.chess960)
        expected = {d: python_chess_perft(board, d) for d in (1, 2)}
    got = {d: pos.perft(d) for d in expected}
    assert got == expected, f"perft mismatch for {fen}"
    assert pos.fen() == Position(fen, chess960).fen() and pos.zobrist == key, "perft changed the position"


DIVIDE_FENS = [
    STARTING_FEN,
    "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
    "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
    "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1",
    "rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8",
    "bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9",
]


@pytest.mark.parametrize("fen", DIVIDE_FENS)
def test_perft_divide_matches_perft_and_python_chess(fen):
    pos = Position(fen)
    board = chess.Board(fen, chess960=pos.chess960)
    for depth in (1, 2, 3):
        split = pos.perft_divide(depth)
        assert sum(split.values()) == pos.perft(depth)
        assert set(split) == {m.uci() for m in board.legal_moves}
    # Each entry is the perft of the child, checked against python-chess at depth 2.
    for uci, count in pos.perft_divide(2).items():
        board.push_uci(uci)
        assert count == board.legal_moves.count(), uci
        board.pop()
        pos.push_uci(uci)
        assert pos.perft(1) == count
        pos.pop()
    assert pos.fen() == board.fen()


def test_perft_edge_depths():
    pos = Position()
    assert pos.perft(0) == 1
    with pytest.raises(ValueError):
        pos.perft(-1)
    with pytest.raises(ValueError):
        pos.perft_divide(0)
    # A mated side has no moves: perft 1 is 0 and the split is empty.
    mated = Position("rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3")
    assert mated.perft(1) == 0 and mated.perft(3) == 0
    assert mated.perft_divide(2) == {}


def check_split_output(stdout, fen, depth, total):
    """The CLI prints `move: count` lines, a blank line, then `Nodes searched: N`."""
    lines = stdout.strip().splitlines()
    assert lines[-1] == f"Nodes searched: {total}"
    assert lines[-2] == ""
    split = {}
    for line in lines[:-2]:
        move, count = line.split(": ")
        split[move] = int(count)
    board = chess.Board(fen, chess960=Position(fen).chess960)
    assert set(split) == {m.uci() for m in board.legal_moves}
    assert sum(split.values()) == total
    for move, count in split.items():
        board.push_uci(move)
        assert count == python_chess_perft(board, depth - 1), move
        board.pop()


def run_cli(args):
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_cli_perft_start_position():
    proc = run_cli(["perft", "3"])
    assert proc.returncode == 0, proc.stderr
    check_split_output(proc.stdout, STARTING_FEN, 3, 8902)


def test_cli_perft_with_fen():
    fen = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
    proc = run_cli(["perft", "2", *fen.split()])
    assert proc.returncode == 0, proc.stderr
    check_split_output(proc.stdout, fen, 2, 2039)


CLI_960_FEN = "bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9"


@pytest.mark.parametrize("args", [
    ["--chess960", CLI_960_FEN],            # the FEN as one argument
    ["--chess960", *CLI_960_FEN.split()],   # option first, then the FEN fields
    [*CLI_960_FEN.split(), "--chess960"],   # FEN fields, then the option
])
def test_cli_perft_chess960(args):
    fen = CLI_960_FEN
    proc = run_cli(["perft", "2", *args])
    assert proc.returncode == 0, proc.stderr
    check_split_output(proc.stdout, fen, 2, 528)


@pytest.mark.parametrize("args", [["perft", "2", "not", "a", "fen", "x"], ["perft", "0"],
                                  ["perft", "2", "--no-such-option"]])
def test_cli_perft_rejects_bad_input(args):
    proc = run_cli(args)
    assert proc.returncode == 2
    assert "error" in proc.stderr


def test_console_script_perft():
    exe = shutil.which("ladya")
    if exe is None:
        pytest.skip("the ladya console script is not installed (pip install -e .)")
    proc = subprocess.run([exe, "perft", "3"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    check_split_output(proc.stdout, STARTING_FEN, 3, 8902)
