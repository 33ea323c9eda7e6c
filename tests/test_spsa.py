"""SPSA tuning (training/spsa.py) and the run-time search parameters it moves
(search/tunables.py, UCI options under LADYA_TUNE=1)."""
import io
import json
import math
import random
import shlex
import sys

import pytest

from engine.position import Position
from engine.uci import UciEngine
from search import tunables
from search.limits import Limits
from search.search import Searcher, search_params, set_params
from training import fastchess, spsa

FEN = "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4"


def nodes_at_depth(depth=9):
    s = Searcher(8)
    return s.search(Position(FEN), Limits(depth=depth)).nodes


def test_the_struct_and_the_table_name_the_same_parameters():
    assert search_params() == tunables.defaults()
    assert len(tunables.TUNABLES) == len(tunables.BY_NAME)
    for t in tunables.TUNABLES:
        assert t.min <= t.default <= t.max and t.step > 0 and t.doc


def test_set_params_reaches_the_search_and_defaults_restore_it(defaults_after):
    base = nodes_at_depth()
    set_params({"RFP_MARGIN": 40, "LMR_BASE": 20})
    assert search_params()["RFP_MARGIN"] == 40 and search_params()["LMR_BASE"] == 20
    assert nodes_at_depth() != base
    set_params(tunables.defaults())
    assert nodes_at_depth() == base


def test_eval_scale_scales_what_the_search_sees(defaults_after):
    # From the start position nothing can be captured within two plies, so a
    # depth-1 search is the best of the 20 children's static evaluations and
    # scaling them (rounded towards zero, monotone) scales the best one.
    def depth1(scale):
        set_params({"EVAL_SCALE": scale})
        return Searcher(8).search(Position(), Limits(depth=1)).score.cp
    base = depth1(100)
    assert base != 0
    for scale in (50, 72, 150):
        assert depth1(scale) == int(base * scale / 100)


def test_set_params_rejects_unknown_names_and_values_out_of_range(defaults_after):
    with pytest.raises(ValueError, match="no search parameter"):
        set_params({"NOPE": 1})
    with pytest.raises(ValueError, match="outside"):
        set_params({"RFP_MARGIN": 10_000})
    with pytest.raises(ValueError, match="not an integer"):
        set_params({"RFP_MARGIN": "abc"})
    assert search_params() == tunables.defaults()


def uci_session(lines, monkeypatch, tune):
    if tune:
        monkeypatch.setenv("LADYA_TUNE", "1")
    else:
        monkeypatch.delenv("LADYA_TUNE", raising=False)
    out = io.StringIO()
    eng = UciEngine(out=out)
    for line in lines:
        eng.handle(line)
    eng.wait_search()
    return eng, out.getvalue()


def test_tuning_options_are_listed_only_under_ladya_tune(monkeypatch, defaults_after):
    _, text = uci_session(["uci"], monkeypatch, tune=False)
    assert "RFP_MARGIN" not in text
    eng, text = uci_session(["uci", "setoption name RFP_MARGIN value 95"], monkeypatch, tune=True)
    for t in tunables.TUNABLES:
        assert f"option name {t.name} type spin default {t.default} min {t.min} max {t.max}" in text
    assert search_params()["RFP_MARGIN"] == 95
    _, text = uci_session(["setoption name RFP_MARGIN value 5"], monkeypatch, tune=True)
    assert "info string" in text and "RFP_MARGIN" in text
    assert search_params()["RFP_MARGIN"] == 95


# -- the tuner on a simulated objective: two parameters with a known optimum

OPT = {"RFP_MARGIN": 80 + 40, "FUTILITY_BASE": 90 - 50}      # 5 steps from the defaults


def simulated_runner(scale_elo=60.0):
    """Games whose expected score follows the Elo difference of a concave
    strength: -scale_elo per step of distance squared from OPT."""
    def strength(theta):
        return -scale_elo * sum(((theta[n] - OPT[n]) / tunables.BY_NAME[n].step) ** 2 / 25.0
                                for n in OPT)

    def play(plus, minus, pairs, seed):
        rng = random.Random(seed)
        d = strength(plus) - strength(minus)
        p = 1.0 / (1.0 + 10 ** (-d / 400.0))
        w = dr = l = 0
        for _ in range(2 * pairs):
            u = rng.random()
            if u < 0.3:
                dr += 1
            elif u < 0.3 + 0.7 * p:
                w += 1
            else:
                l += 1
        return w, dr, l
    return play


def config(tmp_path, **kw):
    base = dict(out=str(tmp_path / "run"), params=list(OPT), pairs=4000, batch=8, seed=3)
    base.update(kw)
    return spsa.SpsaConfig(**base)


def distance(theta):
    return math.sqrt(sum(((theta[n] - OPT[n]) / tunables.BY_NAME[n].step) ** 2 for n in OPT))


def test_spsa_climbs_towards_the_optimum_of_a_simulated_engine(tmp_path):
    # r_end above fishtest's 0.002 so that 4000 pairs cover 5 steps of distance
    s = spsa.run(config(tmp_path, r_end=0.006), runner=simulated_runner(), plot=False)
    assert s.k == 4000 and s.steps == 500 and sum(s.wdl) == 8000
    start = {n: tunables.BY_NAME[n].default for n in OPT}
    assert distance(start) == pytest.approx(math.sqrt(50))
    assert distance(s.theta) < 0.5 * distance(start)
    for n in OPT:                               # each one moved the right way
        assert abs(s.theta[n] - OPT[n]) < abs(start[n] - OPT[n])


def test_the_schedule_ends_at_c_end_and_r_end(tmp_path):
    s = spsa.Spsa(config(tmp_path, pairs=1000))
    n = 1000
    for name in OPT:
        t = tunables.BY_NAME[name]
        assert s.c[name] / n ** spsa.GAMMA == pytest.approx(t.step)
        a_n = s.a[name] / (s.big_a + n) ** spsa.ALPHA
        assert a_n / t.step ** 2 == pytest.approx(s.cfg.r_end)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    whole = spsa.run(config(tmp_path / "a", pairs=400), runner=simulated_runner(), plot=False)
    part = spsa.run(config(tmp_path / "b", pairs=400), runner=simulated_runner(), max_steps=17,
                    plot=False)
    assert part.steps == 17 and not part.done
    again = spsa.run(config(tmp_path / "b", pairs=400), runner=simulated_runner(), plot=False)
    assert again.theta == whole.theta and again.wdl == whole.wdl and again.k == 400
    saved = json.loads((tmp_path / "b" / "run" / "tuned.json").read_text())
    assert saved == whole.values()
    rows = (tmp_path / "b" / "run" / "history.csv").read_text().splitlines()
    assert rows[0].split(",") == ["pairs", *OPT] and len(rows) == 1 + whole.steps


def test_a_damaged_state_file_is_a_clear_error(tmp_path):
    cfg = config(tmp_path, pairs=40)
    spsa.run(cfg, runner=simulated_runner(), max_steps=1, plot=False)
    (tmp_path / "run" / "state.json").write_text('{"theta": ')
    with pytest.raises(ValueError, match="not a readable SPSA state"):
        spsa.run(cfg, runner=simulated_runner(), plot=False)


def test_bad_configurations_and_short_results_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown"):
        spsa.Spsa(config(tmp_path, params=["NOPE"]))
    with pytest.raises(ValueError, match="exactly one"):
        spsa.Spsa(config(tmp_path, nodes=1000, tc="1+0.01"))
    with pytest.raises(RuntimeError, match="games came back"):
        spsa.run(config(tmp_path), runner=lambda p, m, n, s: (1, 0, 0), plot=False)


def test_the_perturbation_stays_inside_the_ranges(tmp_path):
    cfg = config(tmp_path, params=["LMR_BASE"], start={"LMR_BASE": 0})
    s = spsa.Spsa(cfg)
    for _ in range(50):
        flip, plus, minus, ck = s.perturbation()
        assert 0 <= plus["LMR_BASE"] <= 200 and 0 <= minus["LMR_BASE"] <= 200
        s.update(flip, ck, 0, 0, 16, 8)          # the plus side always loses
        assert 0.0 <= s.theta["LMR_BASE"] <= 200.0


def test_the_plot_has_one_panel_per_parameter(tmp_path):
    pytest.importorskip("matplotlib")
    s = spsa.run(config(tmp_path, pairs=80), runner=simulated_runner(), plot=True)
    png = tmp_path / "run" / "spsa.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and s.done


needs_fastchess = pytest.mark.skipif(fastchess.binary() is None,
                                     reason="fastchess not built (../shared/tools/build-fastchess.sh)")


@needs_fastchess
def test_one_step_of_real_games_through_fastchess(tmp_path):
    cfg = config(tmp_path, params=["RFP_MARGIN", "LMR_BASE"], pairs=100, batch=2, nodes=600,
                 concurrency=2)                 # the shipped book
    s = spsa.run(cfg, max_steps=1, plot=False)
    assert s.steps == 1 and s.k == 2 and sum(s.wdl) == 4
    assert json.loads((tmp_path / "run" / "state.json").read_text())["k"] == 2


@needs_fastchess
def test_an_engine_without_the_tuning_options_is_refused(tmp_path):
    engine = f"env LADYA_TUNE=0 {shlex.quote(sys.executable)} -m engine"
    cfg = config(tmp_path, params=["RFP_MARGIN"], pairs=10, batch=1, nodes=300,
                 engine=engine)
    with pytest.raises(RuntimeError, match="tuning options"):
        spsa.run(cfg, max_steps=1, plot=False)
