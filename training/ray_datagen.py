"""Self-play on a Ray cluster: `ladya datagen --ray ADDRESS` (and `ladya loop --ray`).

This process, the driver, starts one actor per CPU of the cluster (or
`--workers` of them), each with its own Searcher and transposition table,
and keeps every actor busy with one game at a time.  Actors send back whole
games; the driver writes them with the local run's chunk writer
(training/datagen.py ChunkWriter), so the output directory is exactly what a
local run leaves and `ladya train` reads, with the same guarantees.

* Files: the net is read and checked here and sent to the actors once
  through the object store (`ray.put` of the file's bytes), the book is
  read here too: an actor never opens a path, so the other machines need
  the same ladya installed (`pip install ladya[ray]`), not the same files.
* Streams: the run takes a fresh run number in the output directory as a
  local run does, and actor k plays the random stream of worker k
  (datagen.stream_seed), its chunk files named after it.  An actor lost
  with its node is replaced by one with the next unused number, so no
  stream is played twice, in one run or across appended runs.
* Faults: a lost actor (its node died, it was killed) loses only its game
  in flight; it is replaced, and the replacement starts as soon as the
  cluster has a free CPU.  The run fails only when an actor cannot start
  at all (say ladya is missing on its node), a game raises, or actors keep
  dying without a finished game in between.  SIGINT or SIGTERM of the
  driver writes the finished games and stops the actors; after a SIGKILL
  only complete files remain (every write is atomic) and Ray stops the
  dead driver's actors.

Ray is imported only here, and only when a run asks for it.
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List

from training import datagen as G

LOGGER = logging.getLogger(__name__)

#: actors lost in a row, per worker, with no game finished in between, before the run gives up
MAX_LOSSES_IN_A_ROW = 3
WAIT_SECONDS = 1.0   # the driver wakes at least this often (a SIGTERM is handled between waits)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise RuntimeError("--ray needs Ray, which is not installed: pip install ladya[ray]") from None
    return ray


class SelfPlayActor:
    """One self-play worker on a cluster node (run_on_cluster makes it a Ray
    actor): its own Searcher and random stream, one whole game per call."""

    def __init__(self, wid: int, cfg_dict: dict, stream: int, net, book):
        from search.search import Searcher
        self.cfg = G.DatagenConfig(**cfg_dict)
        self.book = book
        self.rng = random.Random(G.stream_seed(self.cfg.seed, stream, wid))
        self.searcher = Searcher(self.cfg.hash_mb)
        if net is not None:     # the file's bytes, not its path
            from nnue.format import parse_net
            from nnue.network import Network
            self.searcher.set_network(Network.from_quantized(parse_net(net, self.cfg.eval)))

    def node(self) -> str:
        """Where the actor runs (it answers once it has started)."""
        import socket
        import ray
        return f"{socket.gethostname()} (node {ray.get_runtime_context().get_node_id()[:8]})"

    def play(self):
        """(the game's records, its result from White's view, CPU seconds it took)."""
        t0 = time.process_time()
        opening = G.make_opening(self.rng, self.searcher, self.cfg, self.book)
        game = G.play_game(self.searcher, opening, self.cfg)
        return game.records, game.result, time.process_time() - t0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Run:
    """The actors of one run, their calls in flight and the files they feed."""

    def __init__(self, ray, cfg: G.DatagenConfig, out: Path, stream: int, workers: int, net_ref, book_ref):
        self.ray, self.cfg, self.out, self.stream, self.workers = ray, cfg, out, stream, workers
        self.net_ref, self.book_ref = net_ref, book_ref
        self.actor_class = ray.remote(num_cpus=1, max_restarts=0, scheduling_strategy="SPREAD")(SelfPlayActor)
        # What a lost actor or node raises (the names Ray 2.9 lacks are left out).
        self.lost_errors = tuple(getattr(ray.exceptions, name) for name in
                                 ("RayActorError", "ActorUnavailableError", "ObjectLostError",
                                  "NodeDiedError")
                                 if hasattr(ray.exceptions, name))
        self.actors: Dict[int, object] = {}      # worker number -> actor handle
        self.starting: Dict[object, int] = {}    # ready call of an actor not started yet -> its number
        self.playing: Dict[object, int] = {}     # game in flight -> the actor's number
        self.idle: List[int] = []
        self.writers: Dict[int, G.ChunkWriter] = {}
        self.next_wid = 0
        self.lost = self.lost_in_a_row = 0
        self.progress = G.Progress(cfg)

    def start_actor(self) -> None:
        wid = self.next_wid
        self.next_wid += 1
        actor = self.actor_class.remote(wid, asdict(self.cfg), self.stream, self.net_ref, self.book_ref)
        self.actors[wid] = actor
        self.starting[actor.node.remote()] = wid

    def want_more(self) -> bool:
        """Is there a game left to start (counting the games in flight)?"""
        p, cfg = self.progress, self.cfg
        return ((cfg.games is None or p.games + len(self.playing) < cfg.games)
                and (cfg.positions is None or p.positions < cfg.positions))

    def play(self) -> dict:
        try:
            for _ in range(self.workers):
                self.start_actor()
            while True:
                while self.idle and self.want_more():
                    wid = self.idle.pop()
                    self.playing[self.actors[wid].play.remote()] = wid
                if not self.playing and not self.want_more():
                    break
                ready, _ = self.ray.wait([*self.playing, *self.starting], num_returns=1, timeout=WAIT_SECONDS)
                for ref in ready:
                    self.collect(ref)
        finally:
            for actor in self.actors.values():
                self.ray.kill(actor)
            self.progress.close()
            for writer in self.writers.values():   # the finished games, also when stopped
                writer.flush()
        summary = self.progress.summary(self.workers)
        summary["actors_lost"] = self.lost
        return summary

    def collect(self, ref) -> None:
        """Take in what an actor answered: it has started, a game, or its loss."""
        if ref in self.starting:
            wid = self.starting.pop(ref)
            try:
                host = self.ray.get(ref)
            except self.lost_errors as exc:
                self.lose(wid, exc, "before it started")
                return
            LOGGER.info("self-play actor %d started on %s", wid, host)
            self.idle.append(wid)
            return
        wid = self.playing.pop(ref)
        try:
            records, result, cpu_seconds = self.ray.get(ref)
        except self.lost_errors as exc:
            self.lose(wid, exc, "with its game in flight")
            return
        except self.ray.exceptions.RayTaskError as exc:
            raise RuntimeError(f"self-play actor {wid} failed: {_first_line(exc)}") from None
        self.lost_in_a_row = 0
        if wid not in self.writers:
            self.writers[wid] = G.ChunkWriter(self.out, self.cfg, self.stream, wid)
        self.writers[wid].add(records)
        self.progress.game(len(records), result, cpu_seconds)
        self.idle.append(wid)

    def lose(self, wid: int, exc: BaseException, when: str) -> None:
        """Forget a lost actor and start another in its place."""
        self.ray.kill(self.actors.pop(wid))
        if getattr(exc, "actor_init_failed", False):
            raise RuntimeError(f"a self-play actor could not start on the Ray cluster: {_first_line(exc)}")
        self.lost += 1
        self.lost_in_a_row += 1
        if self.lost_in_a_row > MAX_LOSSES_IN_A_ROW * self.workers:
            raise RuntimeError(f"{self.lost_in_a_row} self-play actors lost in a row without a finished "
                               f"game; the last: {_first_line(exc)}")
        LOGGER.warning("self-play actor %d lost %s (%s); starting actor %d in its place",
                       wid, when, _first_line(exc), self.next_wid)
        self.start_actor()


def run_on_cluster(cfg: G.DatagenConfig) -> dict:
    """datagen.run() on the Ray cluster at `cfg.ray` (the settings already
    checked by datagen.check_config); the summary also counts `actors_lost`."""
    ray = _import_ray()
    net = None
    if cfg.eval != "bootstrap":
        from nnue.format import parse_net
        net = Path(cfg.eval).read_bytes()
        parse_net(net, cfg.eval)        # the bytes the actors get are a valid net
    book = G.open_book(cfg.book)
    owned = not ray.is_initialized()
    if owned:
        try:
            ray.init(address=cfg.ray, logging_level=logging.WARNING)
        except Exception as exc:        # Ray raises ConnectionError, ValueError, ... naming the cause
            raise RuntimeError(f"cannot connect to the Ray cluster at {cfg.ray}: "
                               f"{_first_line(exc)}") from None
    try:
        workers = cfg.workers or int(ray.cluster_resources().get("CPU", 0))
        if cfg.games is not None:
            workers = min(workers, cfg.games)
        if workers < 1:
            raise RuntimeError(f"the Ray cluster at {cfg.ray} has no CPU")
        out, stream = G.prepare_out(cfg)
        with G.sigterm_as_interrupt():
            return _Run(ray, cfg, out, stream, workers, ray.put(net), ray.put(book)).play()
    finally:
        if owned:
            ray.shutdown()
