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
- Normalized Elo (nElo, `normalized_elo`): the score's distance from 1/2 in
  standard deviations of one game, t = (s - 1/2) / sigma, times 800 / ln 10,
  so that nElo equals logistic Elo near equality in a match without draws
  (sigma = 1/2).  A pair averages two games, so one game's sigma is sqrt(2)
  times the pair's.  Bounds in nElo make an SPRT take about as many games
  at any draw rate, which is why fishtest and fastchess test in nElo.
  https://www.chessprogramming.org/Match_Statistics
- SPRT (`pentanomial_llr`, the one the match runner and `ladya loop` use):
  fishtest's GSPRT on the pairs, in one of two models (`SPRT_MODELS`).
  "normalized", the default of fastchess and fishtest and ours: elo0 and
  elo1 are nElo, and H0 and H1 fix the t-value (LLRcalc.LLR_normalized).
  "logistic" (cutechess-cli's Elo, LLRcalc.LLR_logistic): elo0 and elo1 are
  logistic Elo, and H0 and H1 fix the expected score.  Under each hypothesis
  the pentanomial distribution of greatest likelihood that satisfies it is
  found (a Lagrange multiplier: `mle_with_mean`, `mle_with_t`), and the LLR
  is the difference of the two log-likelihoods of the observed pairs.  Empty
  bins count 1e-3 pairs, as in fishtest and fastchess, which keeps both
  distributions positive.  https://www.cantate.be/Fishtest/support_MLE_multinomial.pdf,
  https://www.cantate.be/Fishtest/normalized_elo_practical.pdf
"""
import math
from typing import List, Optional, Sequence, Tuple

Z95 = 1.959963984540054  #: two-sided 95% quantile of the standard normal
PAIR_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)  #: per-game score of a pair scoring 0, 1/2, 1, 3/2, 2 points
EMPTY_BIN = 1e-3         #: pairs counted in an empty pentanomial bin for the SPRT (fishtest's prior)
NELO_PER_T = 800.0 / math.log(10.0)  #: nElo per unit of one game's t-value (nElo ~ Elo where sigma = 1/2)
SPRT_MODELS = {"normalized": "nElo", "logistic": "Elo"}  #: SPRT model -> the unit of its elo0 and elo1
DEFAULT_SPRT_MODEL = "normalized"  #: fastchess's and fishtest's default


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


def check_sprt(elo0: float, elo1: float, alpha: float, beta: float,
               model: str = DEFAULT_SPRT_MODEL) -> None:
    """ValueError unless the hypotheses, error rates and model make a test."""
    if model not in SPRT_MODELS:
        raise ValueError(f"SPRT: model must be one of {', '.join(SPRT_MODELS)}, got {model!r}")
    if not elo0 < elo1:
        raise ValueError(f"SPRT: elo0 ({elo0:g}) must be less than elo1 ({elo1:g})")
    if not (0 < alpha < 1 and 0 < beta < 1 and alpha + beta < 1):
        raise ValueError(f"SPRT: alpha ({alpha:g}) and beta ({beta:g}) must lie in (0, 1) "
                         "with alpha + beta < 1")
    # A dry run on uniform counts: a bound too far from 0 for the model
    # fails here rather than in the middle of a match.
    try:
        pentanomial_llr([1] * len(PAIR_BINS), elo0, elo1, model)
    except ValueError:
        raise ValueError(f"SPRT: [{elo0:g}, {elo1:g}] is out of the {model} model's reach "
                         f"({SPRT_MODELS[model]})") from None


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


def normalized_elo(ptnml: Sequence[int], z: float = Z95) -> Tuple[float, float]:
    """(nElo, half-width of its confidence interval) from the pair counts.
    The interval is the score's, mapped like the estimate; sigma cancels
    from its width, which therefore depends only on the number of pairs."""
    s = pentanomial_score(ptnml)
    error = z * NELO_PER_T / math.sqrt(2 * sum(ptnml))
    sigma = math.sqrt(2 * pentanomial_variance(ptnml))   # of one game
    if sigma == 0.0:           # every pair alike: no spread to measure against
        return (0.0 if s == 0.5 else math.copysign(math.inf, s - 0.5)), error
    return (s - 0.5) / sigma * NELO_PER_T, error


def _mle_zero_mean(probs: Sequence[float], phi: Sequence[float]) -> List[float]:
    """The distribution p_i = probs_i / (1 + x phi_i) under which phi has
    expectation 0: x is the root of sum_i probs_i phi_i / (1 + x phi_i) = 0
    between the poles -1/max(phi) and -1/min(phi).  That sum falls
    monotonically from +inf to -inf there, so bisection always finds it; near
    a pole a Newton step would overshoot.  It then sums to 1 by itself."""
    lo, hi = -1.0 / max(phi), -1.0 / min(phi)
    x = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):       # the interval cannot shrink any further
            break
        x = mid
        if sum(p * f / (1.0 + x * f) for p, f in zip(probs, phi)) > 0.0:
            lo = x
        else:
            hi = x
    return [p / (1.0 + x * f) for p, f in zip(probs, phi)]


def mle_with_mean(probs: Sequence[float], values: Sequence[float], mean: float) -> List[float]:
    """The distribution over `values` with expectation `mean` that makes the
    observed frequencies `probs` (all > 0) most likely.

    By Lagrange multipliers it is p_i = probs_i / (1 + x (values_i - mean)),
    with x such that its mean is `mean` (`_mle_zero_mean`)."""
    d = [v - mean for v in values]
    if not min(d) < 0 < max(d):
        raise ValueError(f"mean {mean} is not inside the values' range")
    return _mle_zero_mean(probs, d)


def mle_with_t(probs: Sequence[float], values: Sequence[float], t: float,
               ref: float = 0.5) -> List[float]:
    """The distribution over `values` with t-value (mu - ref) / sigma = `t`
    that makes the observed frequencies `probs` (all > 0) most likely
    (Van den Bergh, normalized_elo_practical.pdf, section 4.1).

    The constraint mu - ref - t sigma = 0 is not linear in p, but the
    Lagrange solution keeps the form p_i = probs_i / (1 + x phi_i), with
    phi_i = a_i - ref - t sigma / 2 (1 + ((a_i - mu) / sigma)^2): the
    constraint's gradient, shifted so that E[phi] is the constraint's left
    side.  phi depends on p through mu and sigma, so the mean-zero solution
    is iterated from the uniform distribution; it settles in a few rounds."""
    q = [1.0 / len(values)] * len(values)
    for _ in range(100):
        mu = sum(a * x for a, x in zip(values, q))
        sigma = math.sqrt(sum(x * (a - mu) ** 2 for a, x in zip(values, q)))
        phi = [a - ref - 0.5 * t * sigma * (1.0 + ((a - mu) / sigma) ** 2) for a in values]
        if not min(phi) < 0 < max(phi):
            raise ValueError(f"t-value {t:g} is out of reach of the values")
        new = _mle_zero_mean(probs, phi)
        step = max(abs(a - b) for a, b in zip(new, q))
        q = new
        if step < 1e-12:
            break
    return q


def pentanomial_llr(ptnml: Sequence[int], elo0: float, elo1: float,
                    model: str = DEFAULT_SPRT_MODEL) -> float:
    """Log-likelihood ratio of H1 (elo1) against H0 (elo0) from the pair
    counts: fishtest's GSPRT in `model`, "normalized" (elo0, elo1 in nElo) or
    "logistic" (in Elo); see the module docstring.  0 without pairs."""
    if sum(ptnml) == 0:
        return 0.0
    counts = [c if c > 0 else EMPTY_BIN for c in ptnml]
    n = sum(counts)
    probs = [c / n for c in counts]
    if model == "normalized":
        # H0 and H1 as t-values of one pair, whose sigma is one game's / sqrt(2).
        t0, t1 = (math.sqrt(2.0) * e / NELO_PER_T for e in (elo0, elo1))
        p0 = mle_with_t(probs, PAIR_BINS, t0)
        p1 = mle_with_t(probs, PAIR_BINS, t1)
    elif model == "logistic":
        p0 = mle_with_mean(probs, PAIR_BINS, score_from_elo(elo0))
        p1 = mle_with_mean(probs, PAIR_BINS, score_from_elo(elo1))
    else:
        raise ValueError(f"unknown SPRT model {model!r} (one of {', '.join(SPRT_MODELS)})")
    return n * sum(p * (math.log(a) - math.log(b)) for p, a, b in zip(probs, p1, p0))
