"""The trainer's model and optimizers in PyTorch tensors: `ladya train --device cpu|cuda`.

The same model as training/model.pyx (its header has the formulas), the same
hand-derived gradients written out as tensor operations (no autograd), and
the same update rules as training/optim.pyx with the same lazy rows: a step
updates only the transformer rows the batch used, and the moments of the
other rows stay as they were (they do not decay).  Everything around the
step -- data, feature encoding with the king-bucket remap, mirroring, the
WDL target, the learning-rate schedule, checkpoints, export -- stays in the
Trainer (training/train.py), which keeps the numpy Model as the record;
this backend holds a working copy on the device, pushed at the start and
after a resume and pulled back at epoch ends.

The same float operations in the same order as the Cython trainer: the
accumulators (B, then the rows slot by slot, A + P summed first), each loss
(mse, huber, ce, cp), dL/dy and dL/da given y, and every optimizer rule
(float32, and float64 where the Cython code computes in double), so those
agree bit for bit; separate transformers are stacked the same way.  Sums
over the batch agree to float32 rounding: the output layer's dot product
and the sums of gB and gC run in PyTorch's order; the scatter into the
feature rows and the factorizer's sum are sparse (CSR) products that add in
sample order and in row order (model.pyx adds in sample order within each
of its fixed slices of the batch, then the slices).

Imported only when a PyTorch device is asked for: torch is the optional
extra `ladya[gpu]`.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from nnue.format import ACTIVATIONS, ACTIVATION_SCRELU
from training import quantize as Q
from nnue.features import KING_BLOCK

DEVICE_TYPES = ("cpu", "cuda")
FIRST_MOMENT = ("momentum", "adam")     # the optimizers that keep m
SECOND_MOMENT = ("rmsprop", "adam")     # and v


def device(name: str) -> torch.device:
    """The PyTorch device called `name` ("cpu", "cuda", "cuda:N");
    ValueError saying why if this machine has no such device."""
    try:
        dev = torch.device(name)
    except RuntimeError:
        dev = None
    if dev is None or dev.type not in DEVICE_TYPES:
        raise ValueError(f"unknown --device {name!r} (choose native, cpu, cuda or cuda:N)")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            cpu_only = torch.version.cuda is None and getattr(torch.version, "hip", None) is None
            build = " (this is a CPU-only build of PyTorch)" if cpu_only else ""
            raise ValueError(f"--device {name}: PyTorch {torch.__version__} finds no CUDA device{build}; "
                             "use --device cpu or native")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s)")
    return dev


def _f32(x) -> float:
    """x rounded to float32, as the Cython code's `cdef float` holds it."""
    return float(np.float32(x))


def step_rule(optimizer: str, p, g, m, v, lr: float, beta1: float, beta2: float, eps: float,
              step: int, clip: float):
    """optim.pyx step_rows on these rows (float32 tensors): the new
    (param, m, v), the same operations in the same order."""
    b1, b2, e, c, lr32 = _f32(beta1), _f32(beta2), _f32(eps), _f32(clip), _f32(lr)
    if optimizer == "adam":
        # the bias corrections fold into the rate in double, then float, as there
        lr_t = _f32(lr * math.sqrt(1.0 - beta2 ** step) / (1.0 - beta1 ** step))
        c1, c2 = _f32(np.float32(1) - np.float32(b1)), _f32(np.float32(1) - np.float32(b2))
        m = m * b1 + g * c1
        v = v * b2 + (g * g) * c2
        # sqrtf correctly rounded: torch.sqrt of float32 need not be (Sleef on CPU)
        x = p - (m * lr_t) / (torch.sqrt(v.double()).float() + e)
    elif optimizer == "sgd":
        x = p - g * lr32
    elif optimizer == "momentum":
        m = m * b1 + g
        x = p - m * lr32
    elif optimizer == "rmsprop":
        # optim.pyx computes (1.0 - b2) g^2 and the quotient in double
        g64 = g.double()
        v = ((v * b2).double() + (1.0 - b2) * g64 * g64).float()
        x = (p.double() - (g * lr32).double() / (torch.sqrt(v.double()) + e)).float()
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    return x.clamp(-c, c), m, v


def segment_sum(target, source_row, count: int, source):
    """out[t] = sum of source[source_row[j]] over the entries j with
    target[j] == t, added in the order of the entries: a CSR product of a
    0/1 matrix (entries sorted by target, stably), which sums each output
    row in order without atomics."""
    order = torch.sort(target, stable=True).indices
    t, s = target[order], source_row[order]
    # where each output row's entries start (searchsorted: no wait for the device, as bincount has)
    crow = torch.searchsorted(t, torch.arange(count + 1, device=source.device))
    with warnings.catch_warnings():       # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        X = torch.sparse_csr_tensor(crow, s, torch.ones(len(s), dtype=source.dtype, device=source.device),
                                    (count, source.shape[0]), check_invariants=False)
        return X @ source


@dataclass
class Gradients:
    """One batch's gradients of the mean loss: A's only on the rows it used."""
    rows: torch.Tensor      #: int64 [R]: the transformer rows the batch used, ascending
    A: torch.Tensor         #: [R, H] the gradient of those rows
    P: torch.Tensor | None  #: [640, H] the factorizer's (None without it)
    B: torch.Tensor
    C: torch.Tensor
    d: torch.Tensor         #: float64 scalar (summed in double, as there)


class TorchModel:
    """A working copy of a Model (training/train.py) on a PyTorch device,
    with the trainer's forward/backward pass and optimizer step."""

    PARAMS = ("A", "P", "B", "C", "d")

    def __init__(self, model, cfg, dev: torch.device):
        self.model, self.cfg, self.dev = model, cfg, dev
        self.squared = ACTIVATIONS[cfg.activation] == ACTIVATION_SCRELU
        # separate transformers: the side not to move's rows, P rows and B
        # follow the side to move's (training/model.pyx)
        self.T = 2 if cfg.separate_transformers else 1
        self.R = len(model.A) // self.T       # rows of one transformer
        self.grad: Gradients | None = None
        if dev.type == "cpu":          # --threads, as for the native trainer
            torch.set_num_threads(max(1, cfg.threads))
        self.push()

    # -- the Model (numpy) <-> the device ---------------------------------------
    def push(self) -> None:
        """Copy the Model's parameters and moments to the device."""
        m = self.model
        put = lambda a: torch.tensor(np.asarray(a, np.float32), device=self.dev)  # noqa: E731
        self.p = {k: put(getattr(m, k)) for k in self.PARAMS}
        self.m = {k: put(m.m[k]) for k in self.PARAMS}
        self.v = {k: put(m.v[k]) for k in self.PARAMS}

    def pull(self) -> None:
        """Copy the parameters and moments back into the Model."""
        m = self.model
        for k in self.PARAMS:
            getattr(m, k)[...] = self.p[k].cpu().numpy()
            m.m[k][...] = self.m[k].cpu().numpy()
            m.v[k][...] = self.v[k].cpu().numpy()

    # -- forward and backward ----------------------------------------------------
    def accumulators(self, stm, nstm):
        """[a_stm || a_nstm] of an encoded batch [N, 2H], the rows it uses
        (ascending) and, per sample, perspective and slot, the index of its
        row among them (len(rows) for an empty slot)."""
        n, H, dev = len(stm), self.cfg.hidden, self.dev
        used = (stm >= 0).any(0) | (nstm >= 0).any(0)      # slots fill from the first
        width = int(used.sum())
        if self.T == 2:
            nstm = np.where(nstm >= 0, nstm + self.R, nstm)
        slots = np.stack([stm[:, :width], nstm[:, :width]], axis=1)      # [N, 2, width]
        empty = bool((slots < 0).any())
        flat = torch.from_numpy(np.ascontiguousarray(slots)).to(dev, torch.int64)
        rows, inv = torch.unique(flat, return_inverse=True)
        if empty:       # -1 sorts first: the empty slots point at the zero row after the others
            rows, inv = rows[1:], inv - 1
            inv = torch.where(inv < 0, len(rows), inv)
        A, P, B = self.p["A"], self.p["P"], self.p["B"]
        W = A[rows]
        if self.cfg.factorizer:
            W = W + P[self.factor_rows(rows)]
        W = torch.cat([W, W.new_zeros(1, H)])
        # model.pyx's order: B, then one row per slot (a zero row adds nothing)
        acc = B.view(self.T, H).expand(n, 2, H).clone()
        by_slot = inv.permute(2, 0, 1).reshape(width, 2 * n)
        for k in range(width):
            acc += W.index_select(0, by_slot[k]).view(n, 2, H)
        return acc.view(n, 2 * H), rows, inv

    def run(self, batch, backward: bool, loss: str | None = None) -> float:
        """Mean loss of an encoded batch (Trainer._encode); with `backward`,
        its gradients in self.grad for the next step()."""
        stm, nstm, score, target = batch
        n, H, dev = len(stm), self.cfg.hidden, self.dev
        a, rows, inv = self.accumulators(stm, nstm)
        h = a.clamp(0.0, 1.0)
        if self.squared:
            h = h * h
        C, d = self.p["C"], self.p["d"]
        y = (h * C).sum(1) + d
        g, loss = self._loss(y, score, target, loss or self.cfg.loss)
        if not backward:
            return loss
        gd = g.double().sum()
        da = g[:, None] * C
        if self.squared:
            da = da * (2.0 * a)
        da = torch.where((a > 0.0) & (a < 1.0), da, 0.0)
        gC = (g[:, None] * h).sum(0)
        gB = da.sum(0) if self.T == 2 else (da[:, :H] + da[:, H:]).sum(0)
        # entry (i, side, k) adds dL/da of sample i's perspective side into its
        # row: in sample order, the stm slots before the nstm slots
        width = inv.shape[2]
        source = torch.arange(2 * n, device=dev).view(n, 2, 1).expand(n, 2, width)
        gA = segment_sum(inv.reshape(-1), source.reshape(-1), len(rows) + 1, da.view(2 * n, H))[:-1]
        gP = None
        if self.cfg.factorizer:
            gP = segment_sum(self.factor_rows(rows), torch.arange(len(rows), device=dev),
                             self.T * KING_BLOCK, gA)
        self.grad = Gradients(rows, gA, gP, gB, gC, gd)
        return loss

    def factor_rows(self, rows):
        """The factorizer row of each transformer row (its transformer's P)."""
        return torch.div(rows, self.R, rounding_mode="floor") * KING_BLOCK + rows % KING_BLOCK

    def _loss(self, y, score, target, kind: str):
        """dL/dy of each sample (float32, already divided by N) and the mean
        loss, as model.pyx computes them (double where it does)."""
        n, cfg, scale = len(y), self.cfg, self.model.scale
        inv_n = _f32(1.0 / n)
        if kind != "cp":
            t = torch.from_numpy(np.asarray(target, np.float32)).to(self.dev)
            p = (1.0 / (1.0 + torch.exp((-y).double() * scale / cfg.K))).float()
            diff = p - t
            p64, e = p.double(), diff.double()
        if kind == "mse":
            lossv = (diff * diff).double()
            g = (2.0 * e * p64 * (1.0 - p64) * scale / cfg.K).float()
        elif kind == "huber":
            delta = cfg.huber_delta
            inside = e.abs() <= delta
            lossv = torch.where(inside, 0.5 * e * e, delta * (e.abs() - 0.5 * delta))
            h = torch.where(inside, e, torch.where(e > 0, delta, -delta))      # dL/dp
            g = (h * p64 * (1.0 - p64) * scale / cfg.K).float()
        elif kind == "ce":
            z = y.double() * scale / cfg.K
            t64 = t.double()
            entropy = -(torch.xlogy(t64, t64) + torch.xlogy(1.0 - t64, 1.0 - t64))
            lossv = z.clamp(min=0.0) + torch.log1p(torch.exp(-z.abs())) - t64 * z - entropy
            g = (e * scale / cfg.K).float()
        else:
            s = torch.from_numpy(np.asarray(score, np.float64)).to(self.dev)
            t = ((y.double() * scale - s) / scale).float()
            lossv = (t * t).double()
            g = (2.0 * t.double()).float()
        return g * inv_n, float(lossv.sum()) * inv_n

    # -- the optimizer -------------------------------------------------------------
    def step(self, lr: float) -> None:
        """One optimizer step with the last backward's gradients (Trainer._step)."""
        cfg, gr = self.cfg, self.grad
        if gr is None:
            raise RuntimeError("step() without a backward pass")
        self.model.step += 1
        king_lr = lr * cfg.king_lr if cfg.factorizer else lr
        self._update("A", gr.A, king_lr, Q.A_CLIP, gr.rows)
        if cfg.factorizer:
            self._update("P", gr.P, lr, Q.A_CLIP)
        self._update("B", gr.B, lr, Q.B_CLIP)
        self._update("C", gr.C, lr, Q.C_CLIP)
        self._update("d", gr.d.float().reshape(1), lr, Q.D_CLIP)
        self.grad = None

    def _update(self, name: str, grad, lr: float, clip: float, rows=None) -> None:
        """step_rule on the given rows of a parameter (all without `rows`);
        the other rows and their moments are left as they are."""
        cfg = self.cfg
        p, m, v = self.p[name], self.m[name], self.v[name]
        if rows is None:
            rows = slice(None)
        x, mm, vv = step_rule(cfg.optimizer, p[rows], grad, m[rows], v[rows], lr, cfg.beta1, cfg.beta2,
                              cfg.eps, self.model.step, clip)
        p[rows] = x
        if cfg.optimizer in FIRST_MOMENT:
            m[rows] = mm
        if cfg.optimizer in SECOND_MOMENT:
            v[rows] = vv
