"""Self-play on a Ray cluster (`ladya datagen --ray`, training/ray_datagen.py).

The cluster is Ray's local test cluster (ray.cluster_utils.Cluster): two
nodes on this machine with one CPU each, a third added and removed in the
middle of a run.  Runs are tiny (games at 300 nodes per move).  Without Ray
only the first tests run: the flag is then one clear error, and nothing
else imports Ray.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from training import data as D
from training import datagen as G

from selfplay_checks import check_moves, check_result, game_fens

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--nodes", "300", "--no-progress"]
NO_RAY = "import sys; sys.modules['ray'] = None; "   # `import ray` then fails as if not installed


def ladya(*args, prelude="", timeout=120):
    code = prelude + "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_without_ray_the_flag_is_one_clear_error(tmp_path):
    for command in (["datagen", "--out", tmp_path / "out", "--games", 1, *TINY],
                    ["loop", "--workdir", tmp_path / "loop", "--generations", 1, "--positions", 10,
                     "--no-progress"]):
        r = ladya(*command, "--ray", "auto", prelude=NO_RAY)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
        assert "pip install ladya[ray]" in lines[0]
    assert not (tmp_path / "out").exists()


def test_the_engine_and_a_local_run_never_import_ray(tmp_path):
    code = ("import sys, engine.cli, engine.uci, training.cli, training.loop, training.ray_datagen\n"
            "from training import datagen as G\n"
            f"G.run(G.DatagenConfig(out={str(tmp_path / 'out')!r}, positions=None, games=1, nodes=300,"
            " workers=1, progress=False))\n"
            "assert 'ray' not in sys.modules, 'ray imported'\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(D.load([tmp_path / "out"])) > 0


def test_loop_takes_the_flag():
    import argparse
    from training import cli
    parser = argparse.ArgumentParser()
    cli.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["loop", "--ray", "10.0.0.1:6379", "--workers", "8"])
    assert (args.ray, args.workers) == ("10.0.0.1:6379", 8)
    assert parser.parse_args(["loop"]).workers is None       # every CPU there is


# ---------------------------------------------------------------------------
# On a cluster


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray", reason="Ray is an optional extra (pip install ladya[ray])")
    from ray.cluster_utils import Cluster
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        c.add_node(num_cpus=1)
        ray.init(address=c.address, logging_level="WARNING")
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def config(out, **kw):
    kw = {"positions": None, "nodes": 300, "progress": False, **kw}
    return G.DatagenConfig(out=str(out), **kw)


def wids(out):
    """The worker (actor) numbers in the chunk names."""
    return {p.name.split("-w")[1].split("-")[0] for p in D.data_files([out])}


def all_valid(out):
    """Every data file reads and passes every check; no temporary file is left."""
    files = D.data_files([out])
    for f in files:
        assert D.check_file(f).ok, D.check_file(f).problem()
    assert not any(p.name.startswith(".") for p in Path(out).iterdir())
    return files


@pytest.mark.slow
def test_a_cluster_run_writes_the_local_files(cluster, tmp_path, monkeypatch):
    """Exactly the games asked for, each whole, legal move by move and
    correctly labelled, in chunk files that read as a local run's; the net
    goes to the actors as bytes: its file is gone before any actor starts."""
    net = tmp_path / "net.nnue"
    shutil.copy(ROOT / "nets" / "default.nnue", net)
    prepare_out = G.prepare_out

    def prepare_out_then_delete_the_net(cfg):
        net.unlink()
        return prepare_out(cfg)

    monkeypatch.setattr(G, "prepare_out", prepare_out_then_delete_the_net)
    out = tmp_path / "out"
    summary = G.run(config(out, games=6, chunk_games=2, eval=str(net), ray=cluster.address))
    assert not net.exists()
    assert summary["games"] == 6 and summary["workers"] == 2 and summary["actors_lost"] == 0
    assert all(f.name.startswith("chunk-s1-r0000-w") for f in all_valid(out))
    recs = D.load([out])
    assert len(recs) == summary["positions"]
    games = list(D.games(recs))
    assert len(games) == 6 and len(game_fens(recs)) == 6     # no game twice
    for game in games:
        check_moves(game)
        check_result(game)


@pytest.mark.slow
def test_a_lost_node_loses_only_its_game_in_flight(cluster, tmp_path):
    import ray    # the cluster fixture has skipped the test if it is missing
    node = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    deadline = time.monotonic() + 30
    while ray.cluster_resources().get("CPU", 0) < 3:
        assert time.monotonic() < deadline, "the third node never joined"
        time.sleep(0.1)
    out = tmp_path / "out"
    result = {}
    run = threading.Thread(target=lambda: result.update(
        G.run(config(out, games=60, chunk_games=1, ray=cluster.address))))
    run.start()
    try:
        deadline = time.monotonic() + 90
        while not (out.is_dir() and len(wids(out)) == 3):   # all three actors are playing
            assert run.is_alive(), "the run ended before all three actors played"
            assert time.monotonic() < deadline, "not all three actors played within 90 s"
            time.sleep(0.05)
    finally:
        cluster.remove_node(node)
    run.join(timeout=120)
    assert not run.is_alive()
    assert result["games"] == 60 and result["actors_lost"] >= 1
    all_valid(out)
    recs = D.load([out])
    assert len(recs) == result["positions"]
    assert len(list(D.games(recs))) == 60 and len(game_fens(recs)) == 60   # none twice, across actors


def _start_driver(out, address, *args):
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "datagen", "--out", str(out),
                             "--ray", address, *args, *TINY], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_killed_driver_leaves_readable_files_and_a_rerun_appends(cluster, tmp_path, how):
    """SIGKILL: only complete files are left; SIGTERM: the driver writes its
    finished games and exits 130.  Either way the same command appends
    games of a new run number, none of them an earlier game."""
    out = tmp_path / "out"
    proc = _start_driver(out, cluster.address, "--games", "1000", "--chunk-games", "1")
    try:
        deadline = time.monotonic() + 90
        while not (out.is_dir() and len(D.data_files([out])) >= 3):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no chunk within 90 s"
            time.sleep(0.05)
        os.killpg(proc.pid, how)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == (-signal.SIGKILL if how == signal.SIGKILL else 130), err
    before = {f.name: f.read_bytes() for f in D.data_files([out])}
    for f in D.data_files([out]):
        assert D.check_file(f).ok, D.check_file(f).problem()
    old = D.load([out])
    # the same command again, smaller: the killed driver's actors are gone, so it gets the CPUs
    rerun = _start_driver(out, cluster.address, "--games", "3", "--chunk-games", "1")
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    files = all_valid(out)
    for name, data in before.items():          # old files untouched
        assert (out / name).read_bytes() == data
    new = [f for f in files if f.name not in before]
    assert new and all("-r0001-" in f.name for f in new) and all("-r0000-" in n for n in before)
    added = D.load(new)
    assert len(list(D.games(added))) == 3
    assert not game_fens(added) & game_fens(old)   # a new random stream


@pytest.mark.slow
def test_the_loop_plays_its_self_play_on_the_cluster(cluster, tmp_path, monkeypatch):
    from training import ray_datagen
    from training.loop import Loop, LoopConfig
    calls = []
    real = ray_datagen.run_on_cluster
    monkeypatch.setattr(ray_datagen, "run_on_cluster", lambda cfg: calls.append(cfg) or real(cfg))
    openings = tmp_path / "openings.epd"
    openings.write_text("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq -\n")
    loop = Loop(LoopConfig(workdir=str(tmp_path / "run"), positions=150, nodes=300, ray=cluster.address,
                           openings=str(openings), progress=False), log=lambda message: None)
    rec = {}
    loop.datagen(0, rec)
    assert [c.ray for c in calls] == [cluster.address] and calls[0].workers is None
    assert rec["positions"] >= 150
    all_valid(tmp_path / "run" / "gen-000" / "data")
