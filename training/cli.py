"""`ladya datagen` and `ladya data`: argument parsing and the data tools.

engine/cli.py registers these subcommands with `add_parsers(subparsers)`.
"""
from __future__ import annotations

import argparse
import os
import sys
import typing

import numpy as np

from training import data as D


def add_parsers(sub) -> None:
    g = sub.add_parser("datagen", help="generate training data by self-play",
                       description="Play the engine against itself and record labelled positions.")
    g.add_argument("--out", required=True, help="output directory (appended to if it exists)")
    amount = g.add_mutually_exclusive_group()
    amount.add_argument("--positions", type=int, default=None, help="positions to generate (default 100000)")
    amount.add_argument("--games", type=int, default=None, help="games to play")
    limit = g.add_mutually_exclusive_group()
    limit.add_argument("--nodes", type=int, default=None, help="soft node limit per move (default 5000)")
    limit.add_argument("--depth", type=int, default=None, help="depth limit per move")
    g.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores; with --ray, all CPUs of the cluster)")
    g.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="play on the Ray cluster at ADDRESS ('auto' for the one this machine has joined, "
                        "or HOST:PORT of its head), one actor per CPU; the files are written here "
                        "(needs pip install ladya[ray] on every node)")
    g.add_argument("--random-plies", type=int, default=None,
                   help="random opening plies (default 8; 0 when --book is given)")
    g.add_argument("--book", default=None, help="EPD/FEN file of openings, e.g. ../shared/data/openings.epd")
    g.add_argument("--eval", default="bootstrap", help="'bootstrap' or a .nnue net file")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--hash", type=int, default=None, help="hash table MB per worker (default 2)")
    g.add_argument("--chunk-games", type=int, default=16, help="games per output file (default 16)")
    g.add_argument("--no-progress", action="store_true")
    g.set_defaults(func=datagen_command)

    d = sub.add_parser("data", help="inspect, check and convert training data",
                       description="Inspect, verify, export, import and de-duplicate training data. "
                                   "A damaged file is skipped and an invalid record dropped, each "
                                   "named with a warning and counted in the summary; --strict "
                                   "makes either an error (exit status 2).")
    dsub = d.add_subparsers(dest="data_command", required=True)
    s = dsub.add_parser("stats", help="counts, W/D/L and a score histogram")
    s.add_argument("paths", nargs="+")
    e = dsub.add_parser("export", help="write the text format '<FEN> | <score> | <result>'")
    e.add_argument("paths", nargs="+")
    e.add_argument("--out", required=True, help="text file ('-' for stdout)")
    e.add_argument("--filtered", action="store_true", help="only positions the trainer would use")
    i = dsub.add_parser("import", help="convert the text format to a binary data file")
    i.add_argument("text")
    i.add_argument("--out", required=True, help="output .ldat file")
    p = dsub.add_parser("pgn", help="write the games as PGN (python-chess)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--out", required=True)
    u = dsub.add_parser("dedup", help="drop repeated positions (same placement, side, castling, ep)")
    u.add_argument("paths", nargs="+")
    u.add_argument("--out", required=True, help="output .ldat file")
    lo = dsub.add_parser("loss", help="held-out loss of nets: MSE in win probability vs score and result",
                         description="For each --net, the mean squared error in win probability "
                                     "(sigmoid(eval / K)) of its evaluation of the usable positions "
                                     "(the trainer's filter) against the search score and against "
                                     "the game result: compare nets on games none was trained on.")
    lo.add_argument("paths", nargs="+")
    lo.add_argument("--net", action="append", required=True, help=".nnue file (repeat for more nets)")
    lo.add_argument("--K", type=float, default=400.0, help="centipawns per logit (as ladya train --K)")
    lo.add_argument("--scale", type=float, default=None,
                    help="read every net at this scale (centipawns per unit of its output) instead of "
                         "its own: fine-tunes of one parent compared at the parent's scale, their "
                         "evaluation size taken out (--keep-eval-size exports each at its own)")
    lo.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    for reader in (s, e, p, u, lo):
        reader.add_argument("--strict", action="store_true",
                            help="a damaged file or invalid record is an error "
                                 "(default: skipped with a warning)")
    v = dsub.add_parser("verify", help="check every file: header, checksum, each record",
                        description="Check every data file (header, size, checksum, every record) and "
                                    "print its status and the totals; exit status 1 if anything is bad.")
    v.add_argument("paths", nargs="+")
    v.add_argument("-q", "--quiet", action="store_true", help="print only the bad files and the totals")
    d.set_defaults(func=data_command)

    from training.train import TrainConfig
    from training.loop import LoopConfig
    t = sub.add_parser("train", help="fit the NNUE to training data and export the net",
                       description="Train the HalfKP network (training/train.py) and export it "
                                   "in the engine's format.")
    add_config_arguments(t, TrainConfig, required=("data", "out"))
    t.set_defaults(func=train_command)

    lp = sub.add_parser("loop", help="generate, train, gate by match and promote, per generation",
                        description="Run generations of self-play, training and gating matches in a "
                                    "work directory (training/loop.py); resumable after a kill.")
    add_config_arguments(lp, LoopConfig)
    lp.set_defaults(func=loop_command)
    add_tune_parser(sub)


# Options whose command-line names differ from the field names.
_FLAG_NAMES = {"lam": "--lambda", "lam_end": "--lambda-end", "K": "--k"}


def _optional_type(hint) -> type:
    """int for Optional[int] (float, str alike): how to parse a field whose default is None."""
    kinds = [k for k in typing.get_args(hint) if k is not type(None)]
    return kinds[0] if len(kinds) == 1 and kinds[0] in (int, float, str) else str


def add_config_arguments(parser, cls, required=()) -> None:
    """One option per field of the dataclass `cls`, its help the field's
    metadata["help"] (dataclasses.field(metadata={"help": ...}))."""
    import dataclasses
    defaults = cls()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "progress":
            continue
        flag = _FLAG_NAMES.get(f.name, "--" + f.name.replace("_", "-"))
        default = getattr(defaults, f.name)
        help_text = f.metadata.get("help", "")
        if isinstance(default, list):
            parser.add_argument(flag, dest=f.name, nargs="+", required=f.name in required,
                                default=default, help=help_text)
        elif isinstance(default, bool):
            if default:
                parser.add_argument("--no-" + f.name.replace("_", "-"), dest=f.name, action="store_false",
                                    help=f"disable: {help_text}")
            else:
                parser.add_argument(flag, dest=f.name, action="store_true", help=help_text)
        elif f.name in required:
            parser.add_argument(flag, dest=f.name, required=True, help=help_text)
        else:
            kind = type(default) if default is not None else _optional_type(hints[f.name])
            parser.add_argument(flag, dest=f.name, type=kind, default=default,
                                help=f"{help_text} (default: {default})")
    parser.add_argument("--no-progress", dest="progress", action="store_false")


def loop_command(args) -> int:
    import dataclasses
    from training.loop import Loop, LoopConfig
    cfg = LoopConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(LoopConfig)})
    try:
        state = Loop(cfg).run()
    except (ValueError, OSError, RuntimeError, D.DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    print(f"best net: {state['best']} ({state.get('best_elo', 0.0):+.0f} Elo over the bootstrap "
          f"evaluation, summed over promotions)")
    return 0


def train_command(args) -> int:
    import dataclasses
    from training.train import TrainConfig, train
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    try:
        train(cfg)
    except (ValueError, OSError, D.DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: resume with --resume from the last checkpoint", file=sys.stderr)
        return 130
    return 0


def datagen_command(args) -> int:
    from training.datagen import HASH_MB, DatagenConfig, run
    default_amount = args.positions is None and args.games is None
    cfg = DatagenConfig(out=args.out,
                        positions=100_000 if default_amount else args.positions,
                        games=args.games,
                        nodes=(None if args.depth is not None
                               else 5000 if args.nodes is None else args.nodes),
                        depth=args.depth, random_plies=args.random_plies, book=args.book,
                        eval=args.eval, seed=args.seed,
                        hash_mb=HASH_MB if args.hash is None else args.hash,
                        chunk_games=args.chunk_games, progress=not args.no_progress,
                        workers=args.workers, ray=args.ray)
    try:
        summary = run(cfg)
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished games are saved", file=sys.stderr)
        return 130
    total = D.load([args.out])
    usable = int(D.default_filter(total).sum())
    lost = f" ({summary['actors_lost']} lost and replaced)" if summary.get("actors_lost") else ""
    print(f"generated {summary['positions']} positions in {summary['games']} games "
          f"(+{summary['white_wins']} ={summary['draws']} -{summary['black_wins']}, White's view) "
          f"in {summary['seconds']:.1f} s: {summary['positions_per_second']:.0f} positions/s "
          f"with {summary['workers']} workers{lost}, {summary['positions_per_cpu_second']:.0f} per CPU "
          f"second of a worker; {len(total)} positions in {args.out}, {usable} "
          f"({100 * usable / max(len(total), 1):.1f}%) usable by the trainer")
    return 0


def _stats(recs: np.ndarray) -> str:
    n = len(recs)
    if n == 0:
        return "0 positions"
    games = int((recs["flags"] & D.FLAG_GAME_START).astype(bool).sum())
    res = recs["result"][recs["flags"] & D.FLAG_GAME_START != 0]
    used = int(D.default_filter(recs).sum())
    white = np.where(recs["packed"] & 1, -recs["score"].astype(np.int32), recs["score"].astype(np.int32))
    nonmate = white[(recs["flags"] & D.FLAG_MATE) == 0]
    lines = [f"positions: {n}", f"games: {games}",
             f"results (White's view, per game): +{int((res == 1).sum())} ={int((res == 0).sum())} "
             f"-{int((res == -1).sum())}",
             f"in check: {int((recs['flags'] & D.FLAG_IN_CHECK != 0).sum())}, "
             f"noisy best move: {int((recs['flags'] & D.FLAG_NOISY_BEST != 0).sum())}, "
             f"mate scores: {int((recs['flags'] & D.FLAG_MATE != 0).sum())}",
             f"usable by the trainer (default filter): {used}",
             "score histogram (centipawns, White's view, mates excluded):"]
    edges = [-10**6, -1000, -500, -200, -100, -50, 50, 100, 200, 500, 1000, 10**6]
    counts, _ = np.histogram(nonmate, bins=edges)
    peak = max(int(counts.max()), 1)
    for lo, hi, c in zip(edges[:-1], edges[1:], counts):
        low = f"{'<' if lo < -10**5 else ''}{lo if lo > -10**5 else -1000:>6}"
        label = f"{low} .. {hi if hi < 10**5 else '':<6}"
        lines.append(f"  {label} {int(c):>9}  {'#' * int(40 * c / peak)}")
    return "\n".join(lines)


def _left_out(report: D.LoadReport) -> str:
    summary = report.summary()
    return f" ({summary})" if summary else ""


def data_command(args) -> int:
    report = D.LoadReport()

    def load():
        recs = D.load(args.paths, strict=args.strict, report=report)
        if report.skipped and not report.files:
            raise D.DataError(f"no readable data: {report.summary()}")
        return recs

    try:
        if args.data_command == "verify":
            return _verify(args.paths, args.quiet)
        if args.data_command == "stats":
            recs = load()
            print(f"files: {report.files} read{_left_out(report)}")
            print(_stats(recs))
        elif args.data_command == "export":
            recs = load()
            if args.filtered:
                recs = recs[D.default_filter(recs)]
            out = sys.stdout if args.out == "-" else open(args.out, "w")
            try:
                for rec in recs:
                    out.write(D.to_text_line(rec) + "\n")
            finally:
                if out is not sys.stdout:
                    out.close()
            print(f"exported {len(recs)} positions{_left_out(report)}", file=sys.stderr)
        elif args.data_command == "import":
            with open(args.text) as f:
                recs = D.from_text(f)
            D.write_records(args.out, recs)
            print(f"imported {len(recs)} positions into {args.out}", file=sys.stderr)
        elif args.data_command == "pgn":
            n = _write_pgn(load(), args.out)
            print(f"wrote {n} games to {args.out}{_left_out(report)}", file=sys.stderr)
        elif args.data_command == "loss":
            from training.heldout import heldout_loss
            if args.scale is not None and not args.scale > 0:
                raise ValueError(f"--scale must be positive, got {args.scale}")
            recs = load()
            recs = recs[D.default_filter(recs)]
            print(f"{len(recs)} usable positions in {report.files} files{_left_out(report)}")
            for net in args.net:
                r = heldout_loss(recs, net, args.K, args.threads, args.scale)
                print(f"{net}: vs score {r.vs_score:.6f}, vs result {r.vs_result:.6f}")
        elif args.data_command == "dedup":
            recs = load()
            n = len(recs)
            # placement, side, castling and en passant; not the halfmove clock
            keys = np.empty((n, 26), np.uint8)
            keys[:, :8] = recs["occ"].astype("<u8").view(np.uint8).reshape(n, 8)
            keys[:, 8:24] = recs["pieces"]
            keys[:, 24:26] = (recs["packed"] & 0x1FF).astype("<u2").view(np.uint8).reshape(n, 2)
            _, first = np.unique(keys, axis=0, return_index=True)
            kept = recs[np.sort(first)]
            kept["flags"] &= ~np.uint8(D.FLAG_GAME_START)
            D.write_records(args.out, kept)
            print(f"kept {len(kept)} of {len(recs)} positions in {args.out} "
                  f"(game boundaries are not kept){_left_out(report)}", file=sys.stderr)
    except (D.DataError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _verify(paths, quiet: bool) -> int:
    """`ladya data verify`: one status line per file, then the totals; 1 if anything is bad."""
    files = D.data_files(paths)
    if not files:
        raise D.DataError(f"no data files in {' '.join(map(str, paths))}")
    damaged = with_invalid = records = invalid = old = 0
    for f in files:
        fc = D.check_file(f)
        n = 0 if fc.records is None else len(fc.records)
        records += n
        if fc.error is not None:
            damaged += 1
            print(f"DAMAGED  {f}: {fc.error}")
            continue
        old += fc.version == 1
        if len(fc.invalid):
            with_invalid += 1
            invalid += len(fc.invalid)
            print(f"INVALID  {f}: {fc.problem()} (of {n})")
        elif not quiet:
            print(f"ok       {f}: {n} records" + (" (version 1: no checksum, records checked)"
                                                  if fc.version == 1 else ""))
    good = len(files) - damaged - with_invalid
    print(f"{len(files)} files: {good} ok, {damaged} damaged, {with_invalid} with invalid records; "
          f"{records} records in the readable files, {invalid} invalid"
          + (f"; {old} version-1 files (no checksum)" if old else ""))
    return 1 if damaged or with_invalid else 0


def _write_pgn(recs: np.ndarray, path) -> int:
    """Rebuild each game's moves from consecutive positions (python-chess)."""
    import chess
    import chess.pgn
    n = 0
    with open(path, "w") as out:
        for game_recs in D.games(recs):
            board = chess.Board(D.unpack_fen(game_recs[0]))
            game = chess.pgn.Game()
            game.setup(board)
            node = game
            for rec in game_recs[1:]:
                target = D.unpack_fen(rec).split()[:4]
                for move in board.legal_moves:
                    board.push(move)
                    if board.fen(en_passant="fen").split()[:3] == target[:3]:
                        break
                    board.pop()
                else:
                    break  # not consecutive: stop this game here
                node = node.add_variation(move)
            r = int(game_recs[0]["result"])
            game.headers["Result"] = {1: "1-0", 0: "1/2-1/2", -1: "0-1"}[r]
            game.headers["Event"] = "Ladya self-play"
            print(game, file=out, end="\n\n")
            n += 1
    return n


def add_tune_parser(sub) -> None:
    from training.spsa import SpsaConfig
    d = SpsaConfig(out="")
    t = sub.add_parser("tune", help="SPSA-tune the search parameters by games (fastchess)",
                       description="Tune the search parameters of search/tunables.py by SPSA "
                                   "(training/spsa.py): game pairs through fastchess between the "
                                   "engine at theta+c and theta-c; resumable, writes state.json, "
                                   "tuned.json, history.csv and spsa.png to --out.")
    t.add_argument("--out", required=True, help="run directory (resumed if it holds a state)")
    t.add_argument("--params", default=None,
                   help="comma-separated names, or 'all' (default: every tunable marked tune=True)")
    t.add_argument("--pairs", type=int, default=d.pairs, help=f"game pairs in all (default {d.pairs})")
    t.add_argument("--batch", type=int, default=d.batch, help=f"game pairs per step (default {d.batch})")
    t.add_argument("--r-end", type=float, default=d.r_end, help=f"final learning rate (default {d.r_end})")
    limit = t.add_mutually_exclusive_group()
    limit.add_argument("--nodes", type=int, default=None, help="node limit per move (default 5000)")
    limit.add_argument("--tc", default=None, help="time control instead, e.g. 10+0.1")
    t.add_argument("--concurrency", type=int, default=1, help="games at a time (the cores)")
    t.add_argument("--book", default=None,
                   help="EPD file of openings (default: the book shipped in training/books)")
    t.add_argument("--eval", dest="eval_file", default=None, help="EvalFile for both engines")
    t.add_argument("--engine", default=None, help="engine command (default: this Python's Ladya)")
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--steps", type=int, default=None, help="stop after this many steps (resume later)")
    t.set_defaults(func=tune_command)


def tune_command(args) -> int:
    from training import spsa
    cfg = spsa.SpsaConfig(out=args.out, params=spsa.parse_params(args.params), pairs=args.pairs,
                          batch=args.batch, r_end=args.r_end, seed=args.seed,
                          nodes=args.nodes if args.tc is None else None, tc=args.tc,
                          concurrency=args.concurrency, book=args.book, engine=args.engine,
                          eval_file=args.eval_file)
    if cfg.nodes is None and cfg.tc is None:
        cfg.nodes = 5000
    try:
        s = spsa.run(cfg, max_steps=args.steps)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    w, d, l = s.wdl
    print(f"{s.k}/{s.cfg.pairs} pairs in {s.steps} steps, plus side +{w} ={d} -{l}")
    print(spsa.format_values(s.values()))
    return 0


def main(argv=None) -> int:  # for `python -m training.cli`
    from engine.cli import configure_logging
    parser = argparse.ArgumentParser(prog="ladya")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    configure_logging()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
