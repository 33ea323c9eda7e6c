"""`ladya loop` end to end on a tiny configuration: self-play, training, a
gating match in real UCI games, the log, and resuming a finished run."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

OPENINGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "openings.epd"
ARGS = ["--generations", "1", "--positions", "300", "--nodes", "200", "--workers", "1",
        "--epochs", "1", "--batch-size", "256", "--hidden", "32", "--games", "2",
        "--tc", "3+0.05", "--threads", "1", "--openings", str(OPENINGS), "--no-progress"]


def _loop(workdir, *extra):
    return subprocess.run([sys.executable, "-m", "engine.cli", "loop", "--workdir", str(workdir),
                           *ARGS, *extra], capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not OPENINGS.exists(), reason="needs ../shared/data/openings.epd")
def test_one_generation_and_resume(tmp_path):
    run = _loop(tmp_path / "run")
    assert run.returncode == 0, run.stderr[-2000:]
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    gen = state["generations"][0]
    assert gen["stage"] == "done" and gen["positions"] >= 300
    assert Path(gen["net"]).is_file()
    m = gen["match"]
    assert m["wins"] + m["draws"] + m["losses"] == 2 and m["opponent"] == "bootstrap"
    # promotion follows the documented rule
    assert gen["promoted"] == (m["elo"] > 0 and m["los"] >= 0.9)
    assert state["best"] == (gen["net"] if gen["promoted"] else "bootstrap")
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["gen"] for r in log] == [0]
    assert (tmp_path / "run" / "gen-000" / "match.pgn").stat().st_size > 0
    # running the same command again finds the work done and adds nothing
    again = _loop(tmp_path / "run")
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "state.json").read_text())["generations"] == state["generations"]


def test_missing_openings_is_a_clear_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "engine.cli", "loop", "--workdir", str(tmp_path / "r"),
                          "--openings", str(tmp_path / "nope.epd")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "openings" in run.stderr
