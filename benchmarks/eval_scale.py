"""The size of nets' evaluations on self-play positions: how far a net's centipawns
have grown against its parent's and the search's (docs/training.md, "The evaluation's scale").

    python benchmarks/eval_scale.py ~/ladya-work/gen5n8-test --net gen-005.nnue --net cand.nnue
    python benchmarks/eval_scale.py DIR --net a.nnue --net b.nnue --bootstrap --positions 3000

For each net, on a seeded sample of the usable positions of DIR (chunk files of `ladya
datagen`): the mean absolute evaluation, the K that best fits sigmoid(eval / K) to the game
results, the correlation with the search score, and the slope of the evaluation against the
first net's (1.08: 8% larger).  The engine's own integer evaluation, at each file's scale.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine.position import Position  # noqa: E402
from nnue.accumulator import evaluate  # noqa: E402
from nnue.network import Network  # noqa: E402
from search.evaluate import evaluate_position  # noqa: E402
from training import data as D  # noqa: E402

KS = np.arange(50, 1500, 10)    #: candidate K of the result fit, centipawns


def best_k(evals: np.ndarray, result: np.ndarray) -> int:
    errs = [np.mean((1 / (1 + np.exp(-evals / k)) - result) ** 2) for k in KS]
    return int(KS[int(np.argmin(errs))])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="+", help="data files or directories")
    ap.add_argument("--net", action="append", default=[], help="a .nnue file (the first is the reference)")
    ap.add_argument("--bootstrap", action="store_true", help="also the PeSTO evaluation")
    ap.add_argument("--positions", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.net:
        ap.error("give at least one --net")
    recs = D.load(args.data)
    recs = recs[D.default_filter(recs)]
    rng = np.random.default_rng(args.seed)
    recs = recs[np.sort(rng.choice(len(recs), min(args.positions, len(recs)), replace=False))]
    positions = [Position(D.unpack_fen(r)) for r in recs]
    score = recs["score"].astype(np.float64)                 # side to move's
    stm_black = (recs["packed"] & 1).astype(bool)
    result = (np.where(stm_black, -recs["result"], recs["result"]) + 1) / 2.0
    evals = {}
    for path in args.net:
        net = Network(str(path))
        evals[Path(path).name] = np.array([evaluate(net, p) for p in positions], np.float64)
    if args.bootstrap:
        evals["bootstrap"] = np.array([evaluate_position(p) for p in positions], np.float64)
    ref_name = Path(args.net[0]).name
    ref = evals[ref_name]
    print(f"{len(recs)} positions; search score: mean |score| {np.abs(score).mean():.1f} cp, "
          f"best K {best_k(score, result)}")
    for name, e in evals.items():
        slope = np.polyfit(ref, e, 1)[0]
        print(f"{name}: mean |eval| {np.abs(e).mean():.1f} cp, best K {best_k(e, result)}, "
              f"corr with score {np.corrcoef(score, e)[0, 1]:.3f}, slope vs {ref_name} {slope:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
