"""The trainer end to end: training/train.py, optim.pyx, quantize.py and `ladya train`.

The learnable set: positions reached by random play (the engine's move
generator, itself checked against python-chess), labelled by the material
balance counted from the FEN text here (P=1 N=3 B=3 R=5 Q=9, 100 cp a pawn,
side to move's view, clipped to +-1500) with the game result given by its
sign.  A tiny net (hidden 32) learns that within seconds, so the tests can
ask the exported net, run by the engine, to rank positions by material.
The gradients themselves are checked in test_trainer_gradients.py.
"""
import random
import subprocess
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

from engine.position import Position, STARTING_FEN
from nnue.accumulator import evaluate
from nnue.format import ACTIVATIONS
from nnue.network import Network
from nnue.reference import float_eval
from training import data as D
from training import quantize as Q
from training.model import encode_records, wdl_target
from training.optim import step_rows
from training.train import TrainConfig, Trainer, train

ROOT = Path(__file__).resolve().parents[1]
VALUES = {"p": 1, "n": 3, "b": 3, "r": 5, "q": 9}
HIDDEN = 32
# Settings that learn the material set in a few epochs (found by a small lr grid).
FAST = dict(batch_size=256, hidden=HIDDEN, threads=1, progress=False, val_fraction=0.1)
OPTIMIZER_LR = {"sgd": 2.0, "momentum": 0.3, "rmsprop": 1e-3, "adam": 1e-2}


def material(fen: str) -> int:
    """White's material minus Black's, in pawns, counted from the FEN text."""
    total = 0
    for ch in fen.split()[0]:
        v = VALUES.get(ch.lower())
        if v:
            total += v if ch.isupper() else -v
    return total


def stm_score(fen: str) -> int:
    """The label: centipawns of material from the side to move's view."""
    white = max(-1500, min(1500, 100 * material(fen)))
    return white if fen.split()[1] == "w" else -white


def random_positions(n: int, seed: int):
    """(fen, ply) of positions from random games: every 8th ply from ply 8 on,
    so that many games (many king squares) are represented."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        pos = Position()
        for ply in range(1, 161):
            moves = pos.legal_moves()
            if not moves:
                break
            pos.push_uci(rng.choice(moves))
            if ply % 8 == 0:
                out.append((pos.fen(), ply))
    return out[:n]


def records(positions) -> np.ndarray:
    recs = [D.pack_position(fen, stm_score(fen), int(np.sign(material(fen))), ply,
                            D.FLAG_IN_CHECK if Position(fen).is_check() else 0)
            for fen, ply in positions]
    return np.array(recs, D.RECORD)


def config(data_dir, out, **kw) -> TrainConfig:
    settings = dict(FAST, data=[str(data_dir)], out=str(out))
    settings.update(kw)
    return TrainConfig(**settings)


def checkpoint_arrays(out) -> dict:
    with np.load(f"{out}.run/checkpoint.npz") as st:
        return {k: st[k] for k in st.files if k != "meta"}


def assert_same_arrays(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].tobytes() == b[k].tobytes(), f"{k} differs"


def engine_loss(net_path, recs, lam, K) -> float:
    """WDL loss of a net file as the engine evaluates it, from the formula."""
    net = Network(str(net_path))
    evals = np.array([evaluate(net, Position(D.unpack_fen(r))) for r in recs], np.float64)
    score = recs["score"].astype(np.float64)
    stm_black = (recs["packed"] & 1).astype(bool)
    result = np.where(stm_black, -recs["result"], recs["result"]).astype(np.float64)
    target = lam / (1 + np.exp(-score / K)) + (1 - lam) * (result + 1) / 2
    return float(np.mean((1 / (1 + np.exp(-evals / K)) - target) ** 2))


def spearman(x, y) -> float:
    rx = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    ry = np.argsort(np.argsort(y, kind="stable"), kind="stable")
    return float(np.corrcoef(rx, ry)[0, 1])


# ---------------------------------------------------------------------------
# Fixtures: one data set, one trained net shared by the tests that read it


@pytest.fixture(scope="module")
def material_set(tmp_path_factory):
    """16000 positions: enough games for a net that generalises to new ones."""
    d = tmp_path_factory.mktemp("material")
    D.write_records(d / "train.ldat", records(random_positions(16000, seed=1)))
    return d


@pytest.fixture(scope="module")
def data_dir(material_set, tmp_path_factory):
    """A quarter of it, for the tests that only need the loss to move."""
    d = tmp_path_factory.mktemp("small")
    D.write_records(d / "train.ldat", D.load([material_set])[:4000])
    return d


@pytest.fixture(scope="module")
def held_out():
    """Fresh positions (another seed) the net never trained on."""
    return random_positions(400, seed=2)


@pytest.fixture(scope="module")
def trained(material_set, tmp_path_factory):
    out = tmp_path_factory.mktemp("net") / "material.nnue"
    cfg = config(material_set, out, epochs=4, lr=1e-2)
    lines = []
    report = train(cfg, log=lines.append)
    return cfg, out, report, lines


# ---------------------------------------------------------------------------
# Learning


def test_training_and_validation_loss_fall(trained):
    cfg, out, report, lines = trained
    initial = Trainer(cfg).validation_loss()   # same seed: the run's starting point
    assert f"initial validation loss {initial:.6f}" in lines
    hist = report["history"]
    assert len(hist) == cfg.epochs
    assert hist[-1]["val_loss"] < 0.25 * initial
    assert hist[-1]["train_loss"] < 0.5 * hist[0]["train_loss"]
    assert all(b["val_loss"] < a["val_loss"] for a, b in zip(hist, hist[1:]))


def test_engine_ranks_positions_by_material(trained, held_out):
    _, out, _, _ = trained
    net = Network(str(out))
    evals = np.array([evaluate(net, Position(fen)) for fen, _ in held_out])
    labels = np.array([stm_score(fen) for fen, _ in held_out])
    assert spearman(evals, labels) > 0.8
    up, down = evals[labels >= 300], evals[labels <= -300]
    assert len(up) > 30 and len(down) > 30
    ordered = (up[:, None] > down[None, :]).mean()
    assert ordered > 0.95, f"only {ordered:.1%} of (+3, -3) pairs ordered"
    # a queen up vs a queen down, from the start position, either side to move
    no_black_queen = "rnb1kbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR {} KQkq - 0 1"
    no_white_queen = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNB1KBNR {} KQkq - 0 1"
    for stm in "wb":
        sign = 1 if stm == "w" else -1
        queen_up = sign * evaluate(net, Position(no_black_queen.format(stm)))
        queen_down = sign * evaluate(net, Position(no_white_queen.format(stm)))
        assert queen_up > 300 > -300 > queen_down, (stm, queen_up, queen_down)


def test_quantized_net_agrees_with_float_model(trained, held_out):
    """The engine's integer evaluation vs the float model it was exported from.

    Tolerance: rounding A, B to 1/255 and C to 1/1024 (nnue/format.py) moves
    a hidden-32 net's evaluation by about 1 cp on average; allow 3 cp mean
    and 15 cp worst case (floor division adds up to 1 cp)."""
    cfg, out, report, _ = trained
    st = checkpoint_arrays(out)
    fnet = Q.to_float_net(st["A"], st["P"], st["B"], st["C"], st["d"][0], ACTIVATIONS[cfg.activation])
    net = Network(str(out))
    diffs = np.array([abs(float_eval(fnet, Position(fen)) - evaluate(net, Position(fen)))
                      for fen, _ in held_out])
    assert diffs.mean() < 3.0 and diffs.max() < 15.0, (diffs.mean(), diffs.max())
    # the trainer's own report measures the same thing on its validation set
    e = report["eval_difference"]
    assert e["positions"] > 0 and e["mean_cp"] < 3.0 and e["max_cp"] < 15.0


def test_fine_tuning_starts_from_the_exported_net(trained, material_set, tmp_path):
    data_dir = material_set
    cfg, out, report, _ = trained
    t = Trainer(config(data_dir, tmp_path / "tuned.nnue", epochs=1, init=str(out)))
    start = t.validation_loss()
    exported = engine_loss(out, t.val, cfg.lam, cfg.K)
    assert start == pytest.approx(exported, rel=0.005)
    # and the float model before export had the same loss, up to quantization
    assert start == pytest.approx(report["history"][-1]["val_loss"], rel=0.005)
    # far from where a fresh run starts
    assert start < 0.5 * Trainer(config(data_dir, tmp_path / "fresh.nnue")).validation_loss()
    wide = tmp_path / "wide.nnue"
    train(config(data_dir, wide, epochs=1, hidden=2 * HIDDEN))
    with pytest.raises(ValueError, match=f"width {2 * HIDDEN}, wider than --hidden {HIDDEN}"):
        Trainer(config(data_dir, tmp_path / "x.nnue", init=str(wide)))


def test_fine_tuning_keeps_the_init_nets_scale(trained, material_set, tmp_path):
    # a net whose scale field was changed (gen-006 is gen-005 at scale 340) is fine-tuned at
    # that scale: the run starts from the engine's evaluation of it, and exports that scale
    from nnue.format import SCALE, read_net, write_net
    cfg, out, _, _ = trained
    q = read_net(out)
    assert q.scale == SCALE
    q.scale = SCALE * 85 // 100
    rescaled = tmp_path / "rescaled.nnue"
    write_net(rescaled, q, packed=True)
    t = Trainer(config(material_set, tmp_path / "tuned.nnue", epochs=1, lr=1e-6, init=str(rescaled)))
    start = t.validation_loss()
    assert start == pytest.approx(engine_loss(rescaled, t.val, cfg.lam, cfg.K), rel=0.005)
    assert abs(start - engine_loss(out, t.val, cfg.lam, cfg.K)) > 0.02 * start
    t.train_epoch()
    report = t.export()
    assert read_net(tmp_path / "tuned.nnue").scale == q.scale
    assert report["eval_difference"]["mean_cp"] < 3.0


def test_keep_eval_size_exports_at_the_scale_of_the_init_nets_size(trained, material_set, held_out,
                                                                    tmp_path):
    # labels 1.4x the material: the fine-tune's evaluation grows towards them (as fine-tunes on
    # the search's scores do), and --keep-eval-size takes that growth back in the scale field
    from nnue.format import read_net
    cfg, out, _, _ = trained
    recs = D.load([material_set])
    recs["score"] = np.clip(recs["score"].astype(np.int64) * 14 // 10, -32000, 32000)
    grown = tmp_path / "grown"
    grown.mkdir()
    D.write_records(grown / "train.ldat", recs)
    lines = []
    report = train(config(grown, tmp_path / "kept.nnue", epochs=3, lr=3e-3, init=str(out),
                          keep_eval_size=True), log=lines.append)
    assert report["eval_slope"] > 1.15            # the model did grow
    assert report["init_scale"] == read_net(out).scale
    kept = read_net(tmp_path / "kept.nnue").scale
    assert kept == round(report["init_scale"] / report["eval_slope"]) < report["init_scale"]
    assert any(f"exported at scale {kept}" in line for line in lines)
    # the engine's evaluation of the exported net has the --init net's size
    before, after = Network(str(out)), Network(str(tmp_path / "kept.nnue"))
    pos = [Position(fen) for fen, _ in held_out]
    e0 = np.array([evaluate(before, p) for p in pos], np.float64)
    e1 = np.array([evaluate(after, p) for p in pos], np.float64)
    assert np.polyfit(e0, e1, 1)[0] == pytest.approx(1.0, abs=0.06)
    with pytest.raises(ValueError, match="give --init"):
        Trainer(config(grown, tmp_path / "x.nnue", keep_eval_size=True))


def test_fine_tuning_into_a_wider_net_starts_as_the_narrow_one(trained, material_set, tmp_path):
    # --hidden wider than the --init net: the new neurons' output weights start at 0, so the
    # model is the exported net exactly, and training wakes the new neurons
    from nnue.format import read_net
    cfg, out, report, _ = trained
    narrow = Trainer(config(material_set, tmp_path / "n.nnue", init=str(out)))
    wcfg = config(material_set, tmp_path / "wide.nnue", epochs=2, init=str(out), hidden=2 * HIDDEN)
    wide = Trainer(wcfg)
    start = narrow.validation_loss()
    assert wide.validation_loss() == pytest.approx(start, rel=1e-5)
    m = wide.model
    assert not m.C[HIDDEN:2 * HIDDEN].any() and not m.C[3 * HIDDEN:].any()
    assert np.abs(m.P[:, HIDDEN:]).max() > 0 and not m.P[:, :HIDDEN].any()
    wide_report = train(wcfg)
    net = read_net(str(tmp_path / "wide.nnue"))
    assert net.hidden == 2 * HIDDEN
    c = net.out_weights
    assert c[HIDDEN:2 * HIDDEN].any() and c[3 * HIDDEN:].any()
    assert wide_report["history"][-1]["val_loss"] < start


# ---------------------------------------------------------------------------
# Reproducibility


@pytest.mark.slow
def test_resume_continues_identically(data_dir, tmp_path):
    straight = tmp_path / "straight" / "net.nnue"
    resumed = tmp_path / "resumed" / "net.nnue"
    straight.parent.mkdir()
    resumed.parent.mkdir()
    kw = dict(epochs=3, lr=1e-2, batch_size=512)
    train(config(data_dir, straight, **kw), log=lambda s: None)

    def interrupt_after_epoch_2(line):
        if line.startswith("epoch 2:"):
            raise KeyboardInterrupt   # as if killed right after the checkpoint
    with pytest.raises(KeyboardInterrupt):
        train(config(data_dir, resumed, **kw), log=interrupt_after_epoch_2)
    assert not resumed.exists()
    lines = []
    train(config(data_dir, resumed, resume=True, **kw), log=lines.append)
    assert any(s.startswith("resumed from") and "after epoch 2" in s for s in lines)
    assert sum(s.startswith("epoch ") for s in lines) == 1
    assert_same_arrays(checkpoint_arrays(straight), checkpoint_arrays(resumed))
    assert straight.read_bytes() == resumed.read_bytes()
    # a checkpoint of a different run is refused
    with pytest.raises(ValueError, match="hidden"):
        train(config(data_dir, resumed, resume=True, **dict(kw, hidden=64)), log=lambda s: None)


def test_resume_reads_checkpoints_older_than_the_activation_setting(data_dir, tmp_path):
    """A checkpoint written before --activation existed (no key in its
    config) trained a CReLU net: resuming it as SCReLU, the default now, is
    refused; as CReLU it resumes."""
    import json
    out = tmp_path / "old.nnue"
    t = Trainer(config(data_dir, out, epochs=2, activation="crelu"))
    t.train_epoch()
    path = t.save_checkpoint()
    with np.load(path) as st:
        arrays = {k: st[k] for k in st.files}
    meta = json.loads(str(arrays["meta"]))
    del meta["config"]["activation"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="activation='crelu'"):
        Trainer(config(data_dir, out, epochs=2, resume=True)).load_checkpoint()
    assert Trainer(config(data_dir, out, epochs=2, resume=True, activation="crelu")).load_checkpoint()


def test_thread_count_does_not_change_results(data_dir, tmp_path):
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}" / "net.nnue"
        out.parent.mkdir()
        train(config(data_dir, out, epochs=1, batch_size=512, threads=threads), log=lambda s: None)
        outs.append(out)
    assert_same_arrays(checkpoint_arrays(outs[0]), checkpoint_arrays(outs[1]))
    assert outs[0].read_bytes() == outs[1].read_bytes()


# ---------------------------------------------------------------------------
# Optimizers


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_LR))
def test_each_optimizer_reduces_the_loss(optimizer, material_set, tmp_path):
    t = Trainer(config(material_set, tmp_path / "net.nnue", epochs=2, optimizer=optimizer,
                       lr=OPTIMIZER_LR[optimizer], schedule="constant"))
    before = t.validation_loss()
    first = t.train_epoch()
    second = t.train_epoch()
    assert second["val_loss"] < first["val_loss"] < before
    assert second["val_loss"] < 0.5 * before, (before, second["val_loss"])


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_LR))
def test_lazy_update_touches_only_rows_in_the_batch(optimizer, data_dir, tmp_path):
    """One batch holding the whole training set: rows of A that no position
    uses keep their value and zero moments; the used rows all move."""
    t = Trainer(config(data_dir, tmp_path / "net.nnue", optimizer=optimizer, lr=OPTIMIZER_LR[optimizer],
                       batch_size=100_000, mirror=0.0))
    m = t.model
    A0 = m.A.copy()
    stm, nstm, _, _ = encode_records(t.train)
    active = np.zeros(len(A0), bool)
    active[stm[stm >= 0]] = True
    active[nstm[nstm >= 0]] = True
    assert 0 < active.sum() < len(A0)
    t.train_epoch()
    assert m.A[~active].tobytes() == A0[~active].tobytes()
    for moments in (m.m["A"], m.v["A"]):
        assert not moments[~active].any()
    assert (m.A[active] != A0[active]).any(axis=1).all()
    if optimizer in ("momentum", "adam"):
        assert m.m["A"][active].any(axis=1).all()
    # gradients and flags are cleared for the next batch
    assert not m.gA.any() and not m.gP.any() and not m.touched.any()


def test_gradients_accumulate_over_calls(data_dir):
    """Two forward_backward calls without an optimizer step in between add up
    to the sum of the two batches' gradients (rows flagged by the first call
    keep their flags and add the second call's gradient)."""
    from training.model import forward_backward, wdl_target
    recs = D.load([data_dir])
    rng = np.random.default_rng(3)
    H = HIDDEN
    A = rng.normal(0, 0.1, (40960, H)).astype(np.float32)
    P = rng.normal(0, 0.1, (640, H)).astype(np.float32)
    B = np.full(H, 0.4, np.float32)
    C = rng.normal(0, 0.3, 2 * H).astype(np.float32)

    def grads(batches):
        g = [np.zeros_like(A), np.zeros_like(P), np.zeros_like(B), np.zeros_like(C)]
        touched = np.zeros(40960, np.uint8)
        for part in batches:
            stm, nstm, score, result = encode_records(part)
            target = wdl_target(score, result, 0.7)
            forward_backward(A, P, B, C, 0.05, stm, nstm, score, target, *g, touched, threads=2)
        return g, touched

    first, second = recs[:300], recs[300:700]
    (a1, p1, b1, c1), t1 = grads([first])
    (a2, p2, b2, c2), t2 = grads([second])
    (a, p, b, c), t = grads([first, second])
    assert (t == (t1 | t2)).all()
    for got, want in ((a, a1 + a2), (p, p1 + p2), (b, b1 + b2), (c, c1 + c2)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-8)
    assert np.abs(p1).max() > 0 and np.abs(p - p1).max() > 0


def _reference_step(kind, p, g, m, v, lr, b1, b2, eps, step, clip):
    """Textbook update rules in float64 (Adam with bias-corrected moments)."""
    if kind == 0:
        p = p - lr * g
    elif kind == 1:
        m = b1 * m + g
        p = p - lr * m
    elif kind == 2:
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * g / (np.sqrt(v) + eps)
    else:
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** step), v / (1 - b2 ** step)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return np.clip(p, -clip, clip), m, v


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
@pytest.mark.parametrize("threads", [1, 2])
def test_step_rows_updates_exactly_the_touched_rows(kind, threads):
    rng = np.random.default_rng(kind)
    rows, cols, step, clip = 500, 24, 7, 0.5
    p = rng.normal(0, 0.3, (rows, cols)).astype(np.float32)
    g = rng.normal(0, 0.1, (rows, cols)).astype(np.float32)
    m = rng.normal(0, 0.05, (rows, cols)).astype(np.float32)
    v = rng.uniform(0, 0.01, (rows, cols)).astype(np.float32)
    touched = (rng.random(rows) < 0.2).astype(np.uint8)
    sel = touched.astype(bool)
    before = [x.copy() for x in (p, g, m, v)]
    lr, b1, b2, eps = 0.05, 0.9, 0.99, 1e-8
    n = step_rows(p, g, m, v, touched, kind, lr, b1, b2, eps, step, clip, threads)
    assert n == sel.sum()
    for new, old in zip((p, g, m, v), before):
        assert new[~sel].tobytes() == old[~sel].tobytes()
    assert not touched.any() and not g[sel].any()
    ref_p, ref_m, ref_v = _reference_step(kind, *(x[sel].astype(np.float64) for x in before),
                                          lr, b1, b2, eps, step, clip)
    np.testing.assert_allclose(p[sel], ref_p, rtol=1e-5, atol=1e-6)
    if kind in (1, 3):
        np.testing.assert_allclose(m[sel], ref_m, rtol=1e-5, atol=1e-7)
    if kind in (2, 3):
        np.testing.assert_allclose(v[sel], ref_v, rtol=1e-5, atol=1e-9)
    assert np.abs(p[sel]).max() <= clip and (np.abs(p[sel]) == clip).any()   # clipped, and only there


@pytest.mark.parametrize("optimizer,lr", [("sgd", 1e4), ("adam", 1.0)])
def test_clipping_keeps_a_wild_run_exportable(optimizer, lr, data_dir, tmp_path):
    out = tmp_path / "wild.nnue"
    report = train(config(data_dir, out, epochs=1, optimizer=optimizer, lr=lr, schedule="constant"),
                   log=lambda s: None)
    st = checkpoint_arrays(out)
    for key, bound in (("A", Q.A_CLIP), ("P", Q.A_CLIP), ("B", Q.B_CLIP), ("C", Q.C_CLIP)):
        assert np.abs(st[key]).max() <= bound, key
    assert np.abs(st["A"]).max() == pytest.approx(Q.A_CLIP)   # the clip was reached
    assert Network(str(out)).hidden == HIDDEN
    assert report["quantization_error"]["ft_weights"] <= 0.5 / 255 + 1e-9


# ---------------------------------------------------------------------------
# Export and data validation


def test_export_refuses_overflow(tmp_path):
    rng = np.random.default_rng(0)
    A = rng.normal(0, 0.05, (40960, HIDDEN)).astype(np.float32)
    P = np.zeros((640, HIDDEN), np.float32)
    B = np.full(HIDDEN, 0.5, np.float32)
    C = rng.normal(0, 0.2, 2 * HIDDEN).astype(np.float32)
    ok = tmp_path / "ok.nnue"
    Q.export(ok, A, P, B, C, 0.1)
    assert Network(str(ok)).hidden == HIDDEN
    cases = {
        "int16": dict(A=A.copy()), "accumulator": dict(A=A.copy()),
        "folded": dict(P=P.copy()), "output": dict(C=C.copy()),
    }
    cases["int16"]["A"][5, 3] = 200.0          # 51000 > int16
    cases["accumulator"]["A"][7, 0] = 5.0      # 30 rows * 1275 could overflow the accumulator
    cases["folded"]["P"][9, 1] = 4.5           # A + P, as exported
    cases["output"]["C"][2] = 2.5              # |C_q| = 2560 > 2048
    for name, change in cases.items():
        args = dict(A=A, P=P, B=B, C=C, d=0.1)
        args.update(change)
        bad = tmp_path / f"{name}.nnue"
        with pytest.raises(ValueError):
            Q.export(bad, **args)
        assert not bad.exists(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.nnue"]   # no temporary left


def test_trainer_export_refuses_overflow(data_dir, tmp_path):
    out = tmp_path / "net.nnue"
    t = Trainer(config(data_dir, out))
    t.model.A[123, 4] = 150.0
    with pytest.raises(ValueError):
        t.export()
    assert not out.exists()


def _with_codes(rec, change):
    """A copy of `rec` with its piece nibbles rewritten by change(list of codes)."""
    rec = rec.copy()
    n = bin(int(rec["occ"])).count("1")
    codes = [(int(rec["pieces"][i // 2]) >> (4 * (i % 2))) & 15 for i in range(n)]
    codes = change(codes)
    nib = np.zeros(16, np.uint8)
    for i, c in enumerate(codes):
        nib[i // 2] |= c << (4 * (i % 2))
    rec["pieces"] = nib
    return rec


def test_encode_records_matches_the_engine_and_rejects_corrupt_records():
    from nnue.features import side_features
    positions = random_positions(40, seed=5)
    recs = records(positions)
    stm, nstm, score, result = encode_records(recs)
    for i, (fen, _) in enumerate(positions):
        s, n = side_features(Position(fen))
        assert sorted(stm[i][stm[i] >= 0]) == s and sorted(nstm[i][nstm[i] >= 0]) == n
        assert score[i] == stm_score(fen)
        white_result = np.sign(material(fen))
        assert result[i] == ((white_result if fen.split()[1] == "w" else -white_result) + 1) / 2

    # Mirrored encoding = the features of the position mirrored a<->h
    # (python-chess's flip_horizontal), the labels unchanged.
    flags = np.arange(len(recs)) % 2 == 1
    m_stm, m_nstm, m_score, m_result = encode_records(recs, flags)
    for i, (fen, _) in enumerate(positions):
        board = chess.Board(fen)
        if flags[i]:
            board = board.transform(chess.flip_horizontal)
            board.castling_rights = chess.BB_EMPTY   # (not a feature; keeps the FEN valid)
        s, n = side_features(Position(board.fen()))
        assert sorted(m_stm[i][m_stm[i] >= 0]) == s and sorted(m_nstm[i][m_nstm[i] >= 0]) == n
    assert (m_score == score).all() and (m_result == result).all()
    assert (m_stm[0] == stm[0]).all() and (m_stm[1] != stm[1]).any()
    with pytest.raises(ValueError, match="flags"):
        encode_records(recs, flags[:-1])

    good = D.pack_position(STARTING_FEN, 0, 0, 10, 0)
    corrupt = {
        "code 0": _with_codes(good, lambda c: [0] + c[1:]),
        "code 7": _with_codes(good, lambda c: c[:3] + [7] + c[4:]),
        "code 15": _with_codes(good, lambda c: c[:-1] + [15]),
        "no white king": _with_codes(good, lambda c: [5 if x == 6 else x for x in c]),
        "two black kings": _with_codes(good, lambda c: [14 if x == 13 else x for x in c]),
        "no kings": _with_codes(good, lambda c: [x - 1 if x & 7 == 6 else x for x in c]),
    }
    over = good.copy()
    over["occ"] = int(over["occ"]) | (0xFFFF << 24)   # 48 occupied squares, 32 nibbles
    corrupt["too many pieces"] = over
    for name, bad in corrupt.items():
        batch = np.array([good, bad, good], D.RECORD)
        with pytest.raises(ValueError, match="corrupt record 1"):
            encode_records(batch)


def test_encode_records_gives_the_same_batch_on_any_thread_count():
    # large enough for the parallel path (PARALLEL_ENCODE records), mirrored and king-bucketed
    from training.buckets import layout
    recs = records(random_positions(64, seed=9))
    recs = np.concatenate([recs] * 80)
    flags = np.random.default_rng(3).random(len(recs)) < 0.5
    remap = layout("mirror16").remap()
    one = encode_records(recs, flags, remap, threads=1)
    for threads in (2, 3, 8):
        for a, b in zip(one, encode_records(recs, flags, remap, threads=threads)):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    # the first corrupt record is the one named, whichever thread met it
    good = D.pack_position(STARTING_FEN, 0, 0, 10, 0)
    bad = _with_codes(good, lambda c: [0] + c[1:])
    batch = np.array([good] * 5000, D.RECORD)
    batch[1234] = bad
    batch[4321] = bad
    with pytest.raises(ValueError, match="corrupt record 1234"):
        encode_records(batch, threads=2)


def test_encode_records_into_reused_buffers_gives_fresh_batches():
    """A Scratch's buffers hold the last batch only: a later batch of fewer
    records, or of positions with fewer pieces, leaves nothing of the one
    before (its unused slots are -1 again)."""
    from training.model import Scratch
    from training.buckets import layout
    remap = layout("mirror16").remap()
    recs = records(random_positions(2500, seed=11))
    pieces = np.array([bin(int(o)).count("1") for o in recs["occ"]])
    crowded = recs[np.argsort(-pieces, kind="stable")]      # most pieces first
    sparse = crowded[::-1].copy()                           # fewest first
    scratch = Scratch()
    for batch, threads in ((crowded, 2), (sparse[:2200], 2), (crowded[:100], 1), (sparse, 1)):
        fresh = encode_records(batch, None, remap, threads)
        reused = encode_records(batch, None, remap, threads, scratch)
        for a, b in zip(fresh, reused):
            assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    # the sparse batch did overwrite slots that the crowded one had filled
    assert ((encode_records(sparse)[0] == -1) & (encode_records(crowded)[0] >= 0)).any()


# ---------------------------------------------------------------------------
# The command line


def _ladya(*args):
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_trains_and_writes_net_checkpoint_and_plot(data_dir, tmp_path):
    out = tmp_path / "cli.nnue"
    r = _ladya("train", "--data", data_dir, "--out", out, "--epochs", 1, "--hidden", HIDDEN,
               "--batch-size", 512, "--threads", 1, "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "epoch 1:" in r.stdout and "exported" in r.stdout
    assert Network(str(out)).hidden == HIDDEN
    with np.load(f"{out}.run/checkpoint.npz") as st:
        assert st["A"].shape == (40960, HIDDEN)
    try:
        import matplotlib  # noqa: F401  (optional dependency: ladya[plot])
    except ImportError:
        assert not Path(f"{out}.run/loss.png").exists()
    else:
        assert Path(f"{out}.run/loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_accepts_the_text_format(data_dir, tmp_path):
    recs = D.load([data_dir])[:300]
    text = tmp_path / "positions.txt"
    text.write_text("".join(D.to_text_line(r) + "\n" for r in recs))
    out = tmp_path / "text.nnue"
    r = _ladya("train", "--data", text, "--out", out, "--epochs", 1, "--hidden", HIDDEN,
               "--threads", 1, "--no-progress")
    assert r.returncode == 0, r.stderr
    words = r.stdout.split("data: ")[1].split()
    # plies are unknown in text: only positions in check are dropped
    expected = sum(not chess.Board(D.unpack_fen(rec)).is_check() for rec in recs)
    assert int(words[0]) + int(words[3]) == expected < 300
    assert Network(str(out)).hidden == HIDDEN


@pytest.mark.parametrize("args,message", [
    (["--data", "{tmp}/missing"], "no such file"),
    (["--optimizer", "foo"], "unknown optimizer"),
    (["--hidden", "33"], "multiple of 32"),
    (["--epochs", "0"], "positive"),
])
def test_cli_rejects_bad_input(args, message, data_dir, tmp_path):
    argv = ["train", "--out", tmp_path / "bad.nnue", "--no-progress", "--threads", 1]
    args = [a.format(tmp=tmp_path) for a in args]
    if "--data" not in args:
        argv += ["--data", data_dir]
    r = _ladya(*argv, *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], r.stderr
    assert not (tmp_path / "bad.nnue").exists()


def test_validation_holds_out_whole_games(tmp_path):
    """Every game's positions land on one side of the split; text lines
    count as games of their own."""
    from training.train import _load_data, split_by_game
    rng = np.random.default_rng(4)
    games = []
    for g in range(30):
        n = int(rng.integers(12, 40))
        # not in check and past the opening: the trainer's filter keeps them all
        recs = records([(fen, ply) for fen, ply in random_positions(n, seed=100 + g)
                        if not Position(fen).is_check()])
        recs["ply"] = np.arange(len(recs)) + 8
        recs["flags"] = 0
        recs["flags"][0] = D.FLAG_GAME_START
        games.append(recs)
    D.write_records(tmp_path / "a.ldat", np.concatenate(games[:17]))
    D.write_records(tmp_path / "b.ldat", np.concatenate(games[17:]))
    recs, ids = _load_data([tmp_path / "a.ldat", tmp_path / "b.ldat"], 8)
    assert len(recs) == sum(len(g) for g in games)
    assert len(np.unique(ids)) == 30
    assert [int((ids == i).sum()) for i in np.unique(ids)] == [len(g) for g in games]
    is_val = split_by_game(ids, 0.2, np.random.default_rng(1))
    val_games, train_games = set(ids[is_val]), set(ids[~is_val])
    assert not val_games & train_games and len(val_games) == 6
    # a single game still gets a validation share
    one = split_by_game(np.zeros(50, int), 0.1, np.random.default_rng(1))
    assert one.sum() == 5


def test_king_lr_zero_trains_a_king_independent_net(data_dir, tmp_path):
    """--king-lr 0 with the factorizer: the king-specific rows stay zero, so
    every king square's block of the exported net is the same, and the
    packed file is far smaller than one whose king rows were trained."""
    from nnue.format import read_net
    sizes = {}
    for king_lr in (0.0, 1.0):
        out = tmp_path / f"k{king_lr}.nnue"
        t = Trainer(config(data_dir, out, king_lr=king_lr, lr=1e-2, epochs=1))
        first = t.validation_loss()
        t.train_epoch()
        assert t.validation_loss() < first
        t.export(str(out))
        w = read_net(out).ft_weights.reshape(64, 640, -1)
        same = bool((w == w[:1]).all())
        assert same == (king_lr == 0.0)
        if king_lr == 0.0:
            assert not t.model.A.any()
        sizes[king_lr] = out.stat().st_size
    assert sizes[0.0] < sizes[1.0] / 2


@pytest.mark.parametrize("activation", ["crelu", "screlu"])
def test_each_activation_trains_exports_and_the_engine_agrees(activation, material_set, held_out,
                                                               tmp_path):
    """--activation crelu / screlu (the default): the loss falls, the file
    names its activation, the engine's integer evaluation follows the float
    model (tolerance as test_quantized_net_agrees_with_float_model, a little
    wider for SCReLU's 8-bit square; observed on SCReLU: mean 2.3 cp, max
    9.4 cp), the net ranks positions by material, and --init refuses a net
    of the other activation."""
    from nnue.format import read_net
    code = ACTIVATIONS[activation]
    out = tmp_path / f"{activation}.nnue"
    cfg = config(material_set, out, epochs=3, lr=1e-2, activation=activation)
    report = train(cfg, log=lambda m: None)
    hist = report["history"]
    assert hist[-1]["val_loss"] < hist[0]["val_loss"]
    assert read_net(out).activation == code
    net = Network(str(out))
    assert net.activation == activation
    assert ("SCReLU" in net.description) == (activation == "screlu")
    st = checkpoint_arrays(out)
    fnet = Q.to_float_net(st["A"], st["P"], st["B"], st["C"], st["d"][0], code)
    evals = np.array([evaluate(net, Position(fen)) for fen, _ in held_out])
    diffs = np.abs(np.array([float_eval(fnet, Position(fen)) for fen, _ in held_out]) - evals)
    assert diffs.mean() < 4.0 and diffs.max() < 20.0, (diffs.mean(), diffs.max())
    labels = np.array([stm_score(fen) for fen, _ in held_out])
    assert spearman(evals, labels) > 0.8
    other = "crelu" if activation == "screlu" else "screlu"
    with pytest.raises(ValueError, match="activation"):
        Trainer(config(material_set, tmp_path / "x.nnue", init=str(out), activation=other))
    with pytest.raises(ValueError, match="activation"):
        Trainer(config(material_set, tmp_path / "y.nnue", activation="gelu"))


@pytest.mark.parametrize("name", ["mirror4", "mirror16"])
def test_king_buckets_train_and_export_plain_halfkp(name, data_dir, tmp_path):
    """--king-buckets: the trainer fits one block of rows per bucket, the
    export writes the usual 64 king blocks (the same rows for the squares
    of a bucket, mirrored a<->h for a king on files e-h), the engine finds
    one block per bucket and board half, and its integer evaluation follows
    the float model as for any other net."""
    from nnue.format import read_net
    from training.buckets import layout
    buckets = layout(name)
    out = tmp_path / f"{name}.nnue"
    t = Trainer(config(data_dir, out, king_buckets=name, lr=1e-2, epochs=1))
    assert t.model.A.shape[0] == buckets.count * 640
    first = t.validation_loss()
    t.train_epoch()
    assert t.validation_loss() < first
    report = t.export(str(out))
    assert report["eval_difference"]["mean_cp"] < 6 and report["eval_difference"]["max_cp"] < 25
    w = read_net(out).ft_weights.reshape(64, 10, 64, -1)
    for k in range(64):
        j = k ^ 7 if k % 8 >= 4 else k          # the left-half square of k's bucket and mirror
        rep = next(s for s in range(64) if buckets.bucket[s] == buckets.bucket[j] and s % 8 < 4)
        assert (w[k] == (w[rep][:, [sq ^ 7 for sq in range(64)]] if k % 8 >= 4 else w[rep])).all()
    net = Network(str(out))
    assert net.king_blocks == 2 * buckets.count


def test_king_bucket_checkpoint_must_match_the_layout(data_dir, tmp_path):
    out = tmp_path / "b.nnue"
    t = Trainer(config(data_dir, out, king_buckets="mirror4", epochs=1))
    t.train_epoch()
    t.save_checkpoint()
    with pytest.raises(ValueError, match="king_buckets"):
        Trainer(config(data_dir, out, king_buckets="mirror8", epochs=2)).load_checkpoint()
    with pytest.raises(ValueError, match="unknown king-bucket layout"):
        Trainer(config(data_dir, out, king_buckets="mirror5"))


def test_lambda_moves_linearly_from_start_to_end(data_dir, tmp_path, monkeypatch):
    """--lambda-end: each training batch's WDL target uses the weight at its
    point of the run, from --lambda at the first batch towards --lambda-end;
    validation uses --lambda-end throughout."""
    seen = []
    encode = Trainer._encode

    def spy(self, recs, mirror=None, lam=None, reuse=False):
        seen.append(lam)
        return encode(self, recs, mirror, lam, reuse)
    monkeypatch.setattr(Trainer, "_encode", spy)
    cfg = config(data_dir, tmp_path / "net.nnue", epochs=2, batch_size=500, lam=0.9, lam_end=0.3)
    t = Trainer(cfg)
    assert seen == [None]                       # the validation batch: the end weight
    _, _, score, result = encode_records(t.val, None, t._remap)
    np.testing.assert_array_equal(t.val_batch[3], wdl_target(score, result, 0.3, cfg.K))
    seen.clear()
    t.train_epoch()
    t.train_epoch()
    n = len(seen)
    assert n >= 8
    assert seen[0] == pytest.approx(0.9)
    assert all(a > b for a, b in zip(seen, seen[1:]))     # strictly towards the end
    expected = [0.9 + (0.3 - 0.9) * k / n for k in range(n)]   # equal batches: progress k / n
    assert seen == pytest.approx(expected, abs=1e-3)
    assert [h["lambda"] for h in t.history] == pytest.approx([0.9, 0.6])


def test_a_constant_lambda_end_is_no_schedule(data_dir, tmp_path):
    """lambda-end equal to lambda trains the same net as no schedule at all,
    bit for bit; a checkpoint of another schedule is refused on resume."""
    a, b = tmp_path / "a" / "net.nnue", tmp_path / "b" / "net.nnue"
    a.parent.mkdir()
    b.parent.mkdir()
    kw = dict(epochs=2, lr=1e-2, batch_size=512, lam=0.6)
    train(config(data_dir, a, **kw), log=lambda s: None)
    train(config(data_dir, b, lam_end=0.6, **kw), log=lambda s: None)
    assert a.read_bytes() == b.read_bytes()
    with pytest.raises(ValueError, match="lam_end"):
        train(config(data_dir, b, resume=True, **dict(kw, lam_end=0.2)), log=lambda s: None)
    with pytest.raises(ValueError, match="lambda-end"):
        Trainer(config(data_dir, b, lam_end=1.5))
