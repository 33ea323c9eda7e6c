"""When a game of the match runner ends: the rules (`game_outcome`, as
cutechess-cli and fastchess apply them) and the optional cutechess-style
adjudication on the engines' scores (`Adjudicator`)."""
from __future__ import annotations

from typing import Optional, Tuple

import chess


def game_outcome(board: chess.Board) -> Optional[Tuple[str, str]]:
    """(result, reason) once the game is over by the rules, else None.

    The rules as cutechess-cli and fastchess apply them, with no claim
    needed: mate and stalemate; insufficient material (python-chess's
    definition, the same set as cutechess's material count: no pawns, rooks
    or queens, and a lone knight or only bishops on one square colour); the
    fifty-move rule at 100 half-moves, unless the last of them mated; and
    threefold repetition once the position has occurred three times.
    Fivefold repetition and the 75-move rule are covered by these.  Not
    python-chess's outcome(claim_draw=True): that already ends the game when
    the side to move could claim a draw with its next move, turning games
    that go on (and may be won) into draws."""
    if board.is_checkmate():
        return ("0-1" if board.turn == chess.WHITE else "1-0"), "checkmate"
    if board.is_stalemate():
        return "1/2-1/2", "stalemate"
    if board.is_insufficient_material():
        return "1/2-1/2", "insufficient material"
    if board.halfmove_clock >= 100:
        return "1/2-1/2", "50-move rule"
    if board.is_repetition(3):
        return "1/2-1/2", "threefold repetition"
    return None


def white_cp(info) -> Optional[int]:
    """White-view centipawns of an engine's reported score (mates big)."""
    sc = info.get("score") if info else None
    if sc is None:
        return None
    return sc.white().score(mate_score=100000)


class Adjudicator:
    """cutechess-style adjudication, off unless asked for.
    resign: both engines' last `count` scores say the same side is ahead by
    at least `cp`.  draw: from move `start`, the last `count` scores of both
    engines are within +-cp."""

    def __init__(self, resign=None, draw=None):
        self.resign = resign          # (count, cp)
        self.draw = draw              # (start_move, count, cp)
        self.scores = {chess.WHITE: [], chess.BLACK: []}

    def record(self, side, cp):
        self.scores[side].append(cp)

    def _last(self, count):
        a, b = self.scores[chess.WHITE][-count:], self.scores[chess.BLACK][-count:]
        if len(a) < count or len(b) < count or None in a or None in b:
            return None
        return a + b

    def verdict(self, board):
        if self.resign:
            count, cp = self.resign
            last = self._last(count)
            if last and all(s >= cp for s in last):
                return "1-0", "adjudication: White is winning"
            if last and all(s <= -cp for s in last):
                return "0-1", "adjudication: Black is winning"
        if self.draw:
            start, count, cp = self.draw
            last = self._last(count)
            if board.fullmove_number >= start and last and all(abs(s) <= cp for s in last):
                return "1/2-1/2", "adjudication: draw"
        return None
