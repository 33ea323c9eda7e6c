"""Perft speed: Ladya against Stockfish and python-chess, measured in the same run.

    python benchmarks/perft.py                 # startpos 6, Kiwipete 5; best of 5
    python benchmarks/perft.py --quick         # startpos 5, Kiwipete 4; best of 2
    python benchmarks/perft.py --repeat 10 --json perft.json

All three count leaves in bulk: at depth 1 the number of legal moves is the
count, without making them (Stockfish's `go perft` does the same), so the
figures compare move generation plus make/unmake, not leaf visits.

Stockfish runs single-threaded over UCI; its time is the wall clock from
sending `go perft N` to reading `Nodes searched: N`, so it carries a pipe
round trip (well under a millisecond, against hundreds of milliseconds of
work).  python-chess is ~500x slower, so it runs at smaller depths; nodes/s
is what the ratio compares.  Every measurement is repeated and the best kept,
because the machine may be shared: the load average is printed with the table.

Targets (not asserted): Ladya >= 0.5x Stockfish, >= 100x python-chess.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Run from a source checkout without installing: the repo root holds `engine/`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.position import Position, STARTING_FEN  # noqa: E402

KIWIPETE = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"

# Published counts (chessprogramming wiki, "Perft Results"): the oracle that
# all three engines must match before their speeds mean anything.
PUBLISHED = {
    STARTING_FEN: {1: 20, 2: 400, 3: 8902, 4: 197281, 5: 4865609,
                   6: 119060324, 7: 3195901860},
    KIWIPETE: {1: 48, 2: 2039, 3: 97862, 4: 4085603, 5: 193690690,
               6: 8031647685},
}

# name, FEN, depth for Ladya and Stockfish, depth for python-chess
POSITIONS_FULL = [("startpos", STARTING_FEN, 6, 4), ("kiwipete", KIWIPETE, 5, 3)]
POSITIONS_QUICK = [("startpos", STARTING_FEN, 5, 4), ("kiwipete", KIWIPETE, 4, 3)]

STOCKFISH = "/usr/games/stockfish"


def best_of(repeat, run):
    """Run `run() -> nodes` `repeat` times; return (nodes, best seconds)."""
    nodes, best = None, float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        n = run()
        elapsed = time.perf_counter() - start
        if nodes is not None and n != nodes:
            raise RuntimeError(f"node count changed between runs: {nodes} then {n}")
        nodes, best = n, min(best, elapsed)
    return nodes, best


def ladya_perft(fen, depth, repeat):
    pos = Position(fen)
    return best_of(repeat, lambda: pos.perft(depth))


def python_chess_perft(fen, depth, repeat):
    import chess

    def perft(board, d):
        # Bulk counting, as in the other two: leaves are counted, not made.
        if d == 1:
            return len(list(board.legal_moves))
        nodes = 0
        for move in list(board.legal_moves):
            board.push(move)
            nodes += perft(board, d - 1)
            board.pop()
        return nodes

    board = chess.Board(fen)
    return best_of(repeat, lambda: perft(board, depth))


class Stockfish:
    """A minimal UCI conversation: enough for `go perft` and nothing else."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.send("uci")
        self.name = "Stockfish"
        for line in self.lines_until("uciok"):
            if line.startswith("id name "):
                self.name = line[len("id name "):]
        self.send("setoption name Threads value 1")

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def lines_until(self, prefix):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("Stockfish exited unexpectedly")
            line = line.strip()
            yield line
            if line.startswith(prefix):
                return

    def perft(self, fen, depth, repeat):
        nodes, best = None, float("inf")
        for _ in range(repeat):
            self.send(f"position fen {fen}")
            # Wait for readyok so position set-up stays outside the timed span.
            self.send("isready")
            for _ in self.lines_until("readyok"):
                pass
            start = time.perf_counter()
            self.send(f"go perft {depth}")
            for line in self.lines_until("Nodes searched:"):
                pass
            elapsed = time.perf_counter() - start
            n = int(line.split(":")[1])
            if nodes is not None and n != nodes:
                raise RuntimeError(f"Stockfish node count changed: {nodes} then {n}")
            nodes, best = n, min(best, elapsed)
        return nodes, best

    def close(self):
        try:
            self.send("quit")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def run(args):
    positions = POSITIONS_QUICK if args.quick else POSITIONS_FULL
    repeat = args.repeat if args.repeat is not None else (2 if args.quick else 5)
    try:
        import chess  # noqa: F401
        have_chess = True
    except ImportError:
        have_chess = False
        print("python-chess is not installed: skipping it")

    sf_path = shutil.which(args.stockfish)  # also accepts a path to an executable
    stockfish = Stockfish(sf_path) if sf_path else None
    if stockfish is None:
        print(f"Stockfish not found at {args.stockfish!r}: skipping it")

    load_before = os.getloadavg()
    rows, ok = [], True
    try:
        for name, fen, depth, pc_depth in positions:
            row = {"position": name, "fen": fen}
            row["ladya"] = dict(zip(("depth", "nodes", "seconds"),
                                    (depth, *ladya_perft(fen, depth, repeat))))
            if stockfish:
                row["stockfish"] = dict(zip(("depth", "nodes", "seconds"),
                                            (depth, *stockfish.perft(fen, depth, repeat))))
            if have_chess:
                row["python-chess"] = dict(zip(("depth", "nodes", "seconds"),
                                               (pc_depth, *python_chess_perft(fen, pc_depth, repeat))))
            for who in ("ladya", "stockfish", "python-chess"):
                if who in row:
                    m = row[who]
                    m["nps"] = m["nodes"] / m["seconds"]
                    m["published"] = PUBLISHED[fen][m["depth"]]
                    if m["nodes"] != m["published"]:
                        ok = False
                        print(f"MISMATCH {who} {name} depth {m['depth']}: {m['nodes']} "
                              f"!= published {m['published']}")
            if stockfish:
                row["vs_stockfish"] = row["ladya"]["nps"] / row["stockfish"]["nps"]
            if have_chess:
                row["vs_python_chess"] = row["ladya"]["nps"] / row["python-chess"]["nps"]
            rows.append(row)
    finally:
        if stockfish:
            stockfish.close()
    load_after = os.getloadavg()

    print(f"perft, bulk counting, best of {repeat}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    if stockfish:
        print(f"reference: {stockfish.name} (Threads 1)")
    header = f"{'position':<10}{'engine':<14}{'depth':>6}{'nodes':>12}{'seconds':>10}{'Mnodes/s':>10}  ok"
    print(header)
    print("-" * len(header))
    for row in rows:
        for who in ("ladya", "stockfish", "python-chess"):
            if who in row:
                m = row[who]
                print(f"{row['position']:<10}{who:<14}{m['depth']:>6}{m['nodes']:>12}"
                      f"{m['seconds']:>10.3f}{m['nps'] / 1e6:>10.2f}  "
                      f"{'yes' if m['nodes'] == m['published'] else 'NO'}")
    print()
    for row in rows:
        parts = []
        if "vs_stockfish" in row:
            parts.append(f"ours/Stockfish {row['vs_stockfish']:.2f}x (target >= 0.5x)")
        if "vs_python_chess" in row:
            parts.append(f"ours/python-chess {row['vs_python_chess']:.0f}x (target >= 100x)")
        print(f"{row['position']:<10}" + ",  ".join(parts))

    if args.json:
        report = {"repeat": repeat, "quick": args.quick, "cpus": os.cpu_count(),
                  "loadavg_before": load_before, "loadavg_after": load_after,
                  "stockfish": stockfish.name if stockfish else None,
                  "python": platform.python_version(), "counts_ok": ok, "results": rows}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller depths, fewer repeats")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per measurement, best kept (default 5, or 2 with --quick)")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    parser.add_argument("--stockfish", default=STOCKFISH, help=f"Stockfish binary (default {STOCKFISH})")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
