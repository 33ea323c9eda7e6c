"""Self-play data generation speed, and the share of time spent outside the search.

    python benchmarks/datagen.py                      # 24 games at --nodes 5000, one worker
    python benchmarks/datagen.py --games 8 --nodes 2000
    python benchmarks/datagen.py --profile            # also cProfile the worker loop

Three measurements of the same games (one worker, a fixed seed, so all three
play exactly the same positions):

1. end to end: `training.datagen.run()` with one worker process, as
   `ladya datagen --workers 1` runs it (process start-up included);
2. the worker loop (`training.datagen._worker`) in this process, with the
   Searcher subclassed to time every `search()` call: the time outside the
   game searches is the overhead (opening generation -- its random plies and
   its depth-6 balance check --, FEN text, packing, writing, Python glue);
3. pure search: the recorded positions searched again with the same limits
   (one Searcher, cleared at the start of each game as datagen does), giving
   the engine's nodes/s on this kind of position.  Datagen's effective nodes/s
   (nodes per position x positions/s) against this is a second, independent
   estimate of the overhead.

Target (not asserted): overhead under 10%.  The machine may be shared: the
load average is printed with the figures, and the ratios are taken within
one run.
"""
import argparse
import cProfile
import os
import pstats
import queue
import resource
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

# Run from a source checkout without installing: the repo root holds `training/`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import search.search as S  # noqa: E402
from engine.position import Position  # noqa: E402
from search.limits import Limits  # noqa: E402
from training import data as D  # noqa: E402
from training import datagen as G  # noqa: E402


def clocks():
    """(wall, CPU of this thread) in seconds: on a shared machine the CPU time
    is the steadier measure; the search runs in the calling thread."""
    return time.perf_counter(), time.thread_time()


class TimedSearcher(S.Searcher):
    """The engine's Searcher, timing each search and counting its nodes,
    separately for the game's moves and for the opening balance checks."""
    log = {}

    def search(self, pos, limits, on_info=None):
        w, c = clocks()
        res = super().search(pos, limits, on_info)
        w2, c2 = clocks()
        entry = self.log["game" if limits.soft_nodes or limits.depth != G.OPENING_CHECK_DEPTH else "opening"]
        entry += (1, w2 - w, c2 - c, res.nodes)
        return res


def _tally():
    return np.zeros(4)   # calls, wall s, CPU s, nodes


def in_process(cfg, games):
    """The worker loop of one worker, in this process: (wall s, CPU s)."""
    TimedSearcher.log = {"game": _tally(), "opening": _tally()}
    real, S.Searcher = S.Searcher, TimedSearcher   # _worker imports it at call time
    try:
        w, c = clocks()
        G._worker(0, asdict(cfg), None, games, 0, queue.SimpleQueue())
        w2, c2 = clocks()
        return w2 - w, c2 - c
    finally:
        S.Searcher = real


def pure_search(recs, cfg):
    """Search the recorded positions again: (nodes, wall s, CPU s)."""
    searcher = S.Searcher(cfg.hash_mb)
    limits = Limits(soft_nodes=cfg.nodes)
    nodes, wall, cpu = 0, 0.0, 0.0
    for game in D.games(recs):
        searcher.clear()
        for pos in [Position(D.unpack_fen(r)) for r in game]:
            w, c = clocks()
            nodes += searcher.search(pos, limits).nodes
            w2, c2 = clocks()
            wall += w2 - w
            cpu += c2 - c
    return nodes, wall, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--games", type=int, default=24)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile the in-process worker loop too")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        cfg = G.DatagenConfig(out=str(Path(tmp) / "e2e"), games=args.games, positions=None, nodes=args.nodes,
                              workers=1, seed=args.seed, progress=False)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = G.run(cfg)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)   # the joined worker
        e2e_cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
        e2e_recs = D.load([cfg.out])

        cfg.out = str(Path(tmp) / "inproc")
        Path(cfg.out).mkdir()
        loop_wall, loop_cpu = in_process(cfg, args.games)
        recs = D.load([cfg.out])
        assert recs.tobytes() == e2e_recs.tobytes(), "the in-process loop played other games"
        calls, game_wall, game_cpu, game_nodes = TimedSearcher.log["game"]
        ocalls, open_wall, open_cpu, open_nodes = TimedSearcher.log["opening"]
        assert calls == len(recs)

        pure_nodes, pure_wall, pure_cpu = pure_search(recs, cfg)

        if args.profile:
            cfg.out = str(Path(tmp) / "profiled")
            Path(cfg.out).mkdir()
            prof = cProfile.Profile()
            prof.enable()
            in_process(cfg, args.games)
            prof.disable()

    n = len(recs)
    per_pos = game_nodes / n

    def share(wall, cpu):
        return f"{100 * wall / loop_wall:5.1f}% / {100 * cpu / loop_cpu:5.1f}%"

    print(f"datagen, one worker, {args.games} games, --nodes {args.nodes}, seed {args.seed}: "
          f"{n} positions, {per_pos:.0f} nodes per position")
    print(f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"figures are wall clock / CPU time of the process)")
    print(f"  end to end, run() with 1 worker process: {n / summary['seconds']:7.1f} / "
          f"{n / e2e_cpu:7.1f} positions/s  (start-up included)")
    print(f"  worker loop in this process:             {n / loop_wall:7.1f} / {n / loop_cpu:7.1f} "
          f"positions/s")
    print(f"    game searches:   {share(game_wall, game_cpu)}  {game_nodes / game_wall:9.0f} / "
          f"{game_nodes / game_cpu:9.0f} nodes/s")
    print(f"    opening checks:  {share(open_wall, open_cpu)}  ({int(ocalls)} depth-{G.OPENING_CHECK_DEPTH} "
          f"searches, {int(open_nodes)} nodes)")
    print(f"    everything else: {share(loop_wall - game_wall - open_wall, loop_cpu - game_cpu - open_cpu)}"
          f"  (random plies, FEN text, packing, writing, glue)")
    print(f"  overhead outside the game searches:      {share(loop_wall - game_wall, loop_cpu - game_cpu)}"
          f"  (target < 10%)")
    print(f"  pure search on the recorded positions:   {pure_nodes / pure_wall:9.0f} / "
          f"{pure_nodes / pure_cpu:9.0f} nodes/s  ({pure_nodes / n:.0f} nodes per position)")
    eff_w, eff_c = per_pos * n / loop_wall, per_pos * n / loop_cpu
    print(f"  datagen effective (nodes per position x positions/s): {eff_w:9.0f} / {eff_c:9.0f} nodes/s"
          f" = {100 * eff_w * pure_wall / pure_nodes:.1f}% / {100 * eff_c * pure_cpu / pure_nodes:.1f}%"
          f" of pure search")
    if args.profile:
        print("\ncProfile of the worker loop (top 15 by own time):")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
