"""What the search reports: a `Score`, `Info` while it runs, a `SearchResult` at the end.

The types follow python-chess's `chess.engine` (`Cp`/`Mate`, `InfoDict`,
`PlayResult`), typed: the UCI front end (engine/uci.py) turns them into
`info` and `bestmove` lines, and Python callers read fields, not strings.
Scores are from the side to move's view; times are in milliseconds.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import List, Optional


@functools.total_ordering
@dataclass(frozen=True)
class Score:
    """Centipawns or a mate distance, from the side to move's view.

    Exactly one of `cp` and `mate` is set.  `mate` counts moves, not plies:
    ``Mate(3)`` mates in 3, ``Mate(-3)`` is mated in 3, ``Mate(0)`` is
    mated on the board (python-chess's ``Mate(-0)``).  Scores compare from
    worst to best for the side to move:

    >>> Mate(0) < Mate(-1) < Mate(-5) < Cp(-300) < Cp(40) < Mate(5) < Mate(1)
    True
    >>> Cp(40), str(Cp(40)), str(Mate(-3)), Mate(-3).uci()
    (Cp(40), '+40', '#-3', 'mate -3')
    """
    cp: Optional[int] = None
    mate: Optional[int] = None

    def __post_init__(self):
        if (self.cp is None) == (self.mate is None):
            raise ValueError(f"a Score holds centipawns or a mate distance, not cp={self.cp!r} "
                             f"and mate={self.mate!r}")

    def is_mate(self) -> bool:
        return self.mate is not None

    def uci(self) -> str:
        """The score as a UCI `info` line writes it: 'cp 40' or 'mate -3'."""
        return f"cp {self.cp}" if self.mate is None else f"mate {self.mate}"

    def _rank(self):
        if self.mate is None:
            return (1, self.cp)
        if self.mate > 0:
            return (2, -self.mate)          # the shorter mate is the better one
        return (0, -self.mate)              # being mated later is better

    def __lt__(self, other):
        if not isinstance(other, Score):
            return NotImplemented
        return self._rank() < other._rank()

    def __str__(self) -> str:
        if self.mate is None:
            return f"+{self.cp}" if self.cp > 0 else str(self.cp)
        return f"#+{self.mate}" if self.mate > 0 else f"#-{-self.mate}"

    def __repr__(self) -> str:
        return f"Cp({self.cp})" if self.mate is None else f"Mate({self.mate})"


def Cp(cp: int) -> Score:  # noqa: N802 (python-chess's name)
    """A score in centipawns."""
    return Score(cp=cp)


def Mate(moves: int) -> Score:  # noqa: N802 (python-chess's name)
    """Mate in `moves` (negative: getting mated)."""
    return Score(mate=moves)


@dataclass
class Info:
    """One report of the running search, as a UCI `info` line carries it
    (python-chess's InfoDict, typed).  A field left None was not reported."""
    depth: Optional[int] = None
    seldepth: Optional[int] = None
    multipv: Optional[int] = None      #: rank of this line (1: the best move)
    score: Optional[Score] = None
    lowerbound: bool = False           #: the score is a lower bound (a fail high) ...
    upperbound: bool = False           #: ... or an upper bound (a fail low)
    nodes: Optional[int] = None        #: nodes of all threads so far
    nps: Optional[int] = None
    hashfull: Optional[int] = None     #: transposition table use, permille
    time_ms: Optional[int] = None      #: since the search began
    pv: List[str] = field(default_factory=list)  #: UCI moves
    string: Optional[str] = None       #: free text (an `info string` line)


@dataclass
class SearchResult:
    bestmove: str                    #: UCI move, "0000" when there is no legal move
    ponder: Optional[str] = None     #: expected reply, if the PV has one
    depth: int = 0                   #: last completed depth
    nodes: int = 0
    time_ms: int = 0
    score: Optional[Score] = None    #: of the best move
    pv: List[str] = field(default_factory=list)
