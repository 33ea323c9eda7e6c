"""Engine-vs-engine matches from the command line; the runner is training/match.py.

    python benchmarks/match.py --engine2 /usr/games/fairymax --proto2 xboard \\
        --games 40 --tc 10+0.1 --pgn /tmp/match.pgn
    python benchmarks/match.py --engine2 /usr/games/stockfish \\
        --option2 UCI_LimitStrength=true --option2 UCI_Elo=1320 --games 100 --tc 5+0.05
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.match import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
