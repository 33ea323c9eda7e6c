"""Search speed: Ladya's `bench` Nodes/second against Stockfish's, same run.

    python benchmarks/bench_nps.py [--repeats 3] [--depth D] [--sf-depth 13]

Runs, alternately and --repeats times each, Ladya's bench (`python -m engine
bench` from this checkout, else an installed `ladya bench`, else the small
built-in bench below) and Stockfish's single-threaded bench
(`stockfish bench 16 1 13 default depth`: hash MB, threads, depth, positions,
limit type).  Prints every run, the median Nodes/second of each and the
ratio ours/Stockfish.  Both are single-threaded; the ratio compares speed
per node (of very different evaluations), not strength.

The built-in bench (`--builtin`, also used as the fallback) searches a fixed
set of positions to a fixed depth through search.search.Searcher, clearing
the hash before each, and prints the same two lines as `ladya bench`.
"""
import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUILTIN_DEPTH = 12

NODES_RE = re.compile(r"Nodes searched\s*:\s*(\d+)")
NPS_RE = re.compile(r"Nodes/second\s*:\s*(\d+)")


def builtin_bench(depth: int) -> int:
    """The engine's own bench (engine/bench.py) in this process."""
    sys.path.insert(0, str(ROOT))
    from engine import bench
    bench.run(depth, out=print)
    return 0


def run_bench(argv):
    """Run a bench command; (nodes, nps) parsed from stdout+stderr, or None."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)
    text = proc.stdout + proc.stderr
    nodes, nps = NODES_RE.findall(text), NPS_RE.findall(text)
    if proc.returncode != 0 or not nps:
        return None
    return int(nodes[-1]) if nodes else None, int(nps[-1])


def ladya_commands(depth):
    """Candidate bench commands for Ladya, best first."""
    extra = [str(depth)] if depth else []
    # `python -m engine` with PYTHONPATH set runs this checkout; an installed
    # `ladya` script might belong to another one, so it only comes second.
    cmds = [[sys.executable, "-m", "engine", "bench"] + extra]
    if shutil.which("ladya"):
        cmds.append(["ladya", "bench"] + extra)
    cmds.append([sys.executable, str(Path(__file__).resolve()), "--builtin",
                 "--depth", str(depth or BUILTIN_DEPTH)])
    return cmds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--depth", type=int, help="Ladya bench depth (default: its own)")
    ap.add_argument("--stockfish", default=shutil.which("stockfish") or "/usr/games/stockfish")
    ap.add_argument("--sf-depth", type=int, default=13, help="Stockfish bench depth (default 13)")
    ap.add_argument("--ladya", help="Ladya bench command line (default: see above)")
    ap.add_argument("--builtin", action="store_true", help="run the built-in bench and exit")
    args = ap.parse_args(argv)

    if args.builtin:
        return builtin_bench(args.depth or BUILTIN_DEPTH)

    candidates = [shlex.split(args.ladya)] if args.ladya else ladya_commands(args.depth)
    sf_cmd = [args.stockfish, "bench", "16", "1", str(args.sf_depth), "default", "depth"]
    ours, theirs = [], []
    ladya_cmd = None
    for i in range(args.repeats):
        if ladya_cmd is None:
            for cmd in candidates:
                res = run_bench(cmd)
                if res:
                    ladya_cmd = cmd
                    break
                print(f"(no bench from: {shlex.join(cmd)})", flush=True)
            else:
                raise SystemExit("no Ladya bench command worked")
        else:
            res = run_bench(ladya_cmd)
            if not res:
                raise SystemExit(f"failed: {shlex.join(ladya_cmd)}")
        ours.append(res)
        print(f"run {i + 1} Ladya     nodes {res[0]}  Nodes/second {res[1]}   ({shlex.join(ladya_cmd)})",
              flush=True)
        sf = run_bench(sf_cmd)
        if not sf:
            raise SystemExit(f"failed: {shlex.join(sf_cmd)}")
        theirs.append(sf)
        print(f"run {i + 1} Stockfish nodes {sf[0]}  Nodes/second {sf[1]}   ({shlex.join(sf_cmd)})",
              flush=True)

    ours_nps = statistics.median(r[1] for r in ours)
    sf_nps = statistics.median(r[1] for r in theirs)
    print()
    print(f"Ladya     Nodes/second (median of {len(ours)}): {ours_nps:.0f}")
    print(f"Stockfish Nodes/second (median of {len(theirs)}): {sf_nps:.0f}")
    print(f"ratio Ladya/Stockfish: {ours_nps / sf_nps:.3f}")
    if len({r[0] for r in ours}) > 1:
        print("warning: Ladya's node count changed between runs (bench not deterministic)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
