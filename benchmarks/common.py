"""Helpers shared by the benchmark scripts (not part of the package)."""
import os
import random
import sys
from pathlib import Path

import chess

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
# The scripts measure this checkout: its packages come first here and in the
# engines they start (`python -m engine`), wherever they are run from.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def load_positions(n, seed=1, book_share=1.0):
    """Up to n FENs: `book_share` of them from openings.epd, the rest from
    seeded random games (python-chess)."""
    from training.epd import read_fens
    path = DATA / "openings.epd"
    want = int(n * book_share)
    fens = read_fens(path, limit=want) if path.exists() and want else []
    rng = random.Random(seed)
    while len(fens) < n:
        board = chess.Board()
        while not board.is_game_over() and len(fens) < n:
            board.push(rng.choice(list(board.legal_moves)))
            fens.append(board.fen())
    return fens
