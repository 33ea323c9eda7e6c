"""ProbCut (search/search.pyx): it acts, and even at its most aggressive it
keeps mate scores exact and every move and principal variation legal, checked
with python-chess."""
import random

import chess
import pytest

from engine.position import Position
from search import tunables
from search.limits import Limits
from search.search import Searcher, set_params
from suites import random_game_board, suite_fens
from test_search import MATES, assert_mates_in, mate_depth

OFF = {"PROBCUT_MIN_DEPTH": 100}
AGGRESSIVE = {"PROBCUT_MIN_DEPTH": 3, "PROBCUT_MARGIN": 50, "PROBCUT_IMPROVING": 0}


def _positions(n, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        board = random_game_board(rng, 60, min_plies=8)
        if not board.is_game_over():
            out.append(board.fen())
    return out


@pytest.mark.parametrize("fen,n", MATES)
def test_mates_stay_exact_with_aggressive_probcut(fen, n, defaults_after):
    set_params(AGGRESSIVE)
    res = Searcher(16).search(Position(fen), Limits(depth=mate_depth(n)))
    assert_mates_in(fen, n, res)


@pytest.mark.shared_data("wac.epd", "bk.epd", "sts.epd")
def test_probcut_changes_the_tree_and_keeps_every_line_legal(defaults_after):
    fens = suite_fens(limit=12) + _positions(12, seed=11)
    changed = 0
    for fen in fens:
        counts = {}
        for name, params in (("off", OFF), ("on", AGGRESSIVE)):
            set_params({**tunables.defaults(), **params})
            s = Searcher(16)
            res = s.search(Position(fen), Limits(depth=9))
            board = chess.Board(fen)
            for uci in res.pv:
                move = chess.Move.from_uci(uci)
                assert move in board.legal_moves, (fen, name, res.pv)
                board.push(move)
            counts[name] = res.nodes
        changed += counts["on"] != counts["off"]
    # Depth 9 reaches ProbCut's depth in every tree with a capture worth trying.
    assert changed >= len(fens) // 2, changed
