"""Training speed of the NNUE trainer against a PyTorch CPU implementation.

Both fit the same model (training/model.pyx header): HalfKP 40960 ->
hidden x2 -> 1 with the king-bucket layout of --king-buckets (default
mirror16; none = king-free), optional king-independent factorizer, shared
transformer, SCReLU (or --activation crelu), MSE in win-probability space,
Adam.  Ours runs the Trainer's real step (encode_records + WDL target +
forward_backward + step_rows on the touched rows); PyTorch runs
nn.EmbeddingBag(mode="sum") with offsets on the same batches, already turned
into tensors (its encoding time is not counted, which favours it), with dense
gradients and Adam -- its fastest setting here; --torch-sparse uses sparse
embedding gradients with SparseAdam (lazy, like ours), which is several times
slower on CPU.  Both use the same thread count, in the same run, alternating
rounds so that a shared machine's load hits both; the median round is
reported.

    python benchmarks/train_speed.py [--batch 16384] [--hidden 256] [--steps 20]
                                     [--reference torch|scalar] [--device cpu|cuda] [--threads N]
                                     [--rounds 3] [--profile] [--torch-sparse]
                                     [--king-buckets mirror16|none|...] [--activation screlu|crelu]
                                     [--data DIR_OR_FILE ...]

The batches are positions of seeded random games (plies 8..80: about 25
features per perspective), or with --data a seeded random draw from real
training data, read and filtered as `ladya train --data` does: self-play
data of a whole game has fewer pieces per position (about 16 features per
perspective in ours), so its positions are cheaper to train.

--profile breaks our step down: encode, forward, backward (output layer,
scatter into the feature rows, the sum of the batch's slices), optimizer, in
wall time and in CPU time of all threads (the CPU time is the steadier
figure where other jobs share the cores).

PyTorch is not a dependency of the package: `pip install torch` (CPU) first;
without it (or with --reference scalar) the reference is our own step with
the plain-C row kernels, which measures what the SIMD kernels bring.

--device cpu|cuda makes the reference the trainer's own PyTorch backend
(`ladya train --device`, training/torch_model.py: the same model, gradients
and optimizer as ours) on that device, running the Trainer's real step like
ours (encoding included), so the ratio is what --device costs or gains.
"""
import argparse
import dataclasses
import os
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.position import Position  # noqa: E402
from training import data as D  # noqa: E402
from training.model import encode_records, kernel_path, select_kernels  # noqa: E402
from training.train import TrainConfig, Trainer, _load_sources  # noqa: E402

VALUES = {"p": 1, "n": 3, "b": 3, "r": 5, "q": 9}


def random_records(n: int, seed: int = 1) -> np.ndarray:
    """Positions of seeded random games (plies 8..80, where most pieces are
    still on the board, as in self-play data), labelled by material."""
    rng = random.Random(seed)
    recs = []
    while len(recs) < n:
        pos = Position()
        for ply in range(1, 81):
            moves = pos.legal_moves()
            if not moves:
                break
            pos.push_uci(rng.choice(moves))
            if ply >= 8:
                fen = pos.fen()
                mat = sum((1 if c.isupper() else -1) * VALUES.get(c.lower(), 0) for c in fen.split()[0])
                stm = 100 * mat if pos.turn else -100 * mat
                recs.append(D.pack_position(fen, max(-1500, min(1500, stm)), int(np.sign(mat)), ply,
                                            D.FLAG_IN_CHECK if pos.is_check() else 0))
    return np.array(recs[:n], D.RECORD)


# ---------------------------------------------------------------------------
# PyTorch reference


def torch_model(hidden: int, factorized: bool, dense: bool, rows: int = 40960, squared: bool = True,
                seed: int = 1):
    import torch
    from torch import nn

    class HalfKP(nn.Module):
        def __init__(self):
            super().__init__()
            self.ft = nn.EmbeddingBag(rows, hidden, mode="sum", sparse=not dense)
            self.fp = nn.EmbeddingBag(640, hidden, mode="sum", sparse=not dense) if factorized else None
            self.bias = nn.Parameter(torch.full((hidden,), 0.5))
            self.out = nn.Linear(2 * hidden, 1)
            with torch.no_grad():
                self.ft.weight.normal_(0, 0.01)
                if self.fp is not None:
                    self.fp.weight.zero_()

        def transform(self, idx, king_free, offsets):
            a = self.ft(idx, offsets) + self.bias
            if self.fp is not None:
                a = a + self.fp(king_free, offsets)
            return a

        def forward(self, b):
            a = torch.cat([self.transform(b["stm"], b["stm_kf"], b["stm_off"]),
                           self.transform(b["nstm"], b["nstm_kf"], b["nstm_off"])], dim=1)
            h = torch.clamp(a, 0.0, 1.0)
            return self.out(h * h if squared else h).squeeze(1)

    torch.manual_seed(seed)
    model = HalfKP()
    sparse_params = [model.ft.weight] + ([model.fp.weight] if factorized else [])
    dense_params = [model.bias, *model.out.parameters()]
    if dense:
        opts = [torch.optim.Adam(model.parameters(), lr=1e-3)]
    else:
        opts = [torch.optim.SparseAdam(sparse_params, lr=1e-3), torch.optim.Adam(dense_params, lr=1e-3)]
    return model, opts


def torch_batch(stm, nstm, target):
    import torch

    def flat(x):
        mask = x >= 0
        counts = mask.sum(1)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        idx = torch.from_numpy(x[mask].astype(np.int64))
        return idx, idx % 640, torch.from_numpy(offsets.astype(np.int64))

    s, s_kf, s_off = flat(stm)
    n, n_kf, n_off = flat(nstm)
    return {"stm": s, "stm_kf": s_kf, "stm_off": s_off, "nstm": n, "nstm_kf": n_kf, "nstm_off": n_off,
            "target": torch.from_numpy(target)}


def torch_step(model, opts, batch, scale=400.0, K=400.0):
    import torch
    for o in opts:
        o.zero_grad(set_to_none=True)
    y = model(batch)
    loss = torch.mean((torch.sigmoid(y * scale / K) - batch["target"]) ** 2)
    loss.backward()
    for o in opts:
        o.step()
    return float(loss.detach())


# ---------------------------------------------------------------------------
# Ours


def ours_step(t: Trainer, recs) -> float:
    batch = t._encode(recs, reuse=True)       # as the training loop encodes
    loss = t._run(batch, backward=True)
    t._step(t.cfg.lr)
    return loss


def profile_ours(t: Trainer, batches, steps: int) -> None:
    """Where a step's time goes: encode, forward, backward, optimizer."""
    cfg = t.cfg
    names = ("encode", "forward", "backward", "optimizer")
    wall = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)
    for s in range(steps):
        recs = batches[s % len(batches)]
        marks = [(time.perf_counter(), time.process_time())]
        stm, nstm, score, target = t._encode(recs, reuse=True)
        marks.append((time.perf_counter(), time.process_time()))
        t._run((stm, nstm, score, target), backward=False)
        marks.append((time.perf_counter(), time.process_time()))
        t._run((stm, nstm, score, target), backward=True)
        marks.append((time.perf_counter(), time.process_time()))
        t._step(cfg.lr)
        marks.append((time.perf_counter(), time.process_time()))
        for clock, parts in ((0, wall), (1, cpu)):
            d = [marks[k + 1][clock] - marks[k][clock] for k in range(4)]
            d[2] -= d[1]                  # the backward call repeats the forward pass
            for name, x in zip(names, d):
                parts[name] += x
    for label, parts in (("wall", wall), ("CPU (all threads)", cpu)):
        total = sum(parts.values())
        print(f"ours, per step, {label}: " + ", ".join(
            f"{k} {1000 * v / steps:.1f} ms ({100 * v / total:.0f}%)" for k, v in parts.items())
            + f"; {steps * len(batches[0]) / total:,.0f} positions per {label.split()[0]} second")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=16384)
    ap.add_argument("--batches", type=int, default=4, help="distinct batches, cycled")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (median is reported)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-factorizer", dest="factorizer", action="store_false")
    ap.add_argument("--data", nargs="+", default=None,
                    help="draw the batches from this training data (as ladya train --data) instead of "
                         "random games")
    ap.add_argument("--king-buckets", default="mirror16",
                    help="king-bucket layout (training/buckets.py; none = king-free)")
    ap.add_argument("--activation", default="screlu", choices=("screlu", "crelu"))
    ap.add_argument("--torch-sparse", action="store_true",
                    help="PyTorch with sparse embedding gradients and SparseAdam (slower here)")
    ap.add_argument("--profile", action="store_true", help="also break our step down by phase")
    ap.add_argument("--reference", choices=("torch", "scalar"), default=None,
                    help="torch: PyTorch's CPU model (default when installed); scalar: our own step "
                         "with the plain-C kernels and no fused rows")
    ap.add_argument("--device", choices=("cpu", "cuda"), default=None,
                    help="compare with the trainer's PyTorch backend (ladya train --device) on this "
                         "device instead of a --reference")
    args = ap.parse_args(argv)
    if args.device is not None:
        if args.reference is not None:
            ap.error("--device and --reference are alternatives")
        args.reference = f"backend-{args.device}"
        ref_name = f"the trainer's PyTorch backend on {args.device}"
    elif args.reference is None:
        try:
            import torch  # noqa: F401
            args.reference = "torch"
        except ImportError:
            args.reference = "scalar"
    if args.reference == "torch":
        try:
            import torch
        except ImportError:
            sys.exit("--reference torch needs PyTorch: pip install torch (CPU build)")
        torch.set_num_threads(args.threads)
        optimizer = "dense Adam" if not args.torch_sparse else "SparseAdam + Adam"
        ref_name = f"torch {torch.__version__} ({optimizer})"
    elif args.reference == "scalar":
        ref_name = "our step with scalar kernels"

    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv))
    t0 = time.perf_counter()
    want = args.batch * args.batches
    if args.data is None:
        recs, source = random_records(want), "random games"
    else:
        pool = _load_sources(args.data, D.MIN_PLY)[0]
        if len(pool) < want:
            sys.exit(f"error: --data has {len(pool)} usable positions, {want} needed "
                     f"(--batch x --batches)")
        recs = pool[np.sort(np.random.default_rng(1).choice(len(pool), want, replace=False))]
        source = f"{' '.join(args.data)} (of {len(pool)} usable)"
    batches = [recs[i * args.batch:(i + 1) * args.batch] for i in range(args.batches)]
    stm, _, _, _ = encode_records(recs)
    print(f"data: {len(recs)} positions from {source} ({time.perf_counter() - t0:.1f} s), "
          f"{(stm >= 0).sum(1).mean():.1f} features per perspective; batch {args.batch}, hidden "
          f"{args.hidden}, factorizer {'on' if args.factorizer else 'off'}, king buckets "
          f"{args.king_buckets}, {args.activation}, {args.threads} threads, "
          f"kernels {kernel_path()}; reference: {ref_name}")

    with tempfile.TemporaryDirectory() as tmp:
        # the Trainer needs a data file; drawn records are not whole games, so
        # the placeholder's first record is marked as one's start
        stub = recs[:64].copy()
        stub["flags"][0] |= D.FLAG_GAME_START
        D.write_records(Path(tmp) / "bench.ldat", stub)
        cfg = TrainConfig(data=[tmp], out=str(Path(tmp) / "bench.nnue"), hidden=args.hidden,
                          batch_size=args.batch, threads=args.threads, progress=False,
                          factorizer=args.factorizer, min_ply=0, king_buckets=args.king_buckets,
                          activation=args.activation)
        trainer = Trainer(cfg)

        backend = None
        if args.device is not None:
            try:
                backend = Trainer(dataclasses.replace(cfg, device=args.device))
            except ValueError as exc:          # no torch, no CUDA device
                sys.exit(f"error: {exc}")

    best = kernel_path()
    sync = lambda: None  # noqa: E731
    if backend is not None:
        if args.device == "cuda":
            import torch
            sync = torch.cuda.synchronize         # steps run asynchronously: time them to the end

        def ref_step(i):
            ours_step(backend, batches[i % len(batches)])
    elif args.reference == "torch":
        model, opts = torch_model(args.hidden, args.factorizer, not args.torch_sparse,
                                  trainer.model.buckets.rows, args.activation == "screlu")
        tbatches = []
        for b in batches:
            s, n, score, target = trainer._encode(b)
            tbatches.append(torch_batch(s, n, target))

        def ref_step(i):
            torch_step(model, opts, tbatches[i % len(tbatches)])
    else:
        def ref_step(i):
            select_kernels("scalar")
            try:
                ours_step(trainer, batches[i % len(batches)])
            finally:
                select_kernels(best)

    for s in range(args.warmup):
        ours_step(trainer, batches[s % len(batches)])
        ref_step(s)

    ours, theirs = [], []
    for r in range(args.rounds):
        t0 = time.perf_counter()
        for s in range(args.steps):
            ours_step(trainer, batches[s % len(batches)])
        ours.append(args.steps * args.batch / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for s in range(args.steps):
            ref_step(s)
        sync()
        theirs.append(args.steps * args.batch / (time.perf_counter() - t0))
        print(f"round {r + 1}: ours {ours[-1]:,.0f} positions/s, "
              f"{args.reference} {theirs[-1]:,.0f} positions/s")
    o, t = float(np.median(ours)), float(np.median(theirs))
    print(f"ours:  {o:,.0f} positions/s ({1000 * args.batch / o:.1f} ms per step, encode included)")
    enc = "excluded" if args.reference == "torch" else "included"
    print(f"{args.reference}: {t:,.0f} positions/s ({1000 * args.batch / t:.1f} ms per step, encode {enc})")
    print(f"ratio ours/{args.reference}: {o / t:.2f}x")
    if args.profile:
        profile_ours(trainer, batches, args.steps)


if __name__ == "__main__":
    main()
