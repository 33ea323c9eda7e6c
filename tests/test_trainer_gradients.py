"""The trainer's analytic gradients (training/model.pyx) against central finite
differences of an independent float64 numpy implementation of the same loss,
for every loss (mse, cp, huber, ce), activation, with and without the
factorizer, and with the shared or separate transformers."""
import numpy as np
import pytest

from nnue.features import MAX_ACTIVE_FEATURES
from training.model import (forward_backward, wdl_target, LOSS_MSE, LOSS_CP, LOSS_HUBER,
                            LOSS_CE, LOSSES, Scratch, SHARDS, select_kernels, kernel_path)

H = 32
F = 40960
DELTA = 0.05        # the Huber threshold of these tests: both regimes occur


def _loss64(A, P, B, C, d, stm, nstm, score, target, loss_kind, K=400.0, scale=400.0, factorized=True,
            activation=0, separate=False):
    """float64 numpy loss, written from the formulas (not from model.pyx)."""
    H = len(C) // 2

    def acc(idx, side):
        # separate transformers: the side not to move's A, P and B come second
        t = side if separate else 0
        rows = [r[r >= 0] for r in idx]
        eff = [A[t * F + r].sum(0) + (P[t * 640 + r % 640].sum(0) if factorized else 0) for r in rows]
        return B[t * H:(t + 1) * H] + np.array(eff)
    h = np.clip(np.concatenate([acc(stm, 0), acc(nstm, 1)], axis=1), 0.0, 1.0)
    if activation == 1:     # squared clipped ReLU
        h = h ** 2
    y = h @ C + d
    if loss_kind == LOSS_CP:
        return np.mean(((y * scale - score) / scale) ** 2)
    p = 1 / (1 + np.exp(-y * scale / K))
    e = p - target
    if loss_kind == LOSS_MSE:
        return np.mean(e ** 2)
    if loss_kind == LOSS_HUBER:
        return np.mean(np.where(np.abs(e) <= DELTA, 0.5 * e ** 2, DELTA * (np.abs(e) - 0.5 * DELTA)))
    t = target.astype(np.float64)
    entropy = -(t * np.log(np.where(t > 0, t, 1)) + (1 - t) * np.log(np.where(t < 1, 1 - t, 1)))
    return np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p) - entropy)


def _random_problem(seed, n=24, H=H, separate=False):
    rng = np.random.default_rng(seed)
    T = 2 if separate else 1
    stm = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    nstm = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    # a small feature pool so that rows are shared between samples, in a few
    # king blocks (each perspective its own), so that the samples' bucket
    # order differs from the batch's
    sblocks, nblocks = rng.choice([0, 2, 5], n), rng.choice([1, 3, 4], n)
    for i in range(n):
        k = rng.integers(2, 8)
        stm[i, :k] = rng.choice(np.arange(100, 140), k, replace=False) + 640 * sblocks[i]
        nstm[i, :k] = rng.choice(np.arange(120, 160), k, replace=False) + 640 * nblocks[i]
    A = np.zeros((T * F, H), np.float32)
    for t in range(T):
        for b in (0, 2, 5):
            A[t * F + 640 * b + 100:t * F + 640 * b + 140] = rng.normal(0, 0.2, (40, H))
        for b in (1, 3, 4):
            A[t * F + 640 * b + 120:t * F + 640 * b + 160] = rng.normal(0, 0.2, (40, H))
    P = rng.normal(0, 0.1, (T * 640, H)).astype(np.float32)
    B = rng.normal(0.4, 0.2, T * H).astype(np.float32)
    C = rng.normal(0, 0.5, 2 * H).astype(np.float32)
    d = np.float32(0.1)
    score = rng.normal(0, 300, n).astype(np.float32)
    target = wdl_target(score, rng.choice([0.0, 0.5, 1.0], n), 0.7)
    return A, P, B, C, d, stm, nstm, score, target


def _analytic(A, P, B, C, d, stm, nstm, score, target, kind, factorized=True, threads=1, activation=0,
              scratch=None, separate=False):
    gA, gP, gB, gC = (np.zeros_like(x) for x in (A, P, B, C))
    touched = np.zeros(len(A), np.uint8)
    loss, gd = forward_backward(A, P, B, C, float(d), stm, nstm, score, target, gA, gP, gB, gC,
                                touched, scratch, loss_kind=kind, factorized=factorized, threads=threads,
                                activation=activation, huber_delta=DELTA, separate=separate)
    return loss, gA, gP, gB, gC, gd, touched


@pytest.mark.parametrize("separate", [False, True])
@pytest.mark.parametrize("activation", [0, 1])
@pytest.mark.parametrize("kind", [LOSS_MSE, LOSS_CP, LOSS_HUBER, LOSS_CE])
@pytest.mark.parametrize("factorized", [True, False])
def test_gradients_match_finite_differences(kind, factorized, activation, separate):
    A, P, B, C, d, stm, nstm, score, target = _random_problem(
        seed=kind * 2 + factorized + 8 * activation + 16 * separate, separate=separate)
    loss, gA, gP, gB, gC, gd, touched = _analytic(A, P, B, C, d, stm, nstm, score, target, kind, factorized,
                                                  activation=activation, separate=separate)
    A64, P64, B64, C64 = (x.astype(np.float64) for x in (A, P, B, C))
    def f(A_, P_, B_, C_, d_):
        return _loss64(A_, P_, B_, C_, d_, stm, nstm, score, target, kind,
                       factorized=factorized, activation=activation, separate=separate)
    assert loss == pytest.approx(f(A64, P64, B64, C64, float(d)), rel=1e-4)
    eps = 1e-6      # float64 differences; small, so that no accumulator crosses a clip
    rng = np.random.default_rng(0)

    def check(name, arr, grad, coords):
        for c in coords:
            old = arr[c]
            arr[c] = old + eps
            up = f(A64, P64, B64, C64, float(d))
            arr[c] = old - eps
            down = f(A64, P64, B64, C64, float(d))
            arr[c] = old
            numeric = (up - down) / (2 * eps)
            assert grad[c] == pytest.approx(numeric, rel=2e-2, abs=2e-6), (name, c)

    # the rows each perspective's features use (separate: the second half for the side not to move)
    off = F if separate else 0
    active = np.unique(np.concatenate([stm[stm >= 0], off + nstm[nstm >= 0]]))
    check("A", A64, gA, [(int(r), int(rng.integers(H))) for r in rng.choice(active, 12)])
    if factorized:
        check("P", P64, gP, [(int(r // F * 640 + r % 640), int(rng.integers(H)))
                             for r in rng.choice(active, 12)])
    check("B", B64, gB, [(j,) for j in range(0, len(B), 3)])
    check("C", C64, gC, [(j,) for j in range(0, 2 * H, 5)])
    up = f(A64, P64, B64, C64, float(d) + eps)
    down = f(A64, P64, B64, C64, float(d) - eps)
    assert gd == pytest.approx((up - down) / (2 * eps), rel=2e-2, abs=2e-6)
    # only active rows get gradient and are flagged
    assert set(np.flatnonzero(touched)) == set(active.tolist())
    inactive = np.setdiff1d(np.arange(len(A)), active)
    assert not gA[inactive].any()
    if separate:        # each transformer learns from its own perspective only
        assert not gA[F:][np.unique(stm[stm >= 0])].any() and not gA[:F][np.unique(nstm[nstm >= 0])].any()


def test_the_huber_problem_has_both_regimes_and_the_losses_differ():
    """The Huber test above reaches both sides of delta; and the four losses
    are four different functions of the same batch."""
    A, P, B, C, d, stm, nstm, score, target = _random_problem(seed=LOSS_HUBER * 2 + 1)
    A64, P64, B64 = (x.astype(np.float64) for x in (A, P, B))
    gd = {kind: _analytic(A, P, B, C, d, stm, nstm, score, target, kind)[5]
          for kind in (LOSS_MSE, LOSS_CP, LOSS_HUBER, LOSS_CE)}
    assert len(set(gd.values())) == 4
    # errors on both sides of delta (the per-sample error of the win probability)
    h = np.zeros((len(stm), 2 * H))
    for side, idx in enumerate((stm, nstm)):
        for i, row in enumerate(idx):
            r = row[row >= 0]
            h[i, side * H:(side + 1) * H] = B + A64[r].sum(0) + P64[r % 640].sum(0)
    y = np.clip(h, 0, 1) @ C + float(d)            # activation 0, scale = K
    e = np.abs(1 / (1 + np.exp(-y)) - target)
    assert (e < DELTA).any() and (e > DELTA).any()
    assert set(LOSSES) == {"mse", "huber", "ce", "cp"}


@pytest.mark.parametrize("separate", [False, True])
@pytest.mark.parametrize("factorized", [True, False])
def test_every_thread_count_gives_the_same_bits(factorized, separate):
    """Results depend on the batch alone: the batch is cut into SHARDS fixed
    slices whose gradient rows are summed in slice order, so 1, 2, ... or
    more threads than slices give identical losses and gradients."""
    prob = _random_problem(seed=9, n=300, separate=separate)
    runs = [_analytic(*prob, LOSS_MSE, factorized, threads=t, separate=separate)
            for t in (1, 2, 3, SHARDS + 2)]
    for other in runs[1:]:
        assert other[0] == runs[0][0] and other[5] == runs[0][5]
        for a, b in zip(other[1:5], runs[0][1:5]):
            assert np.array_equal(a, b)
        assert np.array_equal(other[6], runs[0][6])


@pytest.mark.parametrize("factorized", [True, False])
def test_the_order_of_a_batch_changes_only_the_rounding(factorized):
    """The samples run in the order of their king buckets, whatever order
    the batch has: a shuffled batch gives the same loss and gradients up to
    float32 rounding."""
    A, P, B, C, d, stm, nstm, score, target = _random_problem(seed=31, n=200)
    a = _analytic(A, P, B, C, d, stm, nstm, score, target, LOSS_MSE, factorized)
    o = np.random.default_rng(5).permutation(len(stm))
    b = _analytic(A, P, B, C, d, stm[o], nstm[o], score[o], target[o], LOSS_MSE, factorized)
    assert a[0] == pytest.approx(b[0], rel=1e-6)
    for x, y in zip(a[1:5], b[1:5]):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-7 * np.abs(x).max())
    assert np.array_equal(a[6], b[6])


def test_shapes_of_the_wrong_variant_are_refused():
    prob = _random_problem(seed=4)
    with pytest.raises(ValueError, match="separate transformer"):
        _analytic(*prob, LOSS_MSE, separate=True)
    with pytest.raises(ValueError, match="unknown loss"):
        _analytic(*prob, 7)


def test_unknown_activation_is_refused():
    prob = _random_problem(seed=3)
    with pytest.raises(ValueError, match="activation"):
        _analytic(*prob, LOSS_MSE, True, activation=2)


def _paths():
    """The kernel paths this build and CPU can run (the scalar reference first)."""
    best = kernel_path()
    out = []
    for name in ("scalar", "base", "avx2", "avx512"):
        try:
            select_kernels(name)
            out.append(name)
        except ValueError:
            pass
    select_kernels(best)
    return out


@pytest.mark.parametrize("width", [32, 35])   # 35: the vector loops' tails
@pytest.mark.parametrize("activation", [0, 1])
def test_every_kernel_path_and_a_reused_scratch_give_the_same_bits(width, activation):
    """The SIMD copies of the row kernels (runtime dispatch) and the buffers
    a Scratch keeps between batches change how fast, never what: losses and
    gradients equal the plain-C reference bit for bit."""
    prob = _random_problem(seed=11 + activation, n=40, H=width)
    best = kernel_path()
    results = {}
    try:
        for name in _paths():
            select_kernels(name)
            scratch = Scratch()
            for reused in (False, True):
                results[name, reused] = _analytic(*prob, LOSS_MSE, True, activation=activation,
                                                  scratch=scratch)
    finally:
        select_kernels(best)
    ref = results["scalar", False]
    assert len(results) >= 4   # scalar and base, with a fresh and a reused scratch
    for key, res in results.items():
        assert res[0] == ref[0] and res[5] == ref[5], key           # loss, gd
        for a, b in zip(res[1:5], ref[1:5]):                         # gA, gP, gB, gC
            assert np.array_equal(a, b), key


def test_the_best_kernels_are_chosen_and_bad_names_refused():
    assert kernel_path() == _paths()[-1]
    with pytest.raises(ValueError, match="no trainer kernels"):
        select_kernels("avx9000")
    assert kernel_path() == _paths()[-1]


def test_adam_rows_are_the_same_on_every_kernel_path():
    from training.optim import step_rows
    best = kernel_path()
    results = {}
    try:
        for name in _paths():
            select_kernels(name)
            rng = np.random.default_rng(5)
            p, g = (rng.normal(size=(50, 37)).astype(np.float32) for _ in range(2))
            m = (rng.normal(size=p.shape) * 0.1).astype(np.float32)
            v = (np.abs(rng.normal(size=p.shape)) * 0.01).astype(np.float32)
            touched = (rng.random(50) < 0.5).astype(np.uint8)
            rows = touched.astype(bool)
            before = p.copy()
            assert step_rows(p, g, m, v, touched, 3, 0.01, 0.9, 0.999, 1e-8, 3, 1.5, 1) == rows.sum()
            assert np.array_equal(p[~rows], before[~rows]) and not g[rows].any()
            assert np.abs(p[rows]).max() <= 1.5 and not np.array_equal(p[rows], before[rows])
            results[name] = (p, m, v, g)
    finally:
        select_kernels(best)
    for name, res in results.items():
        assert all(np.array_equal(a, b) for a, b in zip(res, results["scalar"])), name
