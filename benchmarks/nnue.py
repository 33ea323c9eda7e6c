"""NNUE inference speed, with its references measured in the same run.

    python benchmarks/nnue.py [--hidden 256] [--positions 400] [--repeats 100]
                              [--depth 12] [--runs 3] [--no-stockfish]

Reports, on this machine:
1. evaluations/s by full refresh vs by incremental update (nnue.timing
   time_eval: every legal move of each position is made, evaluated and
   unmade, the search's pattern) and their ratio; the same for the
   accumulator update alone (time_update, no output layer), and both again
   net of the make/unmake cost (time_baseline);
   and the bound the memory operations set on the update-alone ratio
   (row_operation_bound); and the SIMD kernels alone on the same rows
   (time_kernel), which splits the update's cost into kernel and the
   bookkeeping around it;
2. each SIMD kernel path (select_simd) as a ratio to the scalar path;
3. search nodes/s with a random NNUE net vs the bootstrap (PeSTO)
   evaluation, `bench`-style: 10 positions from bk.epd to a fixed depth,
   tables cleared before each;
4. Stockfish's own `bench 16 1 13 default depth` nodes/s, if
   /usr/games/stockfish exists, as a yardstick for the machine.

Also the incremental evaluation speed of a squared-clipped-ReLU net as a
ratio to the clipped-ReLU one.

Micro-benchmarks count CPU time (time.thread_time).  The shared machine's
speed drifts by up to 2x over minutes, so they run in --runs rounds, each
timing every quantity of every path back to back; ratios are taken within
a round and the medians over the rounds are reported.  Searches count CPU
time too and keep the fastest of --runs runs.
"""
import argparse
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import chess

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, load_positions as _load_positions  # noqa: E402

from engine.position import Position  # noqa: E402
from nnue import accumulator as acc  # noqa: E402
from nnue import timing  # noqa: E402
from nnue.format import ACTIVATION_SCRELU, FloatNet  # noqa: E402
from nnue.network import Network  # noqa: E402
from search.limits import Limits  # noqa: E402
from search.search import Searcher  # noqa: E402

STOCKFISH = "/usr/games/stockfish"


def rate(fn):
    """Events per CPU second of fn(repeats) -> (wall seconds, events).  CPU
    time of this thread, not the wall clock the helpers return: on a shared
    machine the wall clock also counts the time other processes hold the
    core.  The setup (parsing the FENs) is timed with fn(0) and subtracted."""
    t0 = time.thread_time()
    fn(0)
    t1 = time.thread_time()
    _, events = fn(None)
    t2 = time.thread_time()
    return events / max((t2 - t1) - (t1 - t0), 1e-6)


def search_bench(net, fens, depth, runs=1):
    """(nodes, CPU seconds of the fastest run) over `fens` to `depth`, tables
    cleared before each position; the node count is the same every run."""
    searcher = Searcher()
    searcher.set_network(net)
    best = None
    for _ in range(runs):
        nodes = 0
        t0 = time.thread_time()
        for fen in fens:
            searcher.clear()
            nodes += searcher.search(Position(fen), Limits(depth=depth)).nodes
        seconds = time.thread_time() - t0
        best = seconds if best is None else min(best, seconds)
    return nodes, best


def stockfish_bench():
    """(nodes, Nodes/second it reports, nodes per CPU second) of Stockfish's
    bench (one thread, 16 MB, depth 13), or None.  Its own figure is
    wall-clock; the CPU one (startup included) is comparable with ours."""
    if not os.path.exists(STOCKFISH):
        return None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([STOCKFISH, "bench", "16", "1", "13", "default", "depth"],
                          capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout + proc.stderr
    nps = re.search(r"Nodes/second\s*:\s*(\d+)", out)
    nodes = re.search(r"Nodes searched\s*:\s*(\d+)", out)
    if not (nps and nodes):
        return None
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return int(nodes.group(1)), int(nps.group(1)), int(nodes.group(1)) / max(cpu, 1e-6)


def row_operation_bound(fens):
    """(refresh, incremental) accumulator-row memory operations per
    perspective, averaged over the benchmark's moves: a refresh loads the
    bias and one row per non-king piece and stores the result; an update
    loads the parent, one row per piece added or removed (a quiet move 2, a
    capture 3) and stores the child.  King moves count as quiet (as in a
    king-independent net; in the random net they refresh the mover's side
    through the cache instead)."""
    refresh = incremental = moves = 0
    for fen in fens:
        board = chess.Board(fen)
        pieces = (board.occupied & ~board.kings).bit_count()
        for move in board.legal_moves:
            capture = board.is_capture(move)
            refresh += pieces - capture + 2
            incremental += 2 + capture + 2
            moves += 1
    return refresh / moves, incremental / moves


def load_positions(n, seed=1):
    return _load_positions(n, seed, book_share=1.0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=256, help="accumulator width of the random net")
    ap.add_argument("--positions", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=100,
                    help="passes over each position's moves (short runs drown in timer noise)")
    ap.add_argument("--depth", type=int, default=12, help="search depth of the nodes/s bench")
    ap.add_argument("--runs", type=int, default=5,
                    help="rounds of the micro-benchmarks (medians); best of this many search runs")
    ap.add_argument("--no-stockfish", action="store_true")
    args = ap.parse_args(argv)

    fens = load_positions(args.positions)
    net = Network.from_quantized(FloatNet.random(args.hidden, 1).quantize())
    pieces = sum(chess.Board(f).occupied.bit_count() for f in fens) / len(fens)
    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv))
    print(f"net: random, {net.description}")
    print(f"positions: {len(fens)} (mean {pieces:.1f} pieces), every legal move made, "
          f"evaluated and unmade, x{args.repeats}; {args.runs} interleaved rounds")
    print(f"SIMD paths here: {' '.join(acc.available_simd())} (default {acc.simd_path()}); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()

    # 1 + 2. Every kernel path: refresh vs incremental, with and without the
    # output layer.  The machine's speed drifts by up to 2x over minutes, so
    # everything is measured in rounds, each round timing every quantity of
    # every path back to back; ratios are taken within a round and their
    # median over the rounds is reported (rates: the median too).
    sq_net = Network.from_quantized(
        FloatNet.random(args.hidden, 1, activation=ACTIVATION_SCRELU).quantize())
    benches = (("eval_refresh", timing.time_eval, net, False),
               ("eval_incr", timing.time_eval, net, True),
               ("upd_refresh", timing.time_update, net, False),
               ("upd_incr", timing.time_update, net, True),
               ("screlu_incr", timing.time_eval, sq_net, True),
               ("kern_refresh", timing.time_kernel, net, False),
               ("kern_incr", timing.time_kernel, net, True))
    paths = acc.available_simd()
    rounds = []
    try:
        for simd in paths:                                  # warm up
            acc.select_simd(simd)
            timing.time_eval(net, fens[:20], 1, True)
        for _ in range(args.runs):
            row = {"base": rate(lambda n: timing.time_baseline(fens, args.repeats if n is None else n))}
            for simd in paths:
                acc.select_simd(simd)
                for key, bench, which, incremental in benches:
                    row[simd, key] = rate(lambda n: bench(which, fens, args.repeats if n is None else n,
                                                          incremental))
            rounds.append(row)
    finally:
        acc.select_simd("")

    def med(fn):
        return statistics.median(fn(r) for r in rounds)

    def net_ratio(r, simd, slow, fast):
        """Ratio of two per-move costs after subtracting make/unmake."""
        base = 1e9 / r["base"]
        a, b = 1e9 / r[simd, slow] - base, 1e9 / r[simd, fast] - base
        return a / b if b > 0 else float("inf")

    baseline = med(lambda r: r["base"])
    print(f"make+unmake alone (time_baseline): {baseline / 1e6:.2f} M/s = {1e9 / baseline:.1f} ns per move")
    print()
    header = (f"{'path':<7} {'refresh eval/s':>15} {'incr eval/s':>13} {'ratio':>6} {'net':>6} | "
              f"{'refresh upd/s':>14} {'incr upd/s':>12} {'ratio':>6} {'net':>6}")
    print(header)
    print("-" * len(header))
    for simd in paths:
        v = {key: med(lambda r: r[simd, key]) for key, *_ in benches}
        e_ratio = med(lambda r: r[simd, "eval_incr"] / r[simd, "eval_refresh"])
        u_ratio = med(lambda r: r[simd, "upd_incr"] / r[simd, "upd_refresh"])
        e_net = med(lambda r: net_ratio(r, simd, "eval_refresh", "eval_incr"))
        u_net = med(lambda r: net_ratio(r, simd, "upd_refresh", "upd_incr"))
        print(f"{simd:<7} {v['eval_refresh']:>15,.0f} {v['eval_incr']:>13,.0f} "
              f"{e_ratio:>5.1f}x {e_net:>5.1f}x | "
              f"{v['upd_refresh']:>14,.0f} {v['upd_incr']:>12,.0f} {u_ratio:>5.1f}x {u_net:>5.1f}x")
    print("(eval = accumulators + output layer; upd = accumulators only; 'net' = ratio after "
          "subtracting make+unmake; medians of the rounds' values and ratios)")
    print()
    top = paths[0]
    bound = row_operation_bound(fens)
    print(f"row operations per perspective (accumulator-sized loads and stores): refresh "
          f"{bound[0]:.1f}, incremental {bound[1]:.2f} for these moves; "
          f"their ratio {bound[0] / bound[1]:.1f}x "
          f"bounds the update-alone ratio where memory, not arithmetic, limits both")
    ratio = med(lambda r: r[top, "eval_incr"] / r[top, "eval_refresh"])
    print(f"incremental / refresh, evaluation ({top}): {ratio:.1f}x "
          f"(target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
    print(f"incremental / refresh, accumulator update alone ({top}): "
          f"{med(lambda r: r[top, 'upd_incr'] / r[top, 'upd_refresh']):.1f}x; net of make+unmake: "
          f"{med(lambda r: net_ratio(r, top, 'upd_refresh', 'upd_incr')):.1f}x")
    kern = med(lambda r: r[top, "kern_incr"] / r[top, "kern_refresh"])
    overhead = med(lambda r: 1e9 / r[top, "upd_incr"] - 1e9 / r["base"] - 1e9 / r[top, "kern_incr"])
    print(f"kernels alone ({top}, time_kernel: the same rows, found beforehand): refresh "
          f"{med(lambda r: 1e9 / r[top, 'kern_refresh']):.1f} ns, "
          f"move {med(lambda r: 1e9 / r[top, 'kern_incr']):.1f} ns "
          f"per accumulator pair, ratio {kern:.1f}x; the update's other work (rows, flags, calls) "
          f"{overhead:.1f} ns per move")
    print(f"SCReLU / CReLU net, incremental evaluations/s ({top}): "
          f"{med(lambda r: r[top, 'screlu_incr'] / r[top, 'eval_incr']):.2f}x")
    print()
    print(f"{'path':<7} {'refresh vs scalar':>18} {'incremental vs scalar':>22}")
    for simd in paths:
        print(f"{simd:<7} {med(lambda r: r[simd, 'eval_refresh'] / r['scalar', 'eval_refresh']):>17.1f}x "
              f"{med(lambda r: r[simd, 'eval_incr'] / r['scalar', 'eval_incr']):>21.1f}x")
    print()

    # 3. Search nodes/s, NNUE vs bootstrap.
    from training.epd import read_fens
    bench_fens = read_fens(DATA / "bk.epd", limit=10)
    search_bench(None, bench_fens[:2], 6)              # warm up
    boot = search_bench(None, bench_fens, args.depth, args.runs)
    nnue = search_bench(net, bench_fens, args.depth, args.runs)
    boot_nps, nnue_nps = boot[0] / boot[1], nnue[0] / nnue[1]
    print(f"search, {len(bench_fens)} bk.epd positions to depth {args.depth} "
          f"(clear before each; CPU time, best of {args.runs}):")
    print(f"{'evaluation':<22} {'nodes':>10} {'seconds':>8} {'nodes/s':>11}")
    for name, (nodes, secs) in (("bootstrap (PeSTO)", boot), (f"NNUE {args.hidden}x2 ({paths[0]})", nnue)):
        print(f"{name:<22} {nodes:>10} {secs:>8.2f} {nodes / secs:>11,.0f}")
    print(f"NNUE / bootstrap nodes/s: {nnue_nps / boot_nps:.2f}")
    print()

    # 4. Stockfish as the machine's yardstick.
    if args.no_stockfish:
        return
    sf = stockfish_bench()
    if sf is None:
        print(f"stockfish: {STOCKFISH} not found, or no node counts in its output")
        return
    sf_nodes, sf_nps, sf_cpu_nps = sf
    print(f"stockfish bench 16 1 13 default depth: {sf_nodes} nodes, Nodes/second {sf_nps:,} "
          f"(wall clock), {sf_cpu_nps:,.0f} per CPU second")
    print(f"Ladya / Stockfish nodes per CPU second: NNUE {nnue_nps / sf_cpu_nps:.2f}, "
          f"bootstrap {boot_nps / sf_cpu_nps:.2f}")


if __name__ == "__main__":
    main()
