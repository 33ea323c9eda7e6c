"""Matches through fastchess, the independent runner that confirms our own.

Our runner (training/match.py) plays every figure the loop relies on; this
module plays the same kind of match with fastchess (build it with
../shared/tools/build-fastchess.sh) and reads the games back from its
"Finished game" lines, so that a report can give both runners' figures side
by side.  Each opening is played twice with colours reversed (`-games 2
-repeat`), so games 2k-1 and 2k form a pair (the pentanomial counts).

    python benchmarks/fastchess.py --engine2 /usr/games/stockfish \
        --option2 UCI_LimitStrength=true --option2 UCI_Elo=2850 --tc 10+0.1 --games 200 --concurrency 2
"""
from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA  # noqa: E402
from training import elo  # noqa: E402
from training.match import LADYA_CMD  # noqa: E402

FINISHED = re.compile(r"^Finished game (\d+) \((.+) vs (.+)\): (1-0|0-1|1/2-1/2) \{(.*)\}\s*$")
# fastchess's own words for a forfeit (src/.../game termination messages)
FORFEITS = {"time": "loses on time", "illegal": "makes an illegal move",
            "crash": "disconnects", "hang": "connection stalls"}


def binary() -> Optional[str]:
    """fastchess on PATH or where build-fastchess.sh puts it."""
    local = Path.home() / ".local" / "bin" / "fastchess"
    return shutil.which("fastchess") or (str(local) if local.exists() else None)


@dataclass
class FastchessResult:
    """Games from the first engine's view."""
    name1: str
    name2: str
    wins: int = 0
    draws: int = 0
    losses: int = 0
    ptnml: List[int] = field(default_factory=lambda: [0] * 5)
    forfeits: Dict[str, List[int]] = field(default_factory=lambda: {k: [0, 0] for k in FORFEITS})
    reasons: Dict[str, int] = field(default_factory=dict)

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses


def parse_output(text: str, name1: str, name2: str) -> FastchessResult:
    """The result of a fastchess log: W/D/L, game pairs (both games of a pair
    finished), forfeits by engine and the terminations.  Read from the
    per-game lines, so a match stopped early still counts every game."""
    r = FastchessResult(name1, name2)
    points: Dict[int, float] = {}
    for line in text.splitlines():
        m = FINISHED.match(line.strip())
        if not m:
            continue
        number, white, black, result, reason = int(m[1]), m[2], m[3], m[4], m[5]
        if {white, black} != {name1, name2}:
            raise ValueError(f"game {number} is between {white} and {black}, not {name1} and {name2}")
        score = {"1-0": 1.0, "0-1": 0.0, "1/2-1/2": 0.5}[result]
        if black == name1:
            score = 1.0 - score
        points[number] = score
        if score == 1.0:
            r.wins += 1
        elif score == 0.0:
            r.losses += 1
        else:
            r.draws += 1
        r.reasons[reason] = r.reasons.get(reason, 0) + 1
        for kind, words in FORFEITS.items():
            if words in reason:
                loser = white if reason.startswith("White") else black
                r.forfeits[kind][0 if loser == name1 else 1] += 1
    for number, score in points.items():
        if number % 2 == 1 and number + 1 in points:
            r.ptnml[elo.pair_bin(score + points[number + 1])] += 1
    return r


def engine_args(cmd: str, name: str, options: Dict[str, str]) -> List[str]:
    """`-engine cmd=... args=... name=... option.X=Y` for a command line."""
    words = shlex.split(cmd)
    out = ["-engine", f"cmd={words[0]}", f"name={name}"]
    if len(words) > 1:
        out.append("args=" + " ".join(shlex.quote(w) for w in words[1:]))
    out += [f"option.{k}={v}" for k, v in options.items()]
    return out


def command(engine1: str, engine2: str, games: int, tc: Optional[str] = "10+0.1",
            nodes: Optional[int] = None, openings=DATA / "openings.epd", options1=None,
            options2=None, name1: str = "Ladya", name2: str = "opponent", concurrency: int = 1,
            seed: int = 1, pgn: Optional[str] = None, sprt=None, hash_mb: int = 16) -> List[str]:
    """The fastchess command line of a match of `games` games (even: pairs)."""
    if games < 2 or games % 2:
        raise ValueError(f"games must be even and at least 2 (pairs), got {games}")
    fc = binary()
    if fc is None:
        raise ValueError("fastchess is not installed: run ../shared/tools/build-fastchess.sh")
    limit = [f"nodes={nodes}", "tc=inf"] if nodes else [f"tc={tc}"]
    out = [fc, *engine_args(engine1, name1, options1 or {}),
           *engine_args(engine2, name2, options2 or {}),
           "-each", *limit, f"option.Hash={hash_mb}",
           "-openings", f"file={openings}", "format=epd", "order=random",
           "-rounds", str(games // 2), "-games", "2", "-repeat",
           "-concurrency", str(concurrency), "-srand", str(seed), "-recover"]
    if sprt:
        elo0, elo1, alpha, beta = sprt
        out += ["-sprt", f"elo0={elo0}", f"elo1={elo1}", f"alpha={alpha}", f"beta={beta}"]
    if pgn:
        out += ["-pgnout", f"file={pgn}"]
    return out


def play(log: Optional[str] = None, **kw) -> FastchessResult:
    """Run the match (fastchess's output also goes to `log`) and read it."""
    argv = command(**kw)
    proc = subprocess.run(argv, capture_output=True, text=True)
    if log:
        Path(log).write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"fastchess exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return parse_output(proc.stdout, kw.get("name1", "Ladya"), kw.get("name2", "opponent"))


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
                 pgn=a.pgn, sprt=a.sprt)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
