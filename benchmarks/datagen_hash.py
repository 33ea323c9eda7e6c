"""Self-play searches at two hash table sizes: nodes/s, positions per CPU second, and how
often the two pick the same move.

    python benchmarks/datagen_hash.py --data ~/ladya-work/gen5-test --net nets/default.nnue
    python benchmarks/datagen_hash.py --data DIR --hash 16 2 --games 30 --nodes 5000

The positions of whole self-play games (`--data`, chunk files of `ladya datagen`) are searched
again as datagen searches them: a soft node limit per move, the table cleared at each game's
start.  Each size searches everything twice, in the order A B B A, so that a machine whose load
changes during the run is shared out evenly.  The first size is the reference: the ratios are
the second's figures over the first's, from the same run.  CPU time is the process's own.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.position import Position  # noqa: E402
from nnue import default_net_path  # noqa: E402
from nnue.network import Network  # noqa: E402
from search.limits import Limits  # noqa: E402
from search.search import Searcher  # noqa: E402
from training import data as D  # noqa: E402


def search_all(searcher, games, nodes):
    """Search every position as datagen does; return (CPU seconds, nodes, [(move, cp or None)])."""
    out, total = [], 0
    t = time.process_time()
    for fens in games:
        searcher.clear()
        for fen in fens:
            r = searcher.search(Position(fen), Limits(soft_nodes=nodes))
            total += r.nodes
            out.append((r.bestmove, None if r.score.is_mate() else r.score.cp))
    return time.process_time() - t, total, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="self-play chunk files or directories")
    ap.add_argument("--net", default=None, help=".nnue file (default: the shipped net)")
    ap.add_argument("--hash", type=int, nargs=2, default=[16, 2], metavar=("REF_MB", "MB"))
    ap.add_argument("--games", type=int, default=30)
    ap.add_argument("--nodes", type=int, default=5000, help="soft node limit, as datagen's --nodes")
    args = ap.parse_args()
    if args.hash[0] == args.hash[1]:
        sys.exit("error: give two different sizes (each has its own table)")
    games = [[D.unpack_fen(r) for r in g] for g in list(D.games(D.load([args.data])))[:args.games]]
    n = sum(len(g) for g in games)
    if not n:
        sys.exit(f"error: no positions in {args.data}")
    net = Network(args.net or default_net_path())
    searchers = {}
    for mb in args.hash:
        searchers[mb] = Searcher(mb)
        searchers[mb].set_network(net)
    cpu = dict.fromkeys(args.hash, 0.0)
    nodes = dict.fromkeys(args.hash, 0)
    moves = {}
    a, b = args.hash
    for mb in (a, b, b, a):
        c, k, moves[mb] = search_all(searchers[mb], games, args.nodes)
        cpu[mb] += c
        nodes[mb] += k
    for mb in args.hash:
        print(f"hash {mb} MB: {n} positions x 2, {nodes[mb] / (2 * n):.0f} nodes/search, "
              f"{nodes[mb] / cpu[mb]:,.0f} nodes/CPU-s, {2 * n / cpu[mb]:.0f} positions/CPU-s")
    same = sum(x[0] == y[0] for x, y in zip(moves[a], moves[b]))
    diffs = [abs(x[1] - y[1]) for x, y in zip(moves[a], moves[b]) if x[1] is not None and y[1] is not None]
    print(f"{b} MB / {a} MB: nodes/s {nodes[b] / cpu[b] / (nodes[a] / cpu[a]):.3f}x, "
          f"positions per CPU second {cpu[a] / cpu[b]:.3f}x, nodes per search "
          f"{nodes[b] / nodes[a]:.3f}x; same move {same}/{n}, median |score difference| "
          f"{np.median(diffs):.0f} cp")


if __name__ == "__main__":
    main()
