"""Ladya from Python: the engine's main objects under the names python-chess uses.

>>> import ladya
>>> engine = ladya.Engine()                     # the shipped net, as the `ladya` command plays
>>> result = engine.search(ladya.Position(), ladya.Limit(depth=8))
>>> result.bestmove in ladya.Position().legal_moves()
True
>>> result.score.is_mate(), isinstance(result.score.cp, int)
(False, True)

`Engine.search` also takes a `chess.Board` (its move stack is replayed, so
repetitions count).  The pieces are the engine's own:

- `Position`: the board, shaped like `chess.Board` (engine/position.pyx)
- `Limit`: what to search (`depth`, `nodes`, `movetime`, clocks...; search/limits.py)
- `Score` (`Cp`, `Mate`), `Info`, `SearchResult`: what the search reports (search/result.py)
- `Searcher`: the search itself, with its own table and threads (search/search.pyx)
- `load_net`: a `.nnue` file, or the net shipped with the package (nnue/network.pyx)
- `datagen`, `train`, `loop`: `ladya datagen|train|loop` as functions, with their
  configuration dataclasses `DatagenConfig`, `TrainConfig`, `LoopConfig` (training/)
- `play_match(MatchConfig(...))` -> `MatchResult`, with `EngineSpec` and `Sprt`: the
  match runner (training/match/); `SpsaConfig` and `tune`: SPSA of the search
  parameters (training/spsa.py)

Everything is imported on first use, so `import ladya` costs nothing and the
training code (NumPy, the trainer) loads only for `datagen`, `train` and `loop`.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Optional

from engine import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports them
    from engine.position import STARTING_FEN, Position
    from nnue.network import Network
    from search.limits import Limits as Limit
    from search.result import Cp, Info, Mate, Score, SearchResult
    from search.search import Searcher
    from training.datagen import DatagenConfig
    from training.loop import LoopConfig
    from training.train import TrainConfig
    from training.match import EngineSpec, MatchConfig, MatchResult, Sprt, play_match
    from training.spsa import SpsaConfig
    from training.spsa import run as tune

#: name -> (module, attribute) of everything imported on first use
_LAZY = {
    "Position": ("engine.position", "Position"),
    "STARTING_FEN": ("engine.position", "STARTING_FEN"),
    "Limit": ("search.limits", "Limits"),
    "Score": ("search.result", "Score"),
    "Cp": ("search.result", "Cp"),
    "Mate": ("search.result", "Mate"),
    "Info": ("search.result", "Info"),
    "SearchResult": ("search.result", "SearchResult"),
    "Searcher": ("search.search", "Searcher"),
    "Network": ("nnue.network", "Network"),
    "DatagenConfig": ("training.datagen", "DatagenConfig"),
    "TrainConfig": ("training.train", "TrainConfig"),
    "LoopConfig": ("training.loop", "LoopConfig"),
    "EngineSpec": ("training.match", "EngineSpec"),
    "MatchConfig": ("training.match", "MatchConfig"),
    "MatchResult": ("training.match", "MatchResult"),
    "Sprt": ("training.match", "Sprt"),
    "play_match": ("training.match", "play_match"),
    "SpsaConfig": ("training.spsa", "SpsaConfig"),
    "tune": ("training.spsa", "run"),
}

#: `Engine(net=DEFAULT_NET)`: the net shipped in the package (nets/default.nnue)
DEFAULT_NET = "default"

__all__ = ["Position", "STARTING_FEN", "Limit", "Score", "Cp", "Mate", "Info", "SearchResult",
           "Searcher", "Network", "load_net", "Engine", "DEFAULT_NET",
           "datagen", "train", "loop", "DatagenConfig", "TrainConfig", "LoopConfig",
           "EngineSpec", "MatchConfig", "MatchResult", "Sprt", "play_match", "SpsaConfig", "tune",
           "__version__"]


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'ladya' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value             # imported once
    return value


def __dir__():
    return __all__


def load_net(path=None) -> "Network":
    """The net in the `.nnue` file at `path`, or the one shipped with the
    package; ValueError (a damaged file) or OSError with the reason."""
    from nnue import default_net_path
    from nnue.network import Network
    if path is None:
        path = default_net_path()
        if path is None:
            raise FileNotFoundError("no net is shipped with this installation (nets/default.nnue)")
    return Network(path)


def _position(board) -> "Position":
    """A Position from a Position, a FEN, or a chess.Board with its moves."""
    from engine.position import Position
    if isinstance(board, Position):
        return board
    if isinstance(board, str):
        return Position(board)
    if hasattr(board, "move_stack") and hasattr(board, "root"):     # chess.Board
        pos = Position(board.root().fen(), True if board.chess960 else None)
        for move in board.move_stack:
            if move:
                pos.push_uci(move.uci())
            else:
                pos.push_null()
        return pos
    raise TypeError(f"expected a Position, a FEN or a chess.Board, got {type(board).__name__}")


class Engine:
    """The engine in this process: a `Searcher` evaluating with a net.

    Engine() evaluates with the shipped net, as the `ladya` command plays;
    Engine(net="my.nnue") with another file, Engine(net=None) with the
    bootstrap (PeSTO) evaluation.  The transposition table and histories
    persist between searches, as in a game; `clear()` forgets them.
    """

    def __init__(self, net: Optional[str] = DEFAULT_NET, *, hash_mb: int = 16, threads: int = 1):
        from search.search import Searcher
        self.searcher = Searcher(hash_mb=hash_mb, threads=threads)
        if net is not None:
            self.searcher.set_network(load_net(None if net == DEFAULT_NET else net))

    def search(self, board, limit, on_info: Optional[Callable] = None) -> "SearchResult":
        """Search a Position, FEN or chess.Board under `limit` (a Limit);
        `on_info(Info)` is called with each report while it runs."""
        return self.searcher.search(_position(board), limit, on_info)

    def evaluate(self, board) -> int:
        """Static evaluation in centipawns, from the side to move's view."""
        return self.searcher.evaluate(_position(board))

    def stop(self) -> None:
        """End a running search (from another thread); it returns its best move."""
        self.searcher.stop()

    def clear(self) -> None:
        """Forget the table and histories (a new game)."""
        self.searcher.clear()

    @property
    def eval_name(self) -> str:
        return self.searcher.eval_name

    def __repr__(self) -> str:
        return f"<ladya.Engine {self.eval_name}, {self.searcher.threads} thread(s)>"


def _configured(cls, config, fields):
    import dataclasses
    if config is None:
        return cls(**fields)
    return dataclasses.replace(config, **fields) if fields else config


def datagen(config: Optional["DatagenConfig"] = None, **fields) -> dict:
    """`ladya datagen`: self-play training data.  Give a DatagenConfig or
    its fields (``datagen(out="data/", positions=10_000)``); returns the
    summary (positions, games, speed)."""
    from training.datagen import DatagenConfig, run
    return run(_configured(DatagenConfig, config, fields))


def train(config: Optional["TrainConfig"] = None, **fields) -> dict:
    """`ladya train`: fit a net to data and export it
    (``train(data=["data/"], out="my.nnue")``); returns the final report."""
    from training.train import TrainConfig, train as run_training
    return run_training(_configured(TrainConfig, config, fields))


def loop(config: Optional["LoopConfig"] = None, **fields) -> dict:
    """`ladya loop`: generations of self-play, training and a gating match
    (``loop(workdir="run/", generations=3)``); returns the loop's state."""
    from training.loop import Loop, LoopConfig
    return Loop(_configured(LoopConfig, config, fields)).run()
