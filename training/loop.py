"""`ladya loop`: generate -> train -> test by match -> promote, generation after generation.

A work directory holds everything::

    WORKDIR/state.json          the progress (resumable after a kill at any point)
    WORKDIR/log.jsonl           one line per finished generation
    WORKDIR/strength.png        Elo of the best net over generations
    WORKDIR/gen-000/data/       self-play data of generation 0 (training/datagen.py)
    WORKDIR/gen-000/net.nnue    the net trained in generation 0 (+ net.nnue.run/)
    WORKDIR/gen-000/match.pgn   its gating match against the best so far

Generation 0 plays with the bootstrap evaluation; each later generation
plays with the best net so far.  A new net is trained on the self-play of
the current best net (every generation since its promotion: a generation
whose candidate failed its gate adds its data to the next one) or, with
`window` set, of the last `window` generations; from scratch while there is
no net (`epochs`, `lr`, `scratch_king_buckets`), else as a fine-tune of the
best net (`ft_epochs`, `ft_lr`, `king_buckets`, `king_lr`).  The defaults
are the recipe the shipped nets were chosen by (docs/training.md: fresh
data of the current net beats re-using old data, a fine-tune wants a small
step, king buckets overfit a first net trained from scratch, lambda 1).
The candidate then plays a gating match in UCI games (training/match, openings from an EPD
file, by default the book shipped in training/books, each played with both
colours) against the best so far.  The gate is
an SPRT on the game pairs (pentanomial, training/elo.py): H0 elo <= `elo0`
against H1 elo >= `elo1` with error rates `alpha` (promoting a net that is
not better) and `beta` (rejecting one that is), the bounds in normalized
Elo by default (`sprt_model`, as fastchess and fishtest).  The match stops
as soon as the SPRT decides, and the net is promoted only if H1 is
accepted; a match that reaches `games` without a decision does not promote
(the new net has not shown that it is better, and the best so far stays).
Progress goes to the `training.loop` logger (the command line shows it).
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from training import books
from training import data as D
from training import elo
from training.epd import read_fens

LOGGER = logging.getLogger(__name__)
BOOTSTRAP = "bootstrap"


@dataclass
class LoopConfig:
    workdir: str = field(default="ladya-loop", metadata={"help": "work directory (resumed if it exists)"})
    generations: int = field(default=3, metadata={"help": "generations to run in total"})
    positions: int = field(default=2_000_000, metadata={
        "help": "self-play positions per generation (the gain of a generation grows with its data)"})
    nodes: int = field(default=5000, metadata={"help": "soft node limit per self-play move"})
    workers: Optional[int] = field(default=None, metadata={
        "help": "self-play processes (default: every core, or every CPU of the --ray cluster)"})
    ray: Optional[str] = field(default=None, metadata={
        "help": "self-play on this Ray cluster ('auto', HOST:PORT; as ladya datagen --ray)"})
    window: int = field(default=0, metadata={
        "help": "train on the data of this many latest generations (0: every generation played "
                "by the current best net)"})
    epochs: int = field(default=12, metadata={"help": "training epochs of a net trained from scratch"})
    lr: float = field(default=4e-3, metadata={
        "help": "learning rate of a net trained from scratch (peak, before the schedule)"})
    ft_epochs: int = field(default=2, metadata={"help": "training epochs of a fine-tune of the best net"})
    ft_lr: float = field(default=5e-4, metadata={
        "help": "learning rate of a fine-tune of the best net (peak, before the schedule)"})
    batch_size: int = field(default=4096, metadata={
        "help": "small batches: a generation's data needs many steps"})
    lam: float = field(default=1.0, metadata={"help": "lambda: weight of the search score in the target"})
    lam_end: Optional[float] = field(default=None, metadata={
        "help": "lambda at the end of each training (ladya train --lambda-end)"})
    hidden: int = field(default=256, metadata={"help": "width of the hidden layer (a multiple of 32)"})
    king_buckets: str = field(default="mirror16", metadata={
        "help": "king-square layout of a fine-tune's weight blocks (ladya train --king-buckets)"})
    king_lr: float = field(default=0.2, metadata={
        "help": "learning-rate factor of the king-specific weights (0: king-independent net)"})
    scratch_king_buckets: str = field(default="none", metadata={
        "help": "king-square layout of a net trained from scratch"})
    mirror: float = field(default=0.5, metadata={"help": "share of positions mirrored a<->h while training"})
    activation: str = field(default="screlu", metadata={"help": "screlu (squared clipped ReLU) | crelu"})
    threads: int = field(default_factory=lambda: os.cpu_count() or 1, metadata={"help": "trainer threads"})
    device: str = field(default="native", metadata={
        "help": "trainer backend: native (Cython) | cpu | cuda | cuda:N (ladya train --device)"})
    loss: str = field(default="mse", metadata={
        "help": "training loss: mse | huber | ce | cp (ladya train --loss)"})
    fine_tune: bool = field(default=True, metadata={
        "help": "start training from the best net (else from scratch)"})
    keep_eval_size: bool = field(default=True, metadata={
        "help": "export each fine-tune at the scale that keeps the best net's evaluation size (ladya "
                "train --keep-eval-size): fine-tunes on search scores grow the evaluation, which the "
                "search's centipawn margins pay for (docs/training.md)"})
    games: int = field(default=1000, metadata={"help": "cap on the games of each gating match (even: pairs)"})
    tc: str = field(default="5+0.05", metadata={"help": "gating match time control, seconds+increment"})
    gate_nodes: Optional[int] = field(default=None, metadata={
        "help": "gating match at this node limit per move instead of --tc (the same games on a busy "
                "machine, but blind to a net's speed)"})
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1, metadata={
        "help": "games played at once in the gating match (default: every core)"})
    openings: Optional[str] = field(default=None, metadata={
        "help": "EPD book of the gating matches (default: the one shipped, training/books)"})
    elo0: float = field(default=0.0, metadata={
        "help": "gating SPRT H0: new net at most this much stronger (nElo; Elo if logistic)"})
    elo1: float = field(default=10.0, metadata={
        "help": "gating SPRT H1: new net at least this much stronger (nElo; Elo if logistic)"})
    sprt_model: str = field(default=elo.DEFAULT_SPRT_MODEL, metadata={
        "help": "gating SPRT model: normalized (as fastchess, fishtest) | logistic"})
    alpha: float = field(default=0.05, metadata={
        "help": "gating SPRT: chance of promoting a net that is not stronger"})
    beta: float = field(default=0.05, metadata={
        "help": "gating SPRT: chance of rejecting a net that is stronger"})
    seed: int = field(default=1, metadata={
        "help": "random seed (self-play, training, openings of the gating match)"})
    progress: bool = field(default=True, metadata={"help": "show progress bars"})


def match_record(result, opponent: str, tc: str, nodes: Optional[int] = None) -> dict:
    """The generation record's account of a gating match (a
    training.match.MatchResult): games, pairs, the SPRT and the Elo from the
    pairs.  Records written before the SPRT gate lack the pair and SPRT
    fields, and those written before the SPRT's model was recorded used the
    logistic one."""
    interval = result.elo() if result.played else (0.0, -1000.0, 1000.0)
    # A one-sided match has an infinite estimate: keep the log finite.
    e, lo, hi = (max(-1000.0, min(1000.0, x)) for x in interval)
    s = result.sprt
    return {"opponent": opponent, "wins": result.wins, "draws": result.draws, "losses": result.losses,
            "pentanomial": list(result.pentanomial), "elo": e, "elo_low": lo, "elo_high": hi,
            # a node-limited match has no clock: "-" as its PGN says
            "los": result.los(), "tc": tc if nodes is None else "-",
            **({"nodes": nodes} if nodes is not None else {}),
            "sprt": {"elo0": s.elo0, "elo1": s.elo1, "alpha": s.alpha, "beta": s.beta,
                     "model": s.model},
            "llr": result.llr(), "llr_bounds": list(result.bounds()), "decision": result.decision}


class Loop:
    """The generations of one work directory.  `log` receives each progress
    message (default: the `training.loop` logger at INFO)."""

    def __init__(self, cfg: LoopConfig, log=None):
        self.cfg = cfg
        self.log = LOGGER.info if log is None else log
        self.dir = Path(cfg.workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path = self.dir / "state.json"
        if self.state_path.exists():
            self.state = json.loads(self.state_path.read_text())
        else:
            self.state = {"best": BOOTSTRAP, "best_elo": 0.0, "generations": []}
        if cfg.openings is not None and not Path(cfg.openings).is_file():
            raise ValueError(f"openings file not found: {cfg.openings} (--openings: an EPD file)")
        read_fens(books.book(cfg.openings))   # a bad book fails now, not after the self-play
        if cfg.games < 2 or cfg.games % 2:
            raise ValueError(f"--games must be even and at least 2 (game pairs), got {cfg.games}")
        elo.check_sprt(cfg.elo0, cfg.elo1, cfg.alpha, cfg.beta, cfg.sprt_model)

    def save(self) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        os.replace(tmp, self.state_path)

    def gen_dir(self, g: int) -> Path:
        return self.dir / f"gen-{g:03d}"

    # -- stages -----------------------------------------------------------------
    def datagen(self, g: int, rec: dict) -> None:
        from training.datagen import DatagenConfig, run
        out = self.gen_dir(g) / "data"
        have = len(D.load([out])) if out.exists() else 0
        need = self.cfg.positions - have
        t0 = time.time()
        best = rec.setdefault("data_net", self.state["best"])
        if need > 0:
            self.log(f"gen {g}: self-play {need} positions with {best}")
            run(DatagenConfig(out=str(out), positions=need, nodes=self.cfg.nodes,
                              workers=self.cfg.workers, ray=self.cfg.ray, eval=best,
                              seed=self.cfg.seed * 1000 + g, progress=self.cfg.progress))
        rec["positions"] = len(D.load([out]))
        rec["seconds_datagen"] = rec.get("seconds_datagen", 0) + time.time() - t0

    def data_generations(self, g: int) -> list:
        """The generations whose data trains generation g: the last `window`,
        or (window 0) g and the generations before it played by the same net
        (the best net now; records from before `data_net` was kept count as
        another net's)."""
        if self.cfg.window > 0:
            return list(range(max(0, g - self.cfg.window + 1), g + 1))
        recs = {r["gen"]: r for r in self.state["generations"]}
        best = self.state["best"]
        first = g
        while first > 0 and recs.get(first - 1, {}).get("data_net") == best:
            first -= 1
        return list(range(first, g + 1))

    def train(self, g: int, rec: dict) -> None:
        from training.train import TrainConfig, train
        t0 = time.time()
        gens = self.data_generations(g)
        data = [str(self.gen_dir(k) / "data") for k in gens if (self.gen_dir(k) / "data").exists()]
        best = self.state["best"]
        net = self.gen_dir(g) / "net.nnue"
        init = best if (self.cfg.fine_tune and best != BOOTSTRAP) else None
        if init is None:
            epochs, lr, layout = self.cfg.epochs, self.cfg.lr, self.cfg.scratch_king_buckets
        else:
            epochs, lr, layout = self.cfg.ft_epochs, self.cfg.ft_lr, self.cfg.king_buckets
        self.log(f"gen {g}: training on the data of generation(s) {gens}, "
                 + (f"fine-tuning {init}" if init else "from scratch")
                 + f", {epochs} epochs at lr {lr:g}, king buckets {layout}")
        report = train(TrainConfig(data=data, out=str(net), epochs=epochs,
                                   batch_size=self.cfg.batch_size, lr=lr, lam=self.cfg.lam,
                                   lam_end=self.cfg.lam_end,
                                   hidden=self.cfg.hidden, threads=self.cfg.threads,
                                   king_buckets=layout, king_lr=self.cfg.king_lr,
                                   mirror=self.cfg.mirror,
                                   activation=self.cfg.activation, device=self.cfg.device,
                                   loss=self.cfg.loss, init=init,
                                   keep_eval_size=self.cfg.keep_eval_size and init is not None,
                                   seed=self.cfg.seed + g, resume=True, progress=self.cfg.progress),
                       log=lambda m: self.log(f"gen {g}: {m}"))
        last = report["history"][-1] if report["history"] else {}
        rec.update(net=str(net), train_loss=last.get("train_loss"), val_loss=last.get("val_loss"),
                   eval_difference=report["eval_difference"], data_generations=gens,
                   init=init, epochs=epochs, lr=lr, king_buckets=layout,
                   scale=report.get("scale"), eval_slope=report.get("eval_slope"))
        rec["seconds_train"] = time.time() - t0

    def match(self, g: int, rec: dict) -> None:
        from training import match
        t0 = time.time()
        best = self.state["best"]
        result = match.play_match(match.MatchConfig(
            engine1=match.EngineSpec(options={"EvalFile": rec["net"]}, name=f"gen-{g:03d}"),
            engine2=match.EngineSpec(options={"EvalFile": best},
                                     name="bootstrap" if best == BOOTSTRAP else Path(best).parent.name),
            games=self.cfg.games, tc=self.cfg.tc, nodes=self.cfg.gate_nodes,
            concurrency=self.cfg.concurrency,
            openings=self.cfg.openings, seed=self.cfg.seed + g,
            pgn=str(self.gen_dir(g) / "match.pgn"),
            sprt=match.Sprt(self.cfg.elo0, self.cfg.elo1, self.cfg.alpha, self.cfg.beta,
                            self.cfg.sprt_model)))
        rec["match"] = match_record(result, best, self.cfg.tc, self.cfg.gate_nodes)
        rec["seconds_match"] = time.time() - t0
        m = rec["match"]
        promoted = m["decision"] == "H1"
        rec["promoted"] = promoted
        if promoted:
            self.state["best"] = rec["net"]
            self.state["best_elo"] = self.state.get("best_elo", 0.0) + m["elo"]
        rec["best_elo_after"] = self.state["best_elo"]
        verdict = {"H1": "H1 accepted: promoted", "H0": "H0 accepted: not promoted",
                   None: f"no decision in {result.played} games: not promoted"}[m["decision"]]
        self.log(f"gen {g}: +{m['wins']} ={m['draws']} -{m['losses']}, Ptnml {m['pentanomial']}, "
                 f"Elo {m['elo']:+.0f} [{m['elo_low']:+.0f}, {m['elo_high']:+.0f}], "
                 f"LLR {m['llr']:.2f} ({m['llr_bounds'][0]:.2f}, {m['llr_bounds'][1]:.2f}) -> {verdict}")

    # -- driver -----------------------------------------------------------------
    def run(self) -> dict:
        gens = self.state["generations"]
        while True:
            if gens and gens[-1]["stage"] != "done":
                rec = gens[-1]
            elif len(gens) < self.cfg.generations:
                rec = {"gen": len(gens), "stage": "datagen"}
                gens.append(rec)
                self.save()
            else:
                break
            g = rec["gen"]
            for stage, step in (("datagen", self.datagen), ("train", self.train), ("match", self.match)):
                if rec["stage"] == stage:
                    step(g, rec)
                    rec["stage"] = {"datagen": "train", "train": "match", "match": "done"}[stage]
                    self.save()
            with open(self.dir / "log.jsonl", "a") as f:
                f.write(json.dumps(rec) + "\n")
            self.plot()
        return self.state

    def plot(self) -> Optional[Path]:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        done = [r for r in self.state["generations"] if r.get("stage") == "done" and "match" in r]
        if not done:
            return None
        fig, ax = plt.subplots(figsize=(6, 4))
        xs = [r["gen"] for r in done]
        ax.plot(xs, [r["best_elo_after"] for r in done], "o-", label="best net vs bootstrap (cumulative)")
        ax.errorbar(xs, [r["match"]["elo"] for r in done],
                    yerr=[[r["match"]["elo"] - r["match"]["elo_low"] for r in done],
                          [r["match"]["elo_high"] - r["match"]["elo"] for r in done]],
                    fmt="s", alpha=0.6, label="candidate vs best (95%)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_xlabel("generation")
        ax.set_ylabel("Elo")
        ax.set_title("Ladya: strength over generations")
        ax.legend()
        fig.tight_layout()
        path = self.dir / "strength.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path
