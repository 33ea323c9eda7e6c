"""King buckets: HalfKP's 64 king squares tied into fewer weight blocks.

The trainer fits one block of 640 rows per bucket instead of one per king
square: 64 blocks ask 64 times the data of one, and self-play data reaches
most king squares rarely.  Layouts with mirroring also fold the board's
right half (king on files e-h) onto the left: the king's half decides the
bucket, and the pieces' squares are mirrored a<->h with it, so a bucket
learns from both halves at once.  (Castling rights are not features, so a
mirrored position has the same features' meaning.)

The export always writes the full 64 king blocks (`expand`), so the file
format and the engine's index formula stay plain HalfKP; the engine finds
the equal blocks at load and refreshes an accumulator only when a king
moves into a different block (nnue/network.pyx).

Squares here are from the perspective's own side (nnue/features.pxd: the
king square and piece squares already flipped for Black), a1 = 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from nnue.features import HALFKP_FEATURES, KING_BLOCK
KING_SQUARES = 64

# Mirrored layouts, drawn on files a-d with rank 8 at the top (files e-h
# mirror them); the number is the bucket.
_MIRRORED = {
    "mirror4": """
        3 3 3 3
        3 3 3 3
        3 3 3 3
        3 3 3 3
        3 3 3 3
        3 3 3 3
        2 2 2 2
        0 0 1 1""",
    "mirror8": """
        7 7 7 7
        7 7 7 7
        7 7 7 7
        7 7 7 7
        6 6 6 6
        6 6 6 6
        4 4 5 5
        0 1 2 3""",
    "mirror16": """
        15 15 14 14
        15 15 14 14
        13 13 12 12
        13 13 12 12
        11 11 10 10
        9 9 8 8
        4 5 6 7
        0 1 2 3""",
    "mirror32": """
        28 29 30 31
        24 25 26 27
        20 21 22 23
        16 17 18 19
        12 13 14 15
        8 9 10 11
        4 5 6 7
        0 1 2 3""",
}


@dataclass(frozen=True)
class KingBuckets:
    """A layout: bucket[k] for each king square k, and whether a king on
    files e-h mirrors the board."""
    name: str
    bucket: Tuple[int, ...]
    mirror: bool

    @property
    def count(self) -> int:
        return max(self.bucket) + 1

    @property
    def rows(self) -> int:
        """Feature rows the trainer fits."""
        return self.count * KING_BLOCK

    def remap(self) -> np.ndarray:
        """int32 [40960]: full HalfKP index -> the trainer's row."""
        f = np.arange(HALFKP_FEATURES)
        king, kind, sq = f // KING_BLOCK, (f % KING_BLOCK) // 64, f % 64
        flip = (king % 8 >= 4) if self.mirror else np.zeros_like(king, bool)
        sq = np.where(flip, sq ^ 7, sq)
        return (np.asarray(self.bucket)[king] * KING_BLOCK + kind * 64 + sq).astype(np.int32)

    def expand(self, rows: np.ndarray) -> np.ndarray:
        """The 64 king blocks [40960, H] of trained rows [rows, H]."""
        if rows.shape[0] != self.rows:
            raise ValueError(f"{self.name}: {rows.shape[0]} rows, expected {self.rows}")
        return rows[self.remap()]

    def contract(self, full: np.ndarray) -> np.ndarray:
        """Rows [rows, H] from 64 king blocks: each the mean of the full
        rows it stands for (exact for a net exported with this layout)."""
        remap = self.remap()
        out = np.zeros((self.rows,) + full.shape[1:], np.float64)
        np.add.at(out, remap, full)
        counts = np.bincount(remap, minlength=self.rows).reshape((-1,) + (1,) * (full.ndim - 1))
        return out / counts


def _from_drawing(name: str, text: str) -> KingBuckets:
    grid = [[int(x) for x in line.split()] for line in text.strip().splitlines()]
    assert len(grid) == 8 and all(len(r) == 4 for r in grid), name
    bucket = []
    for sq in range(KING_SQUARES):
        rank, file = divmod(sq, 8)
        bucket.append(grid[7 - rank][min(file, 7 - file)])
    assert sorted(set(bucket)) == list(range(max(bucket) + 1)), name
    return KingBuckets(name, tuple(bucket), True)


LAYOUTS: Dict[str, KingBuckets] = {
    "none": KingBuckets("none", (0,) * KING_SQUARES, False),       # king-independent
    "full": KingBuckets("full", tuple(range(KING_SQUARES)), False),  # one block per king square
    **{name: _from_drawing(name, text) for name, text in _MIRRORED.items()},
}


def layout(name: str) -> KingBuckets:
    """The layout called `name`; ValueError naming the choices."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown king-bucket layout {name!r} "
                         f"(choose from {', '.join(LAYOUTS)})") from None
