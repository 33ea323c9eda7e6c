"""Micro-benchmark of the bootstrap evaluation (search/evaluate.pyx).

Times evaluate() called from a nogil C loop over a set of positions (the way
search calls it), and, as the reference measured in the same run, the same
evaluation called once per position from Python through evaluate_position().

    python benchmarks/evaluate.py [--positions N] [--repeats R]

Positions: the first N of shared/data/openings.epd, plus the positions of a
few seeded random games so that endgames are represented too.
"""
import argparse
import shlex
import sys
import time
from pathlib import Path

import chess

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_positions as _load_positions  # noqa: E402

from engine.position import Position  # noqa: E402
from search.evaluate import evaluate_position  # noqa: E402
from search.timing import time_evaluate  # noqa: E402



def load_positions(n, seed=1):
    return _load_positions(n, seed, book_share=0.5)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--positions", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=10000)
    args = ap.parse_args(argv)

    fens = load_positions(args.positions)
    pieces = sum(chess.Board(f).occupied.bit_count() for f in fens) / len(fens)
    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv))
    print(f"positions: {len(fens)} (mean {pieces:.1f} pieces), repeats: {args.repeats}")

    time_evaluate(fens, max(1, args.repeats // 20))          # warm caches
    elapsed, count = time_evaluate(fens, args.repeats)
    nogil_rate = count / elapsed
    print(f"evaluate() nogil loop : {count} evals in {elapsed:.3f} s = "
          f"{nogil_rate / 1e6:.2f} M evals/s ({1e9 / nogil_rate:.1f} ns/eval)")

    positions = [Position(f) for f in fens]
    py_repeats = max(1, args.repeats // 20)
    t0 = time.perf_counter()
    for _ in range(py_repeats):
        for pos in positions:
            evaluate_position(pos)
    py_elapsed = time.perf_counter() - t0
    py_rate = py_repeats * len(positions) / py_elapsed
    print(f"evaluate_position() from Python (reference): {py_rate / 1e6:.2f} M evals/s "
          f"({1e9 / py_rate:.1f} ns/eval)")
    print(f"ratio nogil / Python call: {nogil_rate / py_rate:.1f}x")


if __name__ == "__main__":
    main()
