"""Match statistics of training/elo.py against the textbook formulas.

Expected values are written out here from the definitions (logistic Elo,
trinomial standard error, normal-approximation LLR), not taken from the
module's own output.
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


def test_error_bars_even_match():
    # 10 wins, 10 losses: s = 1/2, per-game variance 1/4, se = 0.5/sqrt(20).
    se = 0.5 / math.sqrt(20)
    hi = 0.5 + 1.959963984540054 * se
    expected = 400 * math.log10(hi / (1 - hi))
    elo, lo_elo, hi_elo = ms.elo_interval(10, 0, 10)
    assert elo == 0.0
    assert hi_elo == pytest.approx(expected)
    assert lo_elo == pytest.approx(-expected)
    assert ms.elo_error(10, 0, 10) == pytest.approx(expected)
    assert expected == pytest.approx(163.3, abs=0.1)


def test_error_bars_trinomial_variance():
    # 6 wins, 8 draws, 6 losses: s = 1/2, variance (6*0.25 + 6*0.25) / 20
    # = 0.15, so draws shrink the error compared with 10-0-10.
    var = (6 * 0.25 + 8 * 0.0 + 6 * 0.25) / 20
    assert ms.score_variance(6, 8, 6) == pytest.approx(var)
    hi = 0.5 + 1.959963984540054 * math.sqrt(var / 20)
    assert ms.elo_error(6, 8, 6) == pytest.approx(400 * math.log10(hi / (1 - hi)))
    assert ms.elo_error(6, 8, 6) < ms.elo_error(10, 0, 10)
    # All draws: no variance, no error.
    assert ms.elo_error(0, 12, 0) == 0.0


def test_error_shrinks_with_games():
    assert ms.elo_error(40, 20, 40) < ms.elo_error(20, 10, 20) < ms.elo_error(4, 2, 4)


def test_los():
    assert ms.los(5, 3, 5) == pytest.approx(0.5)
    assert ms.los(0, 10, 0) == 0.5
    # 30 wins, 20 losses: 0.5 * (1 + erf(10 / sqrt(100))).
    assert ms.los(30, 0, 20) == pytest.approx(0.5 * (1 + math.erf(1.0)))


def test_llr_formula():
    # 60 wins, 20 draws, 20 losses; H0 elo 0, H1 elo 10.
    n, s = 100, 0.7
    var = (60 * 0.3 ** 2 + 20 * 0.2 ** 2 + 20 * 0.7 ** 2) / n
    s0 = 0.5
    s1 = 1 / (1 + 10 ** (-10 / 400))
    expected = n * (s1 - s0) * (2 * s - s0 - s1) / (2 * var)
    assert ms.llr(60, 20, 20, 0, 10) == pytest.approx(expected)


def test_llr_sign_and_scaling():
    # Scoring above both hypotheses favours H1, below favours H0.
    assert ms.llr(30, 40, 10, 0, 10) > 0
    assert ms.llr(10, 40, 30, 0, 10) < 0
    # An even score against H0 = -10 / H1 = +10 is exactly in the middle.
    assert ms.llr(25, 50, 25, -10, 10) == pytest.approx(0.0, abs=1e-12)
    # Same proportions, twice the games: twice the evidence.
    assert ms.llr(60, 80, 40, 0, 5) == pytest.approx(2 * ms.llr(30, 40, 20, 0, 5))
    # Swapping the hypotheses flips the sign.
    assert ms.llr(30, 40, 20, 5, 0) == pytest.approx(-ms.llr(30, 40, 20, 0, 5))
    # No information yet.
    assert ms.llr(0, 0, 0, 0, 5) == 0.0
    # Identical results (zero sample variance) still point the right way:
    # the module then adds one win and one loss, here written out.
    assert ms.llr(8, 0, 0, 0, 10) > 0
    assert ms.llr(0, 0, 8, 0, 10) < 0
    assert ms.llr(0, 8, 0, 0, 10) < 0        # all draws: elo 0 is H0
    n, s, var = 10, 0.5, 2 * 0.25 / 10
    s1 = 1 / (1 + 10 ** (-10 / 400))
    assert ms.llr(0, 8, 0, 0, 10) == pytest.approx(n * (s1 - 0.5) * (2 * s - 0.5 - s1) / (2 * var))


def test_sprt_bounds_and_decision():
    lower, upper = ms.sprt_bounds(0.05, 0.05)
    assert lower == pytest.approx(math.log(0.05 / 0.95))
    assert upper == pytest.approx(math.log(0.95 / 0.05))
    assert upper == pytest.approx(2.944, abs=1e-3)
    assert ms.sprt_decision(3.0, 0.05, 0.05) == "H1"
    assert ms.sprt_decision(-3.0, 0.05, 0.05) == "H0"
    assert ms.sprt_decision(1.0, 0.05, 0.05) is None
    # A lopsided match eventually accepts H1, a reversed one H0.
    assert ms.sprt_decision(ms.llr(300, 400, 200, 0, 10), 0.05, 0.05) == "H1"
    assert ms.sprt_decision(ms.llr(200, 400, 300, 0, 10), 0.05, 0.05) == "H0"


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
