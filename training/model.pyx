# The trainer's model: HalfKP -> 2x hidden -> 1, fitted in float32.
#
#   a_c = B + sum_{f in active(c)} (A[f] + P[f % 640])      c = stm, nstm
#   h   = clip([a_stm || a_nstm], 0, 1)                      (CReLU, matches QA)
#         or its square (SCReLU, activation=1)
#   y   = C . h + d,   eval = y * scale centipawns
#
# P is the king-independent "virtual" feature set (piece kind x square,
# shared by all 64 king squares): it learns what every king square has in
# common, which our small data sets could not teach 64 times over.  At
# export it is folded into A (A[f] += P[f % 640]).
#
# Gradients, as the design notes derive them (M = unclipped mask, g = dL/dy):
#   dL/dC = g h,  dL/dd = g,  dL/da = g C (.) M   (SCReLU: g C (.) 2a (.) M),
#   dL/dB = dL/da_stm + dL/da_nstm,  dL/dA[f] = sum of dL/da_c over the
#   samples and perspectives where f is active; dL/dP[q] likewise over f%640 = q.
# X is sparse and binary, so the forward pass sums at most 30 rows and the
# backward pass touches only those rows.  Work is split so that no two
# threads ever write the same gradient cell: chunks of samples in parallel
# for the forward pass and the output layer, hidden columns in parallel for
# the scatter into the feature rows.
cimport cython
from cython.parallel cimport prange
from libc.math cimport exp
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint64_t, int8_t, int16_t
from nnue.features cimport halfkp_index, HALFKP_FEATURES, KING_BLOCK, MAX_ACTIVE_FEATURES
from engine.record cimport unpack_pieces, RECORD_MAX_PIECES
from training.float_kernels cimport lyf, lyf_select

import numpy as np

LOSS_WDL = 0       # MSE in win-probability space (default)
LOSS_CP = 1        # the notes' plain MSE on centipawn scores


@cython.boundscheck(False)
@cython.wraparound(False)
def encode_records(recs, mirror=None, remap=None):
    """Feature indices and labels of data records (training/data.py RECORD).

    Returns (stm [N, MAX_ACTIVE_FEATURES] int32, nstm [N, MAX_ACTIVE_FEATURES]
    int32, score [N] float32 from the side to move's view, result [N] float32
    in {0, 0.5, 1} from the side to move's view); unused slots are -1.  Feature indices come from
    nnue/features.pxd, the engine's own definition.  `mirror` (optional
    [N] bool) encodes the flagged positions mirrored left to right (file a
    <-> h): the same evaluation, since the features do not see castling
    rights, with the kings on other squares (training augmentation).
    `remap` (optional int32 [40960], training/buckets.py) maps each HalfKP
    index to the row the trainer fits (king buckets).  The pieces are
    decoded by the record codec's unpack_pieces (engine/record.pyx)."""
    cdef Py_ssize_t n = len(recs)
    mirror_a = np.zeros(n, np.uint8) if mirror is None else \
        np.ascontiguousarray(mirror, dtype=np.bool_).view(np.uint8)
    if mirror_a.shape[0] != n:
        raise ValueError(f"mirror has {mirror_a.shape[0]} flags for {n} records")
    cdef const uint8_t[::1] flip = mirror_a
    remap_a = np.zeros(1, np.int32) if remap is None else np.ascontiguousarray(remap, dtype=np.int32)
    if remap is not None and remap_a.shape[0] != HALFKP_FEATURES:
        raise ValueError(f"remap has {remap_a.shape[0]} entries, expected {HALFKP_FEATURES}")
    cdef const int32_t[::1] rows = remap_a
    cdef bint remapped = remap is not None
    cdef int fx
    cdef const uint64_t[::1] occ = np.ascontiguousarray(recs["occ"], dtype=np.uint64)
    cdef const uint8_t[:, ::1] pieces = np.ascontiguousarray(recs["pieces"], dtype=np.uint8)
    cdef const uint16_t[::1] packed = np.ascontiguousarray(recs["packed"], dtype=np.uint16)
    cdef const int16_t[::1] score = np.ascontiguousarray(recs["score"], dtype=np.int16)
    cdef const int8_t[::1] result = np.ascontiguousarray(recs["result"], dtype=np.int8)
    stm_a = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    nstm_a = np.full((n, MAX_ACTIVE_FEATURES), -1, np.int32)
    score_a = np.empty(n, np.float32)
    result_a = np.empty(n, np.float32)
    cdef int32_t[:, ::1] stm = stm_a
    cdef int32_t[:, ::1] nstm = nstm_a
    cdef float[::1] sc = score_a
    cdef float[::1] res = result_a
    cdef Py_ssize_t i, bad = -1
    cdef int k, side, j_s, j_n, c
    cdef int kings[2]
    cdef int sqs[RECORD_MAX_PIECES]
    cdef int codes[RECORD_MAX_PIECES]
    cdef int count
    with nogil:
        for i in range(n):
            fx = 7 if flip[i] else 0
            count = unpack_pieces(occ[i], &pieces[i, 0], sqs, codes)
            if count < 0:
                bad = i
                break
            kings[0] = kings[1] = -1
            for k in range(count):
                sqs[k] = sqs[k] ^ fx
                if (codes[k] & 7) == 6:
                    if kings[codes[k] >> 3] != -1:
                        bad = i
                    kings[codes[k] >> 3] = sqs[k]
            if bad != -1 or kings[0] == -1 or kings[1] == -1:
                bad = i
                break
            side = packed[i] & 1
            j_s = j_n = 0
            for k in range(count):
                if (codes[k] & 7) == 6:
                    continue
                stm[i, j_s] = halfkp_index(side, kings[side], codes[k], sqs[k])
                nstm[i, j_n] = halfkp_index(side ^ 1, kings[side ^ 1], codes[k], sqs[k])
                if remapped:
                    stm[i, j_s] = rows[stm[i, j_s]]
                    nstm[i, j_n] = rows[nstm[i, j_n]]
                j_s += 1
                j_n += 1
            sc[i] = score[i]
            c = result[i] if side == 0 else -result[i]
            res[i] = (c + 1) * 0.5
    if bad != -1:
        raise ValueError(f"corrupt record {bad}: bad piece codes or kings")
    return stm_a, nstm_a, score_a, result_a


# Row kernels (training/float_kernels.h): float rows, vectorized for the
# best instruction set the CPU has, the same results on every one.
def select_kernels(str name=""):
    """Use the row kernels of one instruction set ("avx2", "base", "scalar";
    "" = the best this CPU runs).  ValueError if this build or CPU has no
    such path."""
    from training import optim     # its own copy of the dispatch table
    if lyf_select(name.encode()) != 0:
        raise ValueError(f"no trainer kernels {name!r} on this CPU/build")
    optim.select_kernels(name)
    return kernel_path()


def kernel_path():
    """The instruction set the trainer's row kernels use now."""
    return lyf.name.decode()


select_kernels()


cdef enum:
    # samples per partial sum of gB/gC: fixed, so that the sums do not depend
    # on the thread count
    CHUNK = 64


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
def forward_backward(float[:, ::1] A, float[:, ::1] P, float[::1] B, float[::1] C, float d,
                     const int32_t[:, ::1] stm, const int32_t[:, ::1] nstm,
                     const float[::1] score, const float[::1] target,
                     float[:, ::1] gA, float[:, ::1] gP, float[::1] gB, float[::1] gC,
                     uint8_t[::1] touched, float[:, ::1] work, float[::1] dy,
                     int loss_kind=0, double K=400.0, double scale=400.0,
                     bint factorized=True, int threads=1, bint backward=True, int activation=0,
                     float[:, ::1] fused=None, uint8_t[::1] used=None):
    """Loss over the batch (mean) and, if backward, gradients of the mean loss
    added into gA/gP/gB/gC (gd is returned).  `target` is the WDL target in
    [0, 1] (LOSS_WDL) and `score` the centipawn score (LOSS_CP).  `work`
    [N, 2H] and `dy` [N] are scratch buffers.  Rows of A that received a
    gradient are flagged in `touched`; rows of gA not flagged must be zero
    (as step_rows leaves them).  activation: 0 CReLU, 1 SCReLU (the
    nnue/format.py codes).  Results do not depend on `threads`.

    With the factorizer, `fused` (shaped like A) and `used` (one flag per
    row of A, all zero) are optional scratch: the rows the batch uses are
    summed once, A[f] + P[f % 640], so the forward pass adds one row per
    feature instead of two (the same float sums as without them, so the
    same results); `used` is left zero again."""
    cdef Py_ssize_t n = stm.shape[0]
    cdef int H = B.shape[0]
    cdef Py_ssize_t i, j, k, c, blk, q, r
    cdef int f, nchunks, nblocks, cols, j0, j1
    cdef float y, p, t, g
    cdef double loss = 0.0, gd = 0.0
    cdef float inv_n = 1.0 / n
    cdef float* ws
    cdef float* wn
    cdef bint p_direct = False
    cdef Py_ssize_t nrows = touched.shape[0]
    cdef bint squared = activation == 1
    cdef bint use_fused = factorized and fused is not None
    if activation not in (0, 1):
        raise ValueError(f"unknown activation {activation}")
    if stm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[0] != n:
        raise ValueError(f"stm and nstm must be [N, {MAX_ACTIVE_FEATURES}] (encode_records)")
    if work.shape[0] < n or work.shape[1] < 2 * H or dy.shape[0] < n:
        raise ValueError("scratch buffers too small")
    nchunks = (n + CHUNK - 1) // CHUNK
    # per-sample losses and per-chunk partial gradients, summed serially below:
    # a reduction across threads would add in an order that depends on their number
    cdef double[::1] lossv = np.empty(n, np.float64)
    cdef float[:, ::1] gCp = np.zeros((nchunks if backward else 1, 2 * H), np.float32)
    cdef float[:, ::1] gBp = np.zeros((nchunks if backward else 1, H), np.float32)
    if use_fused:
        if used is None or used.shape[0] != nrows or fused.shape[0] != nrows or fused.shape[1] != H:
            raise ValueError("fused needs A's shape and used one flag per row")
        # 0. the fused rows of the features this batch uses
        for i in range(n):
            for k in range(MAX_ACTIVE_FEATURES):
                f = stm[i, k]
                if f < 0:
                    break
                used[f] = 1
            for k in range(MAX_ACTIVE_FEATURES):
                f = nstm[i, k]
                if f < 0:
                    break
                used[f] = 1
        for r in prange(nrows, nogil=True, num_threads=threads, schedule="static"):
            if used[r]:
                used[r] = 0
                lyf.row_sum(&fused[r, 0], &A[r, 0], &P[r % KING_BLOCK, 0], H)

    # 1. forward and output layer, chunks of samples in parallel: the
    # accumulators are built row by row into work[i], which then receives dL/da
    for c in prange(nchunks, nogil=True, num_threads=threads, schedule="static"):
        for i in range(c * CHUNK, min((c + 1) * CHUNK, n)):
            ws = &work[i, 0]
            wn = &work[i, H]
            for j in range(H):
                ws[j] = B[j]
                wn[j] = B[j]
            for k in range(MAX_ACTIVE_FEATURES):
                f = stm[i, k]
                if f < 0:
                    break
                if use_fused:
                    lyf.row_add(ws, &fused[f, 0], H)
                elif factorized:
                    lyf.row_add2(ws, &A[f, 0], &P[f % KING_BLOCK, 0], H)
                else:
                    lyf.row_add(ws, &A[f, 0], H)
            for k in range(MAX_ACTIVE_FEATURES):
                f = nstm[i, k]
                if f < 0:
                    break
                if use_fused:
                    lyf.row_add(wn, &fused[f, 0], H)
                elif factorized:
                    lyf.row_add2(wn, &A[f, 0], &P[f % KING_BLOCK, 0], H)
                else:
                    lyf.row_add(wn, &A[f, 0], H)
            y = d + lyf.output(ws, &C[0], 2 * H, squared)
            if loss_kind == 0:
                p = 1.0 / (1.0 + exp(-y * scale / K))
                t = target[i]
                lossv[i] = (p - t) * (p - t)
                g = 2.0 * (p - t) * p * (1.0 - p) * scale / K
            else:
                t = (y * scale - score[i]) / scale
                lossv[i] = t * t
                g = 2.0 * t
            g = g * inv_n
            dy[i] = g
            if backward:
                lyf.output_backward(ws, &C[0], &gCp[c, 0], g, 2 * H, squared)
                for j in range(H):
                    gBp[c, j] += ws[j] + wn[j]
    for i in range(n):
        loss += lossv[i]
        gd += dy[i]
    if not backward:
        return loss * inv_n, 0.0
    for c in range(nchunks):
        for j in range(2 * H):
            gC[j] += gCp[c, j]
        for j in range(H):
            gB[j] += gBp[c, j]

    # 2. scatter dL/da into the rows of the active features, column blocks in
    # parallel (each gradient cell is summed in sample order by one thread).
    # The factorizer's gradient is the sum of gA over the 64 king squares, so
    # it is gathered from gA afterwards, one row per touched feature instead of
    # one per active feature -- unless rows were flagged before this call
    # (gradients accumulated over several calls), which gA then holds too.
    if factorized:
        for r in range(nrows):
            if touched[r]:
                p_direct = True
                break
    nblocks = min(max(H // 16, 1), 2 * threads)
    cols = ((H + nblocks - 1) // nblocks + 15) // 16 * 16
    nblocks = (H + cols - 1) // cols
    for blk in prange(nblocks, nogil=True, num_threads=threads, schedule="dynamic"):
        j0 = blk * cols
        j1 = min(j0 + cols, H)
        for i in range(n):
            for k in range(MAX_ACTIVE_FEATURES):
                f = stm[i, k]
                if f < 0:
                    break
                if blk == 0:
                    touched[f] = 1
                lyf.row_add(&gA[f, j0], &work[i, j0], j1 - j0)
                if p_direct:
                    lyf.row_add(&gP[f % KING_BLOCK, j0], &work[i, j0], j1 - j0)
            for k in range(MAX_ACTIVE_FEATURES):
                f = nstm[i, k]
                if f < 0:
                    break
                if blk == 0:
                    touched[f] = 1
                lyf.row_add(&gA[f, j0], &work[i, H + j0], j1 - j0)
                if p_direct:
                    lyf.row_add(&gP[f % KING_BLOCK, j0], &work[i, H + j0], j1 - j0)
    if factorized and not p_direct:
        for q in prange(KING_BLOCK, nogil=True, num_threads=threads, schedule="static"):
            r = q
            while r < nrows:
                if touched[r]:
                    lyf.row_add(&gP[q, 0], &gA[r, 0], H)
                r = r + KING_BLOCK
    return loss * inv_n, gd


def wdl_target(score, result, double lam=1.0, double K=400.0):
    """lambda * sigmoid(score / K) + (1 - lambda) * result (side to move's view).

    lambda weights the search score; 1 - lambda weights the game result."""
    score = np.asarray(score, np.float64)
    return (lam / (1.0 + np.exp(-score / K))
            + (1.0 - lam) * np.asarray(result, np.float64)).astype(np.float32)
