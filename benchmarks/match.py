"""Engine-vs-engine matches from the command line; the runner is training/match.

    python benchmarks/match.py --engine2 /usr/games/fairymax --proto2 xboard \\
        --games 40 --tc 10+0.1 --pgn /tmp/match.pgn
    python benchmarks/match.py --engine2 /usr/games/stockfish \\
        --option2 UCI_LimitStrength=true --option2 UCI_Elo=1320 --games 100 --tc 5+0.05

The same as `python -m training.match`, with this checkout's engine and,
when ../shared/data is there, its 40457-position book as the default
openings (instead of the 500 shipped in the package).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA  # noqa: E402
from training.match.cli import main  # noqa: E402

if __name__ == "__main__":
    book = DATA / "openings.epd"
    default = ["--openings", str(book)] if book.exists() else []
    sys.exit(main(default + sys.argv[1:]))   # a later --openings wins
