"""What a match has found so far, from engine 1's view: the games, W/D/L,
the game pairs (pentanomial), the forfeits, the Elo and the SPRT
(training/elo.py does the statistics)."""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from training import elo
from training.match.game import GameResult

FORFEITS = ("time", "illegal", "crash", "hang")  #: the kinds of game lost by forfeit


class Sprt(NamedTuple):
    """An SPRT on the game pairs: H0 elo <= elo0 against H1 elo >= elo1 (in
    the model's unit, elo.SPRT_MODELS), with error rates alpha and beta."""
    elo0: float
    elo1: float
    alpha: float
    beta: float
    model: str = elo.DEFAULT_SPRT_MODEL

    def check(self) -> None:
        """ValueError unless the test can be run."""
        elo.check_sprt(self.elo0, self.elo1, self.alpha, self.beta, self.model)

    @property
    def unit(self) -> str:
        return elo.SPRT_MODELS[self.model]


def parse_sprt(tokens: Sequence[str]) -> Sprt:
    """The Sprt from four numbers (elo0 elo1 alpha beta, in that order) or
    from fastchess's names: elo0=0 elo1=10 alpha=0.05 beta=0.05 (any order);
    either form may add model=normalized|logistic.  ValueError if malformed."""
    models = [t.split("=", 1)[1] for t in tokens if t.startswith("model=")]
    if len(models) > 1:
        raise ValueError(f"--sprt: one model= at most, got {' '.join(tokens)}")
    model = models[0] if models else elo.DEFAULT_SPRT_MODEL
    tokens = [t for t in tokens if not t.startswith("model=")]
    names = ("elo0", "elo1", "alpha", "beta")
    if all("=" in t for t in tokens):
        pairs = dict(t.split("=", 1) for t in tokens)
        if sorted(pairs) != sorted(names):
            raise ValueError(f"--sprt needs {', '.join(n + '=' for n in names)}, got {' '.join(tokens)}")
        tokens = [pairs[n] for n in names]
    try:
        elo0, elo1, alpha, beta = (float(t) for t in tokens)
    except ValueError:
        raise ValueError(f"--sprt: expected four numbers or NAME=VALUE pairs, got {' '.join(tokens)}") \
            from None
    sprt = Sprt(elo0, elo1, alpha, beta, model)
    sprt.check()
    return sprt


class MatchResult:
    """A match from engine 1's view.  `pentanomial[k]` counts the game pairs
    (one opening, both colours) in which engine 1 scored k/2 points; a pair
    counts once both its games are finished, in whatever order.  With an
    SPRT, `decision` is 'H1' or 'H0' from the pair that crossed a bound
    (None: no decision yet, or the game cap came first)."""

    def __init__(self, names: Tuple[str, str] = ("engine 1", "engine 2"), sprt: Optional[Sprt] = None):
        self.names = tuple(names)
        self.sprt = sprt
        self.wins = self.draws = self.losses = 0
        self.pentanomial = [0] * 5
        self.forfeits: Dict[str, List[int]] = {k: [0, 0] for k in FORFEITS}  #: kind -> [engine 1, engine 2]
        self.games: List[GameResult] = []
        self.decision: Optional[str] = None
        self._half_pairs: Dict[int, float] = {}   # pair -> engine 1's points in its finished game

    def add(self, g: GameResult) -> bool:
        """Count a finished game; True if it completed its pair."""
        pts = g.points(0)
        if pts == 1.0:
            self.wins += 1
        elif pts == 0.5:
            self.draws += 1
        else:
            self.losses += 1
        if g.loser is not None:
            self.forfeits[g.kind][g.loser] += 1
        self.games.append(g)
        first = self._half_pairs.pop(g.pair, None)
        if first is None:
            self._half_pairs[g.pair] = pts
            return False
        self.pentanomial[elo.pair_bin(first + pts)] += 1
        if self.sprt and self.decision is None:
            self.decision = elo.sprt_decision(self.llr(), self.sprt.alpha, self.sprt.beta)
        return True

    @property
    def played(self) -> int:
        """Games finished."""
        return self.wins + self.draws + self.losses

    @property
    def pairs(self) -> int:
        """Game pairs finished."""
        return sum(self.pentanomial)

    def score(self) -> float:
        """Engine 1's score fraction (ValueError before the first game)."""
        return elo.score(self.wins, self.draws, self.losses)

    def elo(self) -> Tuple[float, float, float]:
        """(Elo, low, high) with the 95% interval: from the pairs once there
        are any (their variance is the honest one), else from the games;
        ValueError before the first game."""
        if self.pairs:
            return elo.pentanomial_elo_interval(self.pentanomial)
        return elo.elo_interval(self.wins, self.draws, self.losses)

    def los(self) -> float:
        """Likelihood that engine 1 is the stronger."""
        return elo.los(self.wins, self.draws, self.losses)

    def llr(self) -> float:
        """The SPRT's log-likelihood ratio over the finished pairs."""
        s = self.sprt
        return elo.pentanomial_llr(self.pentanomial, s.elo0, s.elo1, s.model)

    def bounds(self) -> Tuple[float, float]:
        """The SPRT's (lower, upper) LLR bounds."""
        return elo.sprt_bounds(self.sprt.alpha, self.sprt.beta)

    def status(self) -> str:
        """The match so far in one line (W/D/L, score, Elo, pairs, LLR)."""
        text = (f"{self.names[0]} vs {self.names[1]}: +{self.wins} ={self.draws} -{self.losses} "
                f"({self.played} games)")
        if self.played:
            text += (f"  score {100 * self.score():.1f}%  "
                     f"Elo {elo.format_elo(self.wins, self.draws, self.losses)}")
        text += f"  Ptnml {self.pentanomial}"
        if self.sprt:
            lower, upper = self.bounds()
            text += f"  LLR {self.llr():.2f} ({lower:.2f}, {upper:.2f})"
        return text

    def __repr__(self) -> str:
        return f"<MatchResult {self.status()}>"
