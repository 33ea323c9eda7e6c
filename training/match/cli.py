"""Engine-vs-engine matches from the command line (UCI and xboard engines).

    python -m training.match --engine2 /usr/games/fairymax --proto2 xboard \\
        --games 40 --tc 10+0.1 --pgn /tmp/match.pgn

Engine 1 defaults to Ladya as installed for this Python (`python -m
engine`).  Each opening (a seeded draw from the book: by default the one
shipped in the package, training/books) is played twice with colours
reversed.  The runner keeps the clocks itself: it measures each move's
think time, subtracts it, adds the increment, and a side whose clock goes
below -margin loses on time; with `--nodes N` each move is `go nodes N`
and there is no clock.  Every move is checked for legality; an
illegal move, a crash or a hang loses the game and is reported apart.
Games end by the rules as cutechess-cli and fastchess apply them, or by the
optional adjudications.  Statistics (training/elo.py): W/D/L, score, Elo
with 95% error bars, LOS, the game-pair counts (pentanomial) with their own
Elo, and an optional SPRT on the pairs that stops the match early:

    python -m training.match --engine2 "python -m engine" --option2 EvalFile=old.nnue \\
        --games 2000 --tc 5+0.05 --concurrency 2 --sprt elo0=0 elo1=10 alpha=0.05 beta=0.05

The SPRT's bounds are normalized Elo (nElo) by default, as in fastchess and
fishtest; `model=logistic` makes them logistic Elo (training/elo.py).

UCI options: --option1 UCI_LimitStrength=true --option1 UCI_Elo=1320.
"""
import argparse
import shlex
import sys
from typing import Dict, List

import chess.engine

from training import elo
from training.match.engines import PROTOCOLS, EngineSpec, ladya_command
from training.match.result import FORFEITS, MatchResult, parse_sprt
from training.match.runner import MatchConfig, play_match


def parse_options(pairs: List[str]) -> Dict[str, str]:
    """{'Name': 'Value'} from ['Name=Value', ...]; ValueError for a pair without '='."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError(f"option {pair!r}: expected Name=Value")
        k, v = pair.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m training.match", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--engine1", default=shlex.join(ladya_command()),
                    help="command line (default: Ladya, python -m engine)")
    ap.add_argument("--engine2", default="/usr/games/stockfish")
    ap.add_argument("--proto1", choices=PROTOCOLS, default="uci")
    ap.add_argument("--proto2", choices=PROTOCOLS, default="uci")
    ap.add_argument("--option1", action="append", metavar="NAME=VALUE", help="engine option (repeatable)")
    ap.add_argument("--option2", action="append", metavar="NAME=VALUE")
    ap.add_argument("--name1")
    ap.add_argument("--name2")
    limit = ap.add_mutually_exclusive_group()
    limit.add_argument("--tc", default="10+0.1", help="seconds+increment (default 10+0.1)")
    limit.add_argument("--nodes", type=int, help="a node limit per move instead of the clock")
    ap.add_argument("--margin", type=float, default=0.0,
                    help="seconds a clock may go below zero before a time loss (default 0)")
    ap.add_argument("--hang-grace", type=float, default=10.0,
                    help="seconds past its clock after which a silent engine is killed")
    ap.add_argument("--games", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--openings", help="EPD book (default: the one shipped with Ladya, 500 positions)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pgn", help="append the games to this PGN file")
    ap.add_argument("--event", default="Ladya match")
    ap.add_argument("--sprt", nargs="+", metavar="ARG",
                    help="stop when the SPRT on game pairs accepts H0 or H1: ELO0 ELO1 ALPHA BETA, "
                         "or elo0=0 elo1=10 alpha=0.05 beta=0.05, and optionally model=normalized "
                         "(the default: bounds in nElo, as fastchess) or model=logistic (Elo); "
                         "--games is the cap")
    ap.add_argument("--resign", nargs=2, type=int, metavar=("MOVES", "CP"),
                    help="adjudicate a win when both engines agree for MOVES moves each")
    ap.add_argument("--draw", nargs=3, type=int, metavar=("FROM_MOVE", "MOVES", "CP"),
                    help="adjudicate a draw when both scores stay within +-CP")
    return ap


def config_from_args(args) -> MatchConfig:
    """The MatchConfig of parsed arguments; ValueError for a bad one."""
    config = MatchConfig(
        engine1=EngineSpec(args.engine1, args.proto1, parse_options(args.option1), args.name1),
        engine2=EngineSpec(args.engine2, args.proto2, parse_options(args.option2), args.name2),
        games=args.games, tc=args.tc, nodes=args.nodes, openings=args.openings, seed=args.seed,
        concurrency=args.concurrency, pgn=args.pgn, event=args.event,
        sprt=parse_sprt(args.sprt) if args.sprt else None,
        resign=tuple(args.resign) if args.resign else None,
        draw=tuple(args.draw) if args.draw else None,
        margin=args.margin, hang_grace=args.hang_grace)
    config.check()
    return config


def report(result: MatchResult, config: MatchConfig) -> str:
    """The summary printed at the end of a match."""
    names, t = result.names, result
    lines = ["", f"Finished match: {names[0]} vs {names[1]}, {config.limit_text}"]
    if t.played == 0:
        return "\n".join(lines + ["no games played"])
    _, lo, hi = elo.elo_interval(t.wins, t.draws, t.losses)
    lines.append(f"Games: {t.played}  {names[0]}: wins {t.wins}, draws {t.draws}, losses {t.losses}  "
                 f"score {t.wins + 0.5 * t.draws:g}/{t.played} = {100 * t.score():.1f}%")
    lines.append(f"Elo difference: {elo.format_elo(t.wins, t.draws, t.losses)}  "
                 f"(95% interval {lo:+.1f} .. {hi:+.1f})  LOS {100 * t.los():.1f}%")
    if t.pairs:
        _, lo, hi = elo.pentanomial_elo_interval(t.pentanomial)
        nelo, nelo_error = elo.normalized_elo(t.pentanomial)
        lines.append(f"Ptnml(0-2): {t.pentanomial}  ({t.pairs} pairs)  Elo from pairs: "
                     f"{elo.format_pentanomial_elo(t.pentanomial)}  (95% interval {lo:+.1f} .. {hi:+.1f})  "
                     f"nElo {nelo:+.1f} +- {nelo_error:.1f}")
    white_pts = sum(1.0 if g.result == "1-0" else 0.5 if g.result == "1/2-1/2" else 0.0 for g in t.games)
    lines.append(f"White scored {100 * white_pts / t.played:.1f}%; average game length "
                 f"{sum(g.plies for g in t.games) / t.played:.0f} plies")
    labels = {"time": "losses on time", "illegal": "illegal moves", "crash": "crashes", "hang": "hangs"}
    for kind in FORFEITS:
        a, b = t.forfeits[kind]
        lines.append(f"{labels[kind]}: {names[0]} {a}, {names[1]} {b}")
    reasons: Dict[str, int] = {}
    for g in t.games:
        key = {"time": "loss on time", "illegal": "illegal move", "crash": "crash",
               "hang": "hang"}.get(g.kind, g.reason)
        reasons[key] = reasons.get(key, 0) + 1
    lines.append("endings: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda x: -x[1])))
    if t.sprt:
        s = t.sprt
        lower, upper = t.bounds()
        verdict = {"H1": f"H1 accepted ({s.unit} >= {s.elo1:g})",
                   "H0": f"H0 accepted ({s.unit} <= {s.elo0:g})",
                   None: f"no decision within {config.games} games"}[t.decision]
        lines.append(f"SPRT [{s.elo0:g}, {s.elo1:g}] {s.unit} alpha {s.alpha:g} beta {s.beta:g}, "
                     f"pentanomial, {s.model} model: LLR {t.llr():.2f} bounds ({lower:.2f}, {upper:.2f}): "
                     f"{verdict}")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Exit status 0 after a match with games, 1 without any, 2 for bad
    settings or an engine that cannot be started."""
    from engine.cli import configure_logging
    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        result = play_match(config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (chess.engine.EngineError, OSError) as exc:
        print(f"error: engine setup failed: {exc}", file=sys.stderr)
        return 2
    print(report(result, config), flush=True)
    return 0 if result.played else 1


if __name__ == "__main__":
    sys.exit(main())
