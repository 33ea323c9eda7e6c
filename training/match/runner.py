"""The match: its settings (`MatchConfig`), the openings drawn for it, the
games played `concurrency` at a time, and the SPRT that may stop it early.

Each opening (a seeded draw from the book) is played twice with colours
reversed: game 2i gives engine 1 White, game 2i+1 the same opening with the
colours reversed.  Progress is logged (one line per game) on the
`training.match` logger; the command line (training/match/cli.py) shows it.
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple, Union

from training import books, epd
from training.match import game as G
from training.match.engines import EngineSpec, Player, close_engine
from training.match.result import MatchResult, Sprt

LOGGER = logging.getLogger("training.match")
NODES_PER_SECOND_FLOOR = 50_000     # a node-limited move takes at most nodes / this (+ hang_grace)


def parse_tc(text: str) -> Tuple[float, float]:
    """'10+0.1' -> (10.0, 0.1); '60' -> (60.0, 0.0); ValueError otherwise."""
    base, _, inc = text.partition("+")
    try:
        out = float(base), float(inc or 0.0)
    except ValueError:
        raise ValueError(f"bad time control {text!r}: expected seconds+increment") from None
    if out[0] <= 0 or out[1] < 0:
        raise ValueError(f"bad time control {text!r}: the base must be positive, the increment not negative")
    return out


@dataclass
class MatchConfig:
    """A match between two engines (engines.EngineSpec: Ladya by default)."""
    engine1: EngineSpec = field(default_factory=EngineSpec)
    engine2: EngineSpec = field(default_factory=EngineSpec)
    games: int = 20                       #: games to play (the cap, with an SPRT)
    tc: str = "10+0.1"                    #: time control, seconds+increment
    #: a node limit per move instead of the clock (`go nodes N`, as cutechess-cli's and
    #: fastchess's nodes=N): no clocks and no time losses, the same games on a busy machine
    nodes: Optional[int] = None
    openings: Union[str, Path, None] = None  #: EPD book (None: the one shipped, training/books)
    seed: int = 1                         #: seed of the openings' draw
    concurrency: int = 1                  #: games played at once
    pgn: Union[str, Path, None] = None    #: append the games to this PGN file
    event: str = "Ladya match"            #: the PGN's Event tag
    sprt: Optional[Sprt] = None           #: stop once this SPRT on the game pairs decides
    resign: Optional[Tuple[int, int]] = None       #: (moves, cp): adjudicate a win both engines agree on
    draw: Optional[Tuple[int, int, int]] = None    #: (from move, moves, cp): adjudicate a draw
    margin: float = 0.0                   #: seconds a clock may go below zero before a time loss
    hang_grace: float = 10.0              #: seconds past its clock after which a silent engine is killed

    def check(self) -> None:
        """ValueError naming the first setting that cannot run."""
        if self.games < 1 or self.concurrency < 1:
            raise ValueError("games and concurrency must be positive")
        parse_tc(self.tc)
        if self.nodes is not None and self.nodes < 1:
            raise ValueError(f"nodes must be positive, got {self.nodes}")
        if self.sprt is not None:
            Sprt(*self.sprt).check()
            if self.games % 2:
                raise ValueError("games must be even with an SPRT (the SPRT counts game pairs)")
        if self.margin < 0 or self.hang_grace <= 0:
            raise ValueError("margin must not be negative and hang_grace must be positive")
        if self.openings is not None and not Path(self.openings).is_file():
            raise ValueError(f"openings file not found: {self.openings}")

    @property
    def limit_text(self) -> str:
        """What limits a move: 'tc 10+0.1' or '25000 nodes'."""
        return f"{self.nodes} nodes" if self.nodes is not None else f"tc {self.tc}"

    def move_timeout(self, clock: float) -> float:
        """Seconds a side may stay silent before it counts as hung: its clock
        and `hang_grace` past it; with a node limit `hang_grace` plus a second
        per NODES_PER_SECOND_FLOOR nodes (an engine slower than that is taken
        for hung)."""
        if self.nodes is not None:
            return self.hang_grace + self.nodes / NODES_PER_SECOND_FLOOR
        return max(clock, 0.0) + self.hang_grace

    @property
    def time_control(self) -> Tuple[float, float]:
        """(base seconds, increment seconds)."""
        return parse_tc(self.tc)

    def book(self):
        """The openings file (a path, or the shipped book as an importlib.resources file)."""
        return books.book(self.openings)

    @property
    def book_name(self) -> str:
        return self.book().name


def draw_openings(n_openings: int, games: int, seed: int) -> List[int]:
    """The opening of each game pair: distinct while the book has enough."""
    rng = random.Random(seed)
    n_pairs = (games + 1) // 2
    if n_pairs <= n_openings:
        return rng.sample(range(n_openings), n_pairs)
    return [rng.randrange(n_openings) for _ in range(n_pairs)]


async def engine_names(specs) -> List[str]:
    """The engines' names: as given, else as the engines call themselves."""
    names = []
    for spec in specs:
        if spec.name:
            names.append(spec.name)
            continue
        eng = await spec.open()
        names.append(eng.id.get("name") or spec.default_name())
        await close_engine(eng)
    if names[0] == names[1]:
        names = [names[0] + " (1)", names[1] + " (2)"]
    return names


async def run_match(config: MatchConfig) -> MatchResult:
    """Play the match (see the module docstring) and return its result.
    ValueError for settings that cannot run; chess.engine.EngineError or
    OSError when an engine cannot be started to learn its name."""
    config.check()
    specs = [config.engine1, config.engine2]
    sprt = Sprt(*config.sprt) if config.sprt is not None else None
    openings = epd.read_fens(config.book())
    picks = draw_openings(len(openings), config.games, config.seed)
    jobs: asyncio.Queue = asyncio.Queue()
    for g in range(config.games):
        jobs.put_nowait((g + 1, picks[g // 2], g % 2))

    names = await engine_names(specs)
    result = MatchResult(tuple(names), sprt)
    started = set()                       # pairs with a game begun
    s = sprt
    sprt_text = (f", SPRT [{s.elo0:g}, {s.elo1:g}] {s.unit} alpha {s.alpha:g} beta {s.beta:g}"
                 if s else "")
    LOGGER.info("Match %s vs %s: %d games, %s, concurrency %d, openings %s (seed %d)%s",
                names[0], names[1], config.games, config.limit_text, config.concurrency, config.book(),
                config.seed, sprt_text)
    pgn_file = open(config.pgn, "a") if config.pgn else None

    async def worker():
        players = [Player(specs[0], 0), Player(specs[1], 1)]
        try:
            while True:
                try:
                    number, opening, white = jobs.get_nowait()
                except asyncio.QueueEmpty:
                    return
                pair = (number - 1) // 2
                # Once the SPRT has decided, only the games that complete a
                # begun pair are played: every counted pair has both colours.
                if result.decision is not None and pair not in started:
                    return
                started.add(pair)
                g = await G.play_game(number, opening, openings[opening], players, white, names, config)
                result.add(g)
                if pgn_file:
                    pgn_file.write(g.pgn + "\n\n")
                    pgn_file.flush()
                LOGGER.info("Game %3d %s - %s: %s (%s, %d plies)  |  %s", g.number, names[g.white],
                            names[1 - g.white], g.result, g.reason, g.plies, result.status())
        finally:
            for p in players:
                await p.restart()

    try:
        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    finally:
        if pgn_file:
            pgn_file.close()
    return result


def play_match(config: MatchConfig) -> MatchResult:
    """run_match for code that is not async (`ladya loop` gates nets with it)."""
    return asyncio.run(run_match(config))
