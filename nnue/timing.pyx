# Timing drivers of benchmarks/nnue.py: the accumulator's work along every
# legal move of a set of positions, in nogil loops, and the SIMD kernels
# alone on the same rows.
from libc.stdlib cimport malloc, free
from libc.stdint cimport int32_t, int64_t
from engine.types cimport MAX_MOVES
from engine.board cimport DirtyPiece, make_move, unmake_move, board_reserve
from engine.movegen cimport generate_moves, GEN_ALL
from engine.position cimport Position
from nnue.network cimport Network
from nnue.features cimport active_features_for, MAX_ACTIVE_FEATURES
from nnue.accumulator cimport (AccStack, LyMove, acc_alloc, acc_free, acc_set_root, acc_push,
                               acc_update, acc_at, nnue_evaluate, row_king, changes_king_block,
                               acc_move_rows)
from nnue.kernels cimport ly_kernels, ly_kernels_select

import time

from nnue.accumulator import simd_path

cdef extern from "../search/sync.h" nogil:
    int64_t ly_now_ms()


def time_eval(Network net not None, list fens, int repeats, bint incremental):
    """(seconds, evaluations): full refresh of each position, or incremental
    updates along each legal move and back (the search's pattern)."""
    return _time(net, fens, repeats, incremental, True)


def time_update(Network net not None, list fens, int repeats, bint incremental):
    """time_eval without the output layer: (seconds, accumulator pairs
    brought up to date), to time the transformer update on its own."""
    return _time(net, fens, repeats, incremental, False)


def time_baseline(list fens, int repeats):
    """The loop of time_eval without any NNUE work (make and unmake each
    legal move): (seconds, moves), the overhead to subtract."""
    cdef Position pos
    cdef int _r, i, n
    cdef long long count = 0
    cdef int64_t t0
    cdef unsigned short moves[MAX_MOVES]
    positions = [Position(f) for f in fens]
    t0 = ly_now_ms()
    for pos in positions:
        board_reserve(&pos.b, 4)
        n = generate_moves(&pos.b, moves, GEN_ALL)
        with nogil:
            for _r in range(repeats):
                for i in range(n):
                    make_move(&pos.b, moves[i])
                    unmake_move(&pos.b)
                    count += 1
    return (ly_now_ms() - t0) / 1000.0, count


def time_kernel(Network net not None, list fens, int repeats, bint incremental):
    """The SIMD kernels alone, on the rows time_update reads: (seconds,
    accumulator pairs) of the refresh kernel over each legal move's feature
    rows (both perspectives), or of the move kernel with each move's rows
    (moves that refresh a king's side are left out).  The rows are found
    beforehand, so what time_update costs beyond this (and make+unmake) is
    bookkeeping.  Runs the kernel path nnue.accumulator has selected."""
    cdef AccStack a
    cdef Position pos
    cdef const DirtyPiece* d
    cdef LyMove* rows = NULL
    cdef int32_t* feats = NULL
    cdef int* counts = NULL
    cdef int _r, i, c, n, k
    cdef long long count = 0
    cdef double seconds = 0
    cdef unsigned short moves[MAX_MOVES]
    # This module's copy of the dispatch table (nnue/kernels.pxd).
    if ly_kernels_select(simd_path().encode()) != 0:
        raise RuntimeError(f"kernel path {simd_path()!r} not available to nnue.timing")
    a.raw = NULL
    acc_alloc(&a, net.net.hidden)
    rows = <LyMove*>malloc(MAX_MOVES * sizeof(LyMove))
    feats = <int32_t*>malloc(MAX_MOVES * 2 * MAX_ACTIVE_FEATURES * sizeof(int32_t))
    counts = <int*>malloc(MAX_MOVES * 2 * sizeof(int))
    try:
        if rows == NULL or feats == NULL or counts == NULL:
            raise MemoryError("cannot allocate the kernel benchmark")
        for fen in fens:
            pos = Position(fen)
            board_reserve(&pos.b, 4)
            acc_set_root(&a, &net.net, &pos.b)
            n = generate_moves(&pos.b, moves, GEN_ALL)
            k = 0
            for i in range(n):
                make_move(&pos.b, moves[i])
                d = &pos.b.st.dirty
                if not incremental:
                    for c in range(2):
                        counts[2 * k + c] = active_features_for(&pos.b, c, row_king(&net.net, &pos.b, c),
                                                                feats + (2 * k + c) * MAX_ACTIVE_FEATURES)
                    k += 1
                elif not (changes_king_block(&net.net, d, 0) or changes_king_block(&net.net, d, 1)):
                    acc_move_rows(&net.net, &pos.b, d, &rows[k])
                    for c in range(2):
                        rows[k].src[c] = acc_at(&a, 0, c)
                        rows[k].dst[c] = acc_at(&a, 1, c)
                    k += 1
                unmake_move(&pos.b)
            t0 = time.thread_time()
            with nogil:
                for _r in range(repeats):
                    for i in range(k):
                        if incremental:
                            ly_kernels.update_move(&rows[i], a.hidden)
                        else:
                            for c in range(2):
                                ly_kernels.update(acc_at(&a, 1, c), net.net.ft_b, net.net.ft_w,
                                                  feats + (2 * i + c) * MAX_ACTIVE_FEATURES,
                                                  counts[2 * i + c], NULL, 0, a.hidden)
            seconds += time.thread_time() - t0
            count += <long long>k * repeats
        return seconds, count
    finally:
        free(rows)
        free(feats)
        free(counts)
        acc_free(&a)


cdef _time(Network net, list fens, int repeats, bint incremental, bint output):
    cdef AccStack a
    cdef Position pos
    cdef int _r, i, n
    cdef long long count = 0
    cdef int64_t t0
    cdef unsigned short moves[MAX_MOVES]
    cdef volatile int sink = 0
    a.raw = NULL
    acc_alloc(&a, net.net.hidden)
    positions = [Position(f) for f in fens]
    try:
        t0 = ly_now_ms()
        for pos in positions:
            board_reserve(&pos.b, 4)
            n = generate_moves(&pos.b, moves, GEN_ALL)
            with nogil:
                # The root is set up once per position: the repeats time the
                # per-move work, not one refresh per pass.
                acc_set_root(&a, &net.net, &pos.b)
                for _r in range(repeats):
                    for i in range(n):
                        make_move(&pos.b, moves[i])
                        if incremental:
                            acc_push(&a, &pos.b)
                        else:
                            acc_set_root(&a, &net.net, &pos.b)     # both perspectives from scratch
                        if output:
                            sink += nnue_evaluate(&a, &net.net, &pos.b)
                        else:
                            acc_update(&a, &net.net, &pos.b)
                            sink += acc_at(&a, pos.b.sp - a.root_sp, 1)[0]
                        unmake_move(&pos.b)
                        count += 1
        return (ly_now_ms() - t0) / 1000.0, count
    finally:
        acc_free(&a)
