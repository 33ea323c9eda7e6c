"""When the match runner ends a game (training/match.py, game_outcome): the
rules as cutechess-cli and fastchess apply them, on hand-made games.

python-chess's outcome(claim_draw=True) is shown beside them where it
differs: it ends the game as soon as the side to move could claim a draw
with its next move.
"""
import chess

from training.match import game_outcome


def play(moves, fen=chess.STARTING_FEN):
    board = chess.Board(fen)
    for san in moves.split():
        board.push_san(san)
    return board


def test_a_repetition_the_next_move_could_make_is_not_a_draw_yet():
    # The start position has occurred twice; Black's Ng8 would make it three.
    board = play("Nf3 Nf6 Ng1 Ng8 Nf3 Nf6 Ng1")
    assert not board.is_repetition(3)
    assert game_outcome(board) is None
    assert board.outcome(claim_draw=True) is not None      # what the runner used to do
    # Black may play on (and win, for all the rules care) ...
    assert game_outcome(play("Nf3 Nf6 Ng1 Ng8 Nf3 Nf6 Ng1 Nc6")) is None
    # ... or repeat: the third occurrence is a draw.
    board.push_san("Ng8")
    assert game_outcome(board) == ("1/2-1/2", "threefold repetition")


def test_threefold_counts_occurrences_not_consecutive_shuffles():
    # Two different positions each seen twice is no repetition draw.
    board = play("Nf3 Nf6 Ng1 Ng8 Nc3 Nc6 Nb1 Nb8 Nf3")
    assert game_outcome(board) is None
    board = play("Nf3 Nf6 Ng1 Ng8 Nf3 Nf6 Ng1 Ng8")
    assert game_outcome(board) == ("1/2-1/2", "threefold repetition")


# Rook and king against king, 96 half-moves since the last capture or pawn move.
ROOK_ENDING = "8/8/8/4k3/8/8/8/R3K3 w - - 96 80"


def test_fifty_moves_at_the_hundredth_half_move():
    board = play("Ra2 Kd5 Ra3", ROOK_ENDING)             # 99 half-moves
    assert board.halfmove_clock == 99
    assert game_outcome(board) is None
    assert board.outcome(claim_draw=True) is not None      # claimable with the next move
    board.push_san("Kc4")
    assert board.halfmove_clock == 100
    assert game_outcome(board) == ("1/2-1/2", "50-move rule")


def test_a_capture_or_pawn_move_restarts_the_count():
    board = play("Ra2 Kd5 Ra3 Kc4", "8/8/8/4k3/8/8/7P/R3K3 w - - 96 80")
    assert game_outcome(board) == ("1/2-1/2", "50-move rule")
    board = play("h3 Kd5 Ra2 Kc4", "8/8/8/4k3/8/8/7P/R3K3 w - - 96 80")
    assert board.halfmove_clock == 3
    assert game_outcome(board) is None


def test_mate_on_the_hundredth_half_move_wins():
    board = play("Ra8#", "7k/8/6K1/8/8/8/8/R7 w - - 99 80")
    assert board.halfmove_clock == 100
    assert game_outcome(board) == ("1-0", "checkmate")
    board = play("Kh2 Rh8#", "r7/8/8/8/8/8/5k2/7K w - - 98 80")
    assert board.halfmove_clock == 100
    assert game_outcome(board) == ("0-1", "checkmate")


def test_stalemate():
    assert game_outcome(chess.Board("7k/5Q2/6K1/8/8/8/8/8 b - - 0 1")) == ("1/2-1/2", "stalemate")


def test_insufficient_material():
    draw = ("1/2-1/2", "insufficient material")
    # A capture into king against king ends the game at once.
    assert game_outcome(play("Kxd2", "8/8/8/4k3/8/8/3q4/4K3 w - - 0 1")) == draw
    for fen in ("8/8/8/4k3/8/8/8/4K3 w - - 0 1",        # K v K
                "8/8/8/4k3/8/8/8/2B1K3 w - - 0 1",      # KB v K
                "8/8/8/4k3/8/8/8/1N2K3 b - - 0 1",      # KN v K
                "8/8/8/2b1k3/8/8/8/2B1K3 w - - 0 1"):   # bishops on one square colour
        assert game_outcome(chess.Board(fen)) == draw, fen
    # Mate is possible (if not forced): the game goes on, as in cutechess,
    # which counts a knight 1, bishops 1 per square colour, and draws at <= 1.
    for fen in ("8/8/8/4k3/8/8/8/1NN1K3 w - - 0 1",     # KNN v K
                "8/8/8/4k3/8/8/8/1NB1K3 w - - 0 1",     # KBN v K
                "8/8/2b5/4k3/8/8/8/2B1K3 w - - 0 1",    # bishops on both colours
                "8/8/8/4k3/8/5n2/8/1N2K3 w - - 0 1",    # KN v KN
                "8/8/8/4k3/8/8/7P/4K3 w - - 0 1"):      # a pawn
        assert game_outcome(chess.Board(fen)) is None, fen
