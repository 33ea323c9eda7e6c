"""Lazy SMP scaling: nodes/s and time to depth at 1, 2, ... threads, same run.

    python benchmarks/smp.py [--threads 1 2] [--movetime 2000] [--depth 14] [--net nets/default.nnue]

For each bench position (engine/bench.py) and each thread count, in turn:
a `go movetime` search from an empty table (nodes/s summed over threads)
and a `go depth` search from an empty table (milliseconds to reach the
depth).  Prints the per-position figures, the medians, and the ratios of
every thread count to the first one.  Needs idle cores: anything else
running (self-play, a match) shows up as poor scaling.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bench import BENCH_FENS  # noqa: E402
from engine.position import Position  # noqa: E402
from nnue.network import Network  # noqa: E402
from search.limits import Limits  # noqa: E402
from search.search import Searcher  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--movetime", type=int, default=2000, help="ms per nodes/s search")
    ap.add_argument("--depth", type=int, default=14, help="time-to-depth target")
    ap.add_argument("--positions", type=int, default=len(BENCH_FENS))
    ap.add_argument("--hash", type=int, default=64)
    ap.add_argument("--net", default=str(ROOT / "nets" / "default.nnue"))
    a = ap.parse_args(argv)
    net = Network(a.net) if a.net not in ("", "bootstrap") else None
    fens = BENCH_FENS[: a.positions]
    nps = {t: [] for t in a.threads}
    ttd = {t: [] for t in a.threads}
    for i, fen in enumerate(fens):
        row = []
        for t in a.threads:
            s = Searcher(a.hash, threads=t)
            if net is not None:
                s.set_network(net)
            r = s.search(Position(fen), Limits(movetime=a.movetime))
            nps[t].append(r.nodes * 1000 / max(r.time_ms, 1))
            s.clear()
            t0 = time.perf_counter()
            s.search(Position(fen), Limits(depth=a.depth))
            ttd[t].append((time.perf_counter() - t0) * 1000)
            row.append(f"T{t}: {nps[t][-1]:>9.0f} nps, depth {a.depth} in {ttd[t][-1]:>7.0f} ms")
        print(f"{i + 1:>2}  " + "  |  ".join(row), flush=True)
    base = a.threads[0]
    print()
    for t in a.threads:
        speed = [x / y for x, y in zip(nps[t], nps[base])]
        depth_speed = [y / x for x, y in zip(ttd[t], ttd[base])]
        print(f"threads {t}: median {statistics.median(nps[t]):.0f} nps "
              f"(x{statistics.median(speed):.2f} of {base}), median time to depth {a.depth} "
              f"{statistics.median(ttd[t]):.0f} ms (x{statistics.median(depth_speed):.2f} faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
