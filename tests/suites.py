"""The public test suites in ../shared/data (WAC, Bratko-Kopec, STS), as FENs."""
from pathlib import Path

import chess

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUITES = ("wac.epd", "bk.epd", "sts.epd")


def suite_fens(names=SUITES):
    """Every position of the suites that are present (none when ../shared is absent)."""
    fens = []
    for name in names:
        path = DATA / name
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    fens.append(chess.Board.from_epd(line)[0].fen())
    return fens
