"""Match statistics: Elo from a score, its 95% error bars, LOS and SPRT.

Pure functions of the game counts (wins, draws, losses from the first
player's view), so tests/ can check them against the formulas.

Model (the one cutechess-cli and fishtest's "logistic" mode use):
- Elo difference from a score fraction s: the logistic curve
  s = 1 / (1 + 10^(-elo/400)).
- Error bars: each game is a trinomial draw (1, 1/2, 0); the sample variance
  of the per-game score gives the standard error of the mean score, and the
  95% interval of the score is mapped through the logistic curve.
- SPRT: generalized SPRT with the normal approximation of the log-likelihood
  ratio between H0: elo = elo0 and H1: elo = elo1 (logistic Elo), using the
  sample variance of the per-game score.
  https://www.chessprogramming.org/Match_Statistics
"""
import math
from typing import Optional, Tuple

Z95 = 1.959963984540054  #: two-sided 95% quantile of the standard normal


def score(wins: int, draws: int, losses: int) -> float:
    """Score fraction of the first player (draws count half)."""
    n = wins + draws + losses
    if n == 0:
        raise ValueError("no games")
    return (wins + 0.5 * draws) / n


def elo_from_score(s: float) -> float:
    """Logistic Elo difference for a score fraction; +-inf at 1 and 0."""
    if s <= 0.0:
        return -math.inf
    if s >= 1.0:
        return math.inf
    return -400.0 * math.log10(1.0 / s - 1.0)


def score_from_elo(elo: float) -> float:
    """Expected score fraction of a player `elo` points stronger."""
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


def score_variance(wins: int, draws: int, losses: int) -> float:
    """Sample variance of one game's score (1, 1/2 or 0) around the mean."""
    n = wins + draws + losses
    s = score(wins, draws, losses)
    return (wins * (1.0 - s) ** 2 + draws * (0.5 - s) ** 2 + losses * s ** 2) / n


def elo_interval(wins: int, draws: int, losses: int,
                 z: float = Z95) -> Tuple[float, float, float]:
    """(elo, low, high): the Elo estimate and its confidence interval
    (95% by default), from the trinomial standard error of the score."""
    n = wins + draws + losses
    s = score(wins, draws, losses)
    se = math.sqrt(score_variance(wins, draws, losses) / n)
    return (elo_from_score(s), elo_from_score(s - z * se),
            elo_from_score(s + z * se))


def elo_error(wins: int, draws: int, losses: int, z: float = Z95) -> float:
    """Half-width of the Elo confidence interval (the "+-" of a match
    report).  The interval is not symmetric in Elo; this is the average of
    its two halves, as cutechess-cli prints it."""
    _, lo, hi = elo_interval(wins, draws, losses, z)
    return (hi - lo) / 2.0


def los(wins: int, draws: int, losses: int) -> float:
    """Likelihood of superiority: P(first player is stronger), from the
    decisive games only (normal approximation)."""
    if wins + losses == 0:
        return 0.5
    return 0.5 * (1.0 + math.erf((wins - losses) / math.sqrt(2.0 * (wins + losses))))


def llr(wins: int, draws: int, losses: int, elo0: float, elo1: float) -> float:
    """Log-likelihood ratio of H1 (elo1) against H0 (elo0), normal
    approximation: with mean score s, per-game variance v over n games,
        LLR = n * (s1 - s0) * (2 s - s0 - s1) / (2 v).
    0 without games.  While every game has had the same result v is 0 and
    the approximation undefined; one win and one loss are then added as a
    prior, which keeps the LLR finite and of the right sign."""
    if wins + draws + losses == 0:
        return 0.0
    if score_variance(wins, draws, losses) == 0.0:
        wins, losses = wins + 1, losses + 1
    n = wins + draws + losses
    v = score_variance(wins, draws, losses)
    s = score(wins, draws, losses)
    s0, s1 = score_from_elo(elo0), score_from_elo(elo1)
    return n * (s1 - s0) * (2.0 * s - s0 - s1) / (2.0 * v)


def sprt_bounds(alpha: float, beta: float) -> Tuple[float, float]:
    """(lower, upper) LLR bounds of Wald's SPRT for error rates alpha
    (false H1) and beta (false H0)."""
    return math.log(beta / (1.0 - alpha)), math.log((1.0 - beta) / alpha)


def sprt_decision(llr_value: float, alpha: float, beta: float) -> Optional[str]:
    """'H1' or 'H0' once a bound is crossed, else None (keep playing)."""
    lower, upper = sprt_bounds(alpha, beta)
    if llr_value >= upper:
        return "H1"
    if llr_value <= lower:
        return "H0"
    return None


def format_elo(wins: int, draws: int, losses: int) -> str:
    """'+35.2 +- 41.0' (or '+inf' while every game went one way)."""
    if wins + draws + losses == 0:
        return "n/a"
    elo = elo_from_score(score(wins, draws, losses))
    if math.isinf(elo):
        return "+inf" if elo > 0 else "-inf"
    err = elo_error(wins, draws, losses)
    err_text = "inf" if math.isinf(err) or math.isnan(err) else f"{err:.1f}"
    return f"{elo:+.1f} +- {err_text}"
