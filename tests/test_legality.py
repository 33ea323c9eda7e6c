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
