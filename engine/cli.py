"""The `ladya` command: UCI engine by default, plus tools.

    ladya                    UCI engine on stdin/stdout
    ladya perft DEPTH [FEN]  per-move split and total leaf count
    ladya bench [DEPTH]      fixed-depth search of the bench positions: node count, speed
    ladya datagen --out DIR  self-play training data (training/datagen.py)
    ladya data ...           inspect and convert training data
    ladya train / loop       fit a net; the generate-train-gate loop
    ladya tune --out DIR     SPSA tuning of the search parameters (training/spsa.py)
    ladya net info|rescale   look inside a net file; change its evaluation scale (nnue/cli.py)
"""
import logging
import sys
import time

#: the packages whose loggers the command line shows (each module logs on
#: logging.getLogger(__name__), below one of these)
LIBRARY_LOGGERS = ("engine", "search", "nnue", "training")


class _ConsoleHandler(logging.Handler):
    """What a command shows of the library's log: INFO lines as they are on
    stdout (the command's report), warnings and errors on stderr as
    'warning: ...'.  The streams are looked up at each record, so
    redirection and pytest's capture see them."""

    def emit(self, record) -> None:
        text = self.format(record)
        if record.levelno >= logging.WARNING:
            print(f"{record.levelname.lower()}: {text}", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stdout, flush=True)


def configure_logging(level: int = logging.INFO) -> None:
    """Show the library loggers' records from `level` up (once per process;
    the UCI loop never calls this: stdout is the protocol there)."""
    for name in LIBRARY_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(h, _ConsoleHandler) for h in log.handlers):
            log.addHandler(_ConsoleHandler())
        log.setLevel(level)


def _perft(args) -> int:
    from engine.position import Position, STARTING_FEN
    fen = " ".join(args.fen) if args.fen else STARTING_FEN
    try:
        pos = Position(fen, True if args.chess960 else None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.depth < 1:
        print("error: depth must be at least 1", file=sys.stderr)
        return 2
    start = time.perf_counter()
    split = pos.perft_divide(args.depth)
    elapsed = time.perf_counter() - start
    for move, count in split.items():
        print(f"{move}: {count}")
    total = sum(split.values())
    print()
    print(f"Nodes searched: {total}")
    if args.verbose:
        print(f"Time (ms): {elapsed * 1000:.0f}  Nodes/second: {int(total / max(elapsed, 1e-9))}")
    return 0


def _bench(args) -> int:
    from engine import bench
    depth = bench.DEFAULT_DEPTH if args.depth is None else args.depth
    if depth < 1:
        print("error: depth must be at least 1", file=sys.stderr)
        return 2
    bench.run(depth)
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from engine import uci
        return uci.main()
    import argparse                      # not before the UCI loop: it starts faster
    parser = argparse.ArgumentParser(prog="ladya", description="Ladya chess engine")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("perft", help="count the leaves of the legal move tree")
    p.add_argument("depth", type=int)
    p.add_argument("fen", nargs="*", help="FEN (default: the start position)")
    p.add_argument("--chess960", action="store_true", help="Chess960 castling notation")
    p.add_argument("-v", "--verbose", action="store_true", help="also print time and speed")
    b = sub.add_parser("bench", help="search the bench positions to a fixed depth")
    b.add_argument("depth", type=int, nargs="?", help="search depth (default: engine/bench.py)")
    b.set_defaults(func=_bench)
    from training.cli import add_parsers as add_training_parsers
    add_training_parsers(sub)
    from nnue.cli import add_parsers as add_net_parsers
    add_net_parsers(sub)
    # parse_known_args: argparse leaves positionals that follow an option
    # ("perft 3 --chess960 FEN...") unassigned, so they come back as extras.
    args, extra = parser.parse_known_args(argv)
    if args.command == "perft" and not any(e.startswith("-") and e != "-" for e in extra):
        args.fen = args.fen + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "perft":
        return _perft(args)
    configure_logging()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
