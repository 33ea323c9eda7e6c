"""Match statistics: Elo from a score, its 95% error bars, LOS and SPRT.

Pure functions of the game counts (wins, draws, losses from the first
player's view) or of the game-pair counts (the pentanomial), so tests/ can
check them against the formulas.

Model (the one cutechess-cli and fishtest's "logistic" mode use):
- Elo difference from a score fraction s: the logistic curve
  s = 1 / (1 + 10^(-elo/400)).
- Error bars: each game is a trinomial draw (1, 1/2, 0); the sample variance
  of the per-game score gives the standard error of the mean score, and the
  95% interval of the score is mapped through the logistic curve.
  https://www.chessprogramming.org/Match_Statistics

Pentanomial model (fishtest, fastchess): each opening is played twice with
colours reversed, and the unit of observation is the game pair, whose score
is 0, 1/2, 1, 3/2 or 2 points; `ptnml[k]` counts the pairs that scored k/2
points (fastchess prints it as "Ptnml(0-2)").  The two games of a pair are
correlated through their opening, so the per-pair variance gives honest
error bars and a faster SPRT than counting games as independent.
- Elo and error bars: as above, with the mean and variance of the pair score
  (per game, 0..1) over the number of pairs.
- SPRT (`pentanomial_llr`, the one the match runner and `ladya loop` use):
  fishtest's GSPRT in the "logistic" model (LLRcalc.LLR_logistic; the
  "normalized" model of fishtest and fastchess is not used): H0 and H1 fix the
  expected score s0, s1 (logistic Elo); under each, the pentanomial
  distribution of greatest likelihood with that mean is found (Lagrange
  multiplier of the mean constraint, `mle_with_mean`), and the LLR is the
  difference of the two log-likelihoods of the observed pairs.  Empty bins
  count 1e-3 pairs, as in fishtest and fastchess, which keeps both
  distributions positive.  https://www.cantate.be/Fishtest/support_MLE_multinomial.pdf
"""
import math
from typing import List, Optional, Sequence, Tuple

Z95 = 1.959963984540054  #: two-sided 95% quantile of the standard normal
PAIR_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)  #: per-game score of a pair scoring 0, 1/2, 1, 3/2, 2 points
EMPTY_BIN = 1e-3         #: pairs counted in an empty pentanomial bin for the SPRT (fishtest's prior)


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
    return 400.0 * math.log10(s / (1.0 - s))


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


def sprt_bounds(alpha: float, beta: float) -> Tuple[float, float]:
    """(lower, upper) LLR bounds of Wald's SPRT for error rates alpha
    (false H1) and beta (false H0)."""
    return math.log(beta / (1.0 - alpha)), math.log((1.0 - beta) / alpha)


def check_sprt(elo0: float, elo1: float, alpha: float, beta: float) -> None:
    """ValueError unless the hypotheses and error rates make a test."""
    if not elo0 < elo1:
        raise ValueError(f"SPRT: elo0 ({elo0:g}) must be less than elo1 ({elo1:g})")
    if not (0 < alpha < 1 and 0 < beta < 1 and alpha + beta < 1):
        raise ValueError(f"SPRT: alpha ({alpha:g}) and beta ({beta:g}) must lie in (0, 1) "
                         "with alpha + beta < 1")


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


# --------------------------------------------------------------------------
# Pentanomial: game pairs


def pair_bin(points: float) -> int:
    """Pentanomial bin (0..4) of a pair in which the player scored `points`
    (0, 0.5, 1, 1.5 or 2) over its two games."""
    k = round(2 * points)
    if k != 2 * points or not 0 <= k <= 4:
        raise ValueError(f"not a game-pair score: {points}")
    return k


def pentanomial_score(ptnml: Sequence[int]) -> float:
    """Score fraction (per game, 0..1) of the first player over its pairs."""
    n = sum(ptnml)
    if n == 0:
        raise ValueError("no game pairs")
    return sum(c * a for c, a in zip(ptnml, PAIR_BINS)) / n


def pentanomial_variance(ptnml: Sequence[int]) -> float:
    """Sample variance of one pair's score (per game, 0..1) around the mean."""
    n = sum(ptnml)
    s = pentanomial_score(ptnml)
    return sum(c * (a - s) ** 2 for c, a in zip(ptnml, PAIR_BINS)) / n


def pentanomial_elo_interval(ptnml: Sequence[int],
                             z: float = Z95) -> Tuple[float, float, float]:
    """(elo, low, high) from the pair counts: the score's standard error is
    the per-pair standard deviation over the square root of the pairs."""
    s = pentanomial_score(ptnml)
    se = math.sqrt(pentanomial_variance(ptnml) / sum(ptnml))
    return (elo_from_score(s), elo_from_score(s - z * se),
            elo_from_score(s + z * se))


def pentanomial_elo_error(ptnml: Sequence[int], z: float = Z95) -> float:
    """Half-width of the pentanomial Elo interval (as fastchess prints it)."""
    _, lo, hi = pentanomial_elo_interval(ptnml, z)
    return (hi - lo) / 2.0


def format_pentanomial_elo(ptnml: Sequence[int]) -> str:
    """'+35.2 +- 30.1' from the pairs (or '+inf' while all went one way)."""
    if sum(ptnml) == 0:
        return "n/a"
    elo = elo_from_score(pentanomial_score(ptnml))
    if math.isinf(elo):
        return "+inf" if elo > 0 else "-inf"
    err = pentanomial_elo_error(ptnml)
    err_text = "inf" if math.isinf(err) or math.isnan(err) else f"{err:.1f}"
    return f"{elo:+.1f} +- {err_text}"


def mle_with_mean(probs: Sequence[float], values: Sequence[float], mean: float) -> List[float]:
    """The distribution over `values` with expectation `mean` that makes the
    observed frequencies `probs` (all > 0) most likely.

    By Lagrange multipliers it is p_i = probs_i / (1 + x (values_i - mean)),
    where x is the root of sum_i probs_i (values_i - mean) / (1 + x (values_i
    - mean)) = 0 between the poles -1/(max - mean) and -1/(min - mean).  That
    sum falls monotonically from +inf to -inf there, so bisection always finds
    it; near a pole (a mean far from the data) a Newton step would overshoot."""
    d = [v - mean for v in values]
    if not min(d) < 0 < max(d):
        raise ValueError(f"mean {mean} is not inside the values' range")
    lo, hi = -1.0 / max(d), -1.0 / min(d)
    x = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):       # the interval cannot shrink any further
            break
        x = mid
        if sum(p * di / (1.0 + x * di) for p, di in zip(probs, d)) > 0.0:
            lo = x
        else:
            hi = x
    return [p / (1.0 + x * di) for p, di in zip(probs, d)]


def pentanomial_llr(ptnml: Sequence[int], elo0: float, elo1: float) -> float:
    """Log-likelihood ratio of H1 (elo1) against H0 (elo0) from the pair
    counts: fishtest's GSPRT in the logistic model (see the module
    docstring).  0 without pairs."""
    if sum(ptnml) == 0:
        return 0.0
    counts = [c if c > 0 else EMPTY_BIN for c in ptnml]
    n = sum(counts)
    probs = [c / n for c in counts]
    p0 = mle_with_mean(probs, PAIR_BINS, score_from_elo(elo0))
    p1 = mle_with_mean(probs, PAIR_BINS, score_from_elo(elo1))
    return n * sum(p * (math.log(a) - math.log(b)) for p, a, b in zip(probs, p1, p0))
