"""Tactical solve rate on Win At Chess (shared/data/wac.epd), Ladya against a
reference engine measured in the same run.

    python benchmarks/wac.py [--time 1.0] [--limit N] [--engine CMD] [--reference CMD]

A position is solved when the engine's bestmove after a fixed time is one of
the EPD `bm` moves (and none of the `am` moves, for suites that have them).
Each position is a new game (ucinewgame: empty hash), one engine at a time.

--engine defaults to Ladya's UCI engine from this checkout (`python -m
engine`, benchmarks/common.py); `--engine builtin` searches in-process through
search.search.Searcher instead (no UCI needed).  --reference defaults to GNU
Chess (`gnuchess --uci`), or Stockfish when GNU Chess is missing; `--reference
none` skips it.  Prints the solved counts and the ratio ours/reference.
"""
import argparse
import shlex
import shutil
import statistics
import sys
import time
from pathlib import Path

import chess
import chess.engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA  # noqa: E402
from training.epd import read_epd  # noqa: E402
from training.match import ladya_command  # noqa: E402

LADYA_CMD = shlex.join(ladya_command())


def load_suite(path: Path, limit=None):
    """[(id, board, bm set, am set)] from an EPD file with SAN bm/am."""
    out = []
    for rec in read_epd(path, limit):
        board = chess.Board(rec.fen)
        pid = rec.operations.get("id", f"#{len(out) + 1}")
        out.append((pid, board, {board.parse_san(m) for m in rec.moves("bm")},
                    {board.parse_san(m) for m in rec.moves("am")}))
    return out


def is_solved(move, bm, am) -> bool:
    if move is None:
        return False
    if bm and move not in bm:
        return False
    return move not in am


class UciSolver:
    """Any UCI engine through python-chess."""

    def __init__(self, command: str, options=None):
        self.engine = chess.engine.SimpleEngine.popen_uci(shlex.split(command))
        # Only the options this engine has (Hash is near universal, not required).
        self.engine.configure({k: v for k, v in (options or {}).items() if k in self.engine.options})
        self.name = self.engine.id.get("name", command)

    def best(self, board: chess.Board, seconds: float):
        r = self.engine.play(board, chess.engine.Limit(time=seconds), game=object(),
                             info=chess.engine.INFO_BASIC)
        return r.move, r.info.get("depth")

    def close(self):
        self.engine.quit()


class BuiltinSolver:
    """Ladya's search called in-process (works before the UCI front end)."""

    def __init__(self, hash_mb=16):
        from engine.position import Position
        from search.limits import Limits
        from search.search import Searcher
        self.Position, self.Limits = Position, Limits
        self.searcher = Searcher(hash_mb)
        self.name = "Ladya (in-process)"

    def best(self, board: chess.Board, seconds: float):
        self.searcher.clear()
        res = self.searcher.search(self.Position(board.fen()),
                                   self.Limits(movetime=int(seconds * 1000)))
        move = None if res.bestmove == "0000" else chess.Move.from_uci(res.bestmove)
        return move, res.depth

    def close(self):
        pass


def default_reference() -> str:
    gnuchess = (shutil.which("gnuchess")
                or ("/usr/games/gnuchess" if Path("/usr/games/gnuchess").exists() else None))
    if gnuchess:
        return f"{gnuchess} --uci"
    return shutil.which("stockfish") or "/usr/games/stockfish"


def make_solver(command: str, hash_mb: int):
    if command == "builtin":
        return BuiltinSolver(hash_mb)
    return UciSolver(command, {"Hash": hash_mb})


def run_suite(solver, suite, seconds, verbose):
    solved, failed, depths = 0, [], []
    start = time.perf_counter()
    for i, (pid, board, bm, am) in enumerate(suite, 1):
        move, depth = solver.best(board, seconds)
        ok = is_solved(move, bm, am)
        solved += ok
        if not ok:
            failed.append(pid)
        if depth:
            depths.append(depth)
        if verbose:
            want = " ".join(board.san(m) for m in bm) or "-"
            got = board.san(move) if move is not None and board.is_legal(move) else str(move)
            print(f"  {solver.name:<20} {pid:<10} {'ok  ' if ok else 'FAIL'} played {got:<8} "
                  f"bm {want:<12} depth {depth}", flush=True)
        elif i % 25 == 0:
            print(f"  {solver.name}: {solved}/{i}", flush=True)
    elapsed = time.perf_counter() - start
    # Median: a found mate can report an absurd depth (Ladya: 127).
    med_depth = statistics.median(depths) if depths else 0
    return solved, failed, med_depth, elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--time", type=float, default=1.0, help="seconds per position (default 1)")
    ap.add_argument("--limit", type=int, help="only the first N positions")
    ap.add_argument("--suite", type=Path, default=DATA / "wac.epd")
    ap.add_argument("--engine", default=LADYA_CMD,
                    help="UCI command line, or 'builtin' (default: Ladya from this checkout)")
    ap.add_argument("--reference", default=None,
                    help="UCI command line of the reference, or 'none' (default: gnuchess --uci)")
    ap.add_argument("--hash", type=int, default=16, help="hash MB for both engines")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per position")
    args = ap.parse_args(argv)

    suite = load_suite(args.suite, args.limit)
    ref_cmd = args.reference or default_reference()
    commands = [args.engine] + ([] if ref_cmd == "none" else [ref_cmd])
    print(f"{args.suite.name}: {len(suite)} positions, {args.time:g} s each", flush=True)

    results = []
    for cmd in commands:
        solver = make_solver(cmd, args.hash)
        try:
            solved, failed, med_depth, elapsed = run_suite(solver, suite, args.time, args.verbose)
        finally:
            solver.close()
        results.append((solver.name, solved))
        print(f"{solver.name}: solved {solved}/{len(suite)} ({100 * solved / len(suite):.1f}%), "
              f"median depth {med_depth:g}, {elapsed:.0f} s", flush=True)
        print(f"  unsolved: {' '.join(failed) if failed else '-'}", flush=True)

    print()
    for name, solved in results:
        print(f"{name:<24} {solved:>4}/{len(suite)}")
    if len(results) == 2 and results[1][1]:
        print(f"ratio {results[0][0]} / {results[1][0]}: {results[0][1] / results[1][1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
