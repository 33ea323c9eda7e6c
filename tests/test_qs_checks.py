"""Quiet checks in the first quiescence ply (the QS_CHECKS search parameter),
checked against python-chess's move generator and check detection."""
import random

import chess
import pytest

from engine.position import Position
from search.limits import Limits
from search.movepick import quiescence_moves
from search.search import Searcher, set_params
from suites import random_game_board, suite_fens
from test_search import MATES, assert_mates_in, mate_depth


def _random_positions(n, seed):
    """Positions from random games: the picker's stage transitions see
    checks, promotions, castling and en passant that a suite may not have."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        board = random_game_board(rng, 119, min_plies=1)
        if not board.is_game_over() and not board.is_check():
            out.append(board.fen())
    return out


def _quiet_checks(board):
    return {m.uci() for m in board.legal_moves
            if not board.is_capture(m) and m.promotion is None and board.gives_check(m)}


def _noisy(board):
    return {m.uci() for m in board.legal_moves if board.is_capture(m) or m.promotion is not None}


@pytest.mark.shared_data("wac.epd", "bk.epd", "sts.epd")
def test_checks_stage_yields_exactly_the_quiet_checks_after_the_captures():
    fens = suite_fens(limit=150) + _random_positions(400, seed=7)
    with_checks = 0
    for fen in fens:
        board = chess.Board(fen)
        if board.is_check():
            continue
        plain = quiescence_moves(Position(fen), False)
        moves = quiescence_moves(Position(fen), True)
        noisy, checks = _noisy(board), _quiet_checks(board)
        assert set(plain) == noisy, fen
        assert len(moves) == len(set(moves)), fen
        # The captures come first, unchanged; then each quiet check once.
        assert moves[:len(plain)] == plain, fen
        assert set(moves[len(plain):]) == checks, fen
        with_checks += bool(checks)
    assert with_checks > 100


def test_in_check_the_picker_yields_every_evasion_either_way():
    fen = "4k3/8/8/8/8/8/4r3/R3K3 w Q - 0 1"
    board = chess.Board(fen)
    evasions = {m.uci() for m in board.legal_moves}
    assert set(quiescence_moves(Position(fen), True)) == evasions
    assert set(quiescence_moves(Position(fen), False)) == evasions


@pytest.mark.parametrize("fen,n", MATES)
def test_mates_keep_their_exact_distance_with_quiet_checks(fen, n, defaults_after):
    set_params({"QS_CHECKS": 1})
    res = Searcher(16).search(Position(fen), Limits(depth=mate_depth(n)))
    assert_mates_in(fen, n, res)


def test_quiet_checks_search_legal_moves_from_many_positions(defaults_after):
    set_params({"QS_CHECKS": 1})
    searcher = Searcher(16)
    for fen in _random_positions(60, seed=11):
        res = searcher.search(Position(fen), Limits(nodes=3000))
        assert chess.Move.from_uci(res.bestmove) in chess.Board(fen).legal_moves, fen
