"""Write the opening book shipped in the package (training/books/openings.epd).

    python benchmarks/make_book.py --out training/books/openings.epd

A seeded sample of ../shared/data/openings.epd (fishtest's 2moves_v1, CC0),
each position searched by Ladya with its shipped net (UCI, python-chess) to
a fixed depth; the first `--count` positions of the sample whose score is
within +-`--max-cp` are kept, written in the order of the source file.
"""
import argparse
import random
import sys
from pathlib import Path

import chess
import chess.engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA  # noqa: E402
from training import epd  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(DATA / "openings.epd"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--max-cp", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    records = epd.read_epd(args.source)
    order = list(range(len(records)))
    random.Random(args.seed).shuffle(order)
    kept, tried = [], 0
    with chess.engine.SimpleEngine.popen_uci([sys.executable, "-m", "engine"]) as engine:
        for i in order:
            if len(kept) >= args.count:
                break
            tried += 1
            engine.configure({"Clear Hash": None})
            info = engine.analyse(chess.Board(records[i].fen), chess.engine.Limit(depth=args.depth))
            cp = info["score"].relative.score()
            if cp is not None and abs(cp) <= args.max_cp:
                kept.append(i)
    Path(args.out).write_text("".join(records[i].fen + "\n" for i in sorted(kept)))
    print(f"kept {len(kept)} of {tried} positions (|score| <= {args.max_cp} cp at depth {args.depth}) "
          f"from {args.source} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
