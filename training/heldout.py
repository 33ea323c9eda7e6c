"""Held-out loss of nets on labelled positions: `ladya data loss`.

The measure docs/training.md compares nets by: over the positions the
trainer would use (training/data.py default_filter), the mean squared error
in win probability, sigmoid(eval / K), of a net's evaluation against the
search score (the WDL target at lambda 1) and against the game result
(lambda 0).  Positions of games no net was trained on make it a held-out
loss.  The net is read as `ladya train --init` reads it: the float weights
its integers stand for (nnue.reference.dequantize), all 64 king blocks, so
a net of any king-bucket layout is judged exactly as it was exported.

`scale` reads every net at one scale (centipawns per unit of its output)
instead of the one in its file.  Fine-tunes exported with `--keep-eval-size`
carry scales chosen to keep their parent's evaluation size, and a smaller
evaluation fits the search scores worse by construction; read at the
parent's scale, they are compared by what their training fitted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from nnue.features import KING_BLOCK
from nnue.format import read_net
from nnue.reference import dequantize
from training.model import LOSS_MSE, Scratch, encode_records, forward_backward, wdl_target

BATCH = 16384       #: positions per forward pass (the buffers stay this size)


@dataclass
class HeldOutLoss:
    positions: int
    vs_score: float      #: MSE in win probability against the search score (lambda 1)
    vs_result: float     #: against the game result (lambda 0)


def heldout_loss(recs: np.ndarray, net_path, K: float = 400.0, threads: int = 1,
                 scale: Optional[float] = None) -> HeldOutLoss:
    """The losses of the net at `net_path` on the records `recs`, all of
    them (filter first: recs[training.data.default_filter(recs)]); at
    `scale` centipawns per unit instead of the file's, when given."""
    if len(recs) == 0:
        raise ValueError("no positions to evaluate")
    if scale is not None and not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    q = read_net(net_path)
    cp_per_unit = float(q.scale if scale is None else scale)
    f = dequantize(q)
    A = np.ascontiguousarray(f.A, np.float32)
    H = A.shape[1]
    P = np.zeros((KING_BLOCK, H), np.float32)
    B = np.ascontiguousarray(f.B, np.float32)
    C = np.ascontiguousarray(f.C, np.float32)
    # gradient buffers the shapes require; a forward pass leaves them untouched
    gA, gP = np.zeros_like(A), np.zeros_like(P)
    gB, gC = np.zeros_like(B), np.zeros_like(C)
    touched = np.zeros(len(A), np.uint8)
    scratch = Scratch()
    totals = [0.0, 0.0]
    for s in range(0, len(recs), BATCH):
        stm, nstm, score, result = encode_records(recs[s:s + BATCH], threads=threads)
        for k, lam in enumerate((1.0, 0.0)):
            target = wdl_target(score, result, lam, K)
            loss, _ = forward_backward(A, P, B, C, float(f.d), stm, nstm, score, target, gA, gP, gB, gC,
                                       touched, scratch, LOSS_MSE, K, cp_per_unit, factorized=False,
                                       threads=threads, backward=False, activation=q.activation)
            totals[k] += loss * len(stm)
    return HeldOutLoss(len(recs), totals[0] / len(recs), totals[1] / len(recs))
