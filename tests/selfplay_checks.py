"""Checks of self-play games shared by the datagen tests (tests/test_datagen.py,
tests/test_ray_datagen.py): every game is replayed with python-chess."""
import chess

from training import data as D
from training import datagen as G


def game_fens(recs):
    """Each game as a tuple of its FENs."""
    return {tuple(D.unpack_fen(r) for r in g) for g in D.games(recs)}


def replay(game):
    """python-chess boards and moves of a game rebuilt from its records:
    each record must follow from the previous one by exactly one legal move."""
    board = chess.Board(D.unpack_fen(game[0]))
    boards, moves = [board.copy()], []
    for rec in game[1:]:
        fen = D.unpack_fen(rec)
        hits = [m for m in board.legal_moves if _after(board, m) == fen]
        assert len(hits) == 1, f"no single legal move from {board.fen()} to {fen}"
        board.push(hits[0])
        moves.append(hits[0])
        boards.append(board.copy())
    return boards, moves


def _after(board, move):
    board.push(move)
    f = board.fen().split()
    board.pop()
    return " ".join(f[:4] + [str(min(int(f[4]), 127)), "1"])


def rule_draw(board):
    """The draws by rule the engine plays by (python-chess's versions)."""
    return (board.is_stalemate() or board.is_insufficient_material()
            or board.halfmove_clock >= 100 or board.is_repetition(3))


def possible_results(game, board):
    """The results the game's end can justify.  `board` is the last recorded
    position with the game's history; the move played there is not recorded,
    so every legal move is tried for the game-ending rules."""
    out = set()
    white = [D.white_score(r) for r in game]
    tail = white[-G.WIN_PLIES:]
    if len(tail) == G.WIN_PLIES and (all(s >= G.WIN_SCORE for s in tail)
                                     or all(s <= -G.WIN_SCORE for s in tail)):
        out.add(1 if tail[-1] > 0 else -1)
    tail = game[-G.DRAW_PLIES:]
    if (len(tail) == G.DRAW_PLIES and all(int(r["ply"]) >= G.DRAW_MIN_PLY for r in tail)
            and all(abs(int(r["score"])) <= G.DRAW_SCORE for r in tail)):
        out.add(0)
    if int(game[-1]["ply"]) >= G.MAX_PLIES:
        out.add(0)
    mover = 1 if board.turn == chess.WHITE else -1
    for m in list(board.legal_moves):
        board.push(m)
        if board.is_checkmate():
            out.add(mover)
        elif rule_draw(board):
            out.add(0)
        board.pop()
    return out


def check_moves(game):
    """A self-play game (no book, random plies) rebuilt move by move with
    python-chess: legal positions one legal move apart, from the position
    after the first random ply, with the flags and scores they must have."""
    start = chess.Board()
    # from the position after the first random ply: the standard start
    # position, the same in every game, is the only one left out
    assert list(game["ply"]) == list(range(1, len(game) + 1))
    assert D.unpack_fen(game[0]) in {_after(start, m) for m in start.legal_moves}
    for rec in game:
        assert chess.Board(D.unpack_fen(rec)).is_valid()
    boards, moves = replay(game)
    for i, (rec, board) in enumerate(zip(game, boards)):
        # A recorded position is never already over by the engine's rules.
        assert not board.is_checkmate() and not rule_draw(board), board.fen()
        assert bool(rec["flags"] & D.FLAG_IN_CHECK) == board.is_check()
        # after the random plies the best move is the move played next
        if G.RANDOM_PLIES - 1 <= i < len(moves):
            noisy = board.is_capture(moves[i]) or moves[i].promotion is not None
            assert bool(rec["flags"] & D.FLAG_NOISY_BEST) == noisy, (board.fen(), moves[i])
        mate = bool(rec["flags"] & D.FLAG_MATE)
        assert mate == (abs(int(rec["score"])) == D.MATE_SCORE)
        if not mate:
            assert abs(int(rec["score"])) < G.WIN_SCORE * 10


def check_result(game):
    """The game's one result is one that the way it ended can justify."""
    assert len(set(game["result"].tolist())) == 1  # one result per game
    result = int(game[0]["result"])
    boards, _ = replay(game)
    board = boards[-1]
    reasons = possible_results(game, board)
    assert result in reasons, (result, reasons, board.fen())
    last = game[-1]
    if last["flags"] & D.FLAG_MATE:  # the side with the mate score won
        mover = 1 if board.turn == chess.WHITE else -1
        assert result == (mover if last["score"] > 0 else -mover)
