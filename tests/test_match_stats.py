"""Match statistics of training/elo.py against published values.

Expected figures come from other programs' own tests and worked examples
(fastchess's elo_test.cpp and sprt_test.cpp, a fishtest match worked on
TalkChess) or are worked by hand from the definitions; none is computed
here by the module's own formulas.
"""
import math

import chess
import pytest

from training import elo as ms


def test_score_counts_draws_half():
    assert ms.score(1, 0, 0) == 1.0
    assert ms.score(0, 4, 0) == 0.5
    assert ms.score(3, 2, 5) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        ms.score(0, 0, 0)


def test_elo_known_values():
    assert ms.elo_from_score(0.5) == 0.0
    # 0.75 = 1 / (1 + 10^(-elo/400))  <=>  elo = 400 log10(3) = 190.848...
    assert ms.elo_from_score(0.75) == pytest.approx(190.848501887865)
    assert ms.elo_from_score(0.25) == pytest.approx(-190.848501887865)
    # 10:1 odds is 400 Elo.
    assert ms.elo_from_score(10 / 11) == pytest.approx(400.0)
    assert ms.elo_from_score(1.0) == math.inf
    assert ms.elo_from_score(0.0) == -math.inf


def test_score_from_elo_inverts_elo_from_score():
    for elo in (-600, -190.8, -1, 0, 5, 100, 400):
        assert ms.elo_from_score(ms.score_from_elo(elo)) == pytest.approx(elo, abs=1e-9)
    assert ms.score_from_elo(400) == pytest.approx(10 / 11)


def test_elo_and_error_bars_match_fastchess():
    # fastchess app/tests/elo_test.cpp, "EloWDL 2": 136 wins, 96 losses,
    # 111 draws give diff() 40.70 and error() 30.43 (logistic Elo, 95%
    # trinomial interval), to the two decimals it checks.
    elo, lo, hi = ms.elo_interval(136, 111, 96)
    assert elo == pytest.approx(40.70, abs=0.01)
    assert ms.elo_error(136, 111, 96) == pytest.approx(30.43, abs=0.01)
    assert ms.format_elo(136, 111, 96) == "+40.7 +- 30.4"
    # The interval is the score's mapped through the logistic curve, which
    # is steeper away from 1/2: wider above the estimate than below it.
    assert hi - elo > elo - lo > 0


def test_error_bars_of_an_even_match_are_symmetric_and_draws_narrow_them():
    elo, lo, hi = ms.elo_interval(10, 0, 10)
    assert elo == 0.0 and lo == pytest.approx(-hi) and hi > 0
    # Same score, but 8 of 20 games drawn: each game varies less.
    assert ms.score_variance(6, 8, 6) < ms.score_variance(10, 0, 10)
    assert ms.elo_error(6, 8, 6) < ms.elo_error(10, 0, 10)
    # All draws: no variance, no error.
    assert ms.elo_error(0, 12, 0) == 0.0


def test_error_shrinks_with_games():
    assert ms.elo_error(40, 20, 40) < ms.elo_error(20, 10, 20) < ms.elo_error(4, 2, 4)


def test_los_matches_a_published_value():
    # A fishtest run of 5975 wins, 6077 losses and 26894 draws, worked in
    # the TalkChess thread "Calculating the LOS (Likelihood of Superiority)
    # from Results" (January 2014): the normal approximation gives LOS
    # 0.176414 (exact 0.176424; fishtest had shown about 17%).
    assert ms.los(5975, 26894, 6077) == pytest.approx(0.176414, abs=1e-6)
    # Draws do not enter; even results are a coin toss; swapping wins and
    # losses gives the complement.
    assert ms.los(30, 0, 20) == ms.los(30, 100, 20)
    assert ms.los(5, 3, 5) == 0.5 and ms.los(0, 10, 0) == 0.5
    assert ms.los(20, 0, 30) == pytest.approx(1 - ms.los(30, 0, 20))


def test_sprt_bounds_and_decision():
    lower, upper = ms.sprt_bounds(0.05, 0.05)
    assert lower == pytest.approx(math.log(0.05 / 0.95))
    assert upper == pytest.approx(math.log(0.95 / 0.05))
    assert upper == pytest.approx(2.944, abs=1e-3)
    assert ms.sprt_decision(3.0, 0.05, 0.05) == "H1"
    assert ms.sprt_decision(-3.0, 0.05, 0.05) == "H0"
    assert ms.sprt_decision(1.0, 0.05, 0.05) is None
    # A lopsided match eventually accepts H1, a reversed one H0.
    assert ms.sprt_decision(ms.pentanomial_llr([40, 120, 240, 200, 80], 0, 10), 0.05, 0.05) == "H1"
    assert ms.sprt_decision(ms.pentanomial_llr([80, 200, 240, 120, 40], 0, 10), 0.05, 0.05) == "H0"


def test_edit_mode_setup_reproduces_the_position():
    """The xboard edit-mode translation (engines without setboard) must
    describe the same placement, side to move and en-passant square,
    replayed with python-chess."""
    from training import match
    for fen in ("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R b KQkq - 3 3",
                "rn1qkbnr/ppp1pppp/8/3p1b2/2P5/1P6/P2PPPPP/RNBQKBNR w KQkq - 0 3",
                # En-passant squares, which edit mode cannot express.
                "rnbqkbnr/pp1p1ppp/8/2p1pP2/8/8/PPPPP1PP/RNBQKBNR w KQkq e6 0 3",
                "rnbqkbnr/ppp1pppp/8/8/2Pp4/5N2/PP1PPPPP/RNBQKB1R b KQkq c3 0 3"):
        board = chess.Board()            # after `new` + `force`
        color = chess.WHITE
        editing = False
        for cmd in match.edit_commands(fen):
            if cmd == "edit":
                editing = True
            elif cmd == "#":
                board.clear_board()
            elif cmd == "c":
                color = chess.BLACK
            elif cmd == ".":
                editing = False
            elif editing:
                board.set_piece_at(chess.parse_square(cmd[1:]),
                                   chess.Piece.from_symbol(cmd[0] if color else cmd[0].lower()))
            else:
                board.push_uci(cmd)      # a move played before or after `edit`
        target = chess.Board(fen)
        assert board.board_fen() == target.board_fen()
        assert board.turn == target.turn
        assert board.ep_square == target.ep_square


# --------------------------------------------------------------------------
# Pentanomial: game pairs

def fastchess_ptnml(ll, ld, wl, dd, wd, ww):
    """Our bins (pairs scoring 0, 1/2, 1, 3/2, 2 points) from the counts in
    fastchess's `Stats(ll, ld, wl, dd, wd, ww)` (app/src/matchmaking/stats.hpp)."""
    return [ll, ld, wl + dd, wd, ww]


def test_pair_bins():
    assert [ms.pair_bin(p) for p in (0, 0.5, 1, 1.5, 2)] == [0, 1, 2, 3, 4]
    for bad in (-0.5, 2.5, 0.25):
        with pytest.raises(ValueError):
            ms.pair_bin(bad)


def test_pentanomial_score_and_variance():
    # 1 pair LL, 2 pairs of 1/2 point, 3 of 1, 2 of 3/2, 2 WW: per-game scores
    # 0, .25, .5, .75, 1 with mean (0 + .5 + 1.5 + 1.5 + 2) / 10 = 0.55.
    p = [1, 2, 3, 2, 2]
    assert ms.pentanomial_score(p) == pytest.approx(0.55)
    var = (0.55 ** 2 + 2 * 0.3 ** 2 + 3 * 0.05 ** 2 + 2 * 0.2 ** 2 + 2 * 0.45 ** 2) / 10
    assert ms.pentanomial_variance(p) == pytest.approx(var)
    with pytest.raises(ValueError):
        ms.pentanomial_score([0] * 5)


def test_pentanomial_elo_matches_fastchess():
    # fastchess app/tests/elo_test.cpp, "EloPentanomial 1..3": diff() and
    # error() (logistic Elo, 95%), to the two decimals it checks.
    for counts, elo, err in (((34, 54, 31, 32, 64, 75), 55.58, 27.65),
                             ((332, 433, 457, 41, 333, 334), -8.64, 10.33),
                             ((7895, 8757, 5485, 200, 568, 9999), -21.04, 2.95)):
        p = fastchess_ptnml(*counts)
        assert ms.pentanomial_elo_interval(p)[0] == pytest.approx(elo, abs=0.01)
        assert ms.pentanomial_elo_error(p) == pytest.approx(err, abs=0.01)
    assert ms.format_pentanomial_elo(fastchess_ptnml(34, 54, 31, 32, 64, 75)) == "+55.6 +- 27.7"
    assert ms.format_pentanomial_elo([0, 0, 0, 0, 3]) == "+inf"


def test_pentanomial_llr_matches_fastchess():
    # fastchess app/tests/sprt_test.cpp, "logistic pentanomial 1" and "2"
    # (fishtest's LLR_logistic on the same counts).
    assert ms.pentanomial_llr(fastchess_ptnml(223, 9863, 20279, 1000, 10037, 246),
                              0.5, 2.5, "logistic") == pytest.approx(-3.07, abs=0.01)
    assert ms.pentanomial_llr(fastchess_ptnml(871, 26175, 55003, 980, 26678, 821),
                              0, 2, "logistic") == pytest.approx(-4.98, abs=0.01)


def test_normalized_llr_matches_fastchess():
    # A gating match of ours, which fastchess (normalized model, elo0=0
    # elo1=10) reported as "LLR: 2.99" and "nElo: 82.84 +/- 30.83".
    p = [15, 40, 75, 62, 52]
    assert ms.pentanomial_llr(p, 0, 10) == pytest.approx(2.99, abs=0.005)
    assert ms.pentanomial_llr(p, 0, 10, "normalized") == ms.pentanomial_llr(p, 0, 10)
    nelo, err = ms.normalized_elo(p)
    assert nelo == pytest.approx(82.84, abs=0.005) and err == pytest.approx(30.83, abs=0.005)
    # fastchess app/tests/sprt_test.cpp, "normalized pentanomial 1..3", to
    # the two decimals (and 1%) it checks.  In the third every pair is a
    # double win, the empty bins' probabilities are tiny, and fastchess's
    # coarser root (theta to 1e-7) shifts its 111.82 from the exact 111.80.
    assert ms.pentanomial_llr(fastchess_ptnml(365, 16618, 36029, 200, 16974, 390),
                              0, 2) == pytest.approx(2.25, abs=0.01)
    assert ms.pentanomial_llr(fastchess_ptnml(127, 4883, 10311, 401, 5150, 104),
                              -1.75, 0.25) == pytest.approx(3.01, abs=0.01)
    assert ms.pentanomial_llr(fastchess_ptnml(0, 0, 0, 0, 0, 5550),
                              0, 5) == pytest.approx(111.82, abs=0.05)


def test_normalized_elo_matches_fastchess():
    # fastchess app/tests/elo_test.cpp, "EloPentanomial 1..3": nEloDiff()
    # and nEloError() (95%), to the two decimals it checks.
    for counts, nelo, err in (((34, 54, 31, 32, 64, 75), 57.94, 28.28),
                              ((332, 433, 457, 41, 333, 334), -9.17, 10.96),
                              ((7895, 8757, 5485, 200, 568, 9999), -19.01, 2.65)):
        assert ms.normalized_elo(fastchess_ptnml(*counts)) == (pytest.approx(nelo, abs=0.01),
                                                                pytest.approx(err, abs=0.01))
    # A match without draws near equality: nElo is about logistic Elo.
    p = [25, 0, 52, 0, 27]                   # as independent games without draws would pair
    assert ms.normalized_elo(p)[0] == pytest.approx(ms.pentanomial_elo_interval(p)[0], rel=0.05)
    assert ms.normalized_elo([0, 0, 7, 0, 0])[0] == 0.0
    assert ms.normalized_elo([0, 0, 0, 0, 7])[0] == math.inf


def test_mle_with_mean_is_the_constrained_maximum():
    """Checked without the Lagrange argument: the distribution has the asked
    mean, and no step that keeps the total and the mean (the second
    differences span those steps) raises the likelihood; the log-likelihood
    is concave, so a local maximum is the maximum."""
    import random
    rng = random.Random(5)
    probs = [0.05, 0.2, 0.45, 0.2, 0.1]
    loglik = lambda q: sum(p * math.log(x) for p, x in zip(probs, q))  # noqa: E731
    steps = [(1, -2, 1, 0, 0), (0, 1, -2, 1, 0), (0, 0, 1, -2, 1)]
    for mean in (0.3, 0.5, 0.51, 0.7, 0.95):
        q = ms.mle_with_mean(probs, ms.PAIR_BINS, mean)
        assert sum(q) == pytest.approx(1.0, abs=1e-12)
        assert sum(a * x for a, x in zip(ms.PAIR_BINS, q)) == pytest.approx(mean, abs=1e-12)
        assert min(q) > 0
        best = loglik(q)
        for _ in range(300):
            c = [rng.uniform(-1, 1) for _ in steps]
            eps = 10 ** rng.uniform(-6, -2)
            moved = [x + eps * sum(ci * s[i] for ci, s in zip(c, steps)) for i, x in enumerate(q)]
            if min(moved) > 0:
                assert loglik(moved) <= best + 1e-15
    with pytest.raises(ValueError):
        ms.mle_with_mean(probs, ms.PAIR_BINS, 1.0)


@pytest.mark.parametrize("model", ["normalized", "logistic"])
def test_pentanomial_llr_properties(model):
    def llr(p, elo0, elo1):
        return ms.pentanomial_llr(p, elo0, elo1, model)
    # All pairs drawn (each 1 point of 2): no evidence between symmetric
    # hypotheses, evidence for elo 0 against elo 10.
    assert llr([0, 0, 50, 0, 0], -10, 10) == pytest.approx(0.0, abs=1e-9)
    assert llr([0, 0, 50, 0, 0], 0, 10) < 0
    assert llr([0, 0, 100, 0, 0], 0, 10) < llr([0, 0, 50, 0, 0], 0, 10)
    # Sign: winning pairs favour H1, losing pairs H0.
    assert llr([0, 5, 20, 15, 5], 0, 10) > 0
    assert llr([5, 15, 20, 5, 0], 0, 10) < 0
    # Mirroring the counts and the hypotheses flips the sign.
    p = [3, 40, 90, 50, 7]
    assert llr(p[::-1], -10, 0) == pytest.approx(-llr(p, 0, 10))
    # Swapping the hypotheses flips it too.
    assert llr(p, 10, 0) == pytest.approx(-llr(p, 0, 10))
    assert llr([0] * 5, 0, 10) == 0.0
    # One-sided results stay finite (empty bins count 1e-3 pairs).
    assert 0 < llr([0, 0, 0, 0, 1], 0, 10) < 0.1
    assert ms.sprt_decision(llr([0, 0, 0, 0, 150], 0, 10), 0.05, 0.05) == "H1"


def test_pentanomial_llr_models_differ_and_unknown_is_an_error():
    p = [15, 40, 75, 62, 52]
    assert ms.pentanomial_llr(p, 0, 10, "logistic") != pytest.approx(ms.pentanomial_llr(p, 0, 10))
    with pytest.raises(ValueError):
        ms.pentanomial_llr(p, 0, 10, "bayesian")


def test_mle_with_t_is_the_constrained_maximum():
    """The distribution has the asked t-value, and it meets the Lagrange
    condition of the constrained maximum: probs_i / q_i is an affine
    function of the constraint's gradient (mu - 1/2 - t sigma) in q_i,
    computed here from the definition rather than the module's phi."""
    probs = [0.05, 0.2, 0.45, 0.2, 0.1]
    a = ms.PAIR_BINS
    for t in (-0.3, 0.0, 0.05, 0.2, 0.6):
        q = ms.mle_with_t(probs, a, t)
        mu = sum(x * w for x, w in zip(a, q))
        sigma = math.sqrt(sum(w * x * x for x, w in zip(a, q)) - mu * mu)
        assert sum(q) == pytest.approx(1.0, abs=1e-12) and min(q) > 0
        assert (mu - 0.5) / sigma == pytest.approx(t, abs=1e-9)
        grad = [x - t * (x * x - 2 * mu * x) / (2 * sigma) for x in a]
        ratio = [p / w for p, w in zip(probs, q)]
        # the line through the first and last points must hold the others
        slope = (ratio[-1] - ratio[0]) / (grad[-1] - grad[0])
        for g, r in zip(grad, ratio):
            assert r == pytest.approx(ratio[0] + slope * (g - grad[0]), abs=1e-9)
    with pytest.raises(ValueError):
        ms.mle_with_t(probs, a, 5.0)


def test_pentanomial_llr_approaches_the_normal_approximation():
    # For many pairs near the hypotheses the GSPRT is the normal
    # approximation n (s1 - s0) (2 s - s0 - s1) / (2 var) with the per-pair
    # mean s and variance var (Van den Bergh, GSPRT_approximation.pdf;
    # fishtest's LLR_alt2).
    for p, elo0, elo1 in (([100, 2000, 5000, 2100, 120], 0, 5),
                          ([300, 2500, 5000, 2700, 400], 0, 10),
                          ([10789, 19328, 33806, 19402, 10543], -3, 1)):
        n, s = sum(p), ms.pentanomial_score(p)
        var = ms.pentanomial_variance(p)
        s0, s1 = ms.score_from_elo(elo0), ms.score_from_elo(elo1)
        normal = n * (s1 - s0) * (2 * s - s0 - s1) / (2 * var)
        assert ms.pentanomial_llr(p, elo0, elo1, "logistic") == pytest.approx(normal, rel=0.01)
        # Normalized: the same in t-values of a pair, t = (s - 1/2) / sigma,
        # where nElo = t / sqrt(2) * 800 / ln 10: n (t1 - t0) (2 t - t0 - t1) / 2.
        t = (s - 0.5) / math.sqrt(var)
        t0, t1 = (math.sqrt(2) * e * math.log(10) / 800 for e in (elo0, elo1))
        normal = n * (t1 - t0) * (2 * t - t0 - t1) / 2
        assert ms.pentanomial_llr(p, elo0, elo1, "normalized") == pytest.approx(normal, rel=0.01)


def test_sprt_bounds_are_symmetric_for_equal_error_rates():
    lower, upper = ms.sprt_bounds(0.05, 0.05)
    assert lower == pytest.approx(-2.944, abs=1e-3) and upper == pytest.approx(2.944, abs=1e-3)


def test_check_sprt():
    ms.check_sprt(0, 10, 0.05, 0.05)
    ms.check_sprt(0, 10, 0.05, 0.05, "logistic")
    ms.check_sprt(0, 1000, 0.05, 0.05, "logistic")
    for bad in ((10, 0, 0.05, 0.05), (0, 0, 0.05, 0.05), (0, 10, 0, 0.05), (0, 10, 0.5, 0.5),
                (0, 10, 0.05, 0.05, "bayesian"),
                # a t-value the normalized model cannot reach from its start
                (0, 1000, 0.05, 0.05, "normalized")):
        with pytest.raises(ValueError):
            ms.check_sprt(*bad)


# --------------------------------------------------------------------------
# The match runner's pairs and SPRT (training/match)

def game(number, points_of_engine1):
    """A finished game of engine 1 (White in odd-numbered games)."""
    from training import match
    white = (number - 1) % 2
    white_points = points_of_engine1 if white == 0 else 1 - points_of_engine1
    result = {1: "1-0", 0.5: "1/2-1/2", 0: "0-1"}[white_points]
    return match.GameResult(number=number, opening=(number - 1) // 2, white=white,
                            result=result, reason="test", kind="normal")


def test_result_counts_a_pair_once_both_games_are_done():
    from training import match
    t = match.MatchResult()
    # Games finish out of order (concurrency): pair 0 = games 1-2, pair 1 = 3-4.
    assert not t.add(game(2, 1))
    assert not t.add(game(3, 0.5))
    assert t.pentanomial == [0] * 5
    assert t.add(game(1, 0.5))        # pair 0: 1.5 points
    assert t.add(game(4, 0))          # pair 1: 0.5 points
    assert not t.add(game(5, 1))      # a lone game (odd --games) is no pair
    assert t.pentanomial == [0, 1, 0, 1, 0] and t.pairs == 2
    assert (t.wins, t.draws, t.losses, t.played) == (2, 2, 1, 5)
    assert t.elo() == ms.pentanomial_elo_interval([0, 1, 0, 1, 0])


def test_result_sprt_decides_on_pairs():
    from training import match
    t = match.MatchResult(sprt=match.Sprt(0.0, 10.0, 0.05, 0.05))
    number = 0
    while t.decision is None:
        number += 2
        t.add(game(number - 1, 1))
        t.add(game(number, 1))
        assert number < 1000
    assert t.decision == "H1" and t.llr() >= t.bounds()[1]
    assert t.pentanomial == [0, 0, 0, 0, number // 2]
    # The decision stands while the pairs in flight finish.
    t.add(game(number + 1, 0))
    t.add(game(number + 2, 0))
    assert t.decision == "H1"


def test_result_llr_follows_the_model():
    from training import match
    for model in ("normalized", "logistic"):
        t = match.MatchResult(sprt=match.Sprt(0.0, 10.0, 0.05, 0.05, model))
        for number, pts in enumerate((1, 0.5, 1, 1, 0, 0.5, 1, 0.5), start=1):
            t.add(game(number, pts))
        assert t.pentanomial == [0, 1, 0, 2, 1]
        assert t.llr() == ms.pentanomial_llr(t.pentanomial, 0.0, 10.0, model)


def test_parse_sprt():
    from training.match import Sprt, parse_sprt
    assert parse_sprt(["0", "10", "0.05", "0.05"]) == (0.0, 10.0, 0.05, 0.05, "normalized")
    assert parse_sprt(["beta=0.1", "elo0=-2", "elo1=3", "alpha=0.05"]) == Sprt(-2.0, 3.0, 0.05, 0.1)
    # fastchess's -sprt ... model=
    assert parse_sprt(["elo0=0", "elo1=5", "alpha=0.05", "beta=0.05", "model=logistic"]).model == "logistic"
    assert parse_sprt(["model=normalized", "0", "5", "0.05", "0.05"]) == (0.0, 5.0, 0.05, 0.05, "normalized")
    for bad in (["elo0=0", "elo1=10", "alpha=0.05", "gamma=1"], ["0", "x", "0.05", "0.05"],
                ["10", "0", "0.05", "0.05"], ["0", "10", "0.05"], ["0", "10", "0.05", "0.05", "1"],
                ["0", "10", "0.05", "0.05", "model=bayesian"],
                ["0", "10", "0.05", "0.05", "model=logistic", "model=normalized"]):
        with pytest.raises(ValueError):
            parse_sprt(bad)


def test_sprt_match_stops_after_whole_pairs(tmp_path, monkeypatch):
    """run_match with three games at a time and an SPRT: it stops once the
    SPRT decides, before the cap, and every game played belongs to a
    finished pair.  Games are simulated (engine 1 wins every one)."""
    import asyncio
    import random
    from training import match
    from training.match import cli
    from training.match import game as match_game
    rng = random.Random(3)

    async def fake_game(number, opening, fen, players, white, names, config):
        await asyncio.sleep(rng.uniform(0, 0.002))
        return game(number, 1)

    monkeypatch.setattr(match_game, "play_game", fake_game)
    book = tmp_path / "book.epd"
    book.write_text(chess.STARTING_FEN + "\n")
    config = cli.config_from_args(cli.build_parser().parse_args(
        ["--name1", "new", "--name2", "old", "--games", "1000", "--concurrency", "3",
         "--openings", str(book), "--sprt", "elo0=0", "elo1=10", "alpha=0.05", "beta=0.05"]))
    assert config.sprt == match.Sprt(0.0, 10.0, 0.05, 0.05, "normalized")
    t = asyncio.run(match.run_match(config))
    assert t.decision == "H1" and t.names == ("new", "old")
    assert t.played < 1000 and t.played % 2 == 0 and t.pairs == t.played // 2 == t.pentanomial[4]
    out = cli.report(t, config)
    assert f"Ptnml(0-2): {t.pentanomial}" in out
    assert "H1 accepted (nElo >= 10)" in out and "(-2.94, 2.94)" in out
    assert "normalized model" in out


def test_match_settings_that_cannot_run_are_value_errors(tmp_path):
    """The library raises ValueError (the command line turns it into exit
    status 2 with the message), never SystemExit."""
    from training import match
    from training.match import cli
    bad = [dict(games=0), dict(concurrency=0), dict(tc="fast"), dict(tc="0+1"),
           dict(games=7, sprt=match.Sprt(0, 10, 0.05, 0.05)), dict(sprt=match.Sprt(10, 0, 0.05, 0.05)),
           dict(openings=tmp_path / "missing.epd"), dict(margin=-1.0)]
    for kw in bad:
        with pytest.raises(ValueError):
            match.MatchConfig(**kw).check()
    with pytest.raises(ValueError, match="Name=Value"):
        cli.parse_options(["Hash"])
    with pytest.raises(ValueError, match="protocol"):
        match.EngineSpec("/bin/true", protocol="cecp")
    assert cli.main(["--games", "0"]) == 2


def test_the_runner_logs_instead_of_printing(tmp_path, monkeypatch, capsys, caplog):
    """A library user sees nothing on stdout or stderr: each game is a record
    on the `training.match` logger (the command line shows them)."""
    import asyncio
    import logging
    from training import match
    from training.match import game as match_game

    async def fake_game(number, opening, fen, players, white, names, config):
        await asyncio.sleep(0)
        return game(number, 0.5)

    monkeypatch.setattr(match_game, "play_game", fake_game)
    for name in ("training", "training.match"):      # as an application that set up no logging
        monkeypatch.setattr(logging.getLogger(name), "handlers", [])
    book = tmp_path / "book.epd"
    book.write_text(chess.STARTING_FEN + "\n")
    with caplog.at_level(logging.INFO, logger="training.match"):
        result = match.play_match(match.MatchConfig(engine1=match.EngineSpec(name="a"),
                                                    engine2=match.EngineSpec(name="b"),
                                                    games=4, openings=book))
    assert capsys.readouterr() == ("", "")
    assert (result.draws, result.pentanomial) == (4, [0, 0, 2, 0, 0])
    games = [m for m in caplog.messages if m.startswith("Game")]
    assert len(games) == 4 and games[-1].endswith(result.status())
    assert caplog.messages[0].startswith("Match a vs b: 4 games")
