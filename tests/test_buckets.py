"""King-bucket layouts (training/buckets.py): the maps between the trainer's
rows and the 64 king blocks of HalfKP, checked against python-chess
mirroring and the feature formula of nnue/features.pxd."""
import random

import chess
import numpy as np
import pytest

from engine.position import Position
from nnue.features import feature_indices
from nnue.features import KING_BLOCK
from training.buckets import LAYOUTS, layout

from suites import random_game_board


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layouts_cover_every_king_square(name):
    b = layout(name)
    assert len(b.bucket) == 64
    assert set(b.bucket) == set(range(b.count))
    if b.mirror:
        # a bucket never spans both halves: the mirrored square shares it
        assert all(b.bucket[sq] == b.bucket[sq ^ 7] for sq in range(64))
    remap = b.remap()
    assert remap.min() == 0 and remap.max() == b.rows - 1
    assert len(np.unique(remap)) == b.rows            # every row is reached


def test_layout_sizes():
    assert {n: layout(n).count for n in LAYOUTS} == {
        "none": 1, "full": 64, "mirror4": 4, "mirror8": 8, "mirror16": 16, "mirror32": 32}
    assert (layout("full").remap() == np.arange(64 * KING_BLOCK)).all()
    assert (layout("none").remap() == np.arange(64 * KING_BLOCK) % KING_BLOCK).all()


@pytest.mark.parametrize("name", ["mirror4", "mirror16", "mirror32"])
def test_mirrored_positions_have_the_same_rows(name):
    """With mirroring, a position and its a<->h mirror image (python-chess
    transform, castling rights dropped: not features) reach the same rows."""
    remap = layout(name).remap()
    rng = random.Random(3)
    for _ in range(200):
        board = random_game_board(rng, 60)
        board.castling_rights = 0
        board.ep_square = None
        mirrored = board.transform(chess.flip_horizontal)
        for c in (0, 1):
            a = sorted(remap[feature_indices(Position(board.fen()), c)])
            m = sorted(remap[feature_indices(Position(mirrored.fen()), c)])
            assert a == m


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_expand_and_contract(name):
    b = layout(name)
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((b.rows, 4))
    full = b.expand(rows)
    assert full.shape == (64 * KING_BLOCK, 4)
    assert np.allclose(b.contract(full), rows)
    with pytest.raises(ValueError):
        b.expand(rows[:-1])


def test_unknown_layout_names_the_choices():
    with pytest.raises(ValueError, match="mirror16"):
        layout("mirror12")
