"""`ladya net info` and `ladya net rescale` (nnue/cli.py)."""
import hashlib

import numpy as np
import pytest

from engine import cli
from engine.position import Position
from nnue import default_net_path
from nnue.accumulator import evaluate
from nnue.format import read_net
from nnue.network import Network

NET = default_net_path()
FENS = [
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
    "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4",
    "r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10",
    "6k1/5ppp/8/8/8/8/5PPP/3R2K1 b - - 0 1",
    "3qk3/8/8/8/8/8/8/3QK2R w K - 0 1",
]


def run_cli(capsys, *argv):
    rc = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def test_info_names_the_architecture_scale_king_blocks_and_hash(capsys):
    rc, out, err = run_cli(capsys, "net", "info", NET)
    qnet = read_net(NET)
    digest = hashlib.sha256(open(NET, "rb").read()).hexdigest()
    assert rc == 0 and err == ""
    assert f"scale={qnet.scale}" in out and digest in out
    assert f"{Network(NET).king_blocks} distinct king blocks" in out


@pytest.mark.parametrize("how", [("--scale", "250"), ("--percent", "80.3")])
def test_rescale_keeps_the_weights_and_scales_every_evaluation(capsys, tmp_path, how):
    out_path = tmp_path / "r.nnue"
    rc, out, err = run_cli(capsys, "net", "rescale", NET, out_path, *how)
    assert rc == 0, err
    a, b = read_net(NET), read_net(out_path)
    assert b.scale == (250 if how[0] == "--scale" else round(a.scale * 0.803)) != a.scale
    for name in ("ft_weights", "ft_bias", "out_weights"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert (a.out_bias, a.qa, a.qb, a.activation) == (b.out_bias, b.qa, b.qb, b.activation)
    na, nb = Network(NET), Network(str(out_path))
    ratio = b.scale / a.scale
    for fen in FENS:
        ea, eb = evaluate(na, Position(fen)), evaluate(nb, Position(fen))
        # both are floors of one exact value times their scale
        assert abs(eb - ea * ratio) <= 1 + ratio, (fen, ea, eb)
    assert any(evaluate(na, Position(f)) != evaluate(nb, Position(f)) for f in FENS)


def test_bad_input_is_a_clear_error_and_writes_nothing(capsys, tmp_path):
    junk = tmp_path / "junk.nnue"
    junk.write_bytes(b"not a net at all")
    out_path = tmp_path / "o.nnue"
    rc, out, err = run_cli(capsys, "net", "rescale", junk, out_path, "--scale", "300")
    assert rc == 2 and err.startswith(f"error: {junk}: not a Ladya net") and not out_path.exists()
    truncated = tmp_path / "t.nnue"
    truncated.write_bytes(open(NET, "rb").read()[:5000])
    rc, out, err = run_cli(capsys, "net", "info", truncated, NET)
    assert rc == 2 and "error:" in err and "truncated" in err and "scale=" in out
    rc, out, err = run_cli(capsys, "net", "rescale", NET, out_path, "--percent", "0.01")
    assert rc == 2 and "outside 1..10000" in err and not out_path.exists()
    copy = tmp_path / "c.nnue"
    copy.write_bytes(open(NET, "rb").read())
    rc, out, err = run_cli(capsys, "net", "rescale", copy, copy, "--scale", "300")
    assert rc == 2 and "must not be IN" in err and read_net(copy).scale == read_net(NET).scale
