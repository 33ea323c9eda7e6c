"""Fold the factorizer, quantize the float model and export the engine's net.

The quantization is declared next to the architecture in nnue/format.py
(transformer int16 x QA, output int16 x QB, output bias int32 x QA*QB);
the exporter refuses a net that would overflow (QuantizedNet.validate).
The optimizer clips weights to these ranges while training, so a
well-formed run always exports:
"""
from __future__ import annotations

import numpy as np

from nnue.features import KING_BLOCK
from nnue.format import (ACTIVATION_CRELU, FloatNet, QuantizedNet, QA, QB, SCALE,
                         output_bias_scale, write_net)

# Clip ranges used during training so that export cannot overflow:
# |A + P| <= 2*A_CLIP -> 30 rows * 3.96 * 255 + |B| * 255 < 32767.
A_CLIP = 1.98          # each of A and P
B_CLIP = 4.0
C_CLIP = 1.98          # |C_q| <= 2028 < OUT_WEIGHT_LIMIT
D_CLIP = 8.0           # output bias: far inside int32 at either activation's scale


def fold(A: np.ndarray, P: np.ndarray | None) -> np.ndarray:
    """HalfKP weights with the king-independent factor folded in."""
    if P is None:
        return A
    return A + P[np.arange(A.shape[0]) % KING_BLOCK]


def to_float_net(A, P, B, C, d, activation: int = ACTIVATION_CRELU, buckets=None) -> FloatNet:
    """The float net of trained parameters; `buckets` (training/buckets.py)
    expands the rows of a king-bucket layout to the 64 king blocks."""
    rows = fold(np.asarray(A, np.float64), None if P is None else np.asarray(P, np.float64))
    if buckets is not None:
        rows = buckets.expand(rows)
    return FloatNet(rows, np.asarray(B, np.float64), np.asarray(C, np.float64), float(d), activation)


def quantization_error(fnet: FloatNet, qnet: QuantizedNet) -> dict:
    """Largest absolute rounding error of each block, in float units."""
    return {
        "ft_weights": float(np.abs(qnet.ft_weights / qnet.qa - fnet.A).max()),
        "ft_bias": float(np.abs(qnet.ft_bias / qnet.qa - fnet.B).max()),
        "out_weights": float(np.abs(qnet.out_weights / qnet.qb - fnet.C).max()),
        "out_bias": float(abs(qnet.out_bias / output_bias_scale(qnet.activation, qnet.qa, qnet.qb)
                              - fnet.d)),
    }


def export(path, A, P, B, C, d, activation: int = ACTIVATION_CRELU,
           buckets=None, scale: int = SCALE) -> tuple[QuantizedNet, FloatNet, dict]:
    """Quantize and write the net (packed, format version 2); ValueError
    (nothing written) if it would overflow.  `scale`: centipawns per unit
    of the float output."""
    fnet = to_float_net(A, P, B, C, d, activation, buckets)
    qnet = fnet.quantize(QA, QB, scale)
    write_net(path, qnet, packed=True)
    return qnet, fnet, quantization_error(fnet, qnet)


def eval_difference(fnet: FloatNet, qnet: QuantizedNet, fens) -> dict:
    """Float model vs the engine's integer evaluation (centipawns) on positions."""
    from engine.position import Position
    from nnue.accumulator import evaluate
    from nnue.network import Network
    from nnue.reference import float_eval
    net = Network.from_quantized(qnet)
    diffs = []
    for fen in fens:
        pos = Position(fen)
        diffs.append(abs(float_eval(fnet, pos, qnet.scale) - evaluate(net, pos)))
    diffs = np.array(diffs) if diffs else np.zeros(1)
    return {"positions": len(fens), "mean_cp": float(diffs.mean()), "max_cp": float(diffs.max())}
