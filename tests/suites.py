"""The shared test data in ../shared/data (WAC, Bratko-Kopec, STS, perft
counts, openings): where it is, and the suites as FENs.

A test that reads it says so with `@pytest.mark.shared_data("wac.epd", ...)`;
tests/conftest.py skips it, naming the missing files, when they are absent
(a checkout without ../shared, an installed wheel).
"""
from pathlib import Path

import chess

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUITES = ("wac.epd", "bk.epd", "sts.epd")


def missing(names):
    """The files of `names` that ../shared/data does not have."""
    return [name for name in names if not (DATA / name).is_file()]


def epd(name, limit=None):
    """[(chess.Board, operations)] of one EPD file, in file order."""
    records = []
    for line in (DATA / name).read_text().splitlines():
        if line.strip():
            records.append(chess.Board.from_epd(line))
            if limit is not None and len(records) == limit:
                break
    return records


def suite_fens(names=SUITES, limit=None):
    """The positions of the suites as FENs (the first `limit` of each)."""
    return [board.fen() for name in names for board, _ in epd(name, limit)]


def random_game_board(rng, max_plies, min_plies=0):
    """A chess.Board after a random game of min_plies..max_plies uniformly
    random legal moves from the start (fewer if the game ends first): the
    checks, promotions, castling and en passant a suite may not have."""
    board = chess.Board()
    for _ in range(rng.randint(min_plies, max_plies)):
        moves = list(board.legal_moves)
        if not moves:
            break
        board.push(rng.choice(moves))
    return board
