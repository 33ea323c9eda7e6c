"""`ladya data loss` (training/heldout.py): a net's loss on labelled positions
against the search score and the game result, checked against the float64
reference evaluation of each position (nnue/reference.py, which reads the
position through the engine's own features, not the trainer's record
decoder)."""
import random
import subprocess
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

from engine.position import Position
from nnue import default_net_path
from nnue.format import read_net, write_net
from nnue.reference import dequantize, float_eval
from training import data as D
from training.heldout import heldout_loss

ROOT = Path(__file__).resolve().parents[1]
K = 400.0


def _net():
    path = default_net_path()
    if path is None:
        pytest.skip("no shipped net (nets/default.nnue) in this build")
    return path


def _lines(n, seed):
    """Text lines of quiet positions along random games, with made-up labels
    (White's score, White's result)."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        board = chess.Board()
        for _ in range(rng.randrange(6, 60)):
            moves = list(board.legal_moves)
            if not moves:
                break
            board.push(rng.choice(moves))
        if board.is_game_over() or board.is_check():
            continue
        out.append(f"{board.fen()} | {rng.randrange(-900, 900)} | {rng.choice(['1.0', '0.5', '0.0'])}")
    return out


def _expected(lines, net_path, scale=None):
    """Both losses from the reference evaluation of each line's position (at
    `scale` centipawns per unit instead of the net's, when given)."""
    q = read_net(net_path)
    if scale is not None:
        q.scale = scale
    f = dequantize(q)
    sig = lambda x: 1.0 / (1.0 + np.exp(-x / K))  # noqa: E731
    vs_score, vs_result = [], []
    for line in lines:
        fen, score, result = D.parse_text_line(line)
        white = fen.split()[1] == "w"
        p = sig(float_eval(f, Position(fen), q.scale))    # the shipped net's scale is not 400
        stm_score = score if white else -score
        stm_result = (result + 1) / 2 if white else (1 - result) / 2
        vs_score.append((p - sig(stm_score)) ** 2)
        vs_result.append((p - stm_result) ** 2)
    return np.mean(vs_score), np.mean(vs_result)


def test_heldout_loss_matches_the_reference_evaluation():
    net = _net()
    lines = _lines(60, seed=3)
    recs = D.from_text(lines)
    got = heldout_loss(recs, net, K, threads=2)
    want_score, want_result = _expected(lines, net)
    assert got.positions == 60
    assert got.vs_score == pytest.approx(want_score, rel=1e-4)
    assert got.vs_result == pytest.approx(want_result, rel=1e-4)


def test_the_data_loss_command_reports_each_net(tmp_path):
    net = _net()
    lines = _lines(40, seed=4)
    D.write_records(tmp_path / "a.ldat", D.from_text(lines))
    run = subprocess.run([sys.executable, "-m", "engine.cli", "data", "loss", str(tmp_path), "--net", net,
                          "--net", net, "--threads", "1"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0].startswith("40 usable positions")
    want_score, want_result = _expected(lines, net)
    for line in out[1:3]:
        score = float(line.split("vs score ")[1].split(",")[0])
        result = float(line.split("vs result ")[1])
        assert score == pytest.approx(want_score, rel=1e-3)
        assert result == pytest.approx(want_result, rel=1e-3)


def test_a_file_that_is_not_a_net_is_a_clear_error(tmp_path):
    D.write_records(tmp_path / "a.ldat", D.from_text(_lines(5, seed=5)))
    bad = tmp_path / "bad.nnue"
    bad.write_bytes(b"not a net at all" * 8)
    run = subprocess.run([sys.executable, "-m", "engine.cli", "data", "loss", str(tmp_path),
                          "--net", str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "error:" in run.stderr and "bad.nnue" in run.stderr
    with pytest.raises(ValueError, match="no positions"):
        heldout_loss(D.from_text([])[:0], _net())


def test_scale_reads_the_net_as_if_its_file_said_so(tmp_path):
    """--scale: the loss of the net at another scale is the loss of the same
    weights written with that scale, and both match the reference."""
    net = _net()
    lines = _lines(50, seed=6)
    recs = D.from_text(lines)
    q = read_net(net)
    other = round(q.scale * 1.25)          # the file holds an integer
    assert heldout_loss(recs, net, K, scale=q.scale) == heldout_loss(recs, net, K)
    q.scale = other
    rescaled = tmp_path / "rescaled.nnue"
    write_net(rescaled, q, packed=True)
    got = heldout_loss(recs, net, K, scale=other)
    assert got == heldout_loss(recs, rescaled, K)
    want_score, want_result = _expected(lines, net, scale=other)
    assert got.vs_score == pytest.approx(want_score, rel=1e-4)
    assert got.vs_result == pytest.approx(want_result, rel=1e-4)
    assert got.vs_score != pytest.approx(heldout_loss(recs, net, K).vs_score, rel=1e-3)
    with pytest.raises(ValueError, match="scale"):
        heldout_loss(recs, net, K, scale=0)


def test_the_data_loss_command_takes_a_scale(tmp_path):
    net = _net()
    lines = _lines(30, seed=7)
    D.write_records(tmp_path / "a.ldat", D.from_text(lines))
    scale = read_net(net).scale * 0.8
    run = subprocess.run([sys.executable, "-m", "engine.cli", "data", "loss", str(tmp_path), "--net", net,
                          "--scale", str(scale), "--threads", "1"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    want_score, _ = _expected(lines, net, scale=scale)
    assert float(run.stdout.splitlines()[1].split("vs score ")[1].split(",")[0]) == \
        pytest.approx(want_score, rel=1e-3)
    bad = subprocess.run([sys.executable, "-m", "engine.cli", "data", "loss", str(tmp_path), "--net", net,
                          "--scale", "-3"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--scale must be positive" in bad.stderr
