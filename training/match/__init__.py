"""The match runner: engine against engine (UCI or xboard, via python-chess)
in games from an opening book, each opening played with both colours.

    from training.match import EngineSpec, MatchConfig, Sprt, play_match
    result = play_match(MatchConfig(
        engine1=EngineSpec(options={"EvalFile": "new.nnue"}, name="new"),
        engine2=EngineSpec(options={"EvalFile": "old.nnue"}, name="old"),
        games=200, tc="5+0.05", sprt=Sprt(0, 10, 0.05, 0.05)))
    result.wins, result.draws, result.losses, result.pentanomial, result.elo(), result.decision

`EngineSpec()` is Ladya as installed for this Python.  The files:
engines.py (engine processes, the xboard shim), rules.py (when a game is
over, adjudication), game.py (one game: clocks, forfeits, PGN), result.py
(MatchResult, Sprt), runner.py (MatchConfig, the match) and cli.py
(`python -m training.match`).
"""
from training.match.engines import EngineSpec, edit_commands, ladya_command
from training.match.game import GameResult
from training.match.result import MatchResult, Sprt, parse_sprt
from training.match.rules import Adjudicator, game_outcome
from training.match.runner import MatchConfig, parse_tc, play_match, run_match

__all__ = ["Adjudicator", "EngineSpec", "GameResult", "MatchConfig", "MatchResult", "Sprt",
           "edit_commands", "game_outcome", "ladya_command", "parse_sprt", "parse_tc",
           "play_match", "run_match"]
