"""The search's tunable constants: one table with each value, its range and its meaning.

search/params.pxd declares them as the fields of `SearchParams`; the search
reads them from one process-wide struct that `search.search.set_params`
fills from this table, so SPSA (training/spsa.py) can move them at run time
through UCI options that only `LADYA_TUNE=1` lists.  Values are centipawns,
plies or the unit given; changing a default changes `bench`'s node count.

`step` is SPSA's final perturbation c_end (fishtest's convention): about the
change that one would expect to be worth a few Elo.  Depth thresholds have
`tune=False`: one ply is too coarse a step for the gradient estimate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Tunable:
    name: str
    default: int
    min: int
    max: int
    step: float
    doc: str
    tune: bool = True


TUNABLES: Tuple[Tunable, ...] = (
    Tunable("ASPIRATION_MIN_DEPTH", 4, 1, 10, 1, "use aspiration windows from this depth on", False),
    Tunable("ASPIRATION_DELTA", 18, 5, 60, 3, "first half-width of the aspiration window"),
    Tunable("RAZOR_MARGIN", 250, 100, 600, 25, "razoring: eval + margin*depth below alpha -> qsearch"),
    Tunable("RFP_MAX_DEPTH", 8, 3, 14, 1, "reverse futility pruning up to this depth ...", False),
    Tunable("RFP_MARGIN", 80, 30, 200, 8, "... if eval - margin*(depth - improving) >= beta"),
    Tunable("NMP_MIN_DEPTH", 3, 1, 6, 1, "null-move pruning from this depth on", False),
    Tunable("NMP_BASE_REDUCTION", 3, 1, 6, 1, "null move: R = base + depth/divisor + eval bonus", False),
    Tunable("NMP_DEPTH_DIVISOR", 3, 2, 8, 0.5, "null move: plies of depth per extra ply of R"),
    Tunable("NMP_EVAL_DIVISOR", 200, 80, 400, 20, "null move: centipawns above beta per extra ply of R"),
    Tunable("NMP_VERIFY_DEPTH", 12, 6, 20, 1, "verify null-move cutoffs at this depth and deeper", False),
    Tunable("IIR_MIN_DEPTH", 4, 2, 8, 1, "internal iterative reduction without a TT move", False),
    Tunable("LMP_BASE", 3, 1, 10, 0.6, "late-move pruning: quiets after (base + d*d)/(2-improving)"),
    Tunable("FUTILITY_MAX_DEPTH", 8, 3, 14, 1, "futility pruning of quiets up to this LMR depth", False),
    Tunable("FUTILITY_BASE", 90, 20, 250, 10, "futility margin: base + per_depth*lmr_depth"),
    Tunable("FUTILITY_PER_DEPTH", 110, 40, 250, 10, "futility margin per ply of LMR depth"),
    Tunable("SEE_QUIET_MARGIN", 30, 5, 120, 5, "quiets: prune if SEE < -margin*lmr_depth^2"),
    Tunable("SEE_NOISY_MARGIN", 100, 30, 250, 10, "captures: prune if SEE < -margin*depth"),
    Tunable("HISTORY_PRUNE_DEPTH", 3, 1, 6, 1, "prune quiets with bad history below this LMR depth", False),
    Tunable("HISTORY_PRUNE_MARGIN", 2500, 500, 8000, 300, "... if history < -margin*depth"),
    Tunable("SINGULAR_MIN_DEPTH", 7, 4, 12, 1, "singular extensions from this depth on", False),
    Tunable("SINGULAR_TT_DEPTH_SLACK", 3, 1, 6, 1, "the TT entry may be this much shallower", False),
    Tunable("DOUBLE_EXTENSION_MARGIN", 20, 5, 80, 4, "singular by this much more -> extend twice"),
    Tunable("MAX_DOUBLE_EXTENSIONS", 6, 0, 16, 1, "double extensions allowed along one line", False),
    Tunable("LMR_MIN_DEPTH", 2, 1, 5, 1, "late-move reductions from this depth on", False),
    Tunable("LMR_BASE", 75, 0, 200, 8, "LMR table: (base + ln(depth) ln(move) * 100/divisor) / 100"),
    Tunable("LMR_DIVISOR", 225, 120, 400, 12, "LMR table divisor, hundredths"),
    Tunable("LMR_HISTORY_DIVISOR", 8192, 2048, 20000, 600, "reduce one ply less per this much history"),
    Tunable("QS_CHECKS", 0, 0, 1, 1, "1: the first quiescence ply also tries quiet checks (SEE >= 0)", False),
    Tunable("QS_DELTA_MARGIN", 180, 50, 400, 15, "qsearch delta pruning above the captured piece's value"),
    Tunable("HISTORY_BONUS_MULT", 300, 100, 600, 20, "history bonus = min(mult*depth - sub, cap)"),
    Tunable("HISTORY_BONUS_SUB", 250, 0, 600, 25, "history bonus offset"),
    Tunable("HISTORY_BONUS_CAP", 1600, 500, 4000, 100, "history bonus cap"),
    # The margins above are centipawns of the static evaluation, so their best
    # values depend on how large the net's evaluations are (gen-005 -> gen-006
    # was this scale alone, +36 Elo); tuning both together finds the pair.
    # A tuned value belongs in the net file's scale field, not here.
    Tunable("EVAL_SCALE", 100, 50, 150, 4, "the search sees the static evaluation times this percent"),
    # search/correction.pxd: what the search learnt of the evaluation's errors.
    Tunable("CORR_HIST", 100, 0, 200, 10, "percent of the pawn correction history added to the eval"),
    Tunable("CORR_NON_PAWN", 50, 0, 200, 10, "percent of each colour's non-pawn correction added to it"),
    # ProbCut (search/search.pyx): a capture that beats beta + margin at depth - 4.
    # Off until an SPRT accepts it (docs/architecture.md; 5 is the setting measured), and
    # its margins out of SPSA's set while it is off: they would move nothing but noise.
    Tunable("PROBCUT_MIN_DEPTH", 100, 3, 100, 1, "ProbCut from this depth on (100: never)", False),
    Tunable("PROBCUT_MARGIN", 150, 50, 400, 15, "ProbCut: the capture must beat beta + margin ...", False),
    Tunable("PROBCUT_IMPROVING", 50, 0, 150, 8, "... less this when the evaluation is improving", False),
)

BY_NAME: Dict[str, Tunable] = {t.name: t for t in TUNABLES}


def defaults() -> Dict[str, int]:
    """name -> default value, the values a normal engine searches with."""
    return {t.name: t.default for t in TUNABLES}


def check(name: str, value) -> int:
    """`value` as an int inside the tunable's range, or a clear ValueError."""
    t = BY_NAME.get(name)
    if t is None:
        raise ValueError(f"no search parameter named {name!r}")
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not an integer") from None
    if not t.min <= v <= t.max:
        raise ValueError(f"{name}: {v} is outside [{t.min}, {t.max}]")
    return v
