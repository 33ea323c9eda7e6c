"""`ladya train`: fit the HalfKP network to self-play data and export it.

The pipeline: memory-mapped data files (training/data.py) -> filter
(default_filter: not in check, quiet best move, no mate score, past the
opening) -> a seeded shuffle per epoch and a fixed validation split ->
batches encoded with the engine's own feature code (training/model.pyx
encode_records) -> sparse forward/backward -> optimizer step on touched rows
(training/optim.pyx) -> checkpoint (with optimizer state) and loss curve
after every epoch -> quantized export (training/quantize.py).

Resuming (--resume) reloads the last checkpoint and continues exactly: the
shuffle of each epoch depends only on (seed, epoch) and the kernels are
deterministic whatever the thread count (the native trainer's; a GPU's
need not be).

`device` picks who runs the forward/backward pass and the optimizer step:
"native", the Cython kernels above, or a PyTorch device ("cpu", "cuda",
"cuda:N") running the same model and update rules as tensor operations
(training/torch_model.py, imported only then: torch is the optional extra
`ladya[gpu]`).  Everything else -- data, encoding, schedule, checkpoints,
export -- is this file's, whichever runs the step.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Tuple, List, Optional

import numpy as np

from training import data as D
from training import quantize as Q
from nnue.features import KING_BLOCK
from training.buckets import layout
from training.model import forward_backward, encode_records, wdl_target, LOSSES, Scratch
from training.optim import step_rows, OPTIMIZERS
from training.sources import parse_sources, epoch_order
from nnue.format import ACTIVATIONS, SCALE

LOGGER = logging.getLogger(__name__)

NATIVE = "native"       #: --device of the Cython trainer (the default)
LOSS_ALIASES = {"wdl": "mse"}      #: older --loss names (checkpoints and commands keep working)
NOT_EXPORTABLE = ("a net with separate transformers cannot be exported: the engine's format and "
                  "accumulators have one transformer shared by both perspectives (this one would need "
                  "two accumulators per perspective)")


@dataclass
class TrainConfig:
    data: List[str] = field(default_factory=list, metadata={
        "help": "data files or directories (.ldat, or .txt text format), the union; PATH:WEIGHT draws a "
                "source's positions WEIGHT times per epoch on average (default 1)"})
    out: str = field(default="net.nnue", metadata={"help": "exported net"})
    epochs: int = field(default=10, metadata={"help": "passes over the training data"})
    batch_size: int = field(default=16384, metadata={"help": "positions per optimizer step"})
    lr: float = field(default=1e-3, metadata={"help": "learning rate (peak, before the schedule)"})
    optimizer: str = field(default="adam", metadata={"help": "sgd | momentum | rmsprop | adam"})
    beta1: float = field(default=0.9, metadata={"help": "Adam beta1 / momentum coefficient"})
    beta2: float = field(default=0.999, metadata={"help": "Adam beta2 / RMSProp decay"})
    eps: float = field(default=1e-8, metadata={"help": "optimizer epsilon (Adam, RMSProp)"})
    lam: float = field(default=0.75, metadata={
        "help": "lambda: weight of the search score (1 - lambda: game result)"})
    lam_end: Optional[float] = field(default=None, metadata={
        "help": "lambda at the end of training: the weight moves linearly from --lambda at the start "
                "to this at the end, batch by batch (nnue-pytorch's start/end lambda); validation "
                "uses this one, the objective the run arrives at (default: --lambda throughout)"})
    K: float = field(default=400.0, metadata={"help": "centipawns per logit in the sigmoid"})
    loss: str = field(default="mse", metadata={
        "help": "mse (squared error of the win probability against the WDL target) | huber (Huber loss of "
                "that error) | ce (cross-entropy of the win probability against the WDL target, less the "
                "target's entropy) | cp (squared error of the score in centipawns / 400)"})
    huber_delta: float = field(default=0.1, metadata={
        "help": "huber: the error in win probability beyond which the loss grows linearly"})
    schedule: str = field(default="cosine", metadata={"help": "constant | step | cosine"})
    step_every: int = field(default=4, metadata={"help": "step schedule: epochs per decay"})
    step_gamma: float = field(default=0.3, metadata={"help": "step schedule: decay factor"})
    hidden: int = field(default=256, metadata={"help": "width of the hidden layer (a multiple of 32)"})
    activation: str = field(default="screlu", metadata={
        "help": "screlu (squared clipped ReLU) | crelu (clipped ReLU)"})
    factorizer: bool = field(default=True, metadata={"help": "king-independent virtual features"})
    separate_transformers: bool = field(default=False, metadata={
        "help": "the design notes' variant: the side not to move gets a transformer of its own (A2, B2; "
                "the engine cannot run it, so nothing is exported)"})
    init: Optional[str] = field(default=None, metadata={
        "help": "start from this .nnue (fine-tuning; a wider --hidden adds fresh neurons whose "
                "output weights start at 0)"})
    keep_eval_size: bool = field(default=False, metadata={
        "help": "fine-tuning: export at the scale that keeps the evaluation's size that of the --init "
                "net (its slope against the --init net's on validation positions); a fine-tune on search "
                "scores grows the evaluation while the search's margins stay in centipawns "
                "(docs/training.md, \"The evaluation's scale\")"})
    val_fraction: float = field(default=0.05, metadata={
        "help": "share of the positions held out for validation"})
    min_ply: int = field(default=D.MIN_PLY, metadata={"help": "skip the first plies of each game"})
    strict: bool = field(default=False, metadata={
        "help": "stop at damaged data (default: skip it with a warning)"})
    king_buckets: str = field(default="full", metadata={
        "help": "king-square layout of the weight blocks: none | full | mirror4 | mirror8 | mirror16 | "
                "mirror32 (training/buckets.py)"})
    king_lr: float = field(default=1.0, metadata={
        "help": "learning-rate factor of the king-specific rows A (0 freezes them: with the factorizer, a "
                "king-independent net)"})
    mirror: float = field(default=0.5, metadata={
        "help": "share of training positions mirrored a<->h each epoch (augmentation; 0 = off)"})
    threads: int = field(default_factory=lambda: os.cpu_count() or 1, metadata={"help": "trainer threads"})
    device: str = field(default=NATIVE, metadata={
        "help": "native (the Cython trainer) | cpu | cuda | cuda:N (the same model in PyTorch: pip "
                "install 'ladya[gpu]')"})
    seed: int = field(default=1, metadata={
        "help": "random seed (initial weights, shuffling, validation split)"})
    run_dir: Optional[str] = field(default=None, metadata={
        "help": "checkpoints and plots (default: OUT.run/)"})
    resume: bool = field(default=False, metadata={
        "help": "continue from the checkpoint in the run directory"})
    progress: bool = field(default=True, metadata={"help": "show a progress bar"})


class Model:
    """Parameters, gradient buffers and optimizer moments (float32).

    With separate transformers A, P and B hold two, stacked: the side to
    move's rows first, then the side not to move's (training/model.pyx)."""

    def __init__(self, cfg: TrainConfig, rng: np.random.Generator):
        H = cfg.hidden
        T = 2 if cfg.separate_transformers else 1
        self.buckets = layout(cfg.king_buckets)
        rows = self.buckets.rows
        # With the factorizer, the random start goes into P (shared by all
        # king squares) and the king-specific A starts at zero: rows that
        # the data never reaches then add no noise to the evaluation, and
        # they stay exact copies of P in the export, which packs them away.
        noise = rng.standard_normal((T * (KING_BLOCK if cfg.factorizer else rows), H)) * 0.01
        if cfg.factorizer:
            self.A = np.zeros((T * rows, H), np.float32)
            self.P = noise.astype(np.float32)
        else:
            self.A = noise.astype(np.float32)
            self.P = np.zeros((T * KING_BLOCK, H), np.float32)
        self.B = np.full(T * H, 0.5, np.float32)
        self.C = (rng.standard_normal(2 * H) * (1.0 / np.sqrt(2 * H))).astype(np.float32)
        self.d = np.zeros(1, np.float32)
        #: centipawns per unit of output: a fine-tune keeps its --init net's,
        #: which may have been rescaled (nets/HISTORY.md, gen-006)
        self.scale = SCALE
        #: the --init net (FloatNet), which --keep-eval-size measures against
        self.init_net = None
        if cfg.init:
            from nnue.format import read_net
            from nnue.reference import dequantize
            q = read_net(cfg.init)
            h = q.hidden
            if h > H:
                raise ValueError(f"--init net has width {h}, wider than --hidden {H}")
            if q.activation != ACTIVATIONS[cfg.activation]:
                raise ValueError(f"--init net's activation is not --activation {cfg.activation}")
            f = dequantize(q)
            self.scale = q.scale
            self.init_net = f
            # folded already; a layout with fewer blocks takes their means;
            # separate transformers both start as the net's one.  A wider
            # --hidden keeps the fresh start in the new neurons (their A and
            # P columns, B) with output weights 0: the net starts as the
            # --init net exactly, and C's gradient (g h) wakes the new ones.
            self.A[:, :h] = np.tile(self.buckets.contract(f.A), (T, 1))
            self.P[:, :h] = 0.0
            for t in range(T):
                self.B[t * H:t * H + h] = f.B
            self.C = np.zeros(2 * H, np.float32)
            self.C[:h], self.C[H:H + h] = f.C[:h], f.C[h:]
            self.d[0] = f.d
        self.gA = np.zeros_like(self.A)
        self.gP = np.zeros_like(self.P)
        self.gB = np.zeros_like(self.B)
        self.gC = np.zeros_like(self.C)
        self.touched = np.zeros(T * rows, np.uint8)
        self.m = {k: np.zeros_like(getattr(self, k)) for k in self.PARAMS}
        self.v = {k: np.zeros_like(a) for k, a in self.m.items()}
        self.step = 0

    PARAMS = ("A", "P", "B", "C", "d")

    def state(self) -> dict:
        out = {k: getattr(self, k) for k in self.PARAMS}
        out.update({f"m_{k}": a for k, a in self.m.items()})
        out.update({f"v_{k}": a for k, a in self.v.items()})
        out["step"] = np.array(self.step)
        return out

    def load_state(self, st) -> None:
        for k in self.PARAMS:
            getattr(self, k)[...] = st[k]
            self.m[k][...] = st[f"m_{k}"]
            self.v[k][...] = st[f"v_{k}"]
        self.step = int(st["step"])


def _load_data(specs, min_ply: int, strict: bool = False,
               report: Optional[D.LoadReport] = None) -> Tuple[np.ndarray, np.ndarray]:
    """The usable records and their game numbers (_load_sources without the weights)."""
    return _load_sources(specs, min_ply, strict, report)[:2]


def _load_sources(specs, min_ply: int, strict: bool = False, report: Optional[D.LoadReport] = None
                  ) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """The usable records (default_filter) of the data sources (`--data`:
    directories, binary and text files, each PATH or PATH:WEIGHT;
    training/sources.py), the game each comes from (an int per record), and
    each record's sampling weight (None when all are 1).

    Text lines carry no ply (from_text stores 0), so the opening-ply filter
    applies to binary files only; checks and mate scores are still dropped.
    A text line counts as a game of its own.  A file reached by two sources
    is read once (an error if they weigh it differently).  Damaged binary
    files and invalid records are left out and counted in `report` (D.load),
    or with `strict` stop the run; a bad text line always does."""
    report = D.LoadReport() if report is None else report
    recs, game_ids, weights = [], [], []
    seen = {}                   # each file read: the weight of its source
    last_game = -1              # games are numbered across all sources
    binary_read = False
    for src in parse_sources(specs):
        files = []
        for f in ([src.path] if src.is_text else D.data_files([src.path])):
            key = f.resolve()
            if key in seen:
                if seen[key] != src.weight:
                    raise ValueError(f"--data: {f} is in two sources weighted {seen[key]:g} and "
                                     f"{src.weight:g}")
                continue
            seen[key] = src.weight
            files.append(f)
        if not files:
            continue
        if src.is_text:
            with open(files[0]) as fh:
                part = D.from_text(fh)
            ids = last_game + 1 + np.arange(len(part))
            keep = D.default_filter(part, 0)
        else:
            binary_read = True
            part = D.load(files, strict, report)
            # every file starts with a game, so the running count of game
            # starts numbers the games
            ids = last_game + np.cumsum((part["flags"] & D.FLAG_GAME_START) != 0)
            keep = D.default_filter(part, min_ply)
        if len(ids):
            last_game = int(ids[-1])
        recs.append(part[keep])
        game_ids.append(ids[keep])
        weights.append(np.full(int(keep.sum()), src.weight))
    if binary_read and report.skipped and not report.files:
        raise D.DataError(f"no readable data: {report.summary()}")
    if not recs:
        raise ValueError("no training data given")
    w = np.concatenate(weights)
    return np.concatenate(recs), np.concatenate(game_ids), None if (w == 1.0).all() else w


def split_by_game(game_ids: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Validation mask holding out about `fraction` of the games, whole:
    positions of one game are close relatives, and a split by position would
    reward memorising them (on 150k self-play positions the held-out loss
    was twice the loss of a split by position)."""
    games = np.unique(game_ids)
    n_val = max(1, int(round(len(games) * fraction)))
    is_val = np.isin(game_ids, rng.permutation(games)[:n_val])
    if is_val.all() or not is_val.any():      # a single game: split its positions
        is_val = np.zeros(len(game_ids), bool)
        is_val[rng.permutation(len(game_ids))[:max(1, int(len(game_ids) * fraction))]] = True
    return is_val


def _tensor_backend(name: str):
    """training/torch_model.py, imported only when a PyTorch device (`name`)
    is asked for; ValueError naming the extra if torch is not installed."""
    try:
        from training import torch_model
    except ModuleNotFoundError as exc:
        if exc.name != "torch":
            raise
        raise ValueError(f"--device {name} needs PyTorch: pip install 'ladya[gpu]'") from None
    return torch_model


def _lambda_text(cfg: TrainConfig) -> str:
    return f"{cfg.lam}" if cfg.lam_end is None else f"{cfg.lam} -> {cfg.lam_end}"


def _progress(cfg: TrainConfig, epoch: int, frac: float) -> float:
    """How far the run is, in [0, 1], at `frac` of epoch `epoch` (0-based)."""
    return min((epoch + frac) / max(cfg.epochs, 1), 1.0)


def _lr(cfg: TrainConfig, epoch: int, frac: float) -> float:
    if cfg.schedule == "constant":
        return cfg.lr
    if cfg.schedule == "step":
        return cfg.lr * cfg.step_gamma ** (epoch // max(cfg.step_every, 1))
    # cosine from lr down to lr/20 over the whole run
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * _progress(cfg, epoch, frac))))


def _lambda(cfg: TrainConfig, epoch: int, frac: float) -> float:
    """The WDL weight at `frac` of epoch `epoch`: --lambda, or linear from it
    to --lambda-end over the run."""
    if cfg.lam_end is None:
        return cfg.lam
    return cfg.lam + (cfg.lam_end - cfg.lam) * _progress(cfg, epoch, frac)


class Trainer:
    def __init__(self, cfg: TrainConfig):
        if cfg.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {cfg.optimizer!r} (choose from {', '.join(OPTIMIZERS)})")
        if cfg.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {cfg.activation!r} (choose from {', '.join(ACTIVATIONS)})")
        cfg = dataclasses.replace(cfg, loss=LOSS_ALIASES.get(cfg.loss, cfg.loss))
        if cfg.loss not in LOSSES:
            raise ValueError(f"unknown loss {cfg.loss!r} (choose from {', '.join(LOSSES)})")
        if not cfg.huber_delta > 0:
            raise ValueError("--huber-delta must be positive")
        if cfg.hidden <= 0 or cfg.hidden % 32:
            raise ValueError("--hidden must be a positive multiple of 32")
        if not 0.0 <= cfg.lam <= 1.0:
            raise ValueError("--lambda must be in [0, 1]")
        if cfg.lam_end is not None and not 0.0 <= cfg.lam_end <= 1.0:
            raise ValueError("--lambda-end must be in [0, 1]")
        if not 0.0 <= cfg.mirror <= 1.0:
            raise ValueError("--mirror must be in [0, 1]")
        if cfg.batch_size < 1 or cfg.epochs < 1:
            raise ValueError("--batch-size and --epochs must be positive")
        if cfg.keep_eval_size and not cfg.init:
            raise ValueError("--keep-eval-size keeps the size of the --init net's evaluation: give --init")
        # the device is checked before the data is read
        tensors = None if cfg.device == NATIVE else _tensor_backend(cfg.device)
        dev = None if tensors is None else tensors.device(cfg.device)
        self.cfg = cfg
        self.run_dir = Path(cfg.run_dir or (str(cfg.out) + ".run"))
        self.data_report = D.LoadReport()
        recs, game_ids, weights = _load_sources(cfg.data, cfg.min_ply, cfg.strict, self.data_report)
        if len(recs) < 2:
            raise ValueError(f"only {len(recs)} usable positions after filtering")
        is_val = split_by_game(game_ids, cfg.val_fraction, np.random.default_rng([cfg.seed, 0xDA7A]))
        self.val = recs[is_val]
        self.train = recs[~is_val]
        #: sampling weight of each training position (None: all 1, training/sources.py)
        self.train_weights = None if weights is None else weights[~is_val]
        self.model = Model(cfg, np.random.default_rng([cfg.seed, 0x5EED]))
        # the PyTorch backend's working copy of the model (None: native)
        self.backend = None if tensors is None else tensors.TorchModel(self.model, cfg, dev)
        self.history: List[dict] = []
        self.epoch = 0
        self.kind = {"sgd": 0, "momentum": 1, "rmsprop": 2, "adam": 3}[cfg.optimizer]
        self._scratch = Scratch()          # the native step's buffers, kept between batches
        self._batch_scratch = Scratch()    # and its encoded batch's
        self._remap = None if cfg.king_buckets == "full" else self.model.buckets.remap()
        self.val_batch = self._encode(self.val)

    # -- data --------------------------------------------------------------
    def _encode(self, recs, mirror=None, lam=None, reuse=False):
        """The batch of `recs`, its WDL target with weight `lam` (default:
        the validation's, the weight at the end of the run).  `reuse`: in
        buffers that the next reuse overwrites (a training step's batch)."""
        scratch = self._batch_scratch if reuse and self.backend is None else None
        stm, nstm, score, result = encode_records(recs, mirror, self._remap, self.cfg.threads, scratch)
        if lam is None:
            lam = _lambda(self.cfg, self.cfg.epochs, 0.0)
        return stm, nstm, score, wdl_target(score, result, lam, self.cfg.K)

    # -- one pass -----------------------------------------------------------
    def _run(self, batch, backward: bool, kind: Optional[str] = None) -> float:
        """The batch's mean loss (of `kind`, default --loss); with
        `backward`, its gradients for the next _step."""
        if self.backend is not None:
            return self.backend.run(batch, backward, kind)
        m, cfg = self.model, self.cfg
        stm, nstm, score, target = batch
        loss, g = forward_backward(m.A, m.P, m.B, m.C, float(m.d[0]), stm, nstm, score, target,
                                   m.gA, m.gP, m.gB, m.gC, m.touched, self._scratch,
                                   LOSSES[kind or cfg.loss], cfg.K, m.scale, cfg.factorizer, cfg.threads,
                                   backward, ACTIVATIONS[cfg.activation], cfg.huber_delta,
                                   cfg.separate_transformers)
        if backward:
            self._gd = g
        return loss

    def _step(self, lr: float) -> None:
        if self.backend is not None:
            self.backend.step(lr)
            return
        m, cfg = self.model, self.cfg
        m.step += 1
        common = (self.kind, lr, cfg.beta1, cfg.beta2, cfg.eps, m.step)
        king_lr = lr * cfg.king_lr if cfg.factorizer else lr
        step_rows(m.A, m.gA, m.m["A"], m.v["A"], m.touched, self.kind, king_lr, *common[2:],
                  Q.A_CLIP, cfg.threads)
        if cfg.factorizer:
            step_rows(m.P, m.gP, m.m["P"], m.v["P"], None, *common, Q.A_CLIP, cfg.threads)
        step_rows(m.B.reshape(1, -1), m.gB.reshape(1, -1), m.m["B"].reshape(1, -1),
                  m.v["B"].reshape(1, -1), None, *common, Q.B_CLIP, 1)
        step_rows(m.C.reshape(1, -1), m.gC.reshape(1, -1), m.m["C"].reshape(1, -1),
                  m.v["C"].reshape(1, -1), None, *common, Q.C_CLIP, 1)
        gd = np.array([[self._gd]], np.float32)
        step_rows(m.d.reshape(1, 1), gd, m.m["d"].reshape(1, 1), m.v["d"].reshape(1, 1), None,
                  *common, Q.D_CLIP, 1)

    def validation_loss(self, loss: Optional[str] = None) -> float:
        """The mean `loss` (default --loss) of the validation positions."""
        # in training-batch slices, so the scratch buffers stay batch-sized
        total, n, bs = 0.0, len(self.val_batch[0]), self.cfg.batch_size
        for s in range(0, n, bs):
            total += self._run(tuple(x[s:s + bs] for x in self.val_batch), False, loss) * min(bs, n - s)
        return total / n

    def train_epoch(self) -> dict:
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, self.epoch])
        order = epoch_order(len(self.train), self.train_weights, rng)
        n_batches = max(1, (len(order) + cfg.batch_size - 1) // cfg.batch_size)
        bar = None
        if cfg.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(order), unit="pos", desc=f"epoch {self.epoch + 1}/{cfg.epochs}",
                       dynamic_ncols=True, leave=False)
        t0 = time.perf_counter()
        total, count = 0.0, 0
        for b in range(n_batches):
            idx = np.sort(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
            if len(idx) == 0:
                continue
            flip = rng.random(len(idx)) < cfg.mirror if cfg.mirror > 0 else None
            batch = self._encode(self.train[idx], flip, _lambda(cfg, self.epoch, b / n_batches), reuse=True)
            loss = self._run(batch, backward=True)
            self._step(_lr(cfg, self.epoch, b / n_batches))
            total += loss * len(idx)
            count += len(idx)
            if bar is not None:
                bar.update(len(idx))
                bar.set_postfix(loss=f"{loss:.5f}", pos_s=f"{count / (time.perf_counter() - t0):.0f}")
        if bar is not None:
            bar.close()
        if self.backend is not None:
            self.backend.pull()           # the Model is the record at every epoch end
        elapsed = time.perf_counter() - t0
        self.epoch += 1
        val = self.validation_loss()
        rec = {"epoch": self.epoch, "train_loss": total / max(count, 1), "val_loss": val,
               # the MSE of the win probability too, which compares runs with different losses
               "val_mse": val if cfg.loss == "mse" else self.validation_loss("mse"),
               "positions_per_second": count / elapsed, "seconds": elapsed,
               "lr": _lr(cfg, self.epoch - 1, 0.0),
               "lambda": _lambda(cfg, self.epoch - 1, 0.0)}
        self.history.append(rec)
        return rec

    # -- checkpoints ---------------------------------------------------------
    def save_checkpoint(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "checkpoint.npz"
        tmp = self.run_dir / f".checkpoint.{os.getpid()}.npz"
        meta = json.dumps({"epoch": self.epoch, "history": self.history, "config": asdict(self.cfg)})
        np.savez(tmp, meta=np.array(meta), **self.model.state())
        os.replace(tmp, path)
        return path

    def load_checkpoint(self) -> bool:
        path = self.run_dir / "checkpoint.npz"
        if not path.exists():
            return False
        with np.load(path) as st:
            meta = json.loads(str(st["meta"]))
            saved = meta["config"]
            # checkpoints older than a setting trained as it did before it existed
            before = {"mirror": 0.0, "activation": "crelu", "king_buckets": "full", "huber_delta": 0.1,
                      "separate_transformers": False, "lam_end": None}
            saved["loss"] = LOSS_ALIASES.get(saved.get("loss"), saved.get("loss"))
            for key in ("hidden", "factorizer", "seed", "optimizer", "batch_size", "loss", "lam", "lam_end",
                        "mirror", "activation", "king_buckets", "huber_delta", "separate_transformers"):
                if key == "huber_delta" and self.cfg.loss != "huber":
                    continue
                was = saved.get(key, before.get(key))
                if was != getattr(self.cfg, key):
                    raise ValueError(f"--resume: checkpoint has {key}={was!r}, "
                                     f"this run {getattr(self.cfg, key)!r}")
            self.model.load_state(st)
        if self.backend is not None:
            self.backend.push()
        self.epoch = meta["epoch"]
        self.history = meta["history"]
        return True

    def plot(self) -> Optional[Path]:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        ep = [h["epoch"] for h in self.history]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(ep, [h["train_loss"] for h in self.history], "o-", label="train")
        ax.plot(ep, [h["val_loss"] for h in self.history], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{self.cfg.loss} loss")
        ax.set_title("Ladya NNUE training")
        ax.grid(alpha=0.3)
        ax.legend()
        path = self.run_dir / "loss.png"
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path

    def export(self, path=None, check_positions: int = 200) -> dict:
        if self.cfg.separate_transformers:
            raise ValueError(NOT_EXPORTABLE)
        m = self.model
        scale, slope = m.scale, None
        if self.cfg.keep_eval_size:
            slope = self.eval_slope()
            scale = max(1, round(m.scale / slope))
        qnet, fnet, qerr = Q.export(path or self.cfg.out, m.A, m.P if self.cfg.factorizer else None,
                                    m.B, m.C, m.d[0], ACTIVATIONS[self.cfg.activation], m.buckets,
                                    scale=scale)
        fens = [D.unpack_fen(r) for r in self.val[:check_positions]]
        return {"quantization_error": qerr, "eval_difference": Q.eval_difference(fnet, qnet, fens),
                "scale": scale, "init_scale": m.scale, "eval_slope": slope}

    def eval_slope(self, positions: int = 2000) -> float:
        """The slope of the trained model's evaluation against the --init
        net's (least squares, both at the --init net's scale) on validation
        positions: 1.12 means a fine-tune made every evaluation 12% larger."""
        from engine.position import Position
        from nnue.reference import float_eval
        m = self.model
        if m.init_net is None:
            raise ValueError("no --init net to compare the evaluation with")
        fnet = Q.to_float_net(m.A, m.P if self.cfg.factorizer else None, m.B, m.C, m.d[0],
                              ACTIVATIONS[self.cfg.activation], m.buckets)
        recs = self.val[:positions]
        if len(recs) < 2:
            raise ValueError("--keep-eval-size needs validation positions (--val-fraction)")
        pos = [Position(D.unpack_fen(r)) for r in recs]
        before = np.array([float_eval(m.init_net, p, m.scale) for p in pos])
        after = np.array([float_eval(fnet, p, m.scale) for p in pos])
        if not np.ptp(before) > 0:
            raise ValueError("--keep-eval-size: the --init net evaluates every validation position alike")
        slope = float(np.polyfit(before, after, 1)[0])
        if not slope > 0:
            raise ValueError(f"--keep-eval-size: the trained evaluation does not follow the --init net's "
                             f"(slope {slope:.3f}); nothing exported")
        return slope


def train(cfg: TrainConfig, log=None) -> dict:
    """Run the whole training as configured; returns the final report.
    `log` receives each progress message (default: this module's logger at INFO)."""
    log = LOGGER.info if log is None else log
    t = Trainer(cfg)
    left_out = t.data_report.summary()
    log(f"data: {len(t.train)} training and {len(t.val)} validation positions"
        f"{f' ({left_out})' if left_out else ''}; "
        f"{cfg.optimizer}, lr {cfg.lr}, batch {cfg.batch_size}, lambda {_lambda_text(cfg)}, "
        f"{cfg.activation}, {cfg.threads} threads"
        f"{'' if cfg.device == NATIVE else f', PyTorch on {cfg.device}'}")
    if cfg.resume and t.load_checkpoint():
        log(f"resumed from {t.run_dir / 'checkpoint.npz'} after epoch {t.epoch}")
    elif t.epoch == 0:
        log(f"initial validation loss {t.validation_loss():.6f}")
    while t.epoch < cfg.epochs:
        rec = t.train_epoch()
        t.save_checkpoint()
        t.plot()
        mse = "" if cfg.loss == "mse" else f" (MSE {rec['val_mse']:.6f})"
        log(f"epoch {rec['epoch']}: train loss {rec['train_loss']:.6f}, validation loss "
            f"{rec['val_loss']:.6f}{mse}, {rec['positions_per_second']:.0f} positions/s, lr {rec['lr']:.2e}")
    if cfg.separate_transformers:
        log(f"not exported: {NOT_EXPORTABLE}; the model is in {t.run_dir / 'checkpoint.npz'}")
        return {"history": t.history, "run_dir": str(t.run_dir), "exported": False}
    report = t.export()
    report["exported"] = True
    q, e = report["quantization_error"], report["eval_difference"]
    if report["eval_slope"] is not None:
        log(f"evaluation {report['eval_slope']:.3f}x the --init net's on validation positions: "
            f"exported at scale {report['scale']} (the --init net's: {report['init_scale']}), "
            f"the same size")
    log(f"exported {cfg.out}: max quantization error {max(q.values()):.2e} "
        f"(transformer {q['ft_weights']:.2e}, output {q['out_weights']:.2e}); float vs quantized eval "
        f"on {e['positions']} validation positions: mean {e['mean_cp']:.2f} cp, max {e['max_cp']:.2f} cp")
    report["history"] = t.history
    report["run_dir"] = str(t.run_dir)
    return report
