"""How much of its clock each engine used, from a fastchess or cutechess-cli PGN.

fastchess writes each move's time into its comment (`{+0.47/14 0.075s}`) and
the time control into the `TimeControl` tag (`10+0.1`).  For each engine this
prints the moves, the mean seconds per move, the share of the time it had
(its start clock plus the increments it received) that it spent, and games
lost on time.  Compare engines from the same games: both then played the same
positions at the same clock.

    python benchmarks/fastchess.py --engine2 /usr/games/stockfish --option2 UCI_LimitStrength=true \\
        --option2 UCI_Elo=2850 --tc 10+0.1 --games 20 --pgn games.pgn
    python benchmarks/clock_share.py games.pgn
"""
from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable

import chess.pgn

MOVE_TIME = re.compile(r"(\d+(?:\.\d+)?)s\b")


@dataclass
class ClockUse:
    games: int = 0
    moves: int = 0
    spent: float = 0.0        # seconds thought, over all moves
    available: float = 0.0    # start clocks plus the increments received
    time_losses: int = 0

    @property
    def per_move(self) -> float:
        return self.spent / self.moves if self.moves else 0.0

    @property
    def share(self) -> float:
        return self.spent / self.available if self.available else 0.0


def parse_tc(tag: str):
    """(base seconds, increment seconds) of a PGN TimeControl tag "B+I" or "B"."""
    base, _, inc = tag.partition("+")
    if "/" in base:
        raise ValueError(f"moves-per-period controls are not handled: {tag!r}")
    return float(base), float(inc or 0)


def clock_use(games: Iterable[chess.pgn.Game]) -> Dict[str, ClockUse]:
    out: Dict[str, ClockUse] = defaultdict(ClockUse)
    for game in games:
        tc = game.headers.get("TimeControl", "-")
        if tc in ("-", "?", ""):
            continue
        base, inc = parse_tc(tc)
        names = {chess.WHITE: game.headers.get("White", "?"), chess.BLACK: game.headers.get("Black", "?")}
        counted = {chess.WHITE: 0, chess.BLACK: 0}
        node = game
        while node.variations:
            node = node.variations[0]
            mover = not node.board().turn
            m = MOVE_TIME.search(node.comment or "")
            if m:
                use = out[names[mover]]
                use.moves += 1
                use.spent += float(m.group(1))
                counted[mover] += 1
        for colour, name in names.items():
            use = out[name]
            use.games += 1
            use.available += base + inc * counted[colour]
        if "time" in game.headers.get("Termination", "").lower():
            result = game.headers.get("Result")
            loser = chess.WHITE if result == "0-1" else chess.BLACK if result == "1-0" else None
            if loser is not None:
                out[names[loser]].time_losses += 1
    return dict(out)


def read_games(path: str):
    with open(path, encoding="utf-8", errors="replace") as f:
        while True:
            game = chess.pgn.read_game(f)
            if game is None:
                return
            yield game


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pgn", nargs="+")
    a = ap.parse_args(argv)
    total: Dict[str, ClockUse] = defaultdict(ClockUse)
    for path in a.pgn:
        for name, use in clock_use(read_games(path)).items():
            t = total[name]
            t.games += use.games
            t.moves += use.moves
            t.spent += use.spent
            t.available += use.available
            t.time_losses += use.time_losses
    print(f"{'engine':<24} {'games':>6} {'moves':>7} {'s/move':>8} {'clock used':>11} {'time losses':>12}")
    for name, use in sorted(total.items()):
        print(f"{name:<24} {use.games:>6} {use.moves:>7} {use.per_move:>8.3f} {100 * use.share:>10.1f}% "
              f"{use.time_losses:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
