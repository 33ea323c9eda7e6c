"""fastchess, the independent match runner, driven from Python.

Builds fastchess command lines and reads the games back from its "Finished
game" lines (so a match stopped early still counts every game).  Each opening
is played twice with colours reversed (`-games 2 -repeat`), so games 2k-1 and
2k form a pair (the pentanomial counts).  Used by benchmarks/fastchess.py and
by the SPSA tuner (training/spsa.py).  fastchess itself is not a dependency:
build it with ../shared/tools/build-fastchess.sh or put it on PATH.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from training.match.engines import ladya_command
from training.match.game import GameResult
from training.match.result import MatchResult

# Ladya as a command line that works installed or from a checkout.
LADYA_CMD = shlex.join(ladya_command())

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
    """Games from the first engine's view, counted by the project's own
    MatchResult (one home for W/D/L, pairs and forfeits)."""
    name1: str
    name2: str
    tally: MatchResult = field(init=False, repr=False)
    reasons: Dict[str, int] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)   # fastchess's "Warning..." lines, once each

    def __post_init__(self):
        self.tally = MatchResult((self.name1, self.name2))

    wins = property(lambda self: self.tally.wins)
    draws = property(lambda self: self.tally.draws)
    losses = property(lambda self: self.tally.losses)
    games = property(lambda self: self.tally.played)
    ptnml = property(lambda self: self.tally.pentanomial)
    forfeits = property(lambda self: self.tally.forfeits)


def parse_output(text: str, name1: str, name2: str) -> FastchessResult:
    """The result of a fastchess log: W/D/L, game pairs (both games of a pair
    finished), forfeits by engine and the terminations.  Read from the
    per-game lines, so a match stopped early still counts every game."""
    r = FastchessResult(name1, name2)
    for line in text.splitlines():
        if line.startswith("Warning") and line.strip() not in r.warnings:
            r.warnings.append(line.strip())
        m = FINISHED.match(line.strip())
        if not m:
            continue
        number, white, black, result, reason = int(m[1]), m[2], m[3], m[4], m[5]
        if {white, black} != {name1, name2}:
            raise ValueError(f"game {number} is between {white} and {black}, not {name1} and {name2}")
        r.reasons[reason] = r.reasons.get(reason, 0) + 1
        kind, loser = "normal", None
        for k, words in FORFEITS.items():
            if words in reason:
                kind = k
                loser = 0 if (white if reason.startswith("White") else black) == name1 else 1
        # games 2k-1 and 2k share an opening (-games 2 -repeat): GameResult.pair pairs them
        r.tally.add(GameResult(number=number, opening=(number - 1) // 2, white=0 if white == name1 else 1,
                               result=result, reason=reason, kind=kind, loser=loser))
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
            nodes: Optional[int] = None, openings=None, options1=None,
            options2=None, name1: str = "Ladya", name2: str = "opponent", concurrency: int = 1,
            seed: int = 1, pgn: Optional[str] = None, sprt=None, hash_mb: int = 16,
            timemargin_ms: int = 0) -> List[str]:
    """The fastchess command line of a match of `games` games (even: pairs).
    `timemargin_ms`: how far past its clock an engine may go before it loses
    on time (fastchess's timemargin; the overrun is still taken off its clock)."""
    if games < 2 or games % 2:
        raise ValueError(f"games must be even and at least 2 (pairs), got {games}")
    if openings is None:                # the book shipped in the package
        from training import books
        openings = str(books.default_book())
    if not Path(openings).is_file():
        raise ValueError(f"openings file not found: {openings}")
    fc = binary()
    if fc is None:
        raise ValueError("fastchess is not installed: run ../shared/tools/build-fastchess.sh")
    if timemargin_ms < 0:
        raise ValueError(f"timemargin must not be negative, got {timemargin_ms}")
    limit = [f"nodes={nodes}", "tc=inf"] if nodes else [f"tc={tc}"]
    if timemargin_ms and not nodes:
        limit.append(f"timemargin={timemargin_ms}")
    out = [fc, *engine_args(engine1, name1, options1 or {}),
           *engine_args(engine2, name2, options2 or {}),
           "-each", *limit, f"option.Hash={hash_mb}",
           "-openings", f"file={Path(openings).resolve()}", "format=epd", "order=random",
           "-rounds", str(games // 2), "-games", "2", "-repeat",
           "-concurrency", str(concurrency), "-srand", str(seed), "-recover"]
    if sprt:
        elo0, elo1, alpha, beta = sprt
        out += ["-sprt", f"elo0={elo0}", f"elo1={elo1}", f"alpha={alpha}", f"beta={beta}"]
    if pgn:
        out += ["-pgnout", f"file={Path(pgn).resolve()}"]
    return out


def play(log: Optional[str] = None, env: Optional[Mapping[str, str]] = None, **kw) -> FastchessResult:
    """Run the match and read it; fastchess's output goes to `log` line by
    line as it comes (a long match can be watched, and a killed one leaves
    its finished games there).  `env` is the engines' environment (fastchess
    passes its own on)."""
    argv = command(**kw)
    lines: List[str] = []
    # fastchess leaves its resume file (config.json) in its working directory
    with tempfile.TemporaryDirectory(prefix="ladya-fastchess-") as cwd, \
            open(log if log else os.devnull, "w") as sink:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, cwd=cwd)
        for line in proc.stdout:
            lines.append(line)
            sink.write(line)
            sink.flush()
        returncode = proc.wait()
    text = "".join(lines)
    if returncode != 0:
        raise RuntimeError(f"fastchess exited with {returncode}: {text.strip()[-500:]}")
    return parse_output(text, kw.get("name1", "Ladya"), kw.get("name2", "opponent"))
