"""Self-play data generation: `ladya datagen`.

Worker processes each own a Searcher (its own transposition table, cleared
before every game) and play games in-process, without UCI pipes.  Every
position of a game is recorded with the search score, the game result, the
ply and the flags the trainer filters on (training/data.py documents the
format and the conventions).  That includes the positions of the random
opening, each searched like any other (only the standard start position,
the same in every game, is left out), so the data covers the first plies:
a net that never sees a position near the start misjudges them, and a
shallow search from the start then picks moves such as 1.Na3.  Games are
written in chunks of whole games, atomically, so a run killed at any moment leaves only valid files and loses
at most the games in flight; running again with the same --out adds new
chunks (with a new random stream) instead of overwriting.  With `ray` set
(`--ray ADDRESS`) actors on a Ray cluster play the games and this process
writes them into the same files (training/ray_datagen.py).

Adjudication (all in centipawns from the search, plies = half-moves):
  * win: |score| >= WIN_SCORE for WIN_PLIES consecutive plies (both sides agree);
  * draw: after DRAW_MIN_PLY, |score| <= DRAW_SCORE for DRAW_PLIES consecutive plies;
  * draw: the game reaches MAX_PLIES;
  * and the rules: mate, stalemate, insufficient material, fifty moves, threefold repetition.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue as queue_mod
import random
import re
import signal
import threading
import time
import zlib
from dataclasses import dataclass, asdict
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from training import data as D

WIN_SCORE = 2000
WIN_PLIES = 4
DRAW_SCORE = 10
DRAW_PLIES = 12
DRAW_MIN_PLY = 80
MAX_PLIES = 400
OPENING_MAX_SCORE = 1000
OPENING_CHECK_DEPTH = 6
RANDOM_PLIES = 8            # random opening plies without a book


# A soft 5000-node search stores ~10k entries: 2 MB (131k slots) holds them and fits a
# core's L2, where most probes of 16 MB miss to memory: 1.06x nodes/s and 1.10x positions
# per CPU second with gen-005 (docs/training.md).
HASH_MB = 2


@dataclass
class DatagenConfig:
    out: str                                   #: output directory (created; appended to)
    positions: Optional[int] = 100_000         #: stop after this many positions ...
    games: Optional[int] = None                #: ... or this many games
    nodes: Optional[int] = 5000                #: soft node limit per move
    depth: Optional[int] = None                #: or a depth limit per move
    #: worker processes (None: every core; with `ray`, every CPU of the cluster)
    workers: Optional[int] = None
    random_plies: Optional[int] = None         #: random opening plies (default RANDOM_PLIES, 0 with a book)
    book: Optional[str] = None                 #: EPD/FEN file of openings
    eval: str = "bootstrap"                    #: "bootstrap" or a .nnue file
    seed: int = 1
    hash_mb: int = HASH_MB                     #: hash table per worker
    chunk_games: int = 16                      #: games per file
    progress: bool = True
    ray: Optional[str] = None                  #: Ray cluster address: play there (training/ray_datagen.py)


@dataclass
class GameRecord:
    records: np.ndarray
    result: int      # from White's view
    reason: str


def open_book(path) -> Optional[List[str]]:
    """The FENs of an EPD book (training/epd.py), None without one.  Checked
    here, in the parent, so that a bad line is one clear error rather than a
    traceback from every worker; ValueError naming the file and line."""
    if path is None:
        return None
    from engine.position import Position
    from training.epd import read_epd
    records = read_epd(path)
    for rec in records:
        if Position(rec.fen).chess960:
            raise ValueError(f"{path}:{rec.line}: Chess960 castling rights cannot be stored "
                             f"in the data format")
    return [rec.fen for rec in records]


@dataclass
class Opening:
    start: str          # FEN of the game's start position (standard or from the book)
    moves: List[str]    # the random plies played from it (UCI)


def make_opening(rng: random.Random, searcher, cfg: DatagenConfig, book) -> Opening:
    """A random playable opening (see the module docstring): a start position
    and random plies from it that leave neither side more than
    OPENING_MAX_SCORE ahead."""
    from engine.position import Position, STARTING_FEN
    from search.limits import Limits
    plies = cfg.random_plies if cfg.random_plies is not None else (0 if book else RANDOM_PLIES)
    for _ in range(1000):
        start = rng.choice(book) if book else STARTING_FEN
        pos = Position(start)
        moves: List[str] = []
        for _ in range(plies):
            legal = pos.legal_moves()
            if not legal:
                break
            moves.append(rng.choice(legal))
            pos.push_uci(moves[-1])
        if pos.outcome() is not None:
            continue
        searcher.clear()
        res = searcher.search(pos, Limits(depth=OPENING_CHECK_DEPTH))
        if not res.score.is_mate() and abs(res.score.cp) <= OPENING_MAX_SCORE:
            return Opening(start, moves)
    raise RuntimeError("could not find a balanced opening in 1000 tries")


def play_game(searcher, opening: Opening, cfg: DatagenConfig) -> GameRecord:
    """Play one game from the opening's start position, its random plies
    first, and return its labelled positions; adjudication starts once the
    random plies are played."""
    from engine.position import Position, STARTING_FEN
    from search.limits import Limits
    limits = Limits(depth=cfg.depth, soft_nodes=cfg.nodes if cfg.depth is None else None)
    searcher.clear()
    recs: List[np.ndarray] = []      # the result is set once the game is over
    win_run = draw_run = 0
    result = None
    reason = ""
    pos = Position(opening.start)
    ply = 0
    if opening.moves and opening.start == STARTING_FEN:
        pos.push_uci(opening.moves[0])   # the same position in every game: not recorded
        ply = 1
    while result is None:
        outcome = pos.outcome()
        if outcome is not None:
            result = {"1-0": 1, "0-1": -1}.get(outcome, 0)
            reason = ("checkmate" if pos.is_checkmate() else "stalemate" if pos.is_stalemate()
                      else "insufficient material" if pos.is_insufficient_material()
                      else "fifty moves" if pos.halfmove_clock >= 100 else "repetition")
            break
        res = searcher.search(pos, limits)
        fl = D.FLAG_GAME_START if not recs else 0
        if pos.is_check():
            fl |= D.FLAG_IN_CHECK
        if res.score.is_mate():
            fl |= D.FLAG_MATE
            score = D.MATE_SCORE if res.score.mate > 0 else -D.MATE_SCORE
        else:
            score = res.score.cp
        best = res.bestmove
        if len(best) == 5 or pos.is_capture(best):
            fl |= D.FLAG_NOISY_BEST
        recs.append(D.pack_position(pos, score, 0, ply, fl))
        if ply < len(opening.moves):
            pos.push_uci(opening.moves[ply])
            ply += 1
            continue
        white = score if pos.turn else -score
        # Signed run in White's view: both sides must agree on who is winning.
        if white >= WIN_SCORE:
            win_run = win_run + 1 if win_run > 0 else 1
        elif white <= -WIN_SCORE:
            win_run = win_run - 1 if win_run < 0 else -1
        else:
            win_run = 0
        draw_run = draw_run + 1 if (ply >= DRAW_MIN_PLY and abs(score) <= DRAW_SCORE) else 0
        if abs(win_run) >= WIN_PLIES:
            result, reason = (1 if win_run > 0 else -1), "adjudicated win"
            break
        if draw_run >= DRAW_PLIES:
            result, reason = 0, "adjudicated draw"
            break
        if ply >= MAX_PLIES:
            result, reason = 0, "length limit"
            break
        pos.push_uci(best)
        ply += 1
    out = np.array(recs, D.RECORD)
    out["result"] = result
    return GameRecord(out, result, reason)


def _next_stream(out: Path) -> int:
    """A run number no chunk in `out` uses yet (not a file count: after files
    are deleted a count could repeat an earlier run's names and random stream)."""
    used = [int(m.group(1)) for p in out.iterdir() if (m := re.search(r"-r(\d+)-w\d+-\d+", p.name))]
    return max(used, default=-1) + 1


def stream_seed(seed: int, stream: int, wid: int) -> int:
    """The random seed of worker `wid` in run `stream`: every worker of every
    run plays its own openings.  (A Ray run numbers the actors it starts in
    place of lost ones on from its first `workers`, so they get fresh seeds
    too and never replay the games of the actor they replace.)"""
    return zlib.crc32(f"{seed}/{stream}/{wid}".encode())


class ChunkWriter:
    """The chunk files of one worker's stream: whole games, `chunk_games` to
    a file, each written atomically (data.write_records) and named after the
    seed, the run, the worker and its sequence number."""

    def __init__(self, out: Path, cfg: DatagenConfig, stream: int, wid: int):
        self.out, self.seed, self.chunk_games = out, cfg.seed, cfg.chunk_games
        self.stream, self.wid = stream, wid
        self.seq = 0
        self.pending: List[np.ndarray] = []

    def add(self, records: np.ndarray) -> None:
        """One finished game; a full chunk is written at once."""
        self.pending.append(records)
        if len(self.pending) >= self.chunk_games:
            self.flush()

    def flush(self) -> None:
        """Write the pending games, if there are any."""
        if self.pending:
            name = f"chunk-s{self.seed}-r{self.stream:04d}-w{self.wid:02d}-{self.seq:05d}{D.EXTENSION}"
            D.write_records(self.out / name, np.concatenate(self.pending))
            self.seq += 1
            self.pending = []


class Progress:
    """What a run has played over all its workers (positions, games, W/D/L
    and the workers' own CPU time) and its tqdm bar."""

    def __init__(self, cfg: DatagenConfig):
        self.by_positions = bool(cfg.positions)
        self.wdl = {1: 0, 0: 0, -1: 0}
        self.positions = self.games = 0
        self.cpu_seconds = 0.0     # the workers' own CPU time over their games: the rate per core
        self.start = time.perf_counter()
        self.bar = None
        if cfg.progress:
            from tqdm import tqdm
            self.bar = tqdm(total=cfg.positions if self.by_positions else cfg.games,
                            unit="pos" if self.by_positions else "game", dynamic_ncols=True, smoothing=0.1)

    def game(self, positions: int, result: int, cpu_seconds: float) -> None:
        """Count one finished game of `positions` records."""
        self.positions += positions
        self.games += 1
        self.cpu_seconds += cpu_seconds
        self.wdl[result] += 1
        if self.bar is not None:
            self.bar.update(positions if self.by_positions else 1)
            self.bar.set_postfix(games=self.games, W=self.wdl[1], D=self.wdl[0], L=self.wdl[-1],
                                 pos_s=f"{self.positions / (time.perf_counter() - self.start):.0f}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def summary(self, workers: int) -> dict:
        """The run's summary, timed up to now."""
        elapsed = time.perf_counter() - self.start
        return {"positions": self.positions, "games": self.games, "white_wins": self.wdl[1],
                "draws": self.wdl[0], "black_wins": self.wdl[-1], "seconds": elapsed,
                "positions_per_second": self.positions / elapsed if elapsed else 0.0,
                "cpu_seconds": self.cpu_seconds,
                "positions_per_cpu_second": self.positions / self.cpu_seconds if self.cpu_seconds else 0.0,
                "workers": workers}


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt():
    """While the block runs, `kill` (SIGTERM) of this process stops it as
    Ctrl-C does, so a run stopped either way saves its finished games (the
    default would end it at once, and leave its workers playing on as
    orphans).  Signals reach only the main thread: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _worker(wid: int, cfg_dict: dict, quota_positions, quota_games, stream: int, q) -> None:
    """One process: play games until its quota is met, writing chunks.

    Stopped (SIGINT or SIGTERM: Ctrl-C, the driver's terminate, `kill`) it
    writes the games it has finished, so only the game in flight is lost;
    it also stops after its game when the driver has gone (killed with
    SIGKILL), instead of playing on as an orphan."""
    signal.signal(signal.SIGTERM, _interrupt)
    driver = os.getppid()
    from engine.position import Position  # noqa: F401  (imports the engine in the child)
    from search.search import Searcher
    cfg = DatagenConfig(**cfg_dict)
    rng = random.Random(stream_seed(cfg.seed, stream, wid))
    searcher = Searcher(cfg.hash_mb)
    if cfg.eval != "bootstrap":
        from nnue.network import Network
        searcher.set_network(Network(cfg.eval))
    book = open_book(cfg.book)
    writer = ChunkWriter(Path(cfg.out), cfg, stream, wid)
    n_pos = n_games = 0
    try:
        while ((quota_positions is None or n_pos < quota_positions)
               and (quota_games is None or n_games < quota_games)):
            t0 = time.process_time()
            opening = make_opening(rng, searcher, cfg, book)
            game = play_game(searcher, opening, cfg)
            writer.add(game.records)
            n_pos += len(game.records)
            n_games += 1
            if os.getppid() != driver:
                break
            q.put(("game", wid, len(game.records), game.result, time.process_time() - t0))
        writer.flush()
        q.put(("done", wid, n_pos, n_games, 0.0))
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C and the driver's terminate
        signal.signal(signal.SIGTERM, signal.SIG_IGN)    # may both arrive: finish the write
        writer.flush()


def check_config(cfg: DatagenConfig) -> None:
    """ValueError naming the first setting that cannot run, before anything
    is created (the net and the book are read to check them)."""
    if cfg.positions is None and cfg.games is None:
        raise ValueError("give --positions or --games")
    for name in ("positions", "games", "nodes", "depth", "workers"):
        value = getattr(cfg, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be at least 1, got {value}")
    if cfg.chunk_games < 1:
        raise ValueError("--chunk-games must be at least 1")
    if cfg.nodes is None and cfg.depth is None:
        raise ValueError("give --nodes or --depth")
    if cfg.eval != "bootstrap":
        from nnue.network import Network
        Network(cfg.eval)  # fail early with a clear message
    if cfg.book:
        open_book(cfg.book)


def prepare_out(cfg: DatagenConfig) -> Tuple[Path, int]:
    """(the output directory, created, without the temporary files of a
    killed run; a run number no chunk there uses yet)."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp*"):   # temporary files of a killed run
        stale.unlink()
    return out, _next_stream(out)       # a fresh random stream when appending


def run(cfg: DatagenConfig) -> dict:
    """Generate data as configured (on the Ray cluster at `cfg.ray`, if one
    is given); returns a summary dict."""
    check_config(cfg)
    if cfg.ray is not None:
        from training.ray_datagen import run_on_cluster
        return run_on_cluster(cfg)
    out, stream = prepare_out(cfg)
    n = cfg.workers or os.cpu_count() or 1

    def split(total):
        if total is None:
            return [None] * n
        return [total // n + (1 if i < total % n else 0) for i in range(n)]

    qp, qg = split(cfg.positions), split(cfg.games)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(i, asdict(cfg), qp[i], qg[i], stream, q), daemon=True)
             for i in range(n) if (qp[i] is None or qp[i] > 0) and (qg[i] is None or qg[i] > 0)]
    with sigterm_as_interrupt():   # stopped, the workers are told to write their finished games
        for p in procs:
            p.start()
        progress = Progress(cfg)
        done = 0
        try:
            while done < len(procs):
                try:
                    kind, wid, a, b, cpu = q.get(timeout=1.0)
                except queue_mod.Empty:
                    if not any(p.is_alive() for p in procs):
                        break
                    continue
                if kind == "game":
                    progress.game(a, b, cpu)
                else:
                    done += 1
        except KeyboardInterrupt:
            for p in procs:
                p.terminate()
            raise
        finally:
            progress.close()
            for p in procs:
                p.join(timeout=5)
    failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if failed:
        raise RuntimeError(f"{len(failed)} worker(s) failed (exit codes {failed})")
    return progress.summary(len(procs))
