"""Matches through fastchess, the independent runner that confirms our own.

Our runner (training/match) plays every figure the loop relies on; this
script plays the same kind of match with fastchess (build it with
../shared/tools/build-fastchess.sh; the driver is training/fastchess.py), so
that a report can give both runners' figures side by side.

    python benchmarks/fastchess.py --engine2 /usr/games/stockfish \
        --option2 UCI_LimitStrength=true --option2 UCI_Elo=2850 --tc 10+0.1 --games 200 --concurrency 2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA  # noqa: E402
from training import elo  # noqa: E402
from training.fastchess import (FINISHED, FORFEITS, LADYA_CMD, FastchessResult,  # noqa: E402,F401
                                binary, command, engine_args, parse_output, play)


def summary(r: FastchessResult) -> str:
    pairs = sum(r.ptnml)
    e = elo.format_pentanomial_elo(r.ptnml) if pairs else "n/a"
    forfeits = "/".join(f"{a}:{b}" for a, b in r.forfeits.values())
    return (f"{r.name1} vs {r.name2}: {r.games} games +{r.wins} ={r.draws} -{r.losses}, "
            f"Ptnml(0-2) {r.ptnml}, Elo {e} (pairs), forfeits time/illegal/crash/hang {forfeits}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine1", default=LADYA_CMD)
    ap.add_argument("--engine2", default=LADYA_CMD)
    ap.add_argument("--option1", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--option2", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--name1", default="Ladya")
    ap.add_argument("--name2", default="opponent")
    limit = ap.add_mutually_exclusive_group()
    limit.add_argument("--tc", default="10+0.1")
    limit.add_argument("--nodes", type=int)
    ap.add_argument("--timemargin", type=int, default=0, metavar="MS",
                    help="milliseconds an engine may overrun its clock before it loses on time "
                         "(fastchess's timemargin; for a machine busy with other work)")
    ap.add_argument("--games", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--openings", default=str(DATA / "openings.epd"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sprt", nargs=4, type=float, metavar=("ELO0", "ELO1", "ALPHA", "BETA"))
    ap.add_argument("--pgn")
    ap.add_argument("--log", help="keep fastchess's own output here")
    a = ap.parse_args(argv)
    opts = [dict(o.split("=", 1) for o in a.option1), dict(o.split("=", 1) for o in a.option2)]
    try:
        r = play(log=a.log, engine1=a.engine1, engine2=a.engine2, games=a.games, tc=a.tc,
                 nodes=a.nodes, openings=a.openings, options1=opts[0], options2=opts[1],
                 name1=a.name1, name2=a.name2, concurrency=a.concurrency, seed=a.seed,
                 pgn=a.pgn, sprt=a.sprt, timemargin_ms=a.timemargin)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
