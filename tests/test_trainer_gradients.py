"""The trainer's analytic gradients (training/model.pyx) against central finite
differences of an independent float64 numpy implementation of the same loss."""
import numpy as np
import pytest

from nnue.features import MAX_ACTIVE_FEATURES
from training.model import forward_backward, wdl_target, LOSS_WDL, LOSS_CP, select_kernels, kernel_path

H = 32
F = 40960


def _loss64(A, P, B, C, d, stm, nstm, score, target, loss_kind, K=400.0, scale=400.0, factorized=True,
            activation=0):
    """float64 numpy loss, written from the formulas (not from model.pyx)."""
    def acc(idx):
        rows = [r[r >= 0] for r in idx]
        eff = [A[r].sum(0) + (P[r % 640].sum(0) if factorized else 0) for r in rows]
        return B + np.array(eff)
    h = np.clip(np.concatenate([acc(stm), acc(nstm)], axis=1), 0.0, 1.0)
    if activation == 1:     # squared clipped ReLU
        h = h ** 2
    y = h @ C + d
    if loss_kind == LOSS_WDL:
        p = 1 / (1 + np.exp(-y * scale / K))
        return np.mean((p - target) ** 2)
    return np.mean(((y * scale - score) / scale) ** 2)


def _random_problem(seed, n=24, H=H):
    rng = np.random.default_rng(seed)
    stm = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    nstm = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    for i in range(n):
        k = rng.integers(2, 8)
        # a small feature pool so that rows are shared between samples
        stm[i, :k] = rng.choice(np.arange(100, 140), k, replace=False)
        nstm[i, :k] = rng.choice(np.arange(120, 160), k, replace=False) + 640 * 3
    A = np.zeros((F, H), np.float32)
    A[100:160] = rng.normal(0, 0.2, (60, H))
    A[640 * 3 + 120:640 * 3 + 160] = rng.normal(0, 0.2, (40, H))
    P = rng.normal(0, 0.1, (640, H)).astype(np.float32)
    B = rng.normal(0.4, 0.2, H).astype(np.float32)
    C = rng.normal(0, 0.5, 2 * H).astype(np.float32)
    d = np.float32(0.1)
    score = rng.normal(0, 300, n).astype(np.float32)
    target = wdl_target(score, rng.choice([0.0, 0.5, 1.0], n), 0.7)
    return A, P, B, C, d, stm, nstm, score, target


def _analytic(A, P, B, C, d, stm, nstm, score, target, kind, factorized=True, threads=1, activation=0,
              fused=False):
    n, H = len(stm), len(B)
    gA, gP, gB, gC = (np.zeros_like(x) for x in (A, P, B, C))
    touched = np.zeros(F, np.uint8)
    work, dy = np.zeros((n, 2 * H), np.float32), np.zeros(n, np.float32)
    scratch = dict(fused=np.full_like(A, np.nan), used=np.zeros(F, np.uint8)) if fused else {}
    loss, gd = forward_backward(A, P, B, C, float(d), stm, nstm, score, target, gA, gP, gB, gC,
                                touched, work, dy, loss_kind=kind, factorized=factorized, threads=threads,
                                activation=activation, **scratch)
    if fused:
        assert not scratch["used"].any()  # left clean for the next batch
    return loss, gA, gP, gB, gC, gd, touched


@pytest.mark.parametrize("activation", [0, 1])
@pytest.mark.parametrize("kind", [LOSS_WDL, LOSS_CP])
@pytest.mark.parametrize("factorized,fused", [(True, False), (True, True), (False, False)])
def test_gradients_match_finite_differences(kind, factorized, activation, fused):
    A, P, B, C, d, stm, nstm, score, target = _random_problem(seed=kind * 2 + factorized + 4 * activation)
    loss, gA, gP, gB, gC, gd, touched = _analytic(A, P, B, C, d, stm, nstm, score, target, kind, factorized,
                                                  activation=activation, fused=fused)
    A64, P64, B64, C64 = (x.astype(np.float64) for x in (A, P, B, C))
    def f(A_, P_, B_, C_, d_):
        return _loss64(A_, P_, B_, C_, d_, stm, nstm, score, target, kind,
                       factorized=factorized, activation=activation)
    assert loss == pytest.approx(f(A64, P64, B64, C64, float(d)), rel=1e-4)
    eps = 1e-4
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

    active = np.unique(np.concatenate([stm[stm >= 0], nstm[nstm >= 0]]))
    check("A", A64, gA, [(int(r), int(rng.integers(H))) for r in rng.choice(active, 12)])
    if factorized:
        check("P", P64, gP, [(int(r % 640), int(rng.integers(H))) for r in rng.choice(active, 12)])
    check("B", B64, gB, [(j,) for j in range(0, H, 3)])
    check("C", C64, gC, [(j,) for j in range(0, 2 * H, 5)])
    up = f(A64, P64, B64, C64, float(d) + eps)
    down = f(A64, P64, B64, C64, float(d) - eps)
    assert gd == pytest.approx((up - down) / (2 * eps), rel=2e-2, abs=2e-6)
    # only active rows get gradient and are flagged
    assert set(np.flatnonzero(touched)) == set(active.tolist())
    inactive = np.setdiff1d(np.arange(F), active)
    assert not gA[inactive].any()


def test_threads_give_the_same_gradients():
    prob = _random_problem(seed=9, n=64)
    one = _analytic(*prob, LOSS_WDL, True, threads=1)
    two = _analytic(*prob, LOSS_WDL, True, threads=2)
    for a, b in zip(one[1:5], two[1:5]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_unknown_activation_is_refused():
    prob = _random_problem(seed=3)
    with pytest.raises(ValueError, match="activation"):
        _analytic(*prob, LOSS_WDL, True, activation=2)


def _paths():
    """The kernel paths this build and CPU can run (the scalar reference first)."""
    best = kernel_path()
    out = []
    for name in ("scalar", "base", "avx2"):
        try:
            select_kernels(name)
            out.append(name)
        except ValueError:
            pass
    select_kernels(best)
    return out


@pytest.mark.parametrize("width", [32, 35])   # 35: the vector loops' tails
@pytest.mark.parametrize("activation", [0, 1])
def test_every_kernel_path_and_the_fused_rows_give_the_same_bits(width, activation):
    """The SIMD copies of the row kernels (runtime dispatch) and the fused
    A + P rows change how fast, never what: losses and gradients equal the
    plain-C reference bit for bit."""
    prob = _random_problem(seed=11 + activation, n=40, H=width)
    best = kernel_path()
    results = {}
    try:
        for name in _paths():
            select_kernels(name)
            for fused in (False, True):
                results[name, fused] = _analytic(*prob, LOSS_WDL, True, activation=activation, fused=fused)
    finally:
        select_kernels(best)
    ref = results["scalar", False]
    assert len(results) >= 4   # scalar and base, with and without fused rows
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
