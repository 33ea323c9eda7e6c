"""Helpers shared by the benchmark scripts (not part of the package)."""
import random
import sys
from pathlib import Path

import chess

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_positions(n, seed=1, book_share=1.0):
    """Up to n FENs: `book_share` of them from openings.epd, the rest from
    seeded random games (python-chess)."""
    fens = []
    path = DATA / "openings.epd"
    if path.exists():
        with path.open() as f:
            for line in f:
                if len(fens) >= int(n * book_share):
                    break
                if line.strip():
                    fens.append(" ".join(line.split()[:4]) + " 0 1")
    rng = random.Random(seed)
    while len(fens) < n:
        board = chess.Board()
        while not board.is_game_over() and len(fens) < n:
            board.push(rng.choice(list(board.legal_moves)))
            fens.append(board.fen())
    return fens
