"""Differential tests: Position against python-chess on positions from random play.

Games are played with seeded random.Random, so every run checks the same
positions and a failure names the game seed, the FEN and the moves.  The move
picker leans towards castling, en passant, promotions and moves that undo the
previous move of the same side, so the special moves and repetitions that
uniform random play rarely reaches are covered too.
"""
import random

import chess
import chess.polyglot
import pytest

from engine.position import Position

STANDARD_GAMES = 48        # seeds of games from the start position
MAX_PLIES = 220
CHESS960_STARTS = range(0, 960, 3)   # 320 of the 960 start positions
CHESS960_GROUP = 40
CHESS960_PLIES = 24


def describe(board):
    return f"{board.fen()} (from {board.root().fen()} after {' '.join(m.uci() for m in board.move_stack)})"


def expected_outcome(board):
    """Our outcome(): python-chess's automatic endings, plus the fifty-move
    rule and threefold repetition counted as over without a claim.  (With
    claim_draw=True python-chess would also end the game when the *next* move
    could reach fifty moves or a third repetition, which is more than ours.)"""
    outcome = board.outcome()
    if outcome is not None:
        return outcome.result()
    if board.is_fifty_moves() or board.is_repetition(3):
        return "1/2-1/2"
    return None


def check_position(board, pos):
    """Everything Position reports about this node against python-chess."""
    legal = [m.uci() for m in board.legal_moves]
    ours = pos.legal_moves()
    assert len(ours) == len(set(ours)), describe(board)
    assert set(ours) == set(legal), describe(board)

    noisy, quiet = pos.noisy_moves(), pos.quiet_moves()
    assert set(noisy) | set(quiet) == set(ours), describe(board)
    assert not set(noisy) & set(quiet), describe(board)
    assert len(noisy) + len(quiet) == len(ours), describe(board)
    expected_noisy = {m.uci() for m in board.legal_moves if board.is_capture(m) or m.promotion}
    assert set(noisy) == expected_noisy, describe(board)

    fen = board.fen()
    assert pos.fen() == fen, describe(board)
    assert Position(fen, board.chess960).fen() == fen, describe(board)
    assert pos.zobrist == chess.polyglot.zobrist_hash(board), describe(board)
    assert pos.turn == board.turn
    assert pos.halfmove_clock == board.halfmove_clock
    assert pos.fullmove_number == board.fullmove_number
    assert pos.ep_square == (board.ep_square if board.has_legal_en_passant() else None), describe(board)

    assert pos.is_check() == board.is_check(), describe(board)
    assert pos.checkers() == sorted(board.checkers()), describe(board)
    for move in board.legal_moves:
        uci = move.uci()
        assert pos.gives_check(uci) == board.gives_check(move), (uci, describe(board))
        assert pos.is_capture(uci) == board.is_capture(move), (uci, describe(board))
        assert pos.is_castling(uci) == board.is_castling(move), (uci, describe(board))
        assert pos.is_en_passant(uci) == board.is_en_passant(move), (uci, describe(board))

    assert pos.is_checkmate() == board.is_checkmate(), describe(board)
    assert pos.is_stalemate() == board.is_stalemate(), describe(board)
    assert pos.is_insufficient_material() == board.is_insufficient_material(), describe(board)
    assert pos.is_fifty_moves() == board.is_fifty_moves(), describe(board)
    assert pos.is_repetition(3) == board.is_repetition(3), describe(board)
    assert pos.is_repetition(2) == board.is_repetition(2), describe(board)
    assert pos.outcome() == expected_outcome(board), describe(board)
    assert pos.is_game_over() == (expected_outcome(board) is not None)
    if pos.is_game_over():
        assert board.outcome(claim_draw=True) is not None, describe(board)


def check_push_pop_all(board, pos):
    """Every legal move: the child's key matches python-chess and pop() restores."""
    fen, key, stack = pos.fen(), pos.zobrist, pos.move_stack
    for move in board.legal_moves:
        pos.push_uci(move.uci())
        board.push(move)
        assert pos.zobrist == chess.polyglot.zobrist_hash(board), describe(board)
        board.pop()
        assert pos.pop() == move.uci()
        assert pos.fen() == fen and pos.zobrist == key, (move.uci(), describe(board))
    assert pos.move_stack == stack


def allows_en_passant(board, move):
    """A double pawn push landing beside an enemy pawn."""
    if board.piece_type_at(move.from_square) != chess.PAWN or abs(move.to_square - move.from_square) != 16:
        return False
    them = board.pieces_mask(chess.PAWN, not board.turn)
    return bool(chess.BB_SQUARES[move.to_square] & (chess.shift_left(them) | chess.shift_right(them)))


def pick_move(rng, board):
    moves = list(board.legal_moves)
    special = [m for m in moves if board.is_castling(m) or board.is_en_passant(m) or m.promotion]
    if special and rng.random() < 0.7:
        return rng.choice(special)
    ep_chances = [m for m in moves if allows_en_passant(board, m)]
    if ep_chances and rng.random() < 0.5:
        return rng.choice(ep_chances)
    captures = [m for m in moves if board.is_capture(m)]
    if captures and rng.random() < 0.4:
        return rng.choice(captures)
    if len(board.move_stack) >= 2 and rng.random() < 0.3:
        # Undo our previous move when possible: this is how repetitions happen.
        last = board.move_stack[-2]
        back = chess.Move(last.to_square, last.from_square)
        if back in moves:
            return back
    if len(board.move_stack) < 16 and rng.random() < 0.6:
        # Clear the back rank so that castling becomes possible.
        rank = 0 if board.turn == chess.WHITE else 7
        developing = [m for m in moves if chess.square_rank(m.from_square) == rank
                      and board.piece_type_at(m.from_square) not in (chess.KING, chess.ROOK)]
        if developing:
            return rng.choice(developing)
    return rng.choice(moves)


def play_and_check(rng, board, pos, max_plies, counters):
    history = [(pos.fen(), pos.zobrist)]
    for ply in range(max_plies):
        check_position(board, pos)
        counters["check"] += board.is_check()
        counters["fifty"] += board.is_fifty_moves()
        counters["repetition"] += board.is_repetition(3)
        counters["insufficient"] += board.is_insufficient_material()
        counters["checkmate"] += board.is_checkmate()
        if ply % 4 == 0:
            check_push_pop_all(board, pos)
        if not any(board.legal_moves):
            break
        if board.is_insufficient_material() and ply % 2 == 0 and rng.random() < 0.2:
            break
        move = pick_move(rng, board)
        counters["castling"] += board.is_castling(move)
        counters["en_passant"] += board.is_en_passant(move)
        counters["promotion"] += move.promotion is not None
        if ply % 50 == 25:
            # A copy is independent of the original.
            other = pos.copy()
            assert other.fen() == pos.fen() and other.move_stack == pos.move_stack
            other.push_uci(move.uci())
            assert pos.fen() == board.fen()
        pos.push_uci(move.uci())
        board.push(move)
        assert pos.peek() == move.uci()
        history.append((pos.fen(), pos.zobrist))
    # Unwind the whole game: each pop() restores the earlier FEN and key.
    for fen, key in reversed(history[:-1]):
        pos.pop()
        assert (pos.fen(), pos.zobrist) == (fen, key)
    with pytest.raises(IndexError):
        pos.pop()


def new_counters():
    return dict.fromkeys(["castling", "en_passant", "promotion", "check", "checkmate", "fifty",
                          "repetition", "insufficient"], 0)


@pytest.mark.parametrize("seed", range(STANDARD_GAMES))
def test_random_game_matches_python_chess(seed):
    rng = random.Random(seed)
    counters = new_counters()
    play_and_check(rng, chess.Board(), Position(), MAX_PLIES, counters)


# Sparse endgames, some with the halfmove clock already high, so that random
# play reaches the fifty-move rule, insufficient material, repetitions and mates.
ENDGAME_FENS = [
    "8/8/4k3/8/8/3K4/8/R6r w - - 80 60",
    "8/5k2/8/8/8/8/1Q6/4K2R w K - 70 50",
    "8/8/3k4/8/2B5/8/8/1N2K3 b - - 60 90",
    "8/8/8/4k3/8/8/2N5/4K1b1 w - - 0 40",
    "6k1/5p2/8/8/8/8/2B5/4K3 w - - 92 80",
    "r3k3/8/8/8/8/8/8/4K2R b Kq - 85 45",
    "8/2b5/8/4k3/8/8/8/2B1K3 w - - 0 1",
    "8/8/8/8/8/2k5/1p6/4K3 b - - 0 1",
]


@pytest.mark.parametrize("fen", ENDGAME_FENS)
def test_random_endgames_match_python_chess(fen):
    counters = new_counters()
    for seed in range(6):
        play_and_check(random.Random(seed), chess.Board(fen), Position(fen), 120, counters)


def test_random_games_reach_special_cases():
    """The generator must actually reach what the tests above claim to cover."""
    counters = new_counters()
    for seed in range(4):
        play_and_check(random.Random(seed), chess.Board(), Position(), MAX_PLIES, counters)
    for fen in ENDGAME_FENS[:2]:
        for seed in range(3):
            play_and_check(random.Random(seed), chess.Board(fen), Position(fen), 120, counters)
    assert all(counters.values()), counters


@pytest.mark.parametrize("first", range(CHESS960_STARTS.start, CHESS960_STARTS.stop,
                                        CHESS960_STARTS.step * CHESS960_GROUP))
def test_chess960_random_play(first):
    counters = new_counters()
    for index in range(first, min(first + CHESS960_STARTS.step * CHESS960_GROUP, 960),
                       CHESS960_STARTS.step):
        board = chess.Board.from_chess960_pos(index)
        pos = Position(board.fen(), chess960=True)
        assert pos.chess960
        rng = random.Random(index)
        play_and_check(rng, board, pos, CHESS960_PLIES, counters)
    assert counters["castling"] > 0, counters


def test_chess960_castling_notation():
    # Start position 518 is the standard one: in Chess960 mode castling is
    # written king-takes-rook, in standard mode as the king's two-square move.
    fen = "r3k2r/pppppppp/8/8/8/8/PPPPPPPP/R3K2R w KQkq - 0 1"
    pos960, pos = Position(fen, chess960=True), Position(fen)
    assert not pos.chess960
    assert {"e1h1", "e1a1"} <= set(pos960.legal_moves()) and not {"e1g1", "e1c1"} & set(pos960.legal_moves())
    assert {"e1g1", "e1c1"} <= set(pos.legal_moves()) and not {"e1h1", "e1a1"} & set(pos.legal_moves())
    for p in (pos960, pos):
        assert p.is_castling("e1h1") and p.is_castling("e1g1")
        p.push_uci("e1g1")
        assert p.fen() == "r3k2r/pppppppp/8/8/8/8/PPPPPPPP/R4RK1 b kq - 1 1"
    # Chess960 with the king on f1: f1g1 is an ordinary king step, castling
    # is f1h1 only.
    fen = "4k3/8/8/8/8/8/8/5K1R w H - 0 1"
    board, pos = chess.Board(fen, chess960=True), Position(fen, chess960=True)
    check_position(board, pos)
    assert {"f1g1", "f1h1"} <= set(pos.legal_moves())
    assert not pos.is_castling("f1g1") and pos.is_castling("f1h1")
    pos.push_uci("f1h1")
    assert pos.fen() == "4k3/8/8/8/8/8/8/5RK1 b - - 1 1"
    pos.pop()
    pos.push_uci("f1g1")
    assert pos.fen() == "4k3/8/8/8/8/8/8/6KR b - - 1 1"


# Positions that stress en passant and castling, compared node by node two plies deep.
SPECIAL_POSITIONS = [
    # En passant would expose the king along the rank (horizontal pin).
    ("8/8/8/KPp4r/8/8/8/7k w - c6 0 1", False),
    ("8/8/8/r1pP3K/8/8/8/k7 w - c6 0 1", False),
    ("7k/8/8/8/K1pP3r/8/8/8 b - d3 0 1", False),
    ("8/8/8/8/k2Pp2Q/8/8/3K4 b - d3 0 1", False),
    # En passant removes the checking pawn.
    ("8/8/8/2k5/3Pp3/8/8/4K3 b - d3 0 1", False),
    ("8/8/8/5k2/3pP3/8/8/4K3 b - e3 0 1", False),
    # En passant does not help against a check the double push discovered.
    ("8/8/8/k7/2pP4/8/8/4Q1K1 b - d3 0 1", False),
    # Diagonally pinned pawn: capturing along the pin is legal, across it is not.
    ("8/8/1k6/8/3pP3/8/5B2/K7 b - e3 0 1", False),
    ("8/6B1/8/8/3pP3/8/1k6/7K b - e3 0 1", False),
    # En passant that gives discovered check, and one that gives check directly.
    ("8/8/8/1R1pP2k/8/8/8/4K3 w - d6 0 1", False),
    ("8/2k5/8/3pP3/8/8/8/4K3 w - d6 0 1", False),
    # Both sides may capture en passant.
    ("4k3/8/8/2PpP3/8/8/8/4K3 w - d6 0 1", False),
    ("rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3", False),
    # Castling through or out of attacked squares.
    ("r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/5b2/8/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/8/6n1/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/8/3p4/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/8/7p/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/8/8/Rq2K2R w KQkq - 0 1", False),
    ("1r2k2r/8/8/8/8/8/8/R3K2R w KQk - 0 1", False),
    ("r3k2r/8/8/8/4q3/8/8/R3K2R w KQkq - 0 1", False),
    ("r3k2r/8/8/8/8/8/8/R3K1qR w KQkq - 0 1", False),
    ("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1", False),
    # Chess960: the castling rook shields the king's destination; the king
    # stays or moves one square; the rook crosses the king.
    ("7k/8/8/8/8/8/8/rRK5 w B - 0 1", True),
    ("k7/8/8/8/8/3r4/8/1RK5 w B - 0 1", True),
    ("6k1/8/8/8/8/8/8/4q1KR w H - 0 1", True),
    ("6k1/8/8/8/8/8/8/5qKR w H - 0 1", True),
    ("1k6/8/8/8/8/8/8/2RK3r w C - 0 1", True),
    ("2r1k3/8/8/8/8/8/8/1R2K3 w B - 0 1", True),
    ("rk5r/8/8/8/8/8/8/RK5R w HAha - 0 1", True),
    ("r5kr/8/8/8/8/8/8/R5KR w HAha - 0 1", True),
    ("1rkr4/8/8/8/8/8/8/1RKR4 w DBdb - 0 1", True),
    ("4k3/8/8/8/8/8/8/RR2K1RR w GB - 0 1", True),
    ("bb1k2rr/8/8/8/8/8/8/B1RK1R1B w FCg - 0 1", True),
]


@pytest.mark.parametrize("fen,chess960", SPECIAL_POSITIONS, ids=[f for f, _ in SPECIAL_POSITIONS])
def test_special_positions(fen, chess960):
    board = chess.Board(fen, chess960=chess960)
    assert board.is_valid(), board.status()
    pos = Position(fen, chess960)
    assert pos.chess960 == chess960
    check_position(board, pos)
    check_push_pop_all(board, pos)
    for move in list(board.legal_moves):
        board.push(move)
        pos.push_uci(move.uci())
        check_position(board, pos)
        for reply in board.legal_moves:
            board.push(reply)
            pos.push_uci(reply.uci())
            assert set(pos.legal_moves()) == {m.uci() for m in board.legal_moves}, describe(board)
            assert pos.zobrist == chess.polyglot.zobrist_hash(board), describe(board)
            pos.pop()
            board.pop()
        pos.pop()
        board.pop()


def test_pickle_keeps_history():
    import pickle
    pos = Position()
    for uci in ["g1f3", "g8f6", "f3g1", "f6g8", "g1f3", "g8f6", "f3g1"]:
        pos.push_uci(uci)
    other = pickle.loads(pickle.dumps(pos))
    assert other.fen() == pos.fen() and other.move_stack == pos.move_stack
    other.push_uci("f6g8")
    assert other.is_repetition(3) and other.outcome() == "1/2-1/2"
