"""NNUE inference: HalfKP features, incremental accumulators, SIMD kernels.

Oracles: python-chess (board work, mirroring, the HalfKP formula written out
here from its documentation in nnue/features.pxd), the plain numpy
references of nnue/reference.py, and the scalar kernel for the SIMD ones.
Nets are random (FloatNet.random then quantize), seeded, so every run sees
the same numbers.
"""
import functools
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import chess
import numpy as np
import pytest

from engine.position import Position
from nnue import accumulator as acc
from nnue import timing
from nnue.features import feature_indices, index, side_features
from nnue.format import ACTIVATION_CRELU, ACTIVATION_SCRELU, MAX_ACTIVE_FEATURES, FloatNet, QuantizedNet
from nnue.network import Network
from nnue.reference import float_eval, int_eval
from search.limits import Limits
from search.search import Searcher
from suites import suite_fens

ROOT = Path(__file__).resolve().parents[1]
SIMD_PATHS = acc.available_simd()


@functools.lru_cache(maxsize=None)
def nets(hidden, seed, activation=ACTIVATION_CRELU):
    """(FloatNet, QuantizedNet, Network) of a seeded random net."""
    fnet = FloatNet.random(hidden, seed, activation=activation)
    qnet = fnet.quantize()
    return fnet, qnet, Network.from_quantized(qnet)


@pytest.fixture
def restore_simd():
    """Tests that switch kernels always hand the best one back."""
    try:
        yield
    finally:
        acc.select_simd("")


def random_boards(n, seed, chess960=False, max_plies=120):
    """Positions of seeded random games (game over positions skipped)."""
    rng = random.Random(seed)
    boards = []
    while len(boards) < n:
        if chess960:
            board = chess.Board.from_chess960_pos(rng.randrange(960))
        else:
            board = chess.Board()
        for _ in range(rng.randint(0, max_plies)):
            legal = list(board.legal_moves)
            if not legal:
                break
            board.push(rng.choice(legal))
        if not board.is_game_over():
            boards.append(board)
    return boards


def to_position(board):
    return Position(board.fen(), chess960=board.chess960)


@functools.lru_cache(maxsize=None)
def sample_fens(n=150):
    boards = random_boards(n - n // 5, seed=11) + random_boards(n // 5, seed=12, chess960=True)
    return tuple((b.fen(), b.chess960) for b in boards)


def sample_positions(n=150):
    return [Position(fen, chess960=c960) for fen, c960 in sample_fens(n)]


# --- features ----------------------------------------------------------------

def halfkp_python(board, perspective):
    """HalfKP indices of `perspective` (0 = White, 1 = Black), from the formula:
    king_sq * 640 + (2 * (type - 1) + (colour != perspective)) * 64 + sq,
    squares flipped with ^56 for Black, kings excluded."""
    colour = chess.WHITE if perspective == 0 else chess.BLACK
    flip = 0 if perspective == 0 else 56
    ksq = board.king(colour) ^ flip
    out = []
    for sq, piece in board.piece_map().items():
        if piece.piece_type == chess.KING:
            continue
        kind = 2 * (piece.piece_type - 1) + (piece.color != colour)
        out.append(ksq * 640 + kind * 64 + (sq ^ flip))
    return sorted(out)


def test_feature_indices_match_python_chess():
    boards = random_boards(300, seed=1) + random_boards(100, seed=2, chess960=True)
    for board in boards:
        pos = to_position(board)
        for perspective in (0, 1):
            got = feature_indices(pos, perspective)
            assert got == halfkp_python(board, perspective), board.fen()
            assert len(got) == len(board.piece_map()) - 2 <= MAX_ACTIVE_FEATURES
            assert all(0 <= i < 40960 for i in got)
        stm = 0 if board.turn == chess.WHITE else 1
        assert side_features(pos) == (halfkp_python(board, stm), halfkp_python(board, 1 - stm))


def test_start_position_has_the_maximum_of_30_features():
    pos = Position()
    assert len(feature_indices(pos, 0)) == len(feature_indices(pos, 1)) == MAX_ACTIVE_FEATURES == 30


def test_index_function():
    for letter in "PNBRQpnbrq":
        piece = chess.Piece.from_symbol(letter)
        for perspective in (0, 1):
            colour = chess.WHITE if perspective == 0 else chess.BLACK
            flip = 56 * perspective
            for ksq in (0, 4, 27, 60, 63):
                for sq in range(64):
                    kind = 2 * (piece.piece_type - 1) + (piece.color != colour)
                    assert index(perspective, ksq, letter, sq) == \
                        (ksq ^ flip) * 640 + kind * 64 + (sq ^ flip)
    for bad in ("K", "k", "x", "", "PP"):
        with pytest.raises(ValueError):
            index(0, 4, bad, 12)


def test_colour_flip_symmetry():
    """board.mirror() flips the ranks and swaps the colours (and the side to
    move).  A piece of colour x on sq becomes one of colour !x on sq ^ 56, so
    Black's view of the mirror is exactly White's view of the original:
        feature_indices(pos, WHITE) == feature_indices(mirror, BLACK)
    and vice versa; hence side_features and the evaluation are unchanged."""
    _, _, net = nets(256, 8)
    for board in random_boards(150, seed=4) + random_boards(50, seed=5, chess960=True):
        pos, mirror = to_position(board), to_position(board.mirror())
        assert feature_indices(pos, 0) == feature_indices(mirror, 1)
        assert feature_indices(pos, 1) == feature_indices(mirror, 0)
        assert side_features(pos) == side_features(mirror)
        assert acc.evaluate(net, pos) == acc.evaluate(net, mirror)
        white, black = acc.accumulators(net, pos)
        assert acc.accumulators(net, mirror) == (black, white)


# --- incremental updates -----------------------------------------------------

def classify(board, move):
    kinds = []
    if board.is_castling(move):
        kinds.append("castling960" if board.chess960 else "castling")
    elif board.piece_type_at(move.from_square) == chess.KING:
        kinds.append("king")
    if board.is_en_passant(move):
        kinds.append("en_passant")
    elif board.is_capture(move):
        kinds.append("capture")
    if move.promotion:
        kinds.append("capture_promotion" if board.is_capture(move) else "promotion")
    return kinds


def pick_legal(rng, board, moves):
    """A random legal move among pseudo-legal `moves` (None if none is)."""
    moves = list(moves)
    while moves:
        move = moves.pop(rng.randrange(len(moves)))
        if not board.is_into_check(move):
            return move
    return None


def random_path(rng, board, length, counts):
    """A random game path of up to `length` moves (UCI, in the board's castling
    notation), biased towards the moves that change several features at once
    so that every kind turns up; `counts` tallies the kinds played."""
    moves = []
    for _ in range(length):
        pseudo = list(board.generate_pseudo_legal_moves())
        move = None
        if rng.random() < 0.4:
            pawns = board.pawns
            move = pick_legal(rng, board, [
                m for m in pseudo
                if board.is_capture(m) or board.is_castling(m) or m.promotion
                or (pawns >> m.from_square & 1 and abs(m.to_square - m.from_square) == 16)])
        move = move or pick_legal(rng, board, pseudo)
        if move is None:
            break
        counts.update(classify(board, move))
        moves.append(board.uci(move))
        board.push(move)
    return moves


@functools.lru_cache(maxsize=None)
def game_paths():
    """(start FEN, chess960, moves, stride) for 1500 standard and 600
    Chess960 games of 16..80 plies (under the 158 the accumulator stack
    holds); a quarter are checked only every `stride` plies, so the lazy
    update catches up over several plies, through king moves too."""
    rng = random.Random(2024)
    counts = Counter()
    paths = []
    for i in range(2100):
        if i < 1500:
            board = chess.Board()
        else:
            board = chess.Board.from_chess960_pos(rng.randrange(960))
        start = board.fen()
        moves = random_path(rng, board, rng.randint(16, 80), counts)
        stride = 1 if i % 4 else rng.choice((2, 3, 5, 8))
        paths.append((start, board.chess960, moves, stride))
    return paths, counts


def test_random_paths_contain_every_kind_of_move():
    paths, counts = game_paths()
    assert len(paths) >= 2000
    for kind in ("capture", "castling", "castling960", "en_passant", "promotion",
                 "capture_promotion", "king"):
        assert counts[kind] > 0, (kind, counts)
    assert sum(len(m) for _, _, m, _ in paths) > 100_000


@pytest.mark.parametrize("simd", SIMD_PATHS)
def test_incremental_equals_refresh(simd, restore_simd):
    """check_incremental compares both accumulators with a full refresh after
    every checked move and raises AssertionError on the first difference."""
    paths, _ = game_paths()
    _, _, small = nets(32, 1)
    _, _, wide = nets(256, 8)
    acc.select_simd(simd)
    checked = 0
    for i, (fen, c960, moves, stride) in enumerate(paths):
        net = wide if i % 10 == 0 else small
        evals = acc.check_incremental(net, Position(fen, chess960=c960), moves, stride)
        assert len(evals) == -(-len(moves) // stride)
        checked += len(evals)
    assert checked > 50_000


@pytest.mark.parametrize("simd", ["scalar", SIMD_PATHS[0]])
def test_refresh_cache_carries_over_between_positions(simd, restore_simd):
    """One accumulator stack for all paths, as a search keeps it: the refresh
    cache entries filled on one path (king squares seen with other pieces)
    serve the king moves of the next, and every accumulator still equals a
    full refresh bit for bit."""
    paths, _ = game_paths()
    _, _, net = nets(64, 5)
    acc.select_simd(simd)
    batch = [(Position(fen, chess960=c960), moves, stride)
             for fen, c960, moves, stride in paths[::3]]
    results = acc.check_incremental_paths(net, batch)
    assert [len(r) for r in results] == [-(-len(m) // s) for _, m, s in batch]
    assert sum(map(len, results)) > 15_000


def path_with_null_moves(rng, board, length):
    """A random path of `length` moves with null moves ("0000") slipped in
    where the side to move is not in check, as the search's null-move
    pruning makes them (never two in a row)."""
    out = []
    counts = Counter()
    while len(out) < length:
        if out and out[-1] != "0000" and not board.is_check() and rng.random() < 0.15:
            out.append("0000")
            board.push(chess.Move.null())
            continue
        step = random_path(rng, board, 1, counts)
        if not step:
            break
        out += step
    return out


@pytest.mark.parametrize("simd", SIMD_PATHS)
def test_incremental_through_null_moves_and_king_free_nets(simd, restore_simd):
    """Every kernel path, the one-call update of both perspectives included,
    equals a full refresh through null moves (nothing changes: a copy) and,
    for a net whose rows do not depend on the king, through king moves and
    castling (kings are not features: no refresh at all)."""
    rng = random.Random(7)
    fnet = FloatNet.random(64, 9)
    fnet.A = np.tile(fnet.A[:640], (64, 1))
    king_free = Network.from_quantized(fnet.quantize())
    assert king_free.king_free
    _, _, regular = nets(64, 5)
    acc.select_simd(simd)
    nulls = checked = 0
    for i in range(300):
        board = chess.Board() if i % 3 else chess.Board.from_chess960_pos(rng.randrange(960))
        start, c960 = board.fen(), board.chess960
        path = path_with_null_moves(rng, board, rng.randint(16, 80))
        nulls += path.count("0000")
        stride = 1 if i % 4 else rng.choice((2, 3, 5))
        for net in (king_free, regular):
            checked += len(acc.check_incremental(net, Position(start, chess960=c960), path, stride))
    assert nulls > 1000 and checked > 20_000


@pytest.mark.shared_data("bk.epd")
def test_refresh_cache_is_not_shared_between_nets():
    """A searcher that switches nets (same width) searches exactly as a new
    searcher with the second net: nothing cached from the first survives."""
    _, _, first = nets(64, 5)
    _, _, second = nets(64, 6)
    fens = suite_fens(["bk.epd"], 4)

    def run(searcher):
        out = []
        for fen in fens:
            searcher.clear()
            r = searcher.search(Position(fen), Limits(depth=5))
            out.append((r.bestmove, r.score, r.nodes))
        return out

    switched = Searcher()
    switched.set_network(first)
    run(switched)
    switched.set_network(second)
    fresh = Searcher()
    fresh.set_network(second)
    assert run(switched) == run(fresh)


def test_king_independent_net_skips_refreshes_and_stays_exact():
    """A net whose 64 king-square blocks are equal (ladya train --king-lr 0)
    is flagged king_free and updated through king moves (castling in 960
    too) without refreshes, still bit-identical to a full refresh and to
    the reference evaluation; changing
    a single weight of one block clears the flag."""
    fnet = FloatNet.random(32, 4)
    fnet.A = np.tile(fnet.A[:640], (64, 1))
    qnet = fnet.quantize()
    net = Network.from_quantized(qnet)
    assert net.king_free and not nets(32, 1)[2].king_free
    paths, counts = game_paths()
    king_moves = 0
    for fen, c960, moves, stride in paths[1::4] + paths[::8]:
        acc.check_incremental(net, Position(fen, chess960=c960), moves, stride)
        pos = chess.Board(fen, chess960=c960)
        for uci in moves:
            move = chess.Move.from_uci(uci)
            king_moves += pos.piece_type_at(move.from_square) == chess.KING
            pos.push(move)
    assert king_moves > 1000
    # The engine keeps block 0 only; the numpy reference reads the rows of
    # the real king squares.
    for pos in sample_positions(40):
        assert acc.evaluate(net, pos) == int_eval(qnet, pos)
    w = qnet.ft_weights.copy()
    w[640 * 37 + 5, 3] += 1
    moved = QuantizedNet(w, qnet.ft_bias, qnet.out_weights, qnet.out_bias)
    assert not Network.from_quantized(moved).king_free


@pytest.mark.parametrize("simd", SIMD_PATHS)
@pytest.mark.parametrize("name", ["mirror4", "mirror16", "full"])
def test_king_bucketed_nets_share_blocks_and_stay_exact(simd, name, restore_simd):
    """A net exported from a king-bucket layout (training/buckets.py) keeps
    one block per bucket and board half; king moves inside a block update
    the accumulator, moves across blocks refresh it, and both stay
    bit-identical to a full refresh and to the numpy reference, which reads
    the rows of the real king squares from the full 64 blocks."""
    from training.buckets import layout
    buckets = layout(name)
    fnet = FloatNet.random(32, 11)
    fnet.A = buckets.expand(fnet.A[:buckets.rows])
    qnet = fnet.quantize()
    net = Network.from_quantized(qnet)
    halves = 2 if buckets.mirror else 1
    assert net.king_blocks == min(64, buckets.count * halves)
    block = net.king_block_of
    for k in range(64):
        for j in range(64):
            same = buckets.bucket[k] == buckets.bucket[j] and (
                not buckets.mirror or (k % 8 >= 4) == (j % 8 >= 4))
            assert (block[k] == block[j]) == same
    acc.select_simd(simd)
    paths, _ = game_paths()
    checked = 0
    for fen, c960, moves, stride in paths[::12]:
        checked += len(acc.check_incremental(net, Position(fen, chess960=c960), moves, stride))
    assert checked > 2000
    for pos in sample_positions(40):
        assert acc.evaluate(net, pos) == int_eval(qnet, pos)


def test_incremental_evaluations_equal_full_evaluations():
    """The evaluations check_incremental returns are those of a fresh
    evaluate() of the same position."""
    paths, _ = game_paths()
    _, _, net = nets(256, 8)
    for fen, c960, moves, _ in paths[::150] + paths[1500::150]:
        evals = acc.check_incremental(net, Position(fen, chess960=c960), moves)
        pos = Position(fen, chess960=c960)
        for uci, value in zip(moves, evals):
            pos.push_uci(uci)
            assert value == acc.evaluate(net, pos)


def test_kernel_bench_times_the_moves_it_names():
    """The kernel-only figures of benchmarks/nnue.py (nnue/timing.pyx time_kernel) time one
    refresh per legal move, and one move-kernel call per legal move that
    needs no refresh: every move in a king-free net, all but king moves
    (castling too) otherwise; counted against python-chess."""
    fens = [chess.STARTING_FEN, "r3k2r/ppp2ppp/2n2q2/3pP3/1b1P4/2N5/PPPQ1PPP/R3K2R w KQkq d6 0 9",
            "8/P5k1/8/8/8/8/6Kp/8 w - - 0 1"]
    legal = kings = 0
    for fen in fens:
        board = chess.Board(fen)
        for move in board.legal_moves:
            legal += 1
            kings += board.piece_type_at(move.from_square) == chess.KING
    assert kings > 5
    fnet = FloatNet.random(32, 4)
    fnet.A = np.tile(fnet.A[:640], (64, 1))
    king_free = Network.from_quantized(fnet.quantize())
    _, _, net = nets(32, 1)
    assert timing.time_kernel(net, fens, 3, False)[1] == 3 * legal
    assert timing.time_kernel(net, fens, 3, True)[1] == 3 * (legal - kings)
    assert timing.time_kernel(king_free, fens, 3, True)[1] == 3 * legal
    assert timing.time_kernel(net, fens, 0, True)[1] == 0


def test_check_incremental_refuses_paths_longer_than_the_stack():
    _, _, net = nets(32, 1)
    moves = []
    while len(moves) < 170:   # knights back and forth: never a draw by position count
        for uci in ("g1f3", "g8f6", "f3g1", "f6g8"):
            moves.append(uci)
    with pytest.raises(ValueError):
        acc.check_incremental(net, Position(), moves)


# --- SIMD kernels and the references -------------------------------------------

@pytest.mark.parametrize("hidden, seed, activation", [
    (32, 1, ACTIVATION_CRELU), (32, 7, ACTIVATION_CRELU), (256, 2, ACTIVATION_CRELU),
    (256, 8, ACTIVATION_CRELU), (512, 3, ACTIVATION_CRELU),
    (32, 1, ACTIVATION_SCRELU), (256, 8, ACTIVATION_SCRELU), (512, 3, ACTIVATION_SCRELU)])
def test_simd_paths_are_bit_identical_to_scalar(hidden, seed, activation, restore_simd):
    _, _, net = nets(hidden, seed, activation)
    positions = sample_positions()
    acc.select_simd("scalar")
    scalar = [(acc.evaluate(net, p), acc.accumulators(net, p)) for p in positions]
    for simd in SIMD_PATHS:
        acc.select_simd(simd)
        assert [(acc.evaluate(net, p), acc.accumulators(net, p)) for p in positions] == scalar, simd


@pytest.mark.parametrize("activation", [ACTIVATION_CRELU, ACTIVATION_SCRELU])
@pytest.mark.parametrize("hidden, seed", [(32, 1), (256, 8), (512, 3)])
def test_evaluate_equals_int_reference(hidden, seed, activation):
    _, qnet, net = nets(hidden, seed, activation)
    w = qnet.ft_weights.astype(np.int64)
    values = []
    for pos in sample_positions():
        values.append(acc.evaluate(net, pos))
        assert values[-1] == int_eval(qnet, pos)
        white, black = acc.accumulators(net, pos)
        expected_white = qnet.ft_bias + w[feature_indices(pos, 0)].sum(axis=0)
        expected_black = qnet.ft_bias + w[feature_indices(pos, 1)].sum(axis=0)
        assert white == expected_white.tolist() and black == expected_black.tolist()
    # Both signs, so that the rounding of the final division is exercised.
    assert min(values) < 0 < max(values)


def quantization_sigma(fnet, qnet, pos):
    """Standard deviation (centipawns) of the quantized evaluation around the
    float one, if each rounding error is uniform on +-1/2 of its step:
    - an accumulator element sums the bias and n active rows of A, each off
      by at most 1/(2 QA): variance (n + 1) / (12 QA^2); it passes through the
      clip only where 0 < a < 1 and is weighted by C (as quantized);
    - each output weight is off by at most 1/(2 QB): variance h^2 / (12 QB^2);
    - the output bias (1/(2 QA QB)) is negligible; the final floor adds < 1.
    Also returns the worst case: every error at its bound, same sign."""
    stm, nstm = side_features(pos)
    h = fnet.B.shape[0]
    a = np.concatenate([fnet.B + fnet.A[stm].sum(axis=0), fnet.B + fnet.A[nstm].sum(axis=0)])
    n1 = np.concatenate([np.full(h, len(stm) + 1), np.full(h, len(nstm) + 1)])
    live = (a > 0) & (a < 1)
    clipped = np.clip(a, 0.0, 1.0)
    c = qnet.out_weights / qnet.qb
    var = (c[live] ** 2 * n1[live]).sum() / (12 * qnet.qa ** 2) + \
        (clipped ** 2).sum() / (12 * qnet.qb ** 2)
    worst = (np.abs(c) * n1).sum() / (2 * qnet.qa) + (clipped + 1 / qnet.qa).sum() / (2 * qnet.qb) \
        + 0.5 / (qnet.qa * qnet.qb)
    return qnet.scale * np.sqrt(var), qnet.scale * worst + 1


@pytest.mark.parametrize("hidden, seed", [(32, 1), (256, 8), (512, 3)])
def test_quantized_evaluation_close_to_float(hidden, seed):
    """Observed on these three nets and the 150 sample positions (err =
    |int - float| in cp; sigma from quantization_sigma, mean 7.2 / 19.8 /
    27.5 cp for widths 32 / 256 / 512): max err 18.7 / 45.6 / 77.3 cp; max
    (err - 1) / sigma 2.5 / 2.6 / 2.8; RMS of it 0.81 / 0.83 / 0.99, as the
    model predicts (its worst case, every rounding at its bound, is 370 /
    2781 / 5384 cp: true but useless as a tolerance).
    Tolerance: 6 sigma + 1 cp (the final floor) per position, and the RMS
    of the normalised error within [0.3, 1.5] (no systematic offset)."""
    fnet, qnet, net = nets(hidden, seed)
    ratios = []
    for pos in sample_positions():
        err = abs(acc.evaluate(net, pos) - float_eval(fnet, pos))
        sigma, worst = quantization_sigma(fnet, qnet, pos)
        assert err <= worst
        assert err <= 6 * sigma + 1, (pos.fen(), err, sigma)
        ratios.append(max(err - 1, 0) / sigma)
    # No systematic error: the spread is that of rounding noise.
    assert 0.3 < float(np.sqrt(np.mean(np.square(ratios)))) < 1.5


def screlu_error_model(fnet, qnet, pos):
    """(expected offset, sigma) in centipawns of the quantized SCReLU
    evaluation around the float one.  As quantization_sigma, with the
    derivative of h = clip(a)^2, 2a, on each accumulator error; plus the
    engine's 8-bit square s = floor(v^2 / 256) (format docstring), which
    stands for h * QA^2 / 256 and is low by a uniform [0, 1) step of
    256 / QA^2 on every neuron with v > 0: an offset of half a step times
    the sum of those neurons' output weights, and the variance of the rest."""
    stm, nstm = side_features(pos)
    h = fnet.B.shape[0]
    a = np.concatenate([fnet.B + fnet.A[stm].sum(axis=0), fnet.B + fnet.A[nstm].sum(axis=0)])
    n1 = np.concatenate([np.full(h, len(stm) + 1), np.full(h, len(nstm) + 1)])
    live = (a > 0) & (a < 1)
    on = a > 0.5 / qnet.qa          # v = round(a * QA) > 0
    hval = np.clip(a, 0.0, 1.0) ** 2
    c = qnet.out_weights / qnet.qb
    step = 256 / qnet.qa ** 2
    var = ((2 * a[live] * c[live]) ** 2 * n1[live]).sum() / (12 * qnet.qa ** 2) \
        + (hval ** 2).sum() / (12 * qnet.qb ** 2) + (c[on] ** 2).sum() * step ** 2 / 12
    return -0.5 * step * c[on].sum() * qnet.scale, qnet.scale * np.sqrt(var)


@pytest.mark.parametrize("hidden, seed", [(32, 1), (256, 8), (512, 3)])
def test_quantized_screlu_evaluation_close_to_float(hidden, seed):
    """The SCReLU integer path against the float model: within 6 sigma of
    the predicted offset (+1 cp for the final floor) on every position, and
    no systematic error beyond the model (RMS of the normalised error in
    [0.3, 1.5]).  Observed for widths 32 / 256 / 512: max |int - float|
    9.4 / 28.5 / 40.6 cp, mean sigma 4.0 / 10.9 / 15.0 cp, max |z| 2.3 /
    2.3 / 2.7, RMS z 0.94 / 0.92 / 1.07."""
    fnet, qnet, net = nets(hidden, seed, ACTIVATION_SCRELU)
    ratios = []
    for pos in sample_positions():
        offset, sigma = screlu_error_model(fnet, qnet, pos)
        err = acc.evaluate(net, pos) - float_eval(fnet, pos) - offset
        assert abs(err) <= 6 * sigma + 1, (pos.fen(), err, sigma)
        ratios.append(max(abs(err) - 1, 0) / sigma)
    assert 0.3 < float(np.sqrt(np.mean(np.square(ratios)))) < 1.5, ratios


@pytest.mark.parametrize("activation", [ACTIVATION_CRELU, ACTIVATION_SCRELU])
def test_dequantized_net_matches_integer_evaluation_closely(activation):
    """The float eval of the dequantized net differs from the integer eval
    only by the final floor division (and float rounding)."""
    from nnue.reference import dequantize
    _, qnet, net = nets(256, 8, activation)
    fnet = dequantize(qnet)
    assert fnet.activation == activation
    for pos in sample_positions(60):
        diff = float_eval(fnet, pos) - acc.evaluate(net, pos)
        if activation == ACTIVATION_CRELU:
            assert -1e-6 <= diff < 1 + 1e-6
        else:
            # the 8-bit square truncates; the float model squares exactly
            offset, sigma = screlu_error_model(fnet, qnet, pos)
            assert abs(diff + offset) <= 6 * sigma + 1


# --- kernel selection ----------------------------------------------------------

def simd_in_subprocess(value):
    env = dict(os.environ, LADYA_SIMD=value,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c",
                           "from nnue.accumulator import simd_path; print(simd_path())"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), proc.stderr


@pytest.mark.parametrize("simd", SIMD_PATHS)
def test_ladya_simd_forces_a_path(simd):
    path, err = simd_in_subprocess(simd)
    assert path == simd
    assert "LADYA_SIMD" not in err


def test_ladya_simd_unknown_value_falls_back():
    path, err = simd_in_subprocess("avx9000")
    assert path == SIMD_PATHS[0]
    assert "LADYA_SIMD='avx9000' is not available" in err


def test_select_simd(restore_simd):
    assert SIMD_PATHS[-1] == "scalar"
    for simd in SIMD_PATHS:
        assert acc.select_simd(simd) == simd == acc.simd_path()
    with pytest.raises(ValueError):
        acc.select_simd("avx9000")
    assert acc.simd_path() == SIMD_PATHS[-1]   # a refused name changes nothing
    assert acc.select_simd("") == SIMD_PATHS[0]


# --- search with a net ---------------------------------------------------------

SEARCH_FENS = [
    (chess.STARTING_FEN, False),
    ("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1", False),
    ("8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1", False),
    ("r1bqkb1r/pppp1Qpp/2n2n2/4p3/2B1P3/8/PPPP1PPP/RNB1K1NR b KQkq - 0 4", False),  # mated
    (chess.Board.from_chess960_pos(518 - 100).fen(), True),
]


def search_all(simd, net):
    acc.select_simd(simd)
    searcher = Searcher()
    searcher.set_network(net)
    assert searcher.eval_name.startswith("NNUE ")
    out = []
    for fen, c960 in SEARCH_FENS:
        searcher.clear()
        r = searcher.search(Position(fen, chess960=c960), Limits(depth=6))
        out.append((r.bestmove, r.nodes, r.score, r.depth, tuple(r.pv)))
    return out


def test_search_with_a_net(restore_simd):
    _, _, net = nets(256, 8)
    results = {simd: search_all(simd, net) for simd in SIMD_PATHS}
    best = results[SIMD_PATHS[0]]
    for (fen, c960), (move, nodes, score, depth, pv) in zip(SEARCH_FENS, best):
        board = chess.Board(fen, chess960=c960)
        if board.is_checkmate():
            assert move == "0000"
            continue
        assert board.parse_uci(move) in board.legal_moves   # raises if illegal
        assert depth == 6 and nodes > 0
        for uci in pv:   # the whole PV is a legal line
            board.push(board.parse_uci(uci))
    for simd in SIMD_PATHS:
        assert results[simd] == best, simd   # bit-identical evals: identical trees


def test_searcher_static_eval_uses_the_net():
    _, _, net = nets(256, 8)
    searcher = Searcher()
    bootstrap = [searcher.evaluate(p) for p in sample_positions(20)]
    searcher.set_network(net)
    assert [searcher.evaluate(p) for p in sample_positions(20)] == \
        [acc.evaluate(net, p) for p in sample_positions(20)] != bootstrap
    searcher.set_network(None)
    assert searcher.eval_name.startswith("bootstrap")
    assert [searcher.evaluate(p) for p in sample_positions(20)] == bootstrap
