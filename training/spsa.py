"""SPSA tuning of the search parameters (search/tunables.py), as fishtest and
OpenBench do it (https://www.chessprogramming.org/SPSA).

Each step perturbs every tuned parameter by +-c_k at random (one sign vector
`flip`), plays game pairs between the engine at theta + c_k*flip and at
theta - c_k*flip (each opening with both colours), and moves theta along
flip by R_k * c_k * (wins - losses) of the plus side.  The gains follow
fishtest's schedule: c_k = c / k^gamma and a_k = a / (A + k)^alpha with
k counted in game pairs, c = c_end * N^gamma, a = r_end * c_end^2 * (A + N)^alpha,
R_k = a_k / c_k^2, A = N / 10, so that c_k ends at each parameter's `step`
(c_end) and the last learning rate is r_end.

The games go through fastchess (training/fastchess.py) with the engine's
tuning options (LADYA_TUNE=1), at a node limit or a time control, with as
many games at a time as there are cores.  After every step the state is
written atomically (`state.json`), so a killed run resumes where it stopped
and, with the same seed, ends exactly where an uninterrupted run would.  The
run directory also gets `tuned.json` (the rounded values), `history.csv`
(theta after each step) and, with matplotlib, `spsa.png`.

    ladya tune --out ~/ladya-work/spsa --nodes 5000 --pairs 20000 --batch 8 --concurrency 2
"""
from __future__ import annotations

import csv
import json
import logging
import math
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from search.tunables import BY_NAME, TUNABLES

log = logging.getLogger(__name__)

ALPHA = 0.602       # fishtest's exponents (Spall's recommended values)
GAMMA = 0.101
STATE = "state.json"

# A runner plays `pairs` game pairs, engine at `plus` vs engine at `minus`,
# and returns (wins, draws, losses) of the plus side.
Runner = Callable[[Dict[str, int], Dict[str, int], int, int], Tuple[int, int, int]]


@dataclass
class SpsaConfig:
    out: str
    params: List[str] = field(default_factory=lambda: [t.name for t in TUNABLES if t.tune])
    pairs: int = 20000                  # N: game pairs of the whole run
    batch: int = 8                      # game pairs per step (one fastchess run)
    r_end: float = 0.002
    seed: int = 1
    start: Dict[str, float] = field(default_factory=dict)   # default: the tunables' defaults
    # how the games are played (fastchess runner only)
    nodes: Optional[int] = 5000
    tc: Optional[str] = None
    concurrency: int = 1
    book: Optional[str] = None
    engine: Optional[str] = None        # default: training.fastchess.LADYA_CMD
    eval_file: Optional[str] = None
    hash_mb: int = 16

    def validate(self) -> None:
        unknown = [p for p in self.params if p not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown search parameters: {', '.join(unknown)}")
        if not self.params:
            raise ValueError("no parameters to tune")
        if self.pairs < 1 or self.batch < 1:
            raise ValueError("pairs and batch must be at least 1")
        if (self.nodes is None) == (self.tc is None):
            raise ValueError("give exactly one of nodes and tc")


class Spsa:
    """The tuner's state and its update rule; `run` drives it."""

    def __init__(self, cfg: SpsaConfig):
        cfg.validate()
        self.cfg = cfg
        self.tunables = [BY_NAME[p] for p in cfg.params]
        self.theta: Dict[str, float] = {t.name: float(cfg.start.get(t.name, t.default))
                                        for t in self.tunables}
        self.k = 0                      # game pairs played so far
        self.steps = 0
        self.wdl = [0, 0, 0]
        self.history: List[Dict[str, float]] = []
        n = cfg.pairs
        self.big_a = n / 10.0
        self.c = {t.name: t.step * n ** GAMMA for t in self.tunables}
        self.a = {t.name: cfg.r_end * t.step ** 2 * (self.big_a + n) ** ALPHA for t in self.tunables}

    # -- the rule

    def perturbation(self) -> Tuple[Dict[str, int], Dict[str, int], Dict[str, int], Dict[str, float]]:
        """(flip, plus, minus, c_k) for the next step; the sign vector comes
        from (seed, step) so that a resumed run draws the same ones."""
        rng = random.Random(self.cfg.seed * 1_000_003 + self.steps)
        k = self.k + 1
        flip, plus, minus, ck = {}, {}, {}, {}
        for t in self.tunables:
            f = rng.choice((-1, 1))
            c = self.c[t.name] / k ** GAMMA
            flip[t.name], ck[t.name] = f, c
            plus[t.name] = _clamp_round(self.theta[t.name] + c * f, t)
            minus[t.name] = _clamp_round(self.theta[t.name] - c * f, t)
        return flip, plus, minus, ck

    def update(self, flip: Dict[str, int], ck: Dict[str, float], wins: int, draws: int,
               losses: int, pairs: int) -> None:
        """theta += R_k c_k (W - L) flip, within each parameter's range."""
        k = self.k + 1
        result = wins - losses
        for t in self.tunables:
            a_k = self.a[t.name] / (self.big_a + k) ** ALPHA
            r_k = a_k / ck[t.name] ** 2
            v = self.theta[t.name] + r_k * ck[t.name] * result * flip[t.name]
            self.theta[t.name] = min(float(t.max), max(float(t.min), v))
        self.k += pairs
        self.steps += 1
        self.wdl = [self.wdl[0] + wins, self.wdl[1] + draws, self.wdl[2] + losses]
        self.history.append(dict(self.theta, pairs=self.k))

    def values(self) -> Dict[str, int]:
        """theta rounded: the values an engine would search with."""
        return {t.name: _clamp_round(self.theta[t.name], t) for t in self.tunables}

    @property
    def done(self) -> bool:
        return self.k >= self.cfg.pairs

    # -- persistence

    def to_json(self) -> dict:
        return {"config": asdict(self.cfg), "theta": self.theta, "k": self.k, "steps": self.steps,
                "wdl": self.wdl, "history": self.history}

    @classmethod
    def from_json(cls, data: dict) -> "Spsa":
        s = cls(SpsaConfig(**data["config"]))
        s.theta = {k: float(v) for k, v in data["theta"].items()}
        s.k, s.steps, s.wdl, s.history = data["k"], data["steps"], list(data["wdl"]), data["history"]
        return s

    def save(self) -> None:
        out = Path(self.cfg.out)
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / STATE, json.dumps(self.to_json(), indent=1))
        _atomic_write(out / "tuned.json", json.dumps(self.values(), indent=1) + "\n")
        names = [t.name for t in self.tunables]
        tmp = out / "history.csv.tmp"
        with tmp.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["pairs", *names])
            for h in self.history:
                w.writerow([h["pairs"], *(f"{h[n]:.3f}" for n in names)])
        os.replace(tmp, out / "history.csv")


def _clamp_round(v: float, t) -> int:
    return int(min(t.max, max(t.min, math.floor(v + 0.5))))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def load_or_start(cfg: SpsaConfig) -> Spsa:
    """Resume the run in cfg.out if it has a state file (its own settings of
    the rule win; how the games are played may change), else start one."""
    path = Path(cfg.out) / STATE
    if not path.exists():
        return Spsa(cfg)
    try:
        data = json.loads(path.read_text())
        saved = data["config"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: not a readable SPSA state ({exc})") from None
    for key in ("params", "pairs", "batch", "r_end", "seed", "start"):
        if saved.get(key) != getattr(cfg, key):
            log.warning("resuming %s: keeping its %s=%r (asked for %r)", cfg.out, key,
                        saved.get(key), getattr(cfg, key))
    play_keys = ("nodes", "tc", "concurrency", "book", "engine", "eval_file", "hash_mb")
    data["config"].update({k: getattr(cfg, k) for k in play_keys})
    data["config"]["out"] = cfg.out
    return Spsa.from_json(data)


def run(cfg: SpsaConfig, runner: Optional[Runner] = None, max_steps: Optional[int] = None,
        plot: bool = True) -> Spsa:
    """Tune until cfg.pairs game pairs are played (or max_steps more steps),
    saving after each step; resumes a run found in cfg.out."""
    s = load_or_start(cfg)
    runner = runner or fastchess_runner(s.cfg)
    steps = 0
    while not s.done and (max_steps is None or steps < max_steps):
        pairs = min(s.cfg.batch, s.cfg.pairs - s.k)
        flip, plus, minus, ck = s.perturbation()
        w, d, l = runner(plus, minus, pairs, s.cfg.seed * 7919 + s.steps)
        if w + d + l != 2 * pairs:
            raise RuntimeError(f"step {s.steps + 1}: {w + d + l} games came back, {2 * pairs} were played")
        s.update(flip, ck, w, d, l, pairs)
        s.save()
        steps += 1
        log.info("step %d, %d/%d pairs, +%d =%d -%d: %s", s.steps, s.k, s.cfg.pairs, w, d, l,
                 " ".join(f"{n}={v:.1f}" for n, v in s.theta.items()))
    if plot:
        plot_history(s)
    return s


def fastchess_runner(cfg: SpsaConfig) -> Runner:
    """Games through fastchess with the tuning options of Ladya (LADYA_TUNE=1)."""
    from training import fastchess
    book = cfg.book                     # None: the book shipped in training/books
    engine = cfg.engine or fastchess.LADYA_CMD
    env = dict(os.environ, LADYA_TUNE="1")

    def play(plus: Dict[str, int], minus: Dict[str, int], pairs: int, seed: int):
        o1 = {k: str(v) for k, v in plus.items()}
        o2 = {k: str(v) for k, v in minus.items()}
        if cfg.eval_file:
            o1["EvalFile"] = o2["EvalFile"] = cfg.eval_file
        r = fastchess.play(env=env, engine1=engine, engine2=engine, games=2 * pairs, tc=cfg.tc,
                           nodes=cfg.nodes, openings=book, options1=o1, options2=o2,
                           name1="plus", name2="minus", concurrency=cfg.concurrency, seed=seed,
                           hash_mb=cfg.hash_mb)
        missing = [w for w in r.warnings if "doesn't have option" in w]
        if missing:                     # an engine without LADYA_TUNE's options tunes nothing
            raise RuntimeError(f"the engine does not take the tuning options: {missing[0]}")
        return r.wins, r.draws, r.losses
    return play


def plot_history(s: Spsa, path: Optional[str] = None) -> Optional[str]:
    """One panel per parameter: theta over the game pairs played."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("matplotlib not installed: no plot")
        return None
    if not s.history:
        return None
    names = [t.name for t in s.tunables]
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.4 * rows), squeeze=False)
    xs = [h["pairs"] for h in s.history]
    for ax, name in zip(axes.flat, names):
        ax.plot(xs, [h[name] for h in s.history], lw=1)
        ax.axhline(BY_NAME[name].default, color="grey", lw=0.6, ls="--")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    out = path or str(Path(s.cfg.out) / "spsa.png")
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


def parse_params(text: Optional[str]) -> List[str]:
    """'A,B,C' -> names; None -> every tunable marked tune=True; 'all' -> every one."""
    if text is None:
        return [t.name for t in TUNABLES if t.tune]
    if text == "all":
        return [t.name for t in TUNABLES]
    return [p.strip() for p in text.split(",") if p.strip()]


def format_values(values: Dict[str, int], base: Sequence = TUNABLES) -> str:
    """A table of tuned vs default values, for the note and the commit."""
    lines = [f"{'parameter':26s} {'default':>8s} {'tuned':>8s}"]
    for t in base:
        if t.name in values:
            lines.append(f"{t.name:26s} {t.default:8d} {values[t.name]:8d}")
    return "\n".join(lines)
