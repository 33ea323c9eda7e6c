"""The trainer's newer options end to end: --loss huber|ce, --separate-transformers
and --data with several weighted sources (training/sources.py).  The gradients
of each loss and of the separate transformers are checked against finite
differences in test_trainer_gradients.py."""
import json
from pathlib import Path

import numpy as np
import pytest

from nnue.network import Network
from training import data as D
from training.sources import Source, epoch_order, parse_source
from training.train import Trainer, train
from test_trainer import HIDDEN, _ladya, config, random_positions, records


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Three sources: two directories and a text file (different games)."""
    root = tmp_path_factory.mktemp("sources")
    out = {}
    for name, n, seed in (("a", 2000, 11), ("b", 1000, 12)):
        (root / name).mkdir()
        D.write_records(root / name / "x.ldat", records(random_positions(n, seed=seed)))
        out[name] = root / name
    text = root / "c.txt"
    text.write_text("".join(D.to_text_line(r) + "\n" for r in records(random_positions(600, seed=13))))
    out["c"] = text
    return out


def _usable(path) -> int:
    if str(path).endswith(".txt"):
        with open(path) as f:
            recs = D.from_text(f)
        return int(D.default_filter(recs, 0).sum())
    return int(D.default_filter(D.load([path])).sum())


# ---------------------------------------------------------------------------
# --data: several sources, weighted


@pytest.mark.parametrize("spec,path,weight", [
    ("data/gen1", "data/gen1", 1.0),
    ("data/gen1:2.0", "data/gen1", 2.0),
    ("more.txt:0.5", "more.txt", 0.5),
    ("C:\\data\\gen1", "C:\\data\\gen1", 1.0),      # a drive letter is not a weight
    ("a:b:3", "a:b", 3.0),
])
def test_a_source_is_a_path_with_an_optional_weight(spec, path, weight):
    assert parse_source(spec) == Source(Path(path), weight)


@pytest.mark.parametrize("spec", ["data:0", "data:-1", "data:nan", "data:inf"])
def test_weights_must_be_positive_numbers(spec):
    with pytest.raises(ValueError, match="positive number"):
        parse_source(spec)


def test_an_epoch_draws_each_position_its_weight_times():
    """Unweighted: the same permutation as before weights existed.  Weight
    2: every position twice; 0.5: a random half, another one each epoch."""
    n = 4000
    assert np.array_equal(epoch_order(n, None, np.random.default_rng(5)),
                          np.random.default_rng(5).permutation(n))
    w = np.where(np.arange(n) < 1000, 2.0, np.where(np.arange(n) < 2000, 0.5, 1.0))
    halves = []
    for epoch in range(2):
        order = epoch_order(n, w, np.random.default_rng([1, epoch]))
        counts = np.bincount(order, minlength=n)
        assert (counts[:1000] == 2).all() and (counts[2000:] == 1).all()
        assert set(counts[1000:2000]) == {0, 1} and 400 < counts[1000:2000].sum() < 600
        halves.append(counts[1000:2000])
        assert not np.array_equal(order[:1000], np.sort(order[:1000]))      # shuffled
    assert not np.array_equal(*halves)
    assert np.array_equal(epoch_order(n, w, np.random.default_rng([1, 0])),
                          epoch_order(n, w, np.random.default_rng([1, 0])))


def test_the_trainer_reads_the_union_of_its_sources_with_their_weights(sets, tmp_path):
    t = Trainer(config(sets["a"], tmp_path / "u.nnue", data=[str(sets["a"]), f"{sets['b']}:2",
                                                                f"{sets['c']}:0.5"]))
    sizes = {k: _usable(p) for k, p in sets.items()}
    assert len(t.train) + len(t.val) == sum(sizes.values())
    w = t.train_weights
    assert set(np.unique(w)) == {0.5, 1.0, 2.0}
    # each source's training positions carry its weight (the validation games are held out whole)
    assert 0.8 * sizes["b"] < (w == 2.0).sum() <= sizes["b"]
    assert 0.8 * sizes["c"] < (w == 0.5).sum() <= sizes["c"]
    order = epoch_order(len(t.train), w, np.random.default_rng(1))
    assert len(order) == pytest.approx((w == 1).sum() + 2 * (w == 2).sum() + 0.5 * (w == 0.5).sum(),
                                       rel=0.05)
    rec = t.train_epoch()
    assert np.isfinite(rec["train_loss"])

    # one source: no weights at all, as before
    assert Trainer(config(sets["a"], tmp_path / "one.nnue")).train_weights is None


def test_a_file_named_twice_is_read_once_and_conflicting_weights_are_refused(sets, tmp_path):
    file = sets["a"] / "x.ldat"
    once = Trainer(config(sets["a"], tmp_path / "o.nnue"))
    twice = Trainer(config(sets["a"], tmp_path / "t.nnue", data=[str(sets["a"]), str(file)]))
    assert len(twice.train) + len(twice.val) == len(once.train) + len(once.val)
    with pytest.raises(ValueError, match="two sources weighted 1 and 3"):
        Trainer(config(sets["a"], tmp_path / "c.nnue", data=[str(sets["a"]), f"{file}:3"]))


def test_cli_trains_on_weighted_sources(sets, tmp_path):
    out = tmp_path / "cli.nnue"
    r = _ladya("train", "--data", sets["a"], f"{sets['b']}:2.0", f"{sets['c']}:0.5", "--out", out,
               "--epochs", 1, "--hidden", HIDDEN, "--threads", 1, "--no-progress")
    assert r.returncode == 0, r.stderr
    words = r.stdout.split("data: ")[1].split()
    assert int(words[0]) + int(words[3]) == sum(_usable(p) for p in sets.values())
    assert Network(str(out)).hidden == HIDDEN


# ---------------------------------------------------------------------------
# --loss


@pytest.mark.parametrize("loss", ["mse", "huber", "ce"])
def test_each_loss_trains_a_net_the_engine_loads(loss, sets, tmp_path):
    out = tmp_path / f"{loss}.nnue"
    lines = []
    report = train(config(sets["a"], out, epochs=2, lr=1e-2, loss=loss), log=lines.append)
    initial = float(next(x for x in lines if x.startswith("initial validation loss")).split()[-1])
    last = report["history"][-1]
    assert last["val_loss"] < 0.8 * initial
    # every run also reports the MSE, which compares runs of different losses
    assert last["val_mse"] == last["val_loss"] if loss == "mse" else 0 < last["val_mse"] != last["val_loss"]
    assert report["exported"] and Network(str(out)).hidden == HIDDEN


def test_the_old_loss_name_still_resumes(sets, tmp_path):
    """`--loss wdl` (the MSE's name before the other losses existed) trains
    the MSE, and a checkpoint that says wdl resumes as mse."""
    out = tmp_path / "old.nnue"
    train(config(sets["a"], out, epochs=1, loss="wdl"), log=lambda s: None)
    path = tmp_path / "old.nnue.run" / "checkpoint.npz"
    with np.load(path) as st:
        arrays = dict(st)
    meta = json.loads(str(arrays.pop("meta")))
    assert meta["config"]["loss"] == "mse"
    meta["config"]["loss"] = "wdl"
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    t = Trainer(config(sets["a"], out, epochs=2, loss="mse"))
    assert t.load_checkpoint() and t.epoch == 1
    with pytest.raises(ValueError, match="loss='mse', this run 'huber'"):
        Trainer(config(sets["a"], out, epochs=2, loss="huber")).load_checkpoint()


def test_cli_rejects_an_unknown_loss(sets, tmp_path):
    r = _ladya("train", "--data", sets["a"], "--out", tmp_path / "x.nnue", "--loss", "l1", "--no-progress")
    assert r.returncode == 2 and "unknown loss 'l1'" in r.stderr


# ---------------------------------------------------------------------------
# --separate-transformers


def test_separate_transformers_with_equal_halves_are_the_shared_model(sets, tmp_path):
    """With A2 = A1, P2 = P1 and B2 = B1 the variant computes the shared
    model's loss bit for bit, and its two transformers' gradients add up to
    the shared one's."""
    kw = dict(king_buckets="mirror16")
    shared = Trainer(config(sets["a"], tmp_path / "s.nnue", **kw))
    sep = Trainer(config(sets["a"], tmp_path / "p.nnue", separate_transformers=True, **kw))
    a, b = shared.model, sep.model
    rows = len(a.A)
    assert b.A.shape == (2 * rows, HIDDEN) and b.P.shape == (2 * 640, HIDDEN) and b.B.shape == (2 * HIDDEN,)
    rng = np.random.default_rng(2)
    a.A[...] = rng.normal(0, 0.05, a.A.shape)
    a.P[...] = rng.normal(0, 0.05, a.P.shape)
    b.A[...] = np.tile(a.A, (2, 1))
    b.P[...] = np.tile(a.P, (2, 1))
    b.B[...] = np.tile(a.B, 2)
    b.C[...] = a.C
    batch = shared._encode(shared.train[:512])
    assert sep._run(batch, backward=True) == shared._run(batch, backward=True)
    np.testing.assert_allclose(b.gA[:rows] + b.gA[rows:], a.gA, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(b.gP[:640] + b.gP[640:], a.gP, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(b.gB[:HIDDEN] + b.gB[HIDDEN:], a.gB, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(b.gC, a.gC, rtol=1e-5, atol=1e-8)


def test_separate_transformers_train_and_refuse_the_export(sets, tmp_path):
    out = tmp_path / "sep.nnue"
    lines = []
    report = train(config(sets["a"], out, epochs=2, lr=1e-2, separate_transformers=True), log=lines.append)
    initial = float(next(x for x in lines if x.startswith("initial validation loss")).split()[-1])
    assert report["history"][-1]["val_loss"] < 0.8 * initial
    assert not report["exported"] and not out.exists()
    assert any(x.startswith("not exported: a net with separate transformers") for x in lines)
    t = Trainer(config(sets["a"], out, epochs=2, separate_transformers=True))
    assert t.load_checkpoint()
    with pytest.raises(ValueError, match="two accumulators per perspective"):
        t.export()
    with pytest.raises(ValueError, match="separate_transformers=True, this run False"):
        Trainer(config(sets["a"], out, epochs=3)).load_checkpoint()


def test_cli_separate_transformers(sets, tmp_path):
    out = tmp_path / "cli-sep.nnue"
    r = _ladya("train", "--data", sets["a"], "--out", out, "--epochs", 1, "--hidden", HIDDEN,
               "--threads", 1, "--no-progress", "--separate-transformers")
    assert r.returncode == 0, r.stderr
    assert "not exported:" in r.stdout and not out.exists()
