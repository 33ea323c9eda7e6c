"""The search's direct legality test (engine/movegen.pyx is_legal_move) must
accept exactly the moves the generator produces, for every 16-bit code."""
import random

import chess

from engine.position import Position


def _positions(seed, games):
    rng = random.Random(seed)
    for g in range(games):
        if g % 3 == 0:
            pos = Position(chess.Board.from_chess960_pos(rng.randrange(960)).fen(), chess960=True)
        else:
            pos = Position()
        for ply in range(rng.randrange(10, 120)):
            moves = pos.legal_moves()
            if not moves:
                break
            if ply % 11 == 0:
                yield pos.copy()
            pos.push_uci(rng.choice(moves))


def test_is_legal_code_matches_generator_on_all_codes():
    checked = 0
    for pos in _positions(seed=11, games=12):
        legal = set(pos.legal_move_codes())
        accepted = {c for c in range(65536) if pos.is_legal_code(c)}
        assert accepted == legal, pos.fen()
        checked += 1
    assert checked > 30


def test_special_positions():
    fens = [
        "8/8/8/KPp4r/8/8/8/7k w - c6 0 1",           # en passant exposing the king
        "r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1",       # both castlings
        "r3k2r/8/8/8/8/8/8/R3K1qR w KQkq - 0 1",      # in check: no castling
        "4k3/P7/8/8/8/8/8/4K3 w - - 0 1",             # promotions
        "1r2k3/8/8/8/8/8/8/R3K3 w Q - 0 1",           # b1 attacked: O-O-O still legal
    ]
    for fen in fens:
        pos = Position(fen)
        legal = set(pos.legal_move_codes())
        assert {c for c in range(65536) if pos.is_legal_code(c)} == legal, fen


def _x_ray_evasions():
    """Positions where the side in check can take the checker with a pawn
    that stands between its king and a second slider behind the checker's
    line (K g5, bishop f4 checking, pawn e3, queen d2: exf4): the pawn looks
    pinned, but moving along the line it still shields the king.  Every
    square and both colours, bishop or queen behind."""
    for us in (chess.WHITE, chess.BLACK):
        forward = 1 if us == chess.WHITE else -1
        for ksq in chess.SQUARES:
            kf, kr = chess.square_file(ksq), chess.square_rank(ksq)
            for df in (-1, 1):
                line = [(kf + i * df, kr - i * forward) for i in range(1, 4)]
                if not all(0 <= f < 8 and 0 <= r < 8 for f, r in line):
                    continue
                checker, pawn, sniper = (chess.square(f, r) for f, r in line)
                if chess.square_rank(pawn) in (0, 7):
                    continue
                for kind in (chess.BISHOP, chess.QUEEN):
                    board = chess.Board(None)
                    board.set_piece_at(ksq, chess.Piece(chess.KING, us))
                    board.set_piece_at(checker, chess.Piece(chess.BISHOP, not us))
                    board.set_piece_at(pawn, chess.Piece(chess.PAWN, us))
                    board.set_piece_at(sniper, chess.Piece(kind, not us))
                    for other in chess.SQUARES:
                        if board.piece_at(other) is None and chess.square_distance(other, ksq) > 2:
                            board.set_piece_at(other, chess.Piece(chess.KING, not us))
                            break
                    board.turn = us
                    if board.is_valid():
                        yield board


def test_a_pawn_shielding_the_king_from_two_sliders_can_take_the_checker():
    """Found by fastchess: Ladya refused 62.exf4 in such a position (its
    generator never moved a pinned pawn while in check), kept the old
    position and answered with an illegal move."""
    boards = list(_x_ray_evasions())
    assert len(boards) > 100
    for board in boards:
        pos = Position(board.fen())
        expected = sorted(m.uci() for m in board.legal_moves)
        assert sorted(pos.legal_moves()) == expected, board.fen()
        assert any(len(m) == 4 and board.piece_at(chess.parse_square(m[:2])).piece_type == chess.PAWN
                   for m in expected), board.fen()
        legal = set(pos.legal_move_codes())
        assert {c for c in range(65536) if pos.is_legal_code(c)} == legal, board.fen()
