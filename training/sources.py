"""`ladya train --data`: several data sources at once, each with a sampling weight.

A source is a directory of data files, one .ldat file or one text file
(.txt, .plain, .epd: `<FEN> | <score> | <result>` lines), optionally
followed by `:WEIGHT`:

    ladya train --data data/gen1 data/gen2:2.0 extra.txt:0.5 ...

The trainer reads the union of the sources.  A weight is how many times per
epoch, on average, each training position of the source is drawn: 2.0 draws
every position twice, 0.5 half of them (a fresh random half each epoch), so
a source's share of an epoch is its size times its weight.  The validation
positions (whole held-out games of every source) are not weighted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional

import numpy as np

TEXT_SUFFIXES = (".txt", ".plain", ".epd")     #: files read as the text format


@dataclass(frozen=True)
class Source:
    path: Path
    weight: float = 1.0

    @property
    def is_text(self) -> bool:
        return self.path.suffix in TEXT_SUFFIXES and self.path.is_file()


def parse_source(spec) -> Source:
    """`PATH` or `PATH:WEIGHT` (the weight a positive number); a path whose
    last ':' is not followed by a number is all path (C:\\data)."""
    spec = str(spec)
    head, sep, tail = spec.rpartition(":")
    if sep and head:
        try:
            weight = float(tail)
        except ValueError:
            return Source(Path(spec))
        if not math.isfinite(weight) or weight <= 0:
            raise ValueError(f"--data {spec}: the weight must be a positive number")
        return Source(Path(head), weight)
    return Source(Path(spec))


def parse_sources(specs: Iterable) -> List[Source]:
    return [parse_source(s) for s in specs]


def epoch_order(n: int, weights: Optional[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """The positions (indices into the n training records) of one epoch, in
    random order.  Without weights (or all 1) a permutation of all of them;
    otherwise each position comes floor(w) times, and once more with
    probability frac(w)."""
    if weights is None:
        return rng.permutation(n)
    whole = np.floor(weights).astype(np.int64)
    extra = rng.random(n) < (weights - whole)
    picks = np.repeat(np.arange(n), whole + extra)
    return picks[rng.permutation(len(picks))]
