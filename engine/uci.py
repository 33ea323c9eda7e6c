"""UCI front end: the engine's conversation with a chess GUI on stdin/stdout.

Each command is parsed by a pure function (`parse_position`, `parse_go`,
`parse_setoption`) that raises ValueError naming what is wrong; `UciEngine`
keeps the I/O thin around them.  The search runs in a worker thread so that
`isready`, `stop` and `ponderhit` are answered while it thinks; every output
line goes through one lock so lines from the two threads never interleave.
`uci` is answered before the search, NumPy or the net are imported (a GUI
times the handshake); the net is loaded, and named in an `info string`, by
the first command that needs the searcher, normally `isready`.

Protocol: https://www.wbec-ridderkerk.nl/html/UCIProtocol.html
"""
from __future__ import annotations

import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, Tuple

from search import playing_searcher
from search.limits import DEFAULT_HASH_MB, Limits, MAX_THREADS, MOVE_OVERHEAD_MS

if TYPE_CHECKING:
    from search.result import Info

ENGINE_NAME = "Ladya"
ENGINE_AUTHOR = "the Ladya developers"

#: A UCI move (promotion letter lower case) or the null move "0000".
_MOVE_RE = re.compile(r"(?:[a-h][1-8][a-h][1-8][nbrq]?|0000)\Z")

# Limits of what the search can represent: C ints for milliseconds and depth.
MAX_MS = 2**31 - 1
MAX_DEPTH = 255
EVALFILE_DEFAULT = "<default>"          # the net shipped in nets/, or the bootstrap evaluation
EVALFILE_BOOTSTRAP = ("bootstrap", "none")   # EvalFile values that select the PeSTO evaluation
MAX_NODES = 2**63 - 1


def engine_version() -> str:
    from engine import __version__
    return __version__


def simd_path() -> str:
    """Which SIMD path the NNUE kernels run (chosen at import, LADYA_SIMD forces one)."""
    from nnue.accumulator import simd_path as nnue_simd_path
    return nnue_simd_path()


def load_network(path):
    """A nnue.network.Network from a file; ValueError/OSError with the reason."""
    from nnue.network import Network
    return Network(path)


def banner() -> str:
    """First line printed by `ladya`, in the style of Stockfish's."""
    return f"{ENGINE_NAME} {engine_version()} by {ENGINE_AUTHOR} (SIMD: {simd_path()})"


# ---------------------------------------------------------------------------
# Options


@dataclass(frozen=True)
class Option:
    """One `option name ...` line of the `uci` reply and the rules for its value."""
    name: str
    type: str                       #: 'spin' | 'check' | 'button' | 'string'
    default: object = None
    min: Optional[int] = None
    max: Optional[int] = None

    def uci(self) -> str:
        line = f"option name {self.name} type {self.type}"
        if self.type == "check":
            line += f" default {'true' if self.default else 'false'}"
        elif self.type == "spin":
            line += f" default {self.default} min {self.min} max {self.max}"
        elif self.type == "string":
            line += f" default {self.default or '<empty>'}"
        return line

    def coerce(self, value: Optional[str]):
        """The typed value of a `setoption` value string; ValueError if invalid."""
        if self.type == "button":
            return None
        if value is None:
            raise ValueError(f"option {self.name!r} needs a value")
        if self.type == "spin":
            try:
                v = int(value)
            except ValueError:
                raise ValueError(f"option {self.name!r} needs an integer, got {_show(value)}") from None
            if not self.min <= v <= self.max:
                raise ValueError(f"option {self.name!r} must be in {self.min}..{self.max}, got {v}")
            return v
        if self.type == "check":
            if value.lower() not in ("true", "false"):
                raise ValueError(f"option {self.name!r} needs true or false, got {_show(value)}")
            return value.lower() == "true"
        return "" if value == "<empty>" else value


OPTIONS: Tuple[Option, ...] = (
    Option("Threads", "spin", 1, 1, MAX_THREADS),
    Option("Hash", "spin", DEFAULT_HASH_MB, 1, 32768),
    Option("Clear Hash", "button"),
    Option("Ponder", "check", False),
    Option("MultiPV", "spin", 1, 1, 256),
    Option("Move Overhead", "spin", MOVE_OVERHEAD_MS, 0, 5000),
    Option("UCI_Chess960", "check", False),
    Option("EvalFile", "string", EVALFILE_DEFAULT),
)

# LADYA_TUNE=1 lists the search parameters (search/tunables.py) as spin
# options, for SPSA (training/spsa.py); a normal engine does not show them.
TUNE_ENV = "LADYA_TUNE"


def tune_options() -> Tuple[Option, ...]:
    """The search parameters as UCI options if LADYA_TUNE is set, else none."""
    if os.environ.get(TUNE_ENV, "") in ("", "0"):
        return ()
    from search.tunables import TUNABLES
    return tuple(Option(t.name, "spin", t.default, t.min, t.max) for t in TUNABLES)


# ---------------------------------------------------------------------------
# Pure parsers: tokens (the command word removed) -> values, ValueError if malformed


def _show(text: str, limit: int = 40) -> str:
    """Quote user input for a message: ASCII only, truncated."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return "'" + text.encode("ascii", "backslashreplace").decode("ascii") + "'"


def _check_moves(moves: Sequence[str], what: str) -> None:
    for m in moves:
        if not _MOVE_RE.match(m):
            raise ValueError(f"{what}: {_show(m)} is not a UCI move")


def parse_position(tokens: Sequence[str]) -> Tuple[Optional[str], List[str]]:
    """`position startpos|fen FEN [moves M...]` -> (FEN or None for startpos, moves).

    Only the syntax is checked here; the FEN and the legality of the moves
    are checked when the position is set up.

    >>> parse_position("startpos moves e2e4 e7e5".split())
    (None, ['e2e4', 'e7e5'])
    """
    if not tokens:
        raise ValueError("position: expected 'startpos' or 'fen'")
    head = tokens[0]
    if "moves" in tokens:
        i = tokens.index("moves")
        setup, moves = list(tokens[1:i]), list(tokens[i + 1:])
    else:
        setup, moves = list(tokens[1:]), []
    if head == "startpos":
        if setup:
            raise ValueError(f"position: unexpected {_show(setup[0])} after 'startpos'")
        fen = None
    elif head == "fen":
        if not setup:
            raise ValueError("position: 'fen' needs a FEN")
        if len(setup) > 6:
            raise ValueError(f"position: FEN has {len(setup)} fields, at most 6 expected")
        fen = " ".join(setup)
    else:
        raise ValueError(f"position: expected 'startpos' or 'fen', got {_show(head)}")
    _check_moves(moves, "position")
    return fen, moves


_GO_INTS = ("wtime", "btime", "winc", "binc", "movestogo", "movetime",
            "depth", "nodes", "mate", "perft")
_GO_FLAGS = ("infinite", "ponder")
_GO_KEYWORDS = _GO_INTS + _GO_FLAGS + ("searchmoves",)


def _go_int(key: str, text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise ValueError(f"go: {key!r} needs an integer, got {_show(text)}") from None
    if key in ("wtime", "btime", "winc", "binc"):
        # A flag-fallen clock may be reported negative: treat it as empty.
        return min(max(v, 0), MAX_MS)
    if key == "movestogo":
        if v < 0:
            raise ValueError(f"go: 'movestogo' must not be negative, got {v}")
        return min(v, 10**6)
    if key == "movetime":
        if v < 0:
            raise ValueError(f"go: 'movetime' must not be negative, got {v}")
        return min(v, MAX_MS)
    if v < 1:
        raise ValueError(f"go: {key!r} must be at least 1, got {v}")
    if key == "nodes":
        return min(v, MAX_NODES)
    return min(v, MAX_DEPTH)         # depth, mate, perft


def parse_go(tokens: Sequence[str]) -> Limits:
    """`go ...` -> Limits.

    A bare `go` (no limit at all) means `go infinite`, as GUIs expect.

    >>> parse_go("wtime 1000 btime 900 winc 10 binc 10".split()).btime
    900
    """
    limits = Limits()
    seen = set()
    i, n = 0, len(tokens)
    while i < n:
        key = tokens[i]
        if key not in _GO_KEYWORDS:
            raise ValueError(f"go: unknown parameter {_show(key)}")
        if key in seen:
            raise ValueError(f"go: {key!r} given twice")
        seen.add(key)
        i += 1
        if key in _GO_FLAGS:
            setattr(limits, key, True)
        elif key == "searchmoves":
            j = i
            while j < n and tokens[j] not in _GO_KEYWORDS:
                j += 1
            moves = list(tokens[i:j])
            if not moves:
                raise ValueError("go: 'searchmoves' needs at least one move")
            _check_moves(moves, "go searchmoves")
            if "0000" in moves:
                raise ValueError("go searchmoves: the null move cannot be searched")
            limits.searchmoves = moves
            i = j
        else:
            if i >= n:
                raise ValueError(f"go: {key!r} needs a value")
            setattr(limits, key, _go_int(key, tokens[i]))
            if key == "movestogo" and limits.movestogo == 0:
                limits.movestogo = None          # "0 moves to go": sudden death
            i += 1
    if limits.perft is not None and len(seen) > 1:
        raise ValueError("go: 'perft' takes no other parameter")
    if not seen - {"searchmoves"}:
        limits.infinite = True
    return limits


def parse_setoption(tokens: Sequence[str]) -> Tuple[str, Optional[str]]:
    """`setoption name NAME [value VALUE]` -> (NAME, VALUE or None).

    Names and values may contain spaces; `value` with nothing after it gives "".

    >>> parse_setoption("name Move Overhead value 100".split())
    ('Move Overhead', '100')
    """
    if not tokens or tokens[0] != "name":
        raise ValueError("setoption: expected 'name'")
    rest = list(tokens[1:])
    if "value" in rest:
        i = rest.index("value")
        name_tokens, value = rest[:i], " ".join(rest[i + 1:])
    else:
        name_tokens, value = rest, None
    if not name_tokens:
        raise ValueError("setoption: missing option name")
    return " ".join(name_tokens), value


def format_info(info: Info) -> str:
    """One `info` line from a search report (search.result.Info)."""
    if info.string is not None:
        return "info string " + info.string
    parts = ["info"]
    for key in ("depth", "seldepth", "multipv"):
        value = getattr(info, key)
        if value is not None:
            parts += [key, str(value)]
    if info.score is not None:
        parts += ["score", info.score.uci()]
        if info.lowerbound:
            parts.append("lowerbound")
        elif info.upperbound:
            parts.append("upperbound")
    for key, value in (("nodes", info.nodes), ("nps", info.nps), ("hashfull", info.hashfull),
                       ("time", info.time_ms)):
        if value is not None:
            parts += [key, str(value)]
    if info.pv:
        parts += ["pv"] + list(info.pv)
    return " ".join(parts)


def format_bestmove(bestmove: Optional[str], ponder: Optional[str] = None) -> str:
    """`bestmove X [ponder Y]`; "(none)" when there is no legal move, as Stockfish."""
    if not bestmove or bestmove == "0000":
        return "bestmove (none)"
    if ponder and ponder != "0000":
        return f"bestmove {bestmove} ponder {ponder}"
    return f"bestmove {bestmove}"


def board_diagram(pos) -> str:
    """The `d` command: board, FEN, Polyglot key and checkers, Stockfish-style."""
    from engine.notation import square_name
    sep = " +---+---+---+---+---+---+---+---+"
    lines = [sep]
    for rank in range(7, -1, -1):
        cells = [pos.piece_at(rank * 8 + f) or " " for f in range(8)]
        lines.append(" | " + " | ".join(cells) + f" | {rank + 1}")
        lines.append(sep)
    lines.append("   a   b   c   d   e   f   g   h")
    lines.append("")
    lines.append(f"Fen: {pos.fen()}")
    lines.append(f"Key: {pos.zobrist:016X}")
    lines.append("Checkers:" + "".join(" " + square_name(s) for s in pos.checkers()))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The engine loop


class UciEngine:
    """State of one UCI session: position, options, searcher, search thread."""

    def __init__(self, out=None, searcher_factory: Optional[Callable] = None):
        self._out = out if out is not None else sys.stdout
        self._out_lock = threading.Lock()
        self._factory = searcher_factory or playing_searcher
        self._option_list = OPTIONS + tune_options()
        self._tunables = {o.name for o in self._option_list[len(OPTIONS):]}
        self.options = {o.name: o.default for o in self._option_list}
        self._searcher = None                  # created on first use: Hash may come first
        self.pos = None
        self._thread: Optional[threading.Thread] = None
        self._limits: Optional[Limits] = None
        self._commands = {
            "uci": self._uci, "isready": self._isready, "ucinewgame": self._ucinewgame,
            "position": self._position, "go": self._go, "stop": self._stop,
            "ponderhit": self._ponderhit, "setoption": self._setoption, "debug": self._debug,
            "d": self._d, "eval": self._eval, "bench": self._bench,
        }

    # -- output

    def send(self, text: str) -> None:
        """Write lines and flush, under the lock shared with the search thread."""
        with self._out_lock:
            try:
                self._out.write(text + "\n")
                self._out.flush()
            except (OSError, ValueError):
                pass                           # GUI gone: nothing left to tell it

    def info_string(self, text: str) -> None:
        self.send("info string " + text)

    # -- state helpers

    @property
    def searcher(self):
        """The searcher, created by the first command that needs it (usually
        `isready`): `uci` is answered before the search, NumPy and the net
        are imported, and the evaluator set up here is reported then."""
        if self._searcher is None:
            self._searcher = self._factory(self.options["Hash"])
            if self.options["Threads"] != 1:
                self._searcher.set_threads(self.options["Threads"])
            if self.options["EvalFile"] not in ("", EVALFILE_DEFAULT):
                self._set_eval_file(self.options["EvalFile"])
            else:
                self._announce_eval()
        return self._searcher

    def _eval_description(self) -> str:
        name = getattr(self.searcher, "eval_name", "bootstrap")
        if getattr(self.searcher, "network", None) is None:
            from nnue import default_net_path
            why = ("the shipped net failed to load" if default_net_path() is not None
                   else "no NNUE net is loaded")
            return f"evaluation: {name}; {why} (set EvalFile to a .nnue file)"
        return f"evaluation: {name}"

    def _announce_eval(self) -> None:
        self.info_string(self._eval_description())

    def _set_eval_file(self, value: str) -> None:
        """Load a net for EvalFile; on failure keep the evaluator in use."""
        from nnue import default_net_path
        s = self._searcher
        if value.strip().lower() in EVALFILE_BOOTSTRAP:
            s.set_network(None)
            self.info_string(f"evaluation: {s.eval_name}")
            return
        path = default_net_path() if value in ("", EVALFILE_DEFAULT) else value
        if path is None:
            s.set_network(None)
            self._announce_eval()
            return
        try:
            net = load_network(path)
        except (ValueError, OSError) as exc:
            keeping = getattr(s, "eval_name", "the current evaluation")
            self.info_string(f"EvalFile {value}: {exc}; keeping {keeping}")
            return
        s.set_network(net)
        self.info_string(f"evaluation: {s.eval_name} from {path}")

    @property
    def position(self):
        if self.pos is None:
            from engine.position import Position
            self.pos = Position(None, True if self.options["UCI_Chess960"] else None)
        return self.pos

    @property
    def searching(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_search(self, timeout: Optional[float] = None) -> bool:
        """Stop the running search (if any) and wait for its bestmove line.

        Every command that touches the searcher or starts work of its own
        (go, ucinewgame, setoption, eval, bench, quit) calls this first, so
        the main thread never blocks on a search that waits for `stop`."""
        t = self._thread
        if t is None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        # stop() again while waiting: a stop that arrives before the worker is
        # inside search() could otherwise be lost to the search's own reset.
        while t.is_alive():
            self.searcher.stop()
            t.join(0.05)
            if deadline is not None and time.monotonic() > deadline:
                return False
        self._thread = None
        return True

    # -- dispatch

    def handle(self, line: str) -> bool:
        """Execute one input line; False once the session should end."""
        tokens = line.split()
        if not tokens:
            return True
        cmd, args = tokens[0], tokens[1:]
        if cmd == "quit":
            self.wait_search(timeout=5.0)
            return False
        fn = self._commands.get(cmd)
        if fn is None:
            self.info_string(f"unknown command {_show(line.strip())}")
            return True
        try:
            fn(args)
        except ValueError as exc:
            self.info_string(str(exc))
        except MemoryError:
            self.info_string(f"{cmd}: out of memory")
        except Exception as exc:               # a bug must not end the session
            self.info_string(f"{cmd}: internal error {exc!r}")
        return True

    def run(self, stream=None) -> int:
        """Read commands until `quit` or end of input."""
        stream = stream if stream is not None else sys.stdin.buffer
        for raw in stream:
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            if not self.handle(line):
                return 0
        self.wait_search(timeout=5.0)           # EOF: same as quit
        return 0

    # -- commands

    def _uci(self, args) -> None:
        lines = [f"id name {ENGINE_NAME} {engine_version()}", f"id author {ENGINE_AUTHOR}", ""]
        lines += [o.uci() for o in self._option_list]
        from nnue.accumulator import available_simd
        lines.append(f"info string SIMD: {simd_path()} (available: {' '.join(available_simd())})")
        lines.append("uciok")
        self.send("\n".join(lines))

    def _isready(self, args) -> None:
        try:
            self.searcher                      # load the net and allocate the hash table now, not in `go`
        finally:
            self.send("readyok")

    def _debug(self, args) -> None:
        if args not in (["on"], ["off"]):
            raise ValueError("debug: expected 'on' or 'off'")

    def _ucinewgame(self, args) -> None:
        self.wait_search()
        self.searcher.clear()

    def _position(self, args) -> None:
        from engine.position import Position
        fen, moves = parse_position(args)
        pos = Position(fen, True if self.options["UCI_Chess960"] else None)
        for i, m in enumerate(moves):
            try:
                if m == "0000":
                    pos.push_null()
                else:
                    pos.push_uci(m)
            except ValueError:
                raise ValueError(f"position: illegal move {_show(m)} (move {i + 1}) "
                                 f"in {pos.fen()}; position unchanged") from None
        self.pos = pos

    def _go(self, args) -> None:
        limits = parse_go(args)
        pos = self.position
        if limits.perft is not None:
            self.wait_search()
            self._perft(limits.perft)
            return
        for m in limits.searchmoves:
            if not pos.is_legal(m):
                raise ValueError(f"go searchmoves: illegal move {_show(m)}")
        self.wait_search()                     # a new go ends the previous search
        s = self.searcher
        s.multipv = self.options["MultiPV"]
        s.move_overhead = self.options["Move Overhead"]
        self._limits = limits
        self._thread = threading.Thread(target=self._search_worker, args=(pos.copy(), limits),
                                        name="ladya-search", daemon=True)
        self._thread.start()

    def _search_worker(self, pos, limits: Limits) -> None:
        try:
            res = self.searcher.search(pos, limits, self._on_info)
            best, ponder = res.bestmove, res.ponder
        except Exception as exc:               # never leave the GUI without a bestmove
            self.info_string(f"search failed: {exc!r}")
            legal = pos.legal_moves()
            best, ponder = (legal[0] if legal else None), None
        self.send(format_bestmove(best, ponder))

    def _on_info(self, info: Info) -> None:
        self.send(format_info(info))

    def _stop(self, args) -> None:
        self.wait_search()

    def _ponderhit(self, args) -> None:
        if self.searching:
            if self._limits is not None:
                self._limits.ponder = False    # in case the search has not started yet
            self.searcher.ponderhit()

    def _setoption(self, args) -> None:
        name, value = parse_setoption(args)
        opt = next((o for o in self._option_list if o.name.lower() == name.lower()), None)
        if opt is None:
            raise ValueError(f"setoption: no option named {_show(name)}")
        v = opt.coerce(value)
        self.wait_search()                     # the GUI should not do this mid-search
        if opt.name == "Hash":
            old = self.options["Hash"]
            if self._searcher is not None:
                try:
                    self._searcher.set_hash(v)
                except MemoryError:
                    self._searcher.set_hash(old)   # a failed resize leaves no table
                    raise ValueError(f"Hash {v}: cannot allocate it, keeping {old} MB") from None
            self.options["Hash"] = v
        elif opt.name == "Clear Hash":
            self.searcher.clear()
        elif opt.name == "Threads":
            if self._searcher is not None:
                try:
                    self._searcher.set_threads(v)
                except MemoryError:
                    raise ValueError(f"Threads {v}: cannot allocate them, keeping "
                                     f"{self.options['Threads']}") from None
            self.options["Threads"] = v
        elif opt.name in self._tunables:
            from search.search import set_params
            set_params({opt.name: v})          # process-wide, like every search of this engine
            self.options[opt.name] = v
        elif opt.name == "EvalFile":
            self.options["EvalFile"] = v
            if self._searcher is None:
                self.searcher                  # creates it and loads the file
            else:
                self._set_eval_file(v)
        else:
            self.options[opt.name] = v

    def _perft(self, depth: int) -> None:
        split = self.position.copy().perft_divide(depth)
        lines = [f"{m}: {n}" for m, n in split.items()]
        lines += ["", f"Nodes searched: {sum(split.values())}", ""]
        self.send("\n".join(lines))

    def _d(self, args) -> None:
        self.send(board_diagram(self.position))

    def _eval(self, args) -> None:
        self.wait_search()
        pos = self.position
        if pos.is_check():
            self.send("Final evaluation: none (in check)")
            return
        v = self.searcher.evaluate(pos)
        white = v if pos.turn else -v
        self.send(f"Final evaluation: {white / 100:+.2f} (white side)")

    def _bench(self, args) -> None:
        from engine import bench
        if len(args) > 1:
            raise ValueError("bench: expected at most one argument, the depth")
        depth = bench.DEFAULT_DEPTH
        if args:
            try:
                depth = int(args[0])
            except ValueError:
                raise ValueError(f"bench: depth must be an integer, got {_show(args[0])}") from None
            if not 1 <= depth <= MAX_DEPTH:
                raise ValueError(f"bench: depth must be in 1..{MAX_DEPTH}")
        self.wait_search()
        bench.run(depth, out=self.send, searcher_factory=self._factory)


def main(searcher_factory=None) -> int:
    """`ladya` with no arguments: banner, then UCI on stdin/stdout."""
    engine = UciEngine(searcher_factory=searcher_factory)
    engine.send(banner())
    try:
        return engine.run()
    except KeyboardInterrupt:
        return 0
