"""The cost of checking training data as it is read.

    python benchmarks/data_check.py ~/ladya-work/gen1-own          # real chunks, tiled to 1M records
    python benchmarks/data_check.py data/gen0 --records 4000000

The records of the given data are tiled to --records and written as one
version-2 file; then, best of --repeats, in this process:

1. plain: memory-map the records and copy them into memory (what reading
   cost before files were checked);
2. `training.data.load`: the file checks, the CRC32 and every record's
   validation (training/validate.py), then the same copy;
3. `training.validate.check` alone, on the records in memory.

The ratio load/plain is the price of trusting the data.  The machine may be
shared: the load average is printed with the figures.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Run from a source checkout without installing: the repo root holds `training/`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training import data as D  # noqa: E402
from training import validate as V  # noqa: E402


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="data files or directories (the records to tile)")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    base = D.load(args.paths, strict=True)
    if not len(base):
        sys.exit("no records in the given data")
    recs = np.resize(base, args.records)          # starts as the data does: with a game
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ldat"
        D.write_records(path, recs)
        plain = best(lambda: np.array(np.memmap(path, D.RECORD, "r", offset=D.HEADER.size)), args.repeats)
        checked = best(lambda: D.load([path], strict=True), args.repeats)
    alone = best(lambda: V.check(recs), args.repeats)
    load1 = os.getloadavg()[0]
    n = len(recs) / 1e6
    print(f"{len(recs)} records (tiled from the {len(base)} given), best of {args.repeats}, "
          f"load average {load1:.2f}")
    print(f"plain memmap + copy:  {plain:.3f} s  ({plain / n:.3f} s per million)")
    print(f"training.data.load:   {checked:.3f} s  ({checked / n:.3f} s per million), "
          f"{checked / plain:.1f}x plain")
    print(f"validate.check alone: {alone:.3f} s  ({alone / n:.3f} s per million)")


if __name__ == "__main__":
    main()
