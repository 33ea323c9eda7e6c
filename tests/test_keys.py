"""The incrementally kept Zobrist keys (engine/board.pyx) against
python-chess's Polyglot hashing of the same pieces, through random games
with castling, en passant, promotions and captures, made and unmade."""
import random

import chess
import chess.polyglot

from engine.position import Position

HASHER = chess.polyglot.ZobristHasher(chess.polyglot.POLYGLOT_RANDOM_ARRAY)


def _pieces_hash(board, keep):
    """Polyglot's piece-square part for the pieces `keep(piece)` selects."""
    only = chess.Board(None)
    for sq, piece in board.piece_map().items():
        if keep(piece):
            only.set_piece_at(sq, piece)
    return HASHER.hash_board(only)


def _check(pos, board):
    assert pos.zobrist == chess.polyglot.zobrist_hash(board), board.fen()
    assert pos.pawn_key == _pieces_hash(board, lambda p: p.piece_type == chess.PAWN), board.fen()
    for color, c in ((chess.WHITE, 0), (chess.BLACK, 1)):
        expected = _pieces_hash(board, lambda p: p.color == color and p.piece_type != chess.PAWN)
        assert pos.non_pawn_key(c) == expected, (board.fen(), c)


def test_keys_follow_make_and_unmake_in_random_games():
    rng = random.Random(2026)
    promotions = castlings = ep = 0
    for _ in range(60):
        board = chess.Board()
        pos = Position()
        plies = 0
        while not board.is_game_over() and plies < 160:
            # Prefer the rare move kinds so that every branch of make_move is seen.
            moves = list(board.legal_moves)
            special = [m for m in moves if m.promotion or board.is_castling(m) or board.is_en_passant(m)]
            m = rng.choice(special if special and rng.random() < 0.5 else moves)
            promotions += m.promotion is not None
            castlings += board.is_castling(m)
            ep += board.is_en_passant(m)
            board.push(m)
            pos.push_uci(m.uci())
            plies += 1
            _check(pos, board)
            # FEN setup computes the same keys from scratch.
            _check(Position(board.fen()), board)
        for _ in range(rng.randint(0, plies)):
            board.pop()
            pos.pop()
            _check(pos, board)
    assert promotions and castlings and ep


def test_non_pawn_key_rejects_a_bad_colour():
    import pytest
    with pytest.raises(ValueError):
        Position().non_pawn_key(2)
