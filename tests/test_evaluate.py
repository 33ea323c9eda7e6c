"""The bootstrap evaluation (search/evaluate.pyx).

The oracle is a small pure-Python evaluator written here from the published
formula (PeSTO's tapered material + piece-square tables), reading the data
through `tables()` so the numbers are not duplicated, with python-chess doing
the board work, the mirroring and the insufficient-material rule.
"""
import random

import chess
import pytest

from engine.position import Position, STARTING_FEN
from suites import SUITES, suite_fens
from search.evaluate import (combined_tables, evaluate_fen, evaluate_position,
                             evaluate_white, tables)

T = tables()


def trunc_div(a, b):
    """Integer division rounding toward zero, like C."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def pst_index(color, sq):
    # Tables are printed a8 first; White reads them rank-flipped.
    return sq ^ 56 if color == chess.WHITE else sq


def phase_of(board):
    phase = sum(T["phase_inc"][p.piece_type] for p in board.piece_map().values())
    return min(phase, T["phase_max"])


def mg_eg_sums(board):
    """White-positive middlegame and endgame sums of material + PST."""
    mg = eg = 0
    for sq, p in board.piece_map().items():
        sign = 1 if p.color == chess.WHITE else -1
        i = pst_index(p.color, sq)
        mg += sign * (T["mg_value"][p.piece_type] + T["mg_pst"][p.piece_type][i])
        eg += sign * (T["eg_value"][p.piece_type] + T["eg_pst"][p.piece_type][i])
    return mg, eg


def npm(board, color):
    return sum(T["npm_value"][p.piece_type] for p in board.piece_map().values()
               if p.color == color)


def reference_eval(board):
    """Side-to-move evaluation, computed independently of the Cython code."""
    mg, eg = mg_eg_sums(board)
    phase = phase_of(board)
    pmax = T["phase_max"]
    score = trunc_div(mg * phase + eg * (pmax - phase), pmax)
    strong = chess.WHITE if score > 0 else chess.BLACK
    if not board.pieces(chess.PAWN, strong):
        if board.is_insufficient_material():
            return 0
        if npm(board, strong) - npm(board, not strong) <= T["drawish_npm_margin"]:
            score = trunc_div(score, T["drawish_divisor"])
    return (score if board.turn == chess.WHITE else -score) + T["tempo"]


def random_game_positions(seed, games, max_plies=300):
    rng = random.Random(seed)
    boards = []
    for _ in range(games):
        board = chess.Board()
        for _ in range(max_plies):
            if board.is_game_over():
                break
            board.push(rng.choice(list(board.legal_moves)))
            boards.append(board.copy(stack=False))
    return boards


def random_sparse_board(rng, white, black, turn):
    """A valid position (python-chess's is_valid: no pawns on the back ranks,
    side not to move not in check) with both kings plus the given pieces."""
    while True:
        board = chess.Board(None)
        squares = rng.sample(range(64), 2 + len(white) + len(black))
        board.set_piece_at(squares[0], chess.Piece(chess.KING, chess.WHITE))
        board.set_piece_at(squares[1], chess.Piece(chess.KING, chess.BLACK))
        for sym, sq in zip(list(white) + list(black), squares[2:]):
            board.set_piece_at(sq, chess.Piece.from_symbol(sym))
        board.turn = turn
        if board.is_valid():
            return board


@pytest.fixture(scope="module")
def game_positions():
    return random_game_positions(seed=20240, games=40)


def test_tables_have_the_published_shape():
    for key in ("mg_pst", "eg_pst"):
        assert sorted(T[key]) == list(range(chess.PAWN, chess.KING + 1))
        assert all(len(t) == 64 for t in T[key].values())
    # Pawn rows for rank 8 and rank 1 are unused and zero.
    for key in ("mg_pst", "eg_pst"):
        pawn = T[key][chess.PAWN]
        assert pawn[:8] == [0] * 8 and pawn[56:] == [0] * 8
    assert T["phase_inc"][chess.KNIGHT:chess.KING] == [1, 1, 2, 4]
    assert T["phase_max"] == 24


def test_combined_tables_match_material_plus_pst():
    mg, eg = combined_tables()
    for color in (chess.WHITE, chess.BLACK):
        sign = 1 if color == chess.WHITE else -1
        for pt in range(chess.PAWN, chess.KING + 1):
            pc = (0 if color == chess.WHITE else 8) + pt
            for sq in range(64):
                i = pst_index(color, sq)
                assert mg[pc][sq] == sign * (T["mg_value"][pt] + T["mg_pst"][pt][i])
                assert eg[pc][sq] == sign * (T["eg_value"][pt] + T["eg_pst"][pt][i])
    # Entries that are not pieces stay zero.
    for pc in (0, 7, 8, 15):
        assert mg[pc] == [0] * 64 and eg[pc] == [0] * 64
    # A White piece on e2 reads the table row for rank 2 (second to last).
    e2 = chess.E2
    assert mg[chess.PAWN][e2] == T["mg_value"][1] + T["mg_pst"][1][6 * 8 + 4]


def test_start_position_is_the_tempo_bonus():
    assert evaluate_fen(STARTING_FEN) == T["tempo"]
    assert evaluate_fen(STARTING_FEN.replace(" w ", " b ")) == T["tempo"]
    assert evaluate_white(Position()) == T["tempo"]


def test_colour_flip_symmetry(game_positions):
    assert len(game_positions) > 2000
    for board in game_positions:
        mirrored = board.mirror()
        v = evaluate_fen(board.fen())
        assert evaluate_fen(mirrored.fen()) == v, board.fen()


def test_matches_reference_on_random_games(game_positions):
    for board in game_positions:
        pos = Position(board.fen())
        v = evaluate_position(pos)
        assert v == reference_eval(board), board.fen()
        assert evaluate_white(pos) == (v if board.turn == chess.WHITE else -v)


@pytest.mark.shared_data(*SUITES)
def test_matches_reference_on_test_suites():
    for fen in suite_fens():
        board = chess.Board(fen)
        assert evaluate_fen(fen) == reference_eval(board), fen
        assert evaluate_fen(board.mirror().fen()) == evaluate_fen(fen), fen


def test_extra_queen_is_strongly_positive_for_its_owner():
    no_black_queen = "rnb1kbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR {} KQkq - 0 1"
    assert evaluate_fen(no_black_queen.format("w")) > 800
    assert evaluate_fen(no_black_queen.format("b")) < -800
    no_white_queen = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNB1KBNR {} KQkq - 0 1"
    assert evaluate_fen(no_white_queen.format("b")) > 800
    assert evaluate_white(Position(no_white_queen.format("b"))) < -800


def test_kings_and_pawns_use_the_endgame_tables():
    rng = random.Random(7)
    checked = 0
    differs = 0
    while checked < 300:
        white = "P" * rng.randint(1, 6)
        black = "p" * rng.randint(1, 6)
        board = random_sparse_board(rng, white, black, rng.choice([True, False]))
        mg, eg = mg_eg_sums(board)
        differs += mg != eg
        expected = (eg if board.turn == chess.WHITE else -eg) + T["tempo"]
        assert evaluate_fen(board.fen()) == expected, board.fen()
        checked += 1
    assert differs > 250      # the middlegame tables really would differ


def test_phase_blends_between_the_tables():
    # One rook each (phase 4 of 24): 4/24 middlegame, 20/24 endgame.
    board = chess.Board("4k2r/pppp4/8/8/8/8/4PPPP/R3K3 w - - 0 1")
    mg, eg = mg_eg_sums(board)
    assert phase_of(board) == 4
    assert evaluate_fen(board.fen()) == trunc_div(mg * 4 + eg * 20, 24) + T["tempo"]


def test_insufficient_material_is_zero():
    fens = ["8/8/4k3/8/8/3K4/8/8 w - - 0 1",
            "8/8/4k3/8/8/3BK3/8/8 w - - 0 1",
            "8/8/4k3/8/8/3NK3/8/8 b - - 0 1",
            "2b5/8/4k3/8/8/3BK3/8/8 w - - 0 1"]       # same-coloured bishops
    for fen in fens:
        assert chess.Board(fen).is_insufficient_material()
        assert evaluate_fen(fen) == 0
    rng = random.Random(11)
    for white, black in [("", ""), ("B", ""), ("N", ""), ("", "n"), ("", "b"),
                         ("B", "b"), ("BB", "b"), ("B", "bb")]:
        found = 0
        for _ in range(200):
            board = random_sparse_board(rng, white, black, rng.choice([True, False]))
            if board.is_insufficient_material():
                assert evaluate_fen(board.fen()) == 0, board.fen()
                found += 1
        assert found > 0


def test_drawish_material_is_scaled_down():
    # KR v KB: the rook is ahead by less than a minor piece -> scaled down,
    # while KR v K (a win) keeps its full value.
    kr_kb = chess.Board("8/8/3bk3/8/8/3RK3/8/8 w - - 0 1")
    kr_k = chess.Board("8/8/4k3/8/8/3RK3/8/8 w - - 0 1")
    assert 0 < evaluate_fen(kr_kb.fen()) - T["tempo"] < 100
    assert evaluate_fen(kr_k.fen()) > 400
    assert evaluate_fen(kr_kb.fen()) == reference_eval(kr_kb)
    rng = random.Random(3)
    for white, black in [("R", "b"), ("R", "n"), ("RB", "r"), ("Q", "r"),
                         ("N", "p"), ("BN", ""), ("NN", ""), ("Q", "bb")]:
        for _ in range(30):
            board = random_sparse_board(rng, white, black, rng.choice([True, False]))
            assert evaluate_fen(board.fen()) == reference_eval(board), board.fen()
            assert evaluate_fen(board.mirror().fen()) == evaluate_fen(board.fen())
