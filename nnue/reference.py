"""Reference implementations of the network in numpy, for tests and the trainer.

`float_eval` is the float64 model the trainer fits; `int_eval` is the
quantized integer arithmetic of the engine written plainly (int64, no SIMD),
so the engine's kernels can be checked bit for bit against it.
"""
import numpy as np

from nnue.features import side_features
from nnue.format import (ACTIVATION_SCRELU, SCALE, SCRELU_SHIFT, FloatNet, QuantizedNet,
                         eval_rational, output_bias_scale)


def float_eval(net: FloatNet, pos, scale: int = SCALE) -> float:
    """Centipawns from the side to move's view, in float64."""
    stm, nstm = side_features(pos)
    a_stm = net.B + net.A[stm].sum(axis=0)
    a_nstm = net.B + net.A[nstm].sum(axis=0)
    h = np.clip(np.concatenate([a_stm, a_nstm]), 0.0, 1.0)
    if net.activation == ACTIVATION_SCRELU:
        h = h * h
    return float((net.C @ h + net.d) * scale)


def int_eval(net: QuantizedNet, pos) -> int:
    """The engine's integer evaluation, computed without SIMD."""
    stm, nstm = side_features(pos)
    w = net.ft_weights
    b = net.ft_bias.astype(np.int64)
    a_stm = b + w[stm].astype(np.int64).sum(axis=0)    # only the active rows, in int64
    a_nstm = b + w[nstm].astype(np.int64).sum(axis=0)
    h = np.clip(np.concatenate([a_stm, a_nstm]), 0, net.qa)
    if net.activation == ACTIVATION_SCRELU:
        h = (h * h) >> SCRELU_SHIFT
    out = int(net.out_weights.astype(np.int64) @ h) + int(net.out_bias)
    mul, div = eval_rational(net.activation, net.qa, net.qb, net.scale)
    return (out * mul) // div


def dequantize(net: QuantizedNet) -> FloatNet:
    """The float net that a quantized one stands for."""
    return FloatNet(net.ft_weights / net.qa, net.ft_bias / net.qa, net.out_weights / net.qb,
                    net.out_bias / output_bias_scale(net.activation, net.qa, net.qb), net.activation)
