"""One game of the match runner: the clocks, the moves checked for legality,
the forfeits (time, illegal move, crash, hang) and the PGN record."""
from __future__ import annotations

import asyncio
import datetime
import platform
import time
from dataclasses import dataclass
from typing import Optional

import chess
import chess.engine
import chess.pgn

from training.match.rules import Adjudicator, game_outcome, white_cp


@dataclass
class GameResult:
    number: int
    opening: int
    white: int                   # index (0, 1) of the engine playing White
    result: str                  # '1-0', '0-1', '1/2-1/2'
    reason: str
    kind: str                    # normal | time | illegal | crash | hang | adjudication
    loser: Optional[int] = None  # engine index that forfeited (time/illegal/crash/hang)
    pgn: str = ""
    plies: int = 0

    @property
    def pair(self) -> int:
        """Index of the game pair (one opening, both colours) of this game."""
        return (self.number - 1) // 2

    def points(self, engine: int) -> float:
        """Score of engine `engine` (0 or 1) in this game."""
        if self.result == "1/2-1/2":
            return 0.5
        white_won = self.result == "1-0"
        return 1.0 if white_won == (engine == self.white) else 0.0


def format_comment(info, seconds) -> str:
    sc = info.get("score") if info else None
    text = ""
    if sc is not None:
        rel = sc.relative
        if rel.is_mate():
            m = rel.mate()
            text = f"{'+' if m > 0 else '-'}M{abs(m)}"
        else:
            text = f"{rel.score() / 100:+.2f}"
        if info.get("depth"):
            text += f"/{info['depth']}"
        text += " "
    return f"{text}{seconds:.2f}s"


async def play_game(number, opening_index, fen, players, white, names, config) -> GameResult:
    """Play game `number` of the match from `fen` (opening `opening_index`
    of the book); players[white] (training/match/engines.py) has White and
    `config` is the MatchConfig.  Returns the result record."""
    base, inc = config.time_control
    board = chess.Board(fen)
    clocks = {chess.WHITE: base, chess.BLACK: base}
    side_player = {chess.WHITE: players[white], chess.BLACK: players[1 - white]}
    comments = []
    adjudicator = Adjudicator(config.resign, config.draw)
    game_key = object()
    result = reason = None
    kind, loser = "normal", None

    def forfeit(side, why, k):
        nonlocal result, reason, kind, loser
        result = "0-1" if side == chess.WHITE else "1-0"
        reason = f"{'White' if side == chess.WHITE else 'Black'} {why}"
        kind, loser = k, side_player[side].index

    for p in players:
        try:
            await p.ensure()
        except Exception as exc:
            # An engine that cannot even start forfeits (as the side it plays).
            side = chess.WHITE if p is side_player[chess.WHITE] else chess.BLACK
            forfeit(side, f"failed to start: {exc}", "crash")
            break

    while result is None:
        outcome = game_outcome(board)
        if outcome is not None:
            result, reason = outcome
            break
        verdict = adjudicator.verdict(board)
        if verdict:
            result, reason = verdict
            kind = "adjudication"
            break
        side = board.turn
        player = side_player[side]
        if config.nodes is not None:
            limit = chess.engine.Limit(nodes=config.nodes)
        else:
            limit = chess.engine.Limit(white_clock=clocks[chess.WHITE], black_clock=clocks[chess.BLACK],
                                       white_inc=inc, black_inc=inc)
        start = time.perf_counter()
        try:
            # A side may overrun its clock (and then loses on time); one that
            # is silent much longer than that is hung and gets killed.
            play = await asyncio.wait_for(
                player.eng.play(board, limit, game=game_key,
                                info=chess.engine.INFO_SCORE),
                timeout=config.move_timeout(clocks[side]))
        except asyncio.TimeoutError:
            forfeit(side, f"hangs (no move after {time.perf_counter() - start:.1f}s)", "hang")
            await player.restart(hung=True)
            break
        except chess.engine.EngineTerminatedError as exc:
            forfeit(side, f"crashed: {exc}", "crash")
            await player.restart()
            break
        except chess.engine.EngineError as exc:
            # python-chess raises this for an illegal or unparsable bestmove,
            # and for an xboard engine's "Illegal move" / "Error" replies.
            forfeit(side, f"illegal move or protocol error: {exc}", "illegal")
            await player.restart()
            break
        elapsed = time.perf_counter() - start
        if config.nodes is None:
            clocks[side] -= elapsed
            if clocks[side] < -config.margin:
                forfeit(side, f"loses on time ({clocks[side] * 1000:+.0f} ms)", "time")
                break
            clocks[side] += inc
        if play.resigned:
            result = "0-1" if side == chess.WHITE else "1-0"
            reason = f"{'White' if side == chess.WHITE else 'Black'} resigns"
            break
        if play.move is None or play.move not in board.legal_moves:
            forfeit(side, f"makes an illegal move: {play.move}", "illegal")
            await player.restart()
            break
        adjudicator.record(side, white_cp(play.info))
        comments.append(format_comment(play.info, elapsed))
        board.push(play.move)

    game = chess.pgn.Game.from_board(board)
    game.headers["Event"] = config.event
    game.headers["Site"] = platform.node() or "?"
    game.headers["Date"] = datetime.date.today().strftime("%Y.%m.%d")
    game.headers["Round"] = str(number)
    game.headers["White"] = names[white]
    game.headers["Black"] = names[1 - white]
    game.headers["Result"] = result
    # PGN's "-": no time control (a node limit per move)
    game.headers["TimeControl"] = "-" if config.nodes is not None else f"{base:g}+{inc:g}"
    game.headers["Termination"] = {"normal": "normal", "time": "time forfeit",
                                   "illegal": "rules infraction", "crash": "abandoned",
                                   "hang": "abandoned", "adjudication": "adjudication"}[kind]
    game.headers["Opening"] = f"{config.book_name} #{opening_index + 1}"
    game.headers["PlyCount"] = str(len(board.move_stack))
    for node, text in zip(game.mainline(), comments):
        node.comment = text
    game.end().comment = ((game.end().comment + " ") if game.end().comment else "") + reason
    return GameResult(number=number, opening=opening_index, white=white, result=result,
                      reason=reason, kind=kind, loser=loser, pgn=str(game),
                      plies=len(board.move_stack))
