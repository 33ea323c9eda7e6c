"""`ladya loop` end to end on a tiny configuration: self-play, training, a
gating match in real UCI games, the log, and resuming a finished run; and
the gate (an SPRT on game pairs) on simulated matches."""
import json
import os
import subprocess
import sys
from pathlib import Path

import chess.pgn
import pytest

import training

ARGS = ["--generations", "1", "--positions", "300", "--nodes", "200", "--workers", "1",
        "--epochs", "1", "--batch-size", "256", "--hidden", "32", "--games", "2",
        "--tc", "3+0.05", "--threads", "1", "--no-progress"]
# The packages under test, for the processes started from elsewhere (an
# installed copy of the same code, where the tests run against a wheel).
CODE = str(Path(training.__file__).resolve().parents[1])


def _loop(workdir, *extra, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [CODE, os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "engine.cli", "loop", "--workdir", str(workdir),
                           *ARGS, *extra], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


@pytest.mark.slow
def test_one_generation_and_resume_from_any_directory(tmp_path):
    """Run from a directory outside the source tree, without --openings: the
    gating match plays the book shipped in the package (found through
    importlib.resources) with the engine started as `python -m engine`."""
    from training.books import default_book
    from training.epd import read_fens
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = _loop(tmp_path / "run", cwd=elsewhere)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "gen 0: self-play" in run.stdout and "Game   2" in run.stdout
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    gen = state["generations"][0]
    assert gen["stage"] == "done" and gen["positions"] >= 300
    # made by the bootstrap, so trained from scratch, king-independent
    assert gen["data_net"] == "bootstrap" and gen["init"] is None and gen["king_buckets"] == "none"
    assert gen["data_generations"] == [0] and gen["epochs"] == 1
    assert Path(gen["net"]).is_file()
    m = gen["match"]
    assert m["wins"] + m["draws"] + m["losses"] == 2 and m["opponent"] == "bootstrap"
    # one opening with both colours: one pair; the SPRT cannot decide on it
    assert sum(m["pentanomial"]) == 1
    assert m["sprt"] == {"elo0": 0.0, "elo1": 10.0, "alpha": 0.05, "beta": 0.05, "model": "normalized"}
    assert m["llr_bounds"] == pytest.approx([-2.944, 2.944], abs=1e-3)
    assert m["decision"] is None and not gen["promoted"]
    assert state["best"] == (gen["net"] if gen["promoted"] else "bootstrap")
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["gen"] for r in log] == [0]
    book = read_fens(default_book())
    with open(tmp_path / "run" / "gen-000" / "match.pgn") as f:
        games = [chess.pgn.read_game(f) for _ in range(2)]
    # written in the order the games finish (as cutechess-cli does): with
    # concurrency 2 game 2 may come first, so order them by round
    games.sort(key=lambda game: int(game.headers["Round"]))
    assert [game.headers["Round"] for game in games] == ["1", "2"]
    for game in games:
        assert game.headers["FEN"] in book
        assert game.headers["Opening"].startswith("openings.epd #")
    assert games[0].headers["FEN"] == games[1].headers["FEN"]
    assert games[0].headers["White"] == games[1].headers["Black"] == "gen-000"
    assert games[0].headers["Black"] == games[1].headers["White"] == "bootstrap"
    # running the same command again finds the work done and adds nothing
    again = _loop(tmp_path / "run", cwd=elsewhere)
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "state.json").read_text())["generations"] == state["generations"]
    assert list(elsewhere.iterdir()) == []


def test_the_shipped_book():
    """500 balanced positions (training/books/README.md), none repeated, in
    the package data."""
    from training.books import default_book
    from training.epd import read_fens
    fens = read_fens(default_book())
    assert len(fens) == len(set(fens)) == 500
    assert all(chess.Board(fen).is_valid() for fen in fens)


def test_missing_openings_is_a_clear_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "engine.cli", "loop", "--workdir", str(tmp_path / "r"),
                          "--openings", str(tmp_path / "nope.epd")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "error: openings file not found" in run.stderr and "nope.epd" in run.stderr
    bad = tmp_path / "bad.epd"
    bad.write_text(chess.STARTING_FEN + "\nrnbqkbnr/pppppppp/8/8 w KQkq -\n")
    run = subprocess.run([sys.executable, "-m", "engine.cli", "loop", "--workdir", str(tmp_path / "r"),
                          "--openings", str(bad)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and f"error: {bad}:2: " in run.stderr


def _fake_match(monkeypatch, pair_points):
    """Make the gating match a MatchResult of pairs in which the new net
    scored `pair_points` (0..2 each), stopped where the SPRT decides as in
    training/match, without playing."""
    from training import match
    calls = {}

    def play_match(config):
        calls["config"] = config
        t = match.MatchResult(sprt=config.sprt)
        for i, pts in enumerate(pair_points):
            if t.decision is not None or 2 * i >= config.games:
                break
            first = min(pts, 1.0)
            for number, p in ((2 * i + 1, first), (2 * i + 2, pts - first)):
                white = (number - 1) % 2
                wp = p if white == 0 else 1 - p
                t.add(match.GameResult(number=number, opening=i, white=white, reason="test",
                                       kind="normal", result={1: "1-0", 0.5: "1/2-1/2", 0: "0-1"}[wp]))
        return t

    monkeypatch.setattr(match, "play_match", play_match)
    return calls


# All draws: in nElo equal nets take thousands of pairs to reject H1 (their
# score barely varies), in logistic Elo about a hundred.
@pytest.mark.parametrize("pair_points, games, model, decision",
                         [([2.0] * 500, 1000, "normalized", "H1"),
                          ([1.0, 0.5] * 500, 1000, "normalized", "H0"),
                          ([1.0] * 500, 1000, "logistic", "H0"),
                          ([1.5, 0.5] * 500, 40, "normalized", None)])
def test_gate_promotes_only_when_the_sprt_accepts_h1(tmp_path, monkeypatch, pair_points, games,
                                                      model, decision):
    from training.loop import BOOTSTRAP, Loop, LoopConfig
    book = tmp_path / "book.epd"
    book.write_text("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -\n")
    calls = _fake_match(monkeypatch, pair_points)
    loop = Loop(LoopConfig(workdir=str(tmp_path / "run"), openings=str(book), games=games,
                           sprt_model=model),
                log=lambda m: None)
    rec = {"gen": 0, "net": str(tmp_path / "gen-000" / "net.nnue")}
    loop.match(0, rec)
    config = calls["config"]
    assert config.sprt == (0.0, 10.0, 0.05, 0.05, model) and config.games == games
    assert config.engine1.options == {"EvalFile": rec["net"]}
    assert config.engine2.options == {"EvalFile": BOOTSTRAP}
    m = rec["match"]
    assert m["decision"] == decision and m["sprt"]["model"] == model
    assert rec["promoted"] == (decision == "H1")
    assert loop.state["best"] == (rec["net"] if decision == "H1" else BOOTSTRAP)
    assert sum(m["pentanomial"]) == (m["wins"] + m["draws"] + m["losses"]) // 2
    lower, upper = m["llr_bounds"]
    if decision == "H1":
        assert m["llr"] >= upper and m["elo"] > 0 and sum(m["pentanomial"]) < 500
    elif decision == "H0":
        assert m["llr"] <= lower and sum(m["pentanomial"]) < 500
    else:   # the cap: 20 pairs, no decision, no promotion
        assert sum(m["pentanomial"]) == 20 and lower < m["llr"] < upper
    json.dumps(rec)    # the record goes into state.json


def test_gate_at_a_node_limit(tmp_path, monkeypatch):
    """`--gate-nodes N`: the gating match's moves are `go nodes N` (no
    clock), and the record says so."""
    from training.loop import Loop, LoopConfig
    book = tmp_path / "book.epd"
    book.write_text("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -\n")
    calls = _fake_match(monkeypatch, [2.0] * 500)
    loop = Loop(LoopConfig(workdir=str(tmp_path / "run"), openings=str(book), gate_nodes=25000),
                log=lambda m: None)
    rec = {"gen": 0, "net": str(tmp_path / "gen-000" / "net.nnue")}
    loop.match(0, rec)
    assert calls["config"].nodes == 25000 and rec["match"]["nodes"] == 25000
    assert rec["match"]["tc"] == "-"
    loop.cfg.gate_nodes = None
    loop.match(0, rec)
    assert calls["config"].nodes is None and "nodes" not in rec["match"]
    assert rec["match"]["tc"] == "5+0.05"


def test_state_from_before_the_sprt_gate_still_loads(tmp_path):
    """A state.json written with the LOS gate (no pair or SPRT fields), or
    by the SPRT gate before its model was recorded, is resumed: finished
    generations are kept and plotted as before."""
    from training.loop import Loop, LoopConfig
    book = tmp_path / "book.epd"
    book.write_text("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -\n")
    run = tmp_path / "run"
    run.mkdir()
    old = {"gen": 0, "stage": "done", "positions": 300, "net": str(run / "gen-000" / "net.nnue"),
           "promoted": False, "best_elo_after": 0.0,
           "match": {"opponent": "bootstrap", "wins": 1, "draws": 0, "losses": 1, "elo": 0.0,
                     "elo_low": -500.0, "elo_high": 500.0, "los": 0.5, "tc": "3+0.05"}}
    # and one gated by the SPRT before its model was recorded (logistic)
    gated = {**old, "gen": 1, "match": {**old["match"], "pentanomial": [0, 0, 1, 0, 0],
                                        "sprt": {"elo0": 0.0, "elo1": 10.0, "alpha": 0.05, "beta": 0.05},
                                        "llr": -0.05, "llr_bounds": [-2.94, 2.94], "decision": None}}
    state = {"best": "bootstrap", "best_elo": 0.0, "generations": [old, gated]}
    (run / "state.json").write_text(json.dumps(state))
    loop = Loop(LoopConfig(workdir=str(run), openings=str(book), generations=2), log=lambda m: None)
    assert loop.run() == state
    loop.plot()


def test_gate_options_on_the_command_line(tmp_path):
    import argparse
    from training.cli import add_parsers
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["loop", "--elo0", "-1", "--elo1", "4", "--alpha", "0.1",
                              "--beta", "0.2", "--games", "400"])
    assert (args.elo0, args.elo1, args.alpha, args.beta, args.games) == (-1.0, 4.0, 0.1, 0.2, 400)
    assert parser.parse_args(["loop"]).games == 1000
    assert parser.parse_args(["loop"]).sprt_model == "normalized"
    assert parser.parse_args(["loop", "--sprt-model", "logistic"]).sprt_model == "logistic"
    for bad in (["--games", "7"], ["--elo0", "5", "--elo1", "0"], ["--sprt-model", "bayesian"]):
        run = _loop(tmp_path / "bad", *bad)
        assert run.returncode == 2 and "error" in run.stderr


def test_options_take_their_help_from_the_field_metadata():
    """`ladya train` and `ladya loop` have one option per config field, its
    help the field's metadata["help"]."""
    import argparse
    import dataclasses
    from training.cli import add_parsers
    from training.loop import LoopConfig
    from training.train import TrainConfig
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_parsers(sub)
    for name, cls in (("train", TrainConfig), ("loop", LoopConfig)):
        helps = {a.dest: a.help for a in sub.choices[name]._actions}
        for f in dataclasses.fields(cls):
            assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no help"
            if f.name != "progress":
                assert f.metadata["help"] in helps[f.name]
    assert "the one shipped, training/books" in helps["openings"]


def test_the_trainer_backend_and_loss_reach_every_generation(tmp_path, monkeypatch):
    """`ladya loop --device cuda --loss huber`: each generation's training
    runs with that backend and loss (the trainer itself is stubbed here; the
    backends are tested in test_torch_backend.py)."""
    import argparse
    from training import train as train_mod
    from training.cli import add_parsers
    from training.loop import Loop, LoopConfig
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["loop", "--device", "cuda", "--loss", "huber"])
    assert (args.device, args.loss) == ("cuda", "huber")
    assert parser.parse_args(["loop"]).device == "native"
    seen = []

    def fake_train(cfg, log=None):
        seen.append(cfg)
        return {"history": [], "eval_difference": None}

    monkeypatch.setattr(train_mod, "train", fake_train)
    loop = Loop(LoopConfig(workdir=str(tmp_path / "run"), device="cuda", loss="huber", progress=False))
    for g in (0, 1):
        (loop.gen_dir(g) / "data").mkdir(parents=True)
        loop.train(g, {})
    assert [(c.device, c.loss) for c in seen] == [("cuda", "huber")] * 2


def test_each_generation_trains_on_its_nets_data_with_the_recipe(tmp_path, monkeypatch):
    """Without a net: from scratch, king-independent, 12 epochs at 4e-3, on
    every generation the bootstrap played (a failed gate hands its data on);
    with one: a fine-tune (mirror16, king-lr 0.2, 2 epochs at 5e-4) on the
    data of the best net only; `--window N` takes the last N generations."""
    from training import train as train_mod
    from training.loop import BOOTSTRAP, Loop, LoopConfig
    seen = []

    def fake_train(cfg, log=None):
        seen.append(cfg)
        return {"history": [], "eval_difference": None}

    monkeypatch.setattr(train_mod, "train", fake_train)
    loop = Loop(LoopConfig(workdir=str(tmp_path / "run"), progress=False), log=lambda m: None)
    net1 = str(loop.gen_dir(1) / "net.nnue")
    loop.state["generations"] = [{"gen": 0, "stage": "done", "data_net": BOOTSTRAP, "promoted": False},
                                 {"gen": 1, "stage": "train", "data_net": BOOTSTRAP},
                                 {"gen": 2, "stage": "train", "data_net": net1}]
    for g in (0, 1, 2):
        (loop.gen_dir(g) / "data").mkdir(parents=True)
    data = [str(loop.gen_dir(g) / "data") for g in (0, 1, 2)]
    rec = {}
    loop.train(1, rec)
    cfg = seen[-1]
    assert cfg.data == data[:2] and cfg.init is None and not cfg.keep_eval_size
    assert (cfg.epochs, cfg.lr, cfg.king_buckets, cfg.lam) == (12, 4e-3, "none", 1.0)
    assert rec["data_generations"] == [0, 1] and rec["init"] is None
    loop.state["best"] = net1
    loop.train(2, rec)
    cfg = seen[-1]
    assert cfg.data == data[2:] and cfg.init == net1
    assert (cfg.epochs, cfg.lr, cfg.king_buckets, cfg.king_lr) == (2, 5e-4, "mirror16", 0.2)
    assert cfg.keep_eval_size             # a fine-tune keeps the best net's evaluation size
    assert rec["data_generations"] == [2] and rec["king_buckets"] == "mirror16"
    loop.cfg.window = 2
    loop.train(2, rec)
    assert seen[-1].data == data[1:]
    loop.cfg.keep_eval_size = False
    loop.train(2, rec)
    assert seen[-1].init == net1 and not seen[-1].keep_eval_size
    loop.cfg.fine_tune = False
    loop.train(2, rec)
    assert seen[-1].init is None and seen[-1].king_buckets == "none"
