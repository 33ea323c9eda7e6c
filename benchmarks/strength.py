"""Strength report: Ladya with a net against a ladder of reference opponents.

    python benchmarks/strength.py --net nets/default.nnue --games 100 --tc 5+0.05 \
        --concurrency 2 bootstrap fairymax gnuchess sf:1500 sf:2000 sf:2850

Each opponent plays one match (training/match's runner: openings from
shared/data/openings.epd, each played with both colours; the runner keeps the
clocks and forfeits time losses, illegal moves, crashes and hangs).
Opponents:

  bootstrap   Ladya itself with EvalFile=bootstrap (the PeSTO evaluation)
  net:PATH    Ladya with another net
  fairymax    Debian's fairymax (xboard)
  gnuchess    Debian's GNU Chess (`gnuchess --uci`)
  sf:ELO      Debian's Stockfish with UCI_LimitStrength at UCI_Elo=ELO
              (Stockfish 15.1 accepts 1350..2850)
  stockfish   Debian's Stockfish at full strength

`--runner fastchess` plays the same matches with fastchess (benchmarks/fastchess.py),
the independent runner that confirms our own (UCI opponents only).

Prints one Markdown table row per match (the format of nets/HISTORY.md) and,
with --json FILE, writes the figures there too.
"""
import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA  # noqa: E402
from training import elo  # noqa: E402
from training.match import EngineSpec, MatchConfig, MatchResult, ladya_command, play_match  # noqa: E402
import fastchess  # noqa: E402


LADYA = shlex.join(ladya_command())


def _binary(name):
    return shutil.which(name) or (f"/usr/games/{name}" if Path(f"/usr/games/{name}").exists() else None)


def opponent(spec):
    """(command, protocol, options, name) for an opponent spec; ValueError if unknown
    or not installed."""
    if spec == "bootstrap":
        return LADYA, "uci", {"EvalFile": "bootstrap"}, "Ladya-bootstrap"
    if spec.startswith("net:"):
        path = spec[4:]
        return LADYA, "uci", {"EvalFile": str(Path(path).resolve())}, f"Ladya-{Path(path).stem}"
    if spec in ("fairymax", "gnuchess", "stockfish") or spec.startswith("sf:"):
        binary = _binary("stockfish" if spec.startswith("sf:") else spec)
        if binary is None:
            raise ValueError(f"{spec}: not installed (apt-get install {spec.split(':')[0]})")
        if spec == "fairymax":
            return binary, "xboard", {}, "Fairy-Max"
        if spec == "gnuchess":
            return f"{binary} --uci", "uci", {}, "GNU Chess"
        if spec == "stockfish":
            return binary, "uci", {}, "Stockfish"
        level = int(spec[3:])
        return binary, "uci", {"UCI_LimitStrength": "true", "UCI_Elo": str(level)}, f"Stockfish-{level}"
    raise ValueError(f"unknown opponent {spec!r}")


def fastchess_result(r) -> MatchResult:
    """A fastchess result as our runner's MatchResult (the counts, without the games)."""
    out = MatchResult((r.name1, r.name2))
    out.wins, out.draws, out.losses = r.wins, r.draws, r.losses
    out.pentanomial = list(r.ptnml)
    out.forfeits = {k: list(v) for k, v in r.forfeits.items()}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("opponents", nargs="+")
    ap.add_argument("--net", default="<default>", help="EvalFile of Ladya (default: the shipped net)")
    ap.add_argument("--games", type=int, default=100)
    ap.add_argument("--tc", default="5+0.05")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--openings", default=str(DATA / "openings.epd"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pgn", help="append every game to this PGN file")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--runner", choices=("ours", "fastchess"), default="ours",
                    help="training/match.py (default) or fastchess")
    args = ap.parse_args(argv)
    specs = [opponent(s) for s in args.opponents]     # fail before any game is played
    net = args.net if args.net in ("<default>", "bootstrap") else str(Path(args.net).resolve())
    print(f"command: python {' '.join(shlex.quote(a) for a in sys.argv)}")
    header = ["| opponent | games | +W =D -L | score | Ptnml(0-2) | Elo (95%, pairs) | LOS | "
              "forfeits (time/illegal/crash/hang) |",
              "|---|---|---|---|---|---|---|---|"]
    rows, results = [], []
    for spec, (cmd, proto, options, name) in zip(args.opponents, specs):
        t0 = time.time()
        if args.runner == "fastchess":
            if proto != "uci":
                raise SystemExit(f"{name}: fastchess plays UCI engines only")
            t = fastchess_result(fastchess.play(
                engine1=LADYA, engine2=cmd, games=args.games, tc=args.tc, openings=args.openings,
                options1={"EvalFile": net}, options2=options, name1="Ladya", name2=name,
                concurrency=args.concurrency, seed=args.seed, pgn=args.pgn))
        else:
            t = play_match(MatchConfig(
                engine1=EngineSpec(options={"EvalFile": net}, name="Ladya"),
                engine2=EngineSpec(cmd, proto, options, name), games=args.games, tc=args.tc,
                openings=args.openings, concurrency=args.concurrency, seed=args.seed, pgn=args.pgn))
        # game pairs (each opening with both colours) are the unit of the error bars
        _, lo, hi = t.elo()
        forfeits = "/".join(f"{t.forfeits[k][0]}:{t.forfeits[k][1]}"
                            for k in ("time", "illegal", "crash", "hang"))
        rows.append(f"| {name} | {t.played} | +{t.wins} ={t.draws} -{t.losses} | {100 * t.score():.1f}% "
                    f"| {t.pentanomial} | {elo.format_pentanomial_elo(t.pentanomial) if t.pairs else 'n/a'} "
                    f"| {100 * t.los():.1f}% | {forfeits} |")
        print("\n".join(header + rows), flush=True)     # the table so far, after each match
        results.append({"opponent": spec, "name": name, "games": t.played, "wins": t.wins,
                        "draws": t.draws, "losses": t.losses, "pentanomial": t.pentanomial,
                        "elo_low": lo, "elo_high": hi, "los": t.los(), "forfeits": t.forfeits,
                        "seconds": round(time.time() - t0, 1)})
    print()
    print("\n".join(header + rows))
    print(f"(forfeits: Ladya:opponent; runner {args.runner}, tc {args.tc}, concurrency {args.concurrency}, "
          f"net {args.net}, openings {args.openings}, seed {args.seed})")
    if args.json:
        Path(args.json).write_text(json.dumps({"net": args.net, "tc": args.tc, "results": results},
                                              indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
