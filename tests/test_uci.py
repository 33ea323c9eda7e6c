"""The engine process driven over UCI, by python-chess's client and by raw lines.

python-chess is the oracle for legality, perft counts, FENs, checkmates and
draws.  Timeouts here only keep a broken engine from hanging the suite.
"""
import os
import queue
import random
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import chess
import chess.engine
import pytest

from nnue import default_net_path

ROOT = Path(__file__).resolve().parents[1]
OPTION_NAMES = ["Threads", "Hash", "Clear Hash", "Ponder", "MultiPV", "Move Overhead",
                "UCI_Chess960", "EvalFile"]


def engine_command():
    """The engine under test: $LADYA_ENGINE_CMD, else this checkout, else `ladya`."""
    if os.environ.get("LADYA_ENGINE_CMD"):
        return shlex.split(os.environ["LADYA_ENGINE_CMD"])
    if (ROOT / "engine" / "__main__.py").exists():
        return [sys.executable, "-m", "engine"]
    return [shutil.which("ladya") or "ladya"]


@pytest.fixture
def engine():
    eng = chess.engine.SimpleEngine.popen_uci(engine_command(), cwd=ROOT, timeout=60)
    yield eng
    eng.quit()


class RawEngine:
    """The engine process spoken to line by line (for what python-chess hides)."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(engine_command() + list(args), cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _pump(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        self.lines.put(None)                  # end of output

    def send(self, *lines):
        data = "".join(line + "\n" for line in lines)
        self.proc.stdin.write(data.encode() if isinstance(data, str) else data)
        self.proc.stdin.flush()

    def send_bytes(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read_until(self, predicate, timeout=60.0):
        """Lines read up to and including the first matching one."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching line within {timeout}s; got {out[-20:]}")
            if line is None:
                raise AssertionError(f"engine output ended; got {out[-20:]}")
            out.append(line)
            if predicate(line):
                return out

    def sync(self, timeout=60.0):
        """Send isready; the lines printed before its readyok."""
        self.send("isready")
        return self.read_until(lambda s: s == "readyok", timeout)[:-1]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
            except OSError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def handshake(eng):
    """What a GUI does first: `uci` ... `uciok`, then `isready`, which loads
    the net and names it in one `info string` before `readyok`."""
    eng.send("uci")
    eng.read_until(lambda s: s == "uciok")
    lines = eng.sync()
    assert len(lines) == 1 and lines[0].startswith("info string evaluation: "), lines


@pytest.fixture
def cold():
    """The engine before any command (only the banner read)."""
    eng = RawEngine()
    eng.read_until(lambda s: s.startswith("Ladya"))      # the banner
    yield eng
    eng.close()
    assert not any(b"Traceback" in line for line in eng.stderr), b"".join(eng.stderr)


@pytest.fixture
def raw(cold):
    """The engine after the handshake."""
    handshake(cold)
    return cold


def bestmoves(lines):
    return [s for s in lines if s.startswith("bestmove")]


# -- handshake and options ---------------------------------------------------

def test_banner_is_first_line():
    eng = RawEngine()
    try:
        first = eng.read_until(lambda s: True)[0]
        assert re.fullmatch(r"Ladya \S+ by the Ladya developers \(SIMD: \w+\)", first)
    finally:
        eng.close()


#: What `uci` must not wait for: NumPy, python-chess, the search, the net
#: file format, the trainer (all imported by `isready` or later, if at all)
HEAVY_MODULES = ("numpy", "chess", "search.search", "nnue.format", "training")


def _cold_session(commands):
    """The `ladya` command's main() in a fresh interpreter fed `commands`
    (then end of input): its output, and the heavy modules it imported."""
    code = ("import sys\n"
            "from engine.cli import main\n"
            "main([])\n"
            f"heavy = {HEAVY_MODULES!r}\n"
            "print('imported:', *sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, input="".join(c + "\n" for c in commands),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    lines = run.stdout.splitlines()
    return lines[:-1], lines[-1].split()[1:]


def test_uci_is_answered_before_the_search_and_the_net_are_imported():
    """`uci` -> `uciok` from a cold start imports only what the reply needs
    (GUIs time the handshake; the figure is in benchmarks/uci_startup.py);
    `isready` then loads the search and the net, and names the net before
    `readyok`."""
    out, imported = _cold_session(["uci"])
    assert out[-1] == "uciok" and any(s.startswith("id name Ladya") for s in out), out
    assert not any("evaluation" in s for s in out), out
    assert imported == [], imported
    out, imported = _cold_session(["uci", "isready"])
    assert out[-1] == "readyok" and out[-2].startswith("info string evaluation: "), out
    assert "search.search" in imported and "chess" not in imported and "training" not in imported
    if default_net_path() is not None:
        assert out[-2].startswith("info string evaluation: NNUE"), out
        assert "numpy" in imported and "nnue.format" in imported, imported


def test_handshake_declares_options(engine):
    assert engine.id["name"].startswith("Ladya")
    assert engine.id["author"]
    opts = engine.options
    for name in OPTION_NAMES:
        assert name in opts, name
    assert (opts["Hash"].type, opts["Hash"].default, opts["Hash"].min) == ("spin", 16, 1)
    assert (opts["Threads"].type, opts["Threads"].default) == ("spin", 1)
    assert (opts["MultiPV"].min, opts["MultiPV"].max) == (1, 256)
    assert (opts["Move Overhead"].default, opts["Move Overhead"].min,
            opts["Move Overhead"].max) == (30, 0, 5000)
    assert opts["Ponder"].type == "check" and opts["UCI_Chess960"].type == "check"
    assert opts["Clear Hash"].type == "button"
    assert opts["EvalFile"].type == "string"


def test_configure_unmanaged_options(engine):
    engine.configure({"Hash": 8, "Threads": 1, "Move Overhead": 100, "EvalFile": "some.nnue"})
    engine.configure({"Clear Hash": None})
    result = engine.play(chess.Board(), chess.engine.Limit(depth=3))
    assert result.move in chess.Board().legal_moves


@pytest.mark.parametrize("name,value,complaint", [
    ("Hash", "4", False), ("Hash", "0", True), ("Hash", "lots", True),
    ("Threads", "1", False), ("Threads", "4", False), ("Threads", "257", True),
    ("Threads", "0", True),
    ("MultiPV", "2", False), ("MultiPV", "0", True), ("MultiPV", "257", True),
    ("Ponder", "true", False), ("Ponder", "maybe", True),
    ("Move Overhead", "0", False), ("Move Overhead", "5000", False),
    ("Move Overhead", "5001", True),
    ("UCI_Chess960", "false", False), ("UCI_Chess960", "1", True),
    ("EvalFile", "net.nnue", True),                       # stored, with a note
    ("Clear Hash", None, False),
    ("No Such Option", "1", True),
])
@pytest.mark.parametrize("when", ["before isready", "after isready"])
def test_setoption_each_option(cold, name, value, complaint, when):
    """Each option set as GUIs do, between `uciok` and the first `isready`
    (the net not loaded yet), and later: one `info string` for a bad value,
    none for a good one (besides the evaluator's, named once at its setup)."""
    cold.send("uci")
    cold.read_until(lambda s: s == "uciok")
    if when == "after isready":
        handshake(cold)
    cold.send(f"setoption name {name}" + ("" if value is None else f" value {value}"))
    lines = [s for s in cold.sync() if s.startswith("info string")]
    if when == "before isready" and name != "EvalFile":
        assert lines and lines[-1].startswith("info string evaluation: "), lines
        lines = lines[:-1]
    assert len(lines) == (1 if complaint else 0), lines
    cold.send("position startpos", "go depth 2")
    assert cold.read_until(lambda s: s.startswith("bestmove"))[-1] != "bestmove (none)"


def test_option_names_case_insensitive(raw):
    raw.send("setoption name multipv value 2", "position startpos", "go depth 3")
    lines = raw.read_until(lambda s: s.startswith("bestmove"))
    assert any(" multipv 2 " in s for s in lines)


def test_multipv_three_distinct_lines(engine):
    board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    infos = engine.analyse(board, chess.engine.Limit(depth=5), multipv=3)
    assert len(infos) == 3
    firsts = [info["pv"][0] for info in infos]
    assert len(set(firsts)) == 3
    for info in infos:
        b = board.copy()
        for move in info["pv"]:
            assert move in b.legal_moves
            b.push(move)
    scores = [info["score"].relative for info in infos]
    assert scores == sorted(scores, reverse=True)


# -- threads: isready, stop, quit, ponderhit ----------------------------------

def test_isready_during_search(raw):
    raw.send("position startpos", "go infinite")
    raw.read_until(lambda s: s.startswith("info depth"))
    raw.send("isready")
    before = raw.read_until(lambda s: s == "readyok")
    assert not bestmoves(before)
    raw.send("stop")
    lines = raw.read_until(lambda s: s.startswith("bestmove"))
    move = lines[-1].split()[1]
    assert chess.Move.from_uci(move) in chess.Board().legal_moves
    assert not bestmoves(raw.sync())                    # exactly one bestmove


def test_stop_when_idle(raw):
    raw.send("stop", "stop", "ponderhit")
    assert raw.sync() == []
    raw.send("position startpos", "go depth 2")
    raw.read_until(lambda s: s.startswith("bestmove"))
    raw.send("stop")
    assert raw.sync() == []


def test_go_during_search_stops_the_old_one(raw):
    raw.send("position startpos", "go infinite")
    raw.read_until(lambda s: s.startswith("info depth"))
    raw.send("position startpos moves e2e4", "go depth 3")
    first = raw.read_until(lambda s: s.startswith("bestmove"))
    second = raw.read_until(lambda s: s.startswith("bestmove"))
    assert chess.Move.from_uci(first[-1].split()[1]) in chess.Board().legal_moves
    after_e4 = chess.Board()
    after_e4.push_uci("e2e4")
    assert chess.Move.from_uci(second[-1].split()[1]) in after_e4.legal_moves
    assert not bestmoves(raw.sync())


def test_go_stop_back_to_back(raw):
    """A stop (or ponderhit) right behind its go must not be lost."""
    raw.send("position startpos moves d2d4")
    for _ in range(40):
        raw.send("go infinite", "stop")
    for _ in range(10):
        raw.send("go ponder wtime 200 btime 200", "ponderhit")
    raw.send("go infinite", "go depth 1")    # the second go ends the first
    seen = []
    raw.read_until(lambda s: s.startswith("bestmove") and seen.append(s) is None
                   and len(seen) == 52)
    assert not bestmoves(raw.sync())
    board = chess.Board()
    board.push_uci("d2d4")
    assert all(chess.Move.from_uci(s.split()[1]) in board.legal_moves for s in seen)


def test_quit_during_search_exits():
    eng = RawEngine()
    try:
        eng.send("position startpos", "go infinite")
        eng.read_until(lambda s: s.startswith("info depth"))
        eng.send("quit")
        assert eng.proc.wait(timeout=15) == 0
    finally:
        eng.close()


@pytest.mark.parametrize("threads", [3, 8])
def test_threads_with_stop_isready_ponderhit_quit(threads):
    """Helper threads change nothing of the protocol: isready answers at
    once, stop and ponderhit end the search with one legal bestmove, node
    limits hold for the sum of all threads, quit ends the process."""
    eng = RawEngine()
    try:
        eng.send(f"setoption name Threads value {threads}", "isready")
        eng.read_until(lambda s: s == "readyok")
        fen = "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3"
        legal = {m.uci() for m in chess.Board(fen).legal_moves}
        eng.send(f"position fen {fen}", "go infinite")
        eng.read_until(lambda s: s.startswith("info depth"))
        eng.send("isready")
        assert not bestmoves(eng.read_until(lambda s: s == "readyok"))
        eng.send("stop")
        assert eng.read_until(lambda s: s.startswith("bestmove"))[-1].split()[1] in legal
        eng.send("go ponder wtime 10000 btime 10000")
        eng.read_until(lambda s: s.startswith("info depth"))
        eng.send("ponderhit")
        assert eng.read_until(lambda s: s.startswith("bestmove"))[-1].split()[1] in legal
        eng.send("go nodes 40000")
        lines = eng.read_until(lambda s: s.startswith("bestmove"))
        assert lines[-1].split()[1] in legal
        nodes = [int(x.split(" nodes ")[1].split()[0]) for x in lines if " nodes " in x]
        assert 0 < max(nodes) <= 40000 + threads * 2048
        eng.send("go infinite")
        eng.read_until(lambda s: s.startswith("info depth"))
        eng.send("quit")
        assert eng.proc.wait(timeout=15) == 0
    finally:
        eng.close()


def test_eof_is_quit():
    eng = RawEngine()
    try:
        eng.send("position startpos", "go infinite")
        eng.read_until(lambda s: s.startswith("info depth"))
        eng.proc.stdin.close()
        assert eng.proc.wait(timeout=15) == 0
    finally:
        eng.close()


def _info_time(line):
    """The `time` of an `info` line, in ms (-1 if it has none)."""
    words = line.split()
    return int(words[words.index("time") + 1]) if line.startswith("info") and "time" in words else -1


@pytest.mark.parametrize("end", ["ponderhit", "stop"])
def test_pondering_searches_past_the_clock_until_ponderhit_or_stop(raw, end):
    """`go ponder` with 100 ms on each clock: not the engine's time yet, so
    it searches on, far past the whole clock, without a bestmove and still
    answering isready; `ponderhit` makes the clock its own and the search
    ends by itself, `stop` ends it at once: one legal bestmove either way,
    its ponder move a legal reply."""
    raw.send("position startpos moves e2e4 e7e5", "go ponder wtime 100 btime 100 winc 0 binc 0")
    lines = raw.read_until(lambda s: s.startswith("bestmove") or _info_time(s) >= 300)
    assert not bestmoves(lines), lines[-5:]
    raw.send("isready")
    assert not bestmoves(raw.read_until(lambda s: s == "readyok"))
    raw.send(end)
    lines = raw.read_until(lambda s: s.startswith("bestmove"), timeout=30)
    words = lines[-1].split()
    board = chess.Board()
    board.push_uci("e2e4")
    board.push_uci("e7e5")
    move = chess.Move.from_uci(words[1])
    assert move in board.legal_moves
    if len(words) == 4:
        assert words[2] == "ponder"
        board.push(move)
        assert chess.Move.from_uci(words[3]) in board.legal_moves
    assert not bestmoves(raw.sync())                    # exactly one bestmove


def test_searchmoves_restricts_root(raw):
    raw.send("position startpos", "go depth 4 searchmoves a2a3 h2h3")
    lines = raw.read_until(lambda s: s.startswith("bestmove"))
    assert lines[-1].split()[1] in ("a2a3", "h2h3")


def test_no_legal_move_gives_none(raw):
    raw.send("position fen 7k/6Q1/6K1/8/8/8/8/8 b - - 0 1", "go depth 3")
    assert raw.read_until(lambda s: s.startswith("bestmove"))[-1] == "bestmove (none)"


# -- bad input ----------------------------------------------------------------

BAD_LINES = [
    "hello",
    "position",
    "position startpos moves e2e5",
    "position startpos moves e2e4 e7e5 e1e2 e8e7 e2e1 e7e8 e1e2 e8e7 e2e1 e7e8 a1a1",
    "position fen 8/8/8/8/8/8/8/8 w - - 0 1",                     # no kings
    "position fen 4k3/8/8/8/8/8/8/4K2R b - - 0 1 extra",
    "position fen rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR x KQkq - 0 1",
    "position fen 4k3/4R3/8/8/8/8/8/4K3 w - - 0 1",                # side not to move in check
    "position fen P3k3/8/8/8/8/8/8/4K3 w - - 0 1",                 # pawn on the last rank
    "go depth",
    "go depth -1",
    "go wibble",
    "go perft x",
    "go searchmoves e2e5",
    "setoption",
    "setoption name",
    "setoption name Hash value -5",
    "setoption name Frobnicate value 3",
    "debug sometimes",
    "bench x",
]


def test_bad_lines_one_info_string_each(raw):
    raw.send("position startpos moves e2e4")
    assert raw.sync() == []
    for line in BAD_LINES:
        raw.send(line)
        lines = raw.sync()
        assert len(lines) == 1 and lines[0].startswith("info string "), (line, lines)
    # The position set before the bad ones is intact.
    raw.send("d")
    lines = raw.read_until(lambda s: s.startswith("Checkers:"))
    board = chess.Board()
    board.push_uci("e2e4")
    assert f"Fen: {board.fen()}" in lines


def test_fuzz_random_lines(raw):
    """Thousands of seeded random and mangled lines; the engine must survive."""
    rng = random.Random(20240517)
    words = ["uci", "isready", "ucinewgame", "position", "startpos", "fen", "moves", "go",
             "stop", "ponderhit", "setoption", "name", "value", "Hash", "MultiPV", "Threads",
             "Move", "Overhead", "Clear", "UCI_Chess960", "Ponder", "EvalFile", "true", "false",
             "depth", "nodes", "movetime", "wtime", "btime", "winc", "binc", "movestogo", "mate",
             "infinite", "ponder", "searchmoves", "d", "eval", "debug", "e2e4", "e7e5",
             "g1f3", "0000", "e1g1", "a7a8q", "-1", "0", "1", "2", "3", "99999999999999999999",
             "8/8/8/8/8/8/8/K6k", "w", "b", "-", "KQkq", "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR"]
    valid = ["position startpos", "position startpos moves e2e4 e7e5 g1f3",
             "position fen r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1 moves e1g1",
             "go depth 2", "go nodes 500", "go movetime 5", "go infinite", "go wtime 50 btime 50",
             "go ponder wtime 50 btime 50", "ponderhit", "stop", "isready", "ucinewgame",
             "setoption name MultiPV value 2", "setoption name MultiPV value 1",
             "setoption name Hash value 2", "setoption name Clear Hash", "d", "eval",
             "go perft 2", "setoption name UCI_Chess960 value true",
             "setoption name UCI_Chess960 value false"]
    lines = []
    for _ in range(3000):
        r = rng.random()
        if r < 0.3:
            line = rng.choice(valid)
        elif r < 0.75:
            line = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        elif r < 0.9:
            base = list(rng.choice([v for v in valid if "perft" not in v]))  # no perft 9
            for _ in range(rng.randint(1, 4)):
                base[rng.randrange(len(base))] = chr(rng.randint(32, 126))
            line = "".join(base)
        else:
            line = "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(0, 30)))
        lines.append(line.replace("\n", " ").replace("\r", " "))
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n\xff\xfe garbage \x00\n"
    for i in range(0, len(data), 4096):
        raw.send_bytes(data[i:i + 4096])
    raw.send("stop")
    raw.sync(timeout=120)
    assert raw.proc.poll() is None
    raw.send("setoption name UCI_Chess960 value false", "setoption name MultiPV value 1",
             "position startpos", "go depth 2")
    move = raw.read_until(lambda s: s.startswith("bestmove"))[-1].split()[1]
    assert chess.Move.from_uci(move) in chess.Board().legal_moves


# -- perft, d, eval, bench ----------------------------------------------------

def _perft(board, depth):
    if depth == 0:
        return 1
    total = 0
    for move in board.legal_moves:
        board.push(move)
        total += _perft(board, depth - 1)
        board.pop()
    return total


def test_go_perft(raw):
    fen = "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"
    raw.send(f"position fen {fen}", "go perft 2")
    lines = raw.read_until(lambda s: s.startswith("Nodes searched:"))
    board = chess.Board(fen)
    split = dict(s.split(": ") for s in lines if re.fullmatch(r"[a-h][1-8][a-h][1-8][nbrq]?: \d+", s))
    expected = {}
    for move in board.legal_moves:
        board.push(move)
        expected[move.uci()] = str(_perft(board, 1))
        board.pop()
    assert split == expected
    assert lines[-1] == "Nodes searched: 2039"                 # published count, Kiwipete


def test_go_perft_3_after_moves(raw):
    raw.send("position startpos moves e2e4 c7c5", "go perft 3")
    lines = raw.read_until(lambda s: s.startswith("Nodes searched:"))
    board = chess.Board()
    board.push_uci("e2e4")
    board.push_uci("c7c5")
    assert lines[-1] == f"Nodes searched: {_perft(board, 3)}"
    assert len([s for s in lines if ": " in s and not s.startswith("Nodes")]) == board.legal_moves.count()


def test_d_shows_fen_and_checkers(raw):
    raw.send("position startpos moves e2e4 f7f5 d1h5", "d")
    lines = raw.read_until(lambda s: s.startswith("Checkers:"))
    board = chess.Board()
    for m in ["e2e4", "f7f5", "d1h5"]:
        board.push_uci(m)
    assert f"Fen: {board.fen()}" in lines
    assert lines[-1].split()[1:] == [chess.square_name(sq) for sq in board.checkers()] == ["h5"]
    assert any(s.startswith("Key: ") for s in lines)


def _eval(raw, fen):
    raw.send(f"position fen {fen}", "eval")
    line = raw.read_until(lambda s: s.startswith("Final evaluation"))[-1]
    m = re.fullmatch(r"Final evaluation: ([+-]\d+\.\d\d) \(white side\)", line)
    assert m, line
    return float(m.group(1))


def test_eval_white_view_and_symmetry(raw):
    fen = "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3"
    mirrored = chess.Board(fen).mirror().fen()
    assert _eval(raw, fen) == -_eval(raw, mirrored)
    up_queen = "4k3/pppppppp/8/8/8/8/PPPPPPPP/3QK3 b - - 0 1"     # White a queen up
    assert _eval(raw, up_queen) > 3
    assert _eval(raw, chess.Board(up_queen).mirror().fen()) < -3
    raw.send("position startpos moves e2e4 f7f5 d1h5", "eval")
    assert raw.read_until(lambda s: s.startswith("Final evaluation"))[-1] == \
        "Final evaluation: none (in check)"


BENCH_LINE = re.compile(r"Position +\d+/\d+: bestmove (\S+) +(cp -?\d+|mate -?\d+) +nodes +(\d+)  (.+)")


def _check_bench_output(lines):
    from engine.bench import BENCH_FENS
    per_position = [BENCH_LINE.fullmatch(s) for s in lines if s.startswith("Position")]
    assert len(per_position) == len(BENCH_FENS) and all(per_position)
    for m, fen in zip(per_position, BENCH_FENS):
        assert m.group(4) == fen
        assert chess.Move.from_uci(m.group(1)) in chess.Board(fen).legal_moves
    assert re.fullmatch(r"Nodes searched: \d+", lines[-2])
    assert re.fullmatch(r"Nodes/second: \d+", lines[-1])
    total = int(lines[-2].split()[-1])
    assert total == sum(int(m.group(3)) for m in per_position) > 0
    return total


def test_bench_command_deterministic(raw):
    raw.send("bench 3")
    first = _check_bench_output(raw.read_until(lambda s: s.startswith("Nodes/second")))
    raw.send("setoption name MultiPV value 3", "setoption name Hash value 1", "bench 3")
    second = _check_bench_output(raw.read_until(lambda s: s.startswith("Nodes/second")))
    assert first == second


def test_bench_cli_is_the_uci_bench(raw):
    """`ladya bench` and UCI `bench` are one bench: the same node count, and
    the same again on a second run."""
    cli = []
    for _ in range(2):
        proc = subprocess.run(engine_command() + ["bench", "3"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        cli.append(_check_bench_output(proc.stdout.splitlines()))
    raw.send("bench 3")
    uci = _check_bench_output(raw.read_until(lambda s: s.startswith("Nodes/second")))
    assert cli[0] == cli[1] == uci


# -- search results checked by python-chess -------------------------------------

def _mate_in(board, n):
    """Can the side to move force mate in at most n moves? (plain search, checks first)"""
    moves = sorted(board.legal_moves, key=lambda m: not board.gives_check(m))
    for move in moves:
        board.push(move)
        ok = board.is_checkmate() or (n > 1 and not board.is_game_over() and
                                      all(_mate_after(board, r, n - 1) for r in list(board.legal_moves)))
        board.pop()
        if ok:
            return True
    return False


def _mate_after(board, reply, n):
    board.push(reply)
    ok = _mate_in(board, n)
    board.pop()
    return ok


MATE_DEPTH = 16


@pytest.mark.parametrize("fen,n", [
    ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", 1),
    ("r1bqkb1r/pppp1ppp/2n2n2/4p2Q/2B1P3/8/PPPP1PPP/RNB1K1NR w KQkq - 4 4", 1),
    ("k7/8/2K5/8/8/8/8/7R w - - 0 1", 2),
    ("1rb4r/pkPp3p/1b1P3n/1Q6/N3Pp2/8/P1P3PP/7K w - - 1 1", 2),
    ("r2qkb1r/pp2nppp/3p4/2pNN1B1/2BnP3/3P4/PPP2PPP/R2bK2R w KQkq - 1 10", 2),
    ("r5rk/5p1p/5R2/4B3/8/8/7P/7K w - - 0 1", 3),
    ("1k6/8/8/2K5/8/8/8/7R w - - 0 1", 3),
    ("r1b1kb1r/pppp1ppp/5q2/4n3/3KP3/2N3PN/PPP4P/R1BQ1B1R b kq - 0 1", 3),
    ("2r3k1/p4p2/3Rp2p/1p2P1pK/8/1P4P1/P3Q2P/1q6 b - - 0 1", 3),
])
def test_mate_in_n(engine, fen, n):
    board = chess.Board(fen)
    assert _mate_in(board, n) and (n == 1 or not _mate_in(board, n - 1))   # the oracle
    # Generous depth: mates whose key move is a quiet king move (the KRK ones)
    # are pruned at low depth and appear exactly only from depth 12-14.
    info = engine.analyse(board, chess.engine.Limit(depth=MATE_DEPTH))
    assert info["score"].relative == chess.engine.Mate(n)
    pv = info["pv"]
    assert len(pv) == 2 * n - 1
    for move in pv:
        assert move in board.legal_moves
        board.push(move)
    assert board.is_checkmate()


def test_getting_mated_in_1(engine):
    board = chess.Board("k7/8/1K6/8/8/8/8/7R b - - 0 1")
    assert all(_mate_after(board, m, 1) for m in list(board.legal_moves))  # the oracle
    info = engine.analyse(board, chess.engine.Limit(depth=MATE_DEPTH))
    assert info["score"].relative == chess.engine.Mate(-1)
    board.push(info["pv"][0])
    board.push(info["pv"][1])
    assert board.is_checkmate()


def test_threefold_repetition_is_a_draw(engine):
    # White (a knight against a queen) can repeat the position a third time.
    board = chess.Board("k7/8/8/8/8/8/q7/6NK b - - 0 1")
    for m in ["a8b8", "g1f3", "b8a8", "f3g1", "a8b8", "g1f3", "b8a8"]:
        board.push_uci(m)
    info = engine.analyse(board, chess.engine.Limit(depth=6))
    assert info["score"].relative == chess.engine.Cp(0)
    board.push(info["pv"][0])
    assert board.is_repetition(3)


def test_fifty_move_rule_is_a_draw(engine):
    # White, a rook down with nothing to capture, reaches move 100 of the count.
    board = chess.Board("k7/8/8/8/8/8/r7/6NK w - - 99 120")
    info = engine.analyse(board, chess.engine.Limit(depth=6))
    assert info["score"].relative == chess.engine.Cp(0)
    board.push(info["pv"][0])
    assert board.is_fifty_moves()


def _play_game(white, black, board, limit, max_plies, ponder=False):
    engines = {chess.WHITE: white, chess.BLACK: black}
    while not board.is_game_over(claim_draw=True) and board.ply() < max_plies:
        player = engines[board.turn]
        if callable(player):
            move = player(board)
        else:
            move = player.play(board, limit, ponder=ponder).move
        assert move in board.legal_moves, (board.fen(), move)
        board.push(move)
    return board


@pytest.mark.slow
def test_games_against_random_mover(engine):
    rng = random.Random(7)

    def random_mover(board):
        return rng.choice(list(board.legal_moves))

    limit = chess.engine.Limit(white_clock=1, black_clock=1, white_inc=0.01, black_inc=0.01)
    for engine_white in (True, False):
        white, black = (engine, random_mover) if engine_white else (random_mover, engine)
        board = _play_game(white, black, chess.Board(), limit, max_plies=200)
        assert board.is_checkmate() and board.turn != engine_white, board.fen()


@pytest.mark.slow
def test_self_play_game_with_ponder(engine):
    other = chess.engine.SimpleEngine.popen_uci(engine_command(), cwd=ROOT, timeout=60)
    try:
        clock = {"white": 1.0, "black": 1.0}
        board = chess.Board()
        pondered = 0
        while not board.is_game_over(claim_draw=True) and board.ply() < 160:
            player = engine if board.turn == chess.WHITE else other
            limit = chess.engine.Limit(white_clock=clock["white"], black_clock=clock["black"],
                                       white_inc=0.01, black_inc=0.01)
            side = "white" if board.turn else "black"
            start = time.monotonic()
            result = player.play(board, limit, ponder=True)
            clock[side] = max(0.05, clock[side] - (time.monotonic() - start) + 0.01)
            assert result.move in board.legal_moves
            board.push(result.move)
            if result.ponder is not None:    # python-chess ponders on it during the reply
                assert result.ponder in board.legal_moves
                pondered += 1
        # Pondering needs a ponder move, and the PV almost always has one.
        assert pondered >= board.ply() // 2, (pondered, board.ply())
    finally:
        other.quit()


@pytest.mark.slow
def test_chess960_game(engine):
    rng = random.Random(960)
    for _ in range(2):
        board = chess.Board.from_chess960_pos(rng.randrange(960))
        limit = chess.engine.Limit(depth=3)
        for _ in range(60):
            if board.is_game_over(claim_draw=True):
                break
            move = engine.play(board, limit).move
            assert move in board.legal_moves
            board.push(move)


def test_chess960_castling_notation(raw):
    # Only castling is possible for the king; in Chess960 it is written king-takes-rook.
    fen = "4k3/8/8/8/8/8/8/RK5R w HA - 0 1"
    board = chess.Board(fen, chess960=True)
    raw.send("setoption name UCI_Chess960 value true", f"position fen {fen}", "go perft 1")
    lines = raw.read_until(lambda s: s.startswith("Nodes searched"))
    moves = {s.split(":")[0] for s in lines if re.fullmatch(r"[a-h][1-8][a-h][1-8][nbrq]?: \d+", s)}
    assert moves == {m.uci() for m in board.legal_moves}
    assert "b1h1" in moves
