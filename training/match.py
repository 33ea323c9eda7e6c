"""Engine-vs-engine match runner (UCI and xboard engines, via python-chess).

    python benchmarks/match.py --engine2 /usr/games/fairymax --proto2 xboard \\
        --games 40 --tc 10+0.1 --pgn /tmp/match.pgn

`play_match()` is the same runner for code (`ladya loop` gates nets with it).

Engine 1 defaults to Ladya from this checkout (`python -m engine`).  Each
opening (a seeded draw from shared/data/openings.epd) is played twice with
colours reversed.  The runner keeps the clocks itself: it measures each
move's think time, subtracts it, adds the increment, and a side whose clock
goes below -margin loses on time.  Every move is checked for legality; an
illegal move, a crash or a hang loses the game and is reported apart.
Games end by the rules as cutechess-cli and fastchess apply them
(`game_outcome`), or by the optional adjudications.  Statistics
(training/elo.py): W/D/L, score, Elo with 95% error bars, LOS, the game-pair
counts (pentanomial) with their own Elo, and an optional SPRT on the pairs
that stops the match early:

    python benchmarks/match.py --engine2 "python -m engine" --option2 EvalFile=old.nnue \
        --games 2000 --tc 5+0.05 --concurrency 2 --sprt elo0=0 elo1=10 alpha=0.05 beta=0.05

The SPRT's bounds are normalized Elo (nElo) by default, as in fastchess and
fishtest; `model=logistic` makes them logistic Elo (training/elo.py).

UCI options: --option1 UCI_LimitStrength=true --option1 UCI_Elo=1320.
"""
import argparse
import asyncio
import datetime
import math
import os
import platform
import random
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import chess
import chess.engine
import chess.pgn

from training import elo as ms

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LADYA_CMD = f"{shlex.quote(sys.executable)} -m engine"


# --------------------------------------------------------------------------
# Engines


class EditModeXBoardProtocol(chess.engine.XBoardProtocol):
    """xboard protocol for engines without `setboard` (Fairy-Max declares
    setboard=0).  python-chess insists on setboard, so we accept the engine
    and translate each `setboard FEN` into the protocol's edit-mode
    sequence; castling rights then follow from the king and rook squares and
    the en-passant square is lost, which is harmless for opening positions."""

    def __init__(self) -> None:
        super().__init__()
        self.edit_mode = False

    def _line_received(self, line: str) -> None:
        if line.startswith("feature") and "setboard=0" in line:
            self.edit_mode = True
            line = line.replace("setboard=0", "setboard=1")
        super()._line_received(line)

    def send_line(self, line: str) -> None:
        if self.edit_mode and line.startswith("setboard "):
            for edit_line in edit_commands(line[len("setboard "):]):
                super().send_line(edit_line)
        else:
            super().send_line(line)


def edit_commands(fen: str) -> List[str]:
    """xboard commands setting up `fen` after `new` + `force` with edit mode.
    Edit mode keeps the side to move, so for Black we first play a2a3 (the
    sequence the protocol specification gives).  Edit mode has no
    en-passant square either: with one, we set up the position before the
    double pawn push and then play the push."""
    board = chess.Board(fen)
    push = None
    if board.ep_square is not None:
        # The pawn that just moved stands one rank past the ep square.
        step = 8 if board.turn == chess.BLACK else -8
        to_sq = board.ep_square + step
        push = chess.Move(board.ep_square - step, to_sq)
        board.remove_piece_at(to_sq)
        board.set_piece_at(push.from_square, chess.Piece(chess.PAWN, not board.turn))
        board.turn = not board.turn
        board.ep_square = None
    out = ["a2a3"] if board.turn == chess.BLACK else []
    out += ["edit", "#"]
    for color in (chess.WHITE, chess.BLACK):
        if color == chess.BLACK:
            out.append("c")
        for sq, piece in board.piece_map().items():
            if piece.color == color:
                out.append(piece.symbol().upper() + chess.square_name(sq))
    out.append(".")
    if push is not None:
        out.append(push.uci())
    return out


@dataclass
class EngineSpec:
    command: str
    protocol: str = "uci"
    options: Dict[str, str] = field(default_factory=dict)
    name: Optional[str] = None

    async def open(self):
        argv = shlex.split(self.command)
        env = dict(os.environ)
        # `python -m engine` must run this checkout, wherever we are started.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        if self.protocol == "uci":
            _, eng = await chess.engine.popen_uci(argv, env=env)
        else:
            transport, eng = await EditModeXBoardProtocol.popen(argv, env=env)
            try:
                await eng.initialize()
            except BaseException:
                transport.close()
                raise
        if self.options:
            await eng.configure({k: parse_option_value(v) for k, v in self.options.items()})
        return eng


def parse_option_value(text: str):
    """'true'/'false' -> bool, integers -> int, else the string."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        return text


def parse_options(pairs: List[str]) -> Dict[str, str]:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"option {pair!r}: expected Name=Value")
        k, v = pair.split("=", 1)
        out[k.strip()] = v.strip()
    return out


async def close_engine(eng) -> None:
    if eng is None:
        return
    try:
        await asyncio.wait_for(eng.quit(), 5)
    except Exception:
        pass
    try:
        eng.transport.kill()
    except Exception:
        pass


# --------------------------------------------------------------------------
# Openings and time control


def load_openings(path: Path) -> List[str]:
    """FENs from an EPD/FEN file (one position a line; EPD operations
    ignored, missing move counters filled in)."""
    fens = []
    with path.open() as f:
        for line in f:
            fields = line.split()
            if len(fields) < 4:
                continue
            tail = fields[4:6]
            if len(tail) == 2 and all(t.isdigit() for t in tail):
                fens.append(" ".join(fields[:6]))
            else:
                fens.append(" ".join(fields[:4]) + " 0 1")
    return fens


def parse_tc(text: str):
    """'10+0.1' -> (10.0, 0.1); '60' -> (60.0, 0.0)."""
    base, _, inc = text.partition("+")
    try:
        return float(base), float(inc or 0.0)
    except ValueError:
        raise SystemExit(f"bad time control {text!r}: expected seconds+increment")


# --------------------------------------------------------------------------
# One game


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


def pov_cp(info, turn) -> Optional[int]:
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


class Player:
    """One engine process, restarted after a crash, hang or protocol error."""

    def __init__(self, spec: EngineSpec, index: int):
        self.spec, self.index = spec, index
        self.eng = None

    async def ensure(self):
        if self.eng is None or self.eng.returncode.done():
            await close_engine(self.eng)
            self.eng = await self.spec.open()
        return self.eng

    async def restart(self):
        await close_engine(self.eng)
        self.eng = None


async def play_game(number, opening_index, fen, players, white, names, args) -> GameResult:
    """Play one game; players[white] has White.  Returns the result record."""
    base, inc = args.tc_base, args.tc_inc
    board = chess.Board(fen)
    clocks = {chess.WHITE: base, chess.BLACK: base}
    side_player = {chess.WHITE: players[white], chess.BLACK: players[1 - white]}
    comments = []
    adjudicator = Adjudicator(args.resign, args.draw)
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
        limit = chess.engine.Limit(white_clock=clocks[chess.WHITE], black_clock=clocks[chess.BLACK],
                                   white_inc=inc, black_inc=inc)
        start = time.perf_counter()
        try:
            # A side may overrun its clock (and then loses on time); one that
            # is silent much longer than that is hung and gets killed.
            play = await asyncio.wait_for(
                player.eng.play(board, limit, game=game_key,
                                info=chess.engine.INFO_SCORE),
                timeout=max(clocks[side], 0.0) + args.hang_grace)
        except asyncio.TimeoutError:
            forfeit(side, f"hangs (no move after {time.perf_counter() - start:.1f}s)", "hang")
            await player.restart()
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
        clocks[side] -= elapsed
        if clocks[side] < -args.margin:
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
        adjudicator.record(side, pov_cp(play.info, side))
        comments.append(format_comment(play.info, elapsed))
        board.push(play.move)

    game = chess.pgn.Game.from_board(board)
    game.headers["Event"] = args.event
    game.headers["Site"] = platform.node() or "?"
    game.headers["Date"] = datetime.date.today().strftime("%Y.%m.%d")
    game.headers["Round"] = str(number)
    game.headers["White"] = names[white]
    game.headers["Black"] = names[1 - white]
    game.headers["Result"] = result
    game.headers["TimeControl"] = f"{args.tc_base:g}+{args.tc_inc:g}"
    game.headers["Termination"] = {"normal": "normal", "time": "time forfeit",
                                   "illegal": "rules infraction", "crash": "abandoned",
                                   "hang": "abandoned", "adjudication": "adjudication"}[kind]
    game.headers["Opening"] = f"{args.openings.name} #{opening_index + 1}"
    game.headers["PlyCount"] = str(len(board.move_stack))
    for node, text in zip(game.mainline(), comments):
        node.comment = text
    game.end().comment = ((game.end().comment + " ") if game.end().comment else "") + reason
    return GameResult(number=number, opening=opening_index, white=white, result=result,
                      reason=reason, kind=kind, loser=loser, pgn=str(game),
                      plies=len(board.move_stack))


# --------------------------------------------------------------------------
# The match


class Sprt(NamedTuple):
    """An SPRT on the game pairs: H0 elo <= elo0 against H1 elo >= elo1 (in
    the model's unit, ms.SPRT_MODELS), with error rates alpha and beta."""
    elo0: float
    elo1: float
    alpha: float
    beta: float
    model: str = ms.DEFAULT_SPRT_MODEL


class Tally:
    """The match so far, from engine 1's view: games, and game pairs as a
    pentanomial (`ptnml[k]`: pairs in which engine 1 scored k/2 points).  A
    pair counts once both of its games are finished, in whatever order."""

    def __init__(self, sprt: Optional[Sprt] = None):
        self.w = self.d = self.l = 0
        self.ptnml = [0] * 5
        self.forfeits = {k: [0, 0] for k in ("time", "illegal", "crash", "hang")}
        self.games: List[GameResult] = []
        self.sprt = sprt
        self.decision: Optional[str] = None      # 'H1' / 'H0' from the pair that crossed a bound
        self._half_pairs: Dict[int, float] = {}  # pair -> engine 1's points in its finished game

    def add(self, g: GameResult) -> bool:
        """Count a finished game; True if it completed its pair."""
        pts = g.points(0)
        if pts == 1.0:
            self.w += 1
        elif pts == 0.5:
            self.d += 1
        else:
            self.l += 1
        if g.loser is not None:
            self.forfeits[g.kind][g.loser] += 1
        self.games.append(g)
        first = self._half_pairs.pop(g.pair, None)
        if first is None:
            self._half_pairs[g.pair] = pts
            return False
        self.ptnml[ms.pair_bin(first + pts)] += 1
        if self.sprt and self.decision is None:
            self.decision = ms.sprt_decision(self.llr(), self.sprt.alpha, self.sprt.beta)
        return True

    @property
    def n(self):
        return self.w + self.d + self.l

    @property
    def pairs(self):
        return sum(self.ptnml)

    def llr(self) -> float:
        """The SPRT's log-likelihood ratio over the finished pairs."""
        s = self.sprt
        return ms.pentanomial_llr(self.ptnml, s.elo0, s.elo1, s.model)

    def bounds(self) -> Tuple[float, float]:
        return ms.sprt_bounds(self.sprt.alpha, self.sprt.beta)


def summary_line(t: Tally, names, args) -> str:
    s = ms.score(t.w, t.d, t.l)
    text = (f"{names[0]} vs {names[1]}: +{t.w} ={t.d} -{t.l} ({t.n} games)  "
            f"score {100 * s:.1f}%  Elo {ms.format_elo(t.w, t.d, t.l)}")
    text += f"  Ptnml {t.ptnml}"
    if t.sprt:
        lower, upper = t.bounds()
        text += f"  LLR {t.llr():.2f} ({lower:.2f}, {upper:.2f})"
    return text


async def run_match(args) -> Tally:
    specs = [EngineSpec(args.engine1, args.proto1, parse_options(args.option1), args.name1),
             EngineSpec(args.engine2, args.proto2, parse_options(args.option2), args.name2)]
    openings = load_openings(args.openings)
    rng = random.Random(args.seed)
    n_pairs = (args.games + 1) // 2
    picks = rng.sample(range(len(openings)), n_pairs) if n_pairs <= len(openings) \
        else [rng.randrange(len(openings)) for _ in range(n_pairs)]
    # Game 2i: engine 1 has White; game 2i+1: same opening, colours reversed.
    jobs = asyncio.Queue()
    for g in range(args.games):
        jobs.put_nowait((g + 1, picks[g // 2], g % 2))

    # Names from the engines themselves (id name / myname) unless given.
    names = []
    for i, spec in enumerate(specs):
        if spec.name:
            names.append(spec.name)
            continue
        eng = await spec.open()
        names.append(eng.id.get("name") or Path(shlex.split(spec.command)[0]).name)
        await close_engine(eng)
    if names[0] == names[1]:
        names = [names[0] + " (1)", names[1] + " (2)"]

    tally = Tally(args.sprt)
    started = set()                       # pairs with a game begun
    pgn_file = open(args.pgn, "a") if args.pgn else None
    sprt_text = ""
    if args.sprt:
        s = args.sprt
        sprt_text = (f", SPRT [{s.elo0:g}, {s.elo1:g}] {ms.SPRT_MODELS[s.model]} "
                     f"alpha {s.alpha:g} beta {s.beta:g}")
    print(f"Match {names[0]} vs {names[1]}: {args.games} games, tc {args.tc}, "
          f"concurrency {args.concurrency}, openings {args.openings} (seed {args.seed}){sprt_text}",
          flush=True)

    async def worker():
        players = [Player(specs[0], 0), Player(specs[1], 1)]
        try:
            while True:
                try:
                    number, opening, white = jobs.get_nowait()
                except asyncio.QueueEmpty:
                    return
                pair = (number - 1) // 2
                # Once the SPRT has decided, only the games that complete a
                # begun pair are played: every counted pair has both colours.
                if tally.decision is not None and pair not in started:
                    return
                started.add(pair)
                g = await play_game(number, opening, openings[opening], players, white, names, args)
                tally.add(g)
                if pgn_file:
                    pgn_file.write(g.pgn + "\n\n")
                    pgn_file.flush()
                print(f"Game {g.number:>3} {names[g.white]} - {names[1 - g.white]}: {g.result} "
                      f"({g.reason}, {g.plies} plies)  |  {summary_line(tally, names, args)}",
                      flush=True)
        finally:
            for p in players:
                await p.restart()

    try:
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    finally:
        if pgn_file:
            pgn_file.close()
    print_summary(tally, names, args)
    return tally


def print_summary(t: Tally, names, args):
    print()
    print(f"Finished match: {names[0]} vs {names[1]}, tc {args.tc}")
    if t.n == 0:
        print("no games played")
        return
    elo, lo, hi = ms.elo_interval(t.w, t.d, t.l)
    print(f"Games: {t.n}  {names[0]}: wins {t.w}, draws {t.d}, losses {t.l}  "
          f"score {t.w + 0.5 * t.d:g}/{t.n} = {100 * ms.score(t.w, t.d, t.l):.1f}%")
    print(f"Elo difference: {ms.format_elo(t.w, t.d, t.l)}  (95% interval {lo:+.1f} .. {hi:+.1f})  "
          f"LOS {100 * ms.los(t.w, t.d, t.l):.1f}%")
    white_pts = sum(1.0 if g.result == "1-0" else 0.5 if g.result == "1/2-1/2" else 0.0
                    for g in t.games)
    if t.pairs:
        _, lo, hi = ms.pentanomial_elo_interval(t.ptnml)
        nelo, nelo_error = ms.normalized_elo(t.ptnml)
        print(f"Ptnml(0-2): {t.ptnml}  ({t.pairs} pairs)  Elo from pairs: "
              f"{ms.format_pentanomial_elo(t.ptnml)}  (95% interval {lo:+.1f} .. {hi:+.1f})  "
              f"nElo {nelo:+.1f} +- {nelo_error:.1f}")
    print(f"White scored {100 * white_pts / t.n:.1f}%; average game length "
          f"{sum(g.plies for g in t.games) / t.n:.0f} plies")
    for kind, label in (("time", "losses on time"), ("illegal", "illegal moves"),
                        ("crash", "crashes"), ("hang", "hangs")):
        a, b = t.forfeits[kind]
        print(f"{label}: {names[0]} {a}, {names[1]} {b}")
    reasons: Dict[str, int] = {}
    for g in t.games:
        key = {"time": "loss on time", "illegal": "illegal move", "crash": "crash",
               "hang": "hang"}.get(g.kind, g.reason)
        reasons[key] = reasons.get(key, 0) + 1
    print("endings: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda x: -x[1])))
    if t.sprt:
        s = t.sprt
        unit = ms.SPRT_MODELS[s.model]
        lower, upper = t.bounds()
        verdict = {"H1": f"H1 accepted ({unit} >= {s.elo1:g})",
                   "H0": f"H0 accepted ({unit} <= {s.elo0:g})",
                   None: f"no decision within {args.games} games"}[t.decision]
        print(f"SPRT [{s.elo0:g}, {s.elo1:g}] {unit} alpha {s.alpha:g} beta {s.beta:g}, "
              f"pentanomial, {s.model} model: LLR {t.llr():.2f} bounds ({lower:.2f}, {upper:.2f}): "
              f"{verdict}")


def parse_sprt(tokens: List[str]) -> Sprt:
    """The Sprt from four numbers (elo0 elo1 alpha beta, in that order) or
    from fastchess's names: elo0=0 elo1=10 alpha=0.05 beta=0.05 (any order);
    either form may add model=normalized|logistic."""
    models = [t.split("=", 1)[1] for t in tokens if t.startswith("model=")]
    if len(models) > 1:
        raise ValueError(f"--sprt: one model= at most, got {' '.join(tokens)}")
    model = models[0] if models else ms.DEFAULT_SPRT_MODEL
    tokens = [t for t in tokens if not t.startswith("model=")]
    names = ("elo0", "elo1", "alpha", "beta")
    if all("=" in t for t in tokens):
        pairs = dict(t.split("=", 1) for t in tokens)
        if sorted(pairs) != sorted(names):
            raise ValueError(f"--sprt needs {', '.join(n + '=' for n in names)}, got {' '.join(tokens)}")
        tokens = [pairs[n] for n in names]
    try:
        elo0, elo1, alpha, beta = (float(t) for t in tokens)
    except ValueError:
        raise ValueError(f"--sprt: expected four numbers or NAME=VALUE pairs, got {' '.join(tokens)}") \
            from None
    ms.check_sprt(elo0, elo1, alpha, beta, model)
    return Sprt(elo0, elo1, alpha, beta, model)


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--engine1", default=LADYA_CMD, help="command line (default: Ladya from this checkout)")
    ap.add_argument("--engine2", default="/usr/games/stockfish")
    ap.add_argument("--proto1", choices=("uci", "xboard"), default="uci")
    ap.add_argument("--proto2", choices=("uci", "xboard"), default="uci")
    ap.add_argument("--option1", action="append", metavar="NAME=VALUE", help="engine option (repeatable)")
    ap.add_argument("--option2", action="append", metavar="NAME=VALUE")
    ap.add_argument("--name1")
    ap.add_argument("--name2")
    ap.add_argument("--tc", default="10+0.1", help="seconds+increment (default 10+0.1)")
    ap.add_argument("--margin", type=float, default=0.0,
                    help="seconds a clock may go below zero before a time loss (default 0)")
    ap.add_argument("--hang-grace", type=float, default=10.0,
                    help="seconds past its clock after which a silent engine is killed")
    ap.add_argument("--games", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--openings", type=Path, default=DATA / "openings.epd")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pgn", help="append the games to this PGN file")
    ap.add_argument("--event", default="Ladya match")
    ap.add_argument("--sprt", nargs="+", metavar="ARG",
                    help="stop when the SPRT on game pairs accepts H0 or H1: ELO0 ELO1 ALPHA BETA, "
                         "or elo0=0 elo1=10 alpha=0.05 beta=0.05, and optionally model=normalized "
                         "(the default: bounds in nElo, as fastchess) or model=logistic (Elo); "
                         "--games is the cap")
    ap.add_argument("--resign", nargs=2, type=int, metavar=("MOVES", "CP"),
                    help="adjudicate a win when both engines agree for MOVES moves each")
    ap.add_argument("--draw", nargs=3, type=int, metavar=("FROM_MOVE", "MOVES", "CP"),
                    help="adjudicate a draw when both scores stay within +-CP")
    return ap


def play_match(engine1: str, engine2: str, games: int, tc: str, openings, options1=None,
               options2=None, name1=None, name2=None, concurrency: int = 1, seed: int = 1,
               pgn=None, proto1: str = "uci", proto2: str = "uci",
               sprt: Optional[Sprt] = None) -> "Tally":
    """Play a match and return its Tally (wins/draws/losses and game pairs
    from engine1's view).  With `sprt` (a Sprt, or its fields) the match
    stops once the SPRT decides, `games` being the cap; Tally.decision then
    says 'H1' or 'H0' (None: the cap came first)."""
    argv = ["--engine1", engine1, "--engine2", engine2, "--proto1", proto1, "--proto2", proto2,
            "--games", str(games), "--tc", tc, "--concurrency", str(concurrency),
            "--openings", str(openings), "--seed", str(seed)]
    for flag, opts in (("--option1", options1), ("--option2", options2)):
        for k, v in (opts or {}).items():
            argv += [flag, f"{k}={v}"]
    if name1:
        argv += ["--name1", name1]
    if name2:
        argv += ["--name2", name2]
    if pgn:
        argv += ["--pgn", str(pgn)]
    if sprt:
        s = Sprt(*sprt)
        argv += ["--sprt", f"elo0={float(s.elo0)!r}", f"elo1={float(s.elo1)!r}",
                 f"alpha={float(s.alpha)!r}", f"beta={float(s.beta)!r}", f"model={s.model}"]
    args = build_parser().parse_args(argv)
    args.tc_base, args.tc_inc = parse_tc(args.tc)
    args.sprt = parse_sprt(args.sprt) if args.sprt else None
    return asyncio.run(run_match(args))


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    args.tc_base, args.tc_inc = parse_tc(args.tc)
    if args.games < 1 or args.concurrency < 1:
        raise SystemExit("--games and --concurrency must be positive")
    if args.sprt:
        try:
            args.sprt = parse_sprt(args.sprt)
        except ValueError as exc:
            raise SystemExit(str(exc))
        if args.games % 2:
            raise SystemExit("--games must be even with --sprt (the SPRT counts game pairs)")
    if not args.openings.exists():
        raise SystemExit(f"openings file not found: {args.openings}")
    try:
        tally = asyncio.run(run_match(args))
    except (chess.engine.EngineError, OSError) as exc:
        raise SystemExit(f"engine setup failed: {exc}")
    return 0 if tally.n else 1


if __name__ == "__main__":
    sys.exit(main())
