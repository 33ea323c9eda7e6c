"""The PyTorch backend (`ladya train --device cpu|cuda`, training/torch_model.py)
against the Cython trainer it reimplements (training/model.pyx, optim.pyx).

Run on the CPU: the loss and gradients of real batches agree within float32
rounding (the accumulators and each optimizer rule bit for bit), a short
training run reaches the native run's loss, and its net exports and plays
like one.  Without torch only the tests of the error messages and of the
imports run; the rest skip.
"""
import subprocess
import sys

import numpy as np
import pytest

from engine.position import Position
from nnue.accumulator import evaluate
from nnue.network import Network
from training import data as D
from training.train import Trainer, train
from test_trainer import (OPTIMIZER_LR, ROOT, checkpoint_arrays, config, random_positions,
                          records, spearman, stm_score)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the PyTorch backend needs torch (pip install 'ladya[gpu]')")


@pytest.fixture(scope="module")
def positions_dir(tmp_path_factory):
    """3000 positions of random games labelled by material (test_trainer.py)."""
    d = tmp_path_factory.mktemp("torch-material")
    D.write_records(d / "train.ldat", records(random_positions(3000, seed=1)))
    return d


def _pair(data_dir, tmp_path, **kw):
    """A native and a torch-on-CPU Trainer of the same configuration: the
    same data split and the same initial model."""
    native = Trainer(config(data_dir, tmp_path / "native.nnue", **kw))
    tensors = Trainer(config(data_dir, tmp_path / "torch.nnue", device="cpu", **kw))
    return native, tensors


def _batch(t: Trainer, seed: int, size: int = 256):
    """An encoded training batch, half of it mirrored (as train_epoch makes them)."""
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(t.train), size, replace=False))
    return t._encode(t.train[idx], rng.random(size) < 0.5)


def _perturb(model, seed: int) -> None:
    """Random A, P and B, so that every block has gradient and both clip bounds are reached."""
    rng = np.random.default_rng(seed)
    model.A[...] = rng.normal(0, 0.05, model.A.shape)
    model.P[...] = rng.normal(0, 0.05, model.P.shape)
    model.B[...] = rng.normal(0.4, 0.3, model.B.shape)


# ---------------------------------------------------------------------------
# Optional dependency


def test_the_engine_and_trainer_never_import_torch_and_without_it_the_error_names_the_extra(tmp_path):
    """torch is the optional extra ladya[gpu]: importing the trainer or the
    engine never imports it, and `--device cuda` without it exits with one
    line naming the extra (checked before any data is read)."""
    script = f"""
import sys
import engine.cli, engine.uci, training.cli, training.train, training.loop
assert "torch" not in sys.modules, "torch imported"
sys.modules["torch"] = None        # as if it were not installed
rc = engine.cli.main(["train", "--data", {str(tmp_path / "missing")!r}, "--out",
                      {str(tmp_path / "x.nnue")!r}, "--device", "cuda", "--no-progress"])
sys.exit(rc)
"""
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "error: --device cuda needs PyTorch: pip install 'ladya[gpu]'"


def test_cuda_without_a_device_and_unknown_devices_are_refused(torch, positions_dir, tmp_path, monkeypatch):
    for name, message in (("tpu", "unknown --device 'tpu'"), ("cuda:x", "unknown --device"),
                          ("cuda", "finds no CUDA device")):
        if name == "cuda":
            monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.raises(ValueError, match=message):
            Trainer(config(positions_dir, tmp_path / "x.nnue", device=name))


# ---------------------------------------------------------------------------
# The same model


@pytest.mark.parametrize("king_buckets,factorizer,activation,loss,separate", [
    ("full", True, "screlu", "mse", False),
    ("none", True, "crelu", "cp", False),
    ("mirror16", True, "screlu", "cp", False),
    ("full", False, "crelu", "mse", False),
    ("mirror16", False, "screlu", "mse", False),
    ("mirror16", True, "screlu", "huber", False),
    ("none", False, "crelu", "huber", False),
    ("mirror16", True, "screlu", "ce", False),
    ("full", False, "crelu", "ce", False),
    ("mirror16", True, "screlu", "mse", True),
    ("none", False, "screlu", "ce", True),
])
def test_loss_and_gradients_equal_the_cython_trainers(torch, king_buckets, factorizer, activation, loss,
                                                      separate, positions_dir, tmp_path):
    """A real, half-mirrored batch through both: the accumulators bit for
    bit (the same rows added in the same order, king-bucket remap, factorizer
    rows and separate transformers included), the loss and every gradient
    within float32 rounding of the sums over the batch, and the same rows
    touched -- for each loss."""
    native, tensors = _pair(positions_dir, tmp_path, king_buckets=king_buckets, factorizer=factorizer,
                            activation=activation, loss=loss, separate_transformers=separate,
                            huber_delta=0.05)
    _perturb(native.model, 3)
    _perturb(tensors.model, 3)
    native.model.scale = tensors.model.scale = 340    # a rescaled --init net's (nets/HISTORY.md, gen-006)
    tensors.backend.push()
    batch = _batch(native, seed=4)
    stm, nstm, score, target = batch
    m = native.model
    from training.model import accumulators
    a, _, _ = tensors.backend.accumulators(stm, nstm)
    assert np.array_equal(a.numpy(), accumulators(m.A, m.P, m.B, stm, nstm, factorizer, separate))

    ref = native._run(batch, backward=True)
    got = tensors._run(batch, backward=True)
    g = tensors.backend.grad
    assert got == pytest.approx(ref, rel=1e-6)
    assert float(g.d) == pytest.approx(native._gd, rel=1e-5, abs=1e-9)
    rows = np.flatnonzero(m.touched)
    assert np.array_equal(g.rows.numpy(), rows)
    assert not m.gA[np.setdiff1d(np.arange(len(m.A)), rows)].any()

    def close(ours, theirs, name):
        tol = 1e-5 * np.abs(theirs).max()
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-5, atol=tol, err_msg=name)

    close(g.A, m.gA[rows], "A")
    if factorizer:
        close(g.P, m.gP, "P")
    else:
        assert g.P is None
    close(g.B, m.gB, "B")
    close(g.C, m.gC, "C")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_each_optimizer_steps_to_the_same_parameters(torch, optimizer, positions_dir, tmp_path):
    """Three steps with the same gradients (the Cython trainer's) give the
    same parameters and moments bit for bit, with optim.pyx's lazy rows:
    a transformer row the batch did not use keeps its value and moments."""
    from training.torch_model import Gradients
    native, tensors = _pair(positions_dir, tmp_path, optimizer=optimizer, king_buckets="mirror16",
                            king_lr=0.5)
    m, lr = native.model, OPTIMIZER_LR[optimizer]
    for step in range(3):
        native._run(_batch(native, seed=10 + step), backward=True)
        rows = np.flatnonzero(m.touched)
        before = {k: a.copy() for k, a in m.state().items()}
        tensors.backend.grad = Gradients(*(torch.from_numpy(x.copy()) for x in (
            rows, m.gA[rows], m.gP, m.gB, m.gC)), d=torch.tensor(native._gd, dtype=torch.float64))
        native._step(lr)
        tensors._step(lr)
        tensors.backend.pull()
        for k, a in m.state().items():
            assert np.array_equal(tensors.model.state()[k], a), (optimizer, step, k)
        unused = np.setdiff1d(np.arange(len(m.A)), rows)
        for k in ("A", "m_A", "v_A"):
            assert np.array_equal(m.state()[k][unused], before[k][unused]), k
        assert not np.array_equal(m.A[rows], before["A"][rows])


# ---------------------------------------------------------------------------
# Training, checkpoints, export


def test_a_short_torch_run_matches_native_and_exports_a_net_the_engine_plays(torch, positions_dir,
                                                                              tmp_path):
    """Two epochs on the material set with each backend: the same losses
    (to rounding), the same checkpoint format (each resumes in the other),
    and a net that the engine loads and evaluates like the native one."""
    runs, lines = {}, []
    for device in ("native", "cpu"):
        out = tmp_path / f"{device}.nnue"
        cfg = config(positions_dir, out, epochs=2, lr=1e-2, device=device)
        runs[device] = (cfg, out, train(cfg, log=lines.append))
    initial = [float(x.split()[-1]) for x in lines if x.startswith("initial validation loss")]
    assert len(initial) == 2 and initial[0] == pytest.approx(initial[1], rel=1e-6)
    hist = {d: r[2]["history"] for d, r in runs.items()}
    for a, b in zip(hist["native"], hist["cpu"]):
        assert b["val_loss"] == pytest.approx(a["val_loss"], rel=1e-3)
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-3)
    assert hist["cpu"][-1]["val_loss"] < 0.7 * initial[1]

    ckpt = {d: checkpoint_arrays(r[1]) for d, r in runs.items()}
    assert ckpt["native"].keys() == ckpt["cpu"].keys()
    for k, a in ckpt["native"].items():
        assert (a.dtype, a.shape) == (ckpt["cpu"][k].dtype, ckpt["cpu"][k].shape), k
    # the torch run's checkpoint resumes natively, and the native one on torch
    for device, other in (("native", "cpu"), ("cpu", "native")):
        cfg, out, _ = runs[other]
        t = Trainer(config(positions_dir, out, epochs=3, lr=1e-2, device=device))
        assert t.load_checkpoint() and t.epoch == 2
        if t.backend is not None:
            assert np.array_equal(t.backend.p["A"].numpy(), ckpt[other]["A"])

    e = runs["cpu"][2]["eval_difference"]
    assert e["positions"] > 0 and e["mean_cp"] < 3.0 and e["max_cp"] < 15.0
    held_out = random_positions(200, seed=2)
    nets = {d: Network(str(r[1])) for d, r in runs.items()}
    evals = {d: np.array([evaluate(net, Position(fen)) for fen, _ in held_out]) for d, net in nets.items()}
    labels = np.array([stm_score(fen) for fen, _ in held_out])
    assert spearman(evals["cpu"], labels) > 0.4         # two short epochs: learning, not learnt
    assert np.abs(evals["cpu"] - evals["native"]).mean() < 2.0
