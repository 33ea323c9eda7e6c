# The trainer's model: HalfKP -> 2x hidden -> 1, fitted in float32.
#
#   a_c = B + sum_{f in active(c)} (A[f] + P[f % 640])      c = stm, nstm
#   h   = clip([a_stm || a_nstm], 0, 1)                      (CReLU, matches QA)
#   y   = C . h + d,   eval = y * scale centipawns
#
# P is the king-independent "virtual" feature set (piece kind x square,
# shared by all 64 king squares): it learns what every king square has in
# common, which our small data sets could not teach 64 times over.  At
# export it is folded into A (A[f] += P[f % 640]).
#
# Gradients, as the design notes derive them (M = unclipped mask, g = dL/dy):
#   dL/dC = g h,  dL/dd = g,  dL/da = g C (.) M,
#   dL/dB = dL/da_stm + dL/da_nstm,  dL/dA[f] = sum of dL/da_c over the
#   samples and perspectives where f is active; dL/dP[q] likewise over f%640 = q.
# X is sparse and binary, so the forward pass sums at most 30 rows and the
# backward pass touches only those rows.  Work is split so that no two
# threads ever write the same gradient cell: samples in parallel for the
# forward pass, hidden columns in parallel for the backward pass.
cimport cython
from cython.parallel cimport prange
from libc.math cimport exp, log
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint64_t, int8_t, int16_t
from nnue.features cimport halfkp_index

import numpy as np

cdef enum:
    MAX_FEATURES = 32
    KING_FREE = 640

LOSS_WDL = 0       # MSE in win-probability space (default)
LOSS_CP = 1        # the notes' plain MSE on centipawn scores


@cython.boundscheck(False)
@cython.wraparound(False)
def encode_records(recs, int perspective_flip=0):
    """Feature indices and labels of data records (training/data.py RECORD).

    Returns (stm [N,32] int32, nstm [N,32] int32, score [N] float32 from the
    side to move's view, result [N] float32 in {0, 0.5, 1} from the side to
    move's view); unused slots are -1.  Feature indices come from
    nnue/features.pxd, the engine's own definition."""
    cdef Py_ssize_t n = len(recs)
    cdef const uint64_t[::1] occ = np.ascontiguousarray(recs["occ"], dtype=np.uint64)
    cdef const uint8_t[:, ::1] pieces = np.ascontiguousarray(recs["pieces"], dtype=np.uint8)
    cdef const uint16_t[::1] packed = np.ascontiguousarray(recs["packed"], dtype=np.uint16)
    cdef const int16_t[::1] score = np.ascontiguousarray(recs["score"], dtype=np.int16)
    cdef const int8_t[::1] result = np.ascontiguousarray(recs["result"], dtype=np.int8)
    stm_a = np.full((n, MAX_FEATURES), -1, np.int32)
    nstm_a = np.full((n, MAX_FEATURES), -1, np.int32)
    score_a = np.empty(n, np.float32)
    result_a = np.empty(n, np.float32)
    cdef int32_t[:, ::1] stm = stm_a
    cdef int32_t[:, ::1] nstm = nstm_a
    cdef float[::1] sc = score_a
    cdef float[::1] res = result_a
    cdef Py_ssize_t i, bad = -1
    cdef int sq, k, code, side, j_s, j_n, c
    cdef int kings[2]
    cdef int sqs[32]
    cdef int codes[32]
    cdef int count
    cdef uint64_t o
    with nogil:
        for i in range(n):
            o = occ[i]
            count = 0
            kings[0] = kings[1] = -1
            while o:
                sq = 0
                while not ((o >> sq) & 1):
                    sq += 1
                o &= o - 1
                if count >= 32:
                    bad = i
                    break
                code = (pieces[i, count >> 1] >> (4 * (count & 1))) & 15
                if code == 0 or code == 7 or code == 8 or code == 15:
                    bad = i
                    break
                if (code & 7) == 6:
                    if kings[code >> 3] != -1:
                        bad = i
                    kings[code >> 3] = sq
                sqs[count] = sq
                codes[count] = code
                count += 1
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
                j_s += 1
                j_n += 1
            sc[i] = score[i]
            c = result[i] if side == 0 else -result[i]
            res[i] = (c + 1) * 0.5
    if bad != -1:
        raise ValueError(f"corrupt record {bad}: bad piece codes or kings")
    return stm_a, nstm_a, score_a, result_a


cdef inline float clip01(float x) noexcept nogil:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
def forward_backward(float[:, ::1] A, float[:, ::1] P, float[::1] B, float[::1] C, float d,
                     const int32_t[:, ::1] stm, const int32_t[:, ::1] nstm,
                     const float[::1] score, const float[::1] target,
                     float[:, ::1] gA, float[:, ::1] gP, float[::1] gB, float[::1] gC,
                     uint8_t[::1] touched, float[:, ::1] work, float[::1] dy,
                     int loss_kind=0, double K=400.0, double scale=400.0,
                     bint factorized=True, int threads=1, bint backward=True):
    """Loss over the batch (mean) and, if backward, gradients of the mean loss
    added into gA/gP/gB/gC (gd is returned).  `target` is the WDL target in
    [0, 1] (LOSS_WDL) and `score` the centipawn score (LOSS_CP).  `work`
    [N, 2H] and `dy` [N] are scratch buffers.  Rows of A that received a
    gradient are flagged in `touched`."""
    cdef Py_ssize_t n = stm.shape[0]
    cdef int H = B.shape[0]
    cdef Py_ssize_t i, j, k, blk
    cdef int f
    cdef float acc_s, acc_n, y, p, t, g, a
    cdef double loss = 0.0, gd = 0.0
    cdef float inv_n = 1.0 / n
    cdef int nblocks, cols, j0, j1
    # per-sample losses, summed serially below: a prange reduction would add
    # in an order that depends on the thread count
    cdef double[::1] lossv = np.empty(n, np.float64)
    if work.shape[0] < n or work.shape[1] < 2 * H or dy.shape[0] < n:
        raise ValueError("scratch buffers too small")

    # 1. forward, one sample per iteration
    for i in prange(n, nogil=True, num_threads=threads, schedule="static"):
        for j in range(H):
            acc_s = B[j]
            acc_n = B[j]
            for k in range(MAX_FEATURES):
                f = stm[i, k]
                if f < 0:
                    break
                acc_s = acc_s + A[f, j]
                if factorized:
                    acc_s = acc_s + P[f % KING_FREE, j]
            for k in range(MAX_FEATURES):
                f = nstm[i, k]
                if f < 0:
                    break
                acc_n = acc_n + A[f, j]
                if factorized:
                    acc_n = acc_n + P[f % KING_FREE, j]
            work[i, j] = acc_s
            work[i, H + j] = acc_n
        y = d
        for j in range(2 * H):
            y = y + C[j] * clip01(work[i, j])
        if loss_kind == 0:
            p = 1.0 / (1.0 + exp(-y * scale / K))
            t = target[i]
            lossv[i] = (p - t) * (p - t)
            g = 2.0 * (p - t) * p * (1.0 - p) * scale / K
        else:
            t = (y * scale - score[i]) / scale
            lossv[i] = t * t
            g = 2.0 * t
        dy[i] = g * inv_n
    for i in range(n):
        loss += lossv[i]
        gd += dy[i]
    if not backward:
        return loss * inv_n, 0.0

    # 2. output layer and dL/da, hidden columns in parallel
    for j in prange(H, nogil=True, num_threads=threads, schedule="static"):
        for i in range(n):
            a = work[i, j]
            gC[j] += dy[i] * clip01(a)
            work[i, j] = dy[i] * C[j] if 0.0 < a < 1.0 else 0.0
            a = work[i, H + j]
            gC[H + j] += dy[i] * clip01(a)
            work[i, H + j] = dy[i] * C[H + j] if 0.0 < a < 1.0 else 0.0
            gB[j] += work[i, j] + work[i, H + j]

    # 3. scatter into the touched rows, column blocks in parallel
    for i in range(n):
        for k in range(MAX_FEATURES):
            f = stm[i, k]
            if f < 0:
                break
            touched[f] = 1
        for k in range(MAX_FEATURES):
            f = nstm[i, k]
            if f < 0:
                break
            touched[f] = 1
    cols = 16
    nblocks = (H + cols - 1) // cols
    for blk in prange(nblocks, nogil=True, num_threads=threads, schedule="dynamic"):
        j0 = blk * cols
        j1 = j0 + cols
        if j1 > H:
            j1 = H
        for i in range(n):
            for k in range(MAX_FEATURES):
                f = stm[i, k]
                if f < 0:
                    break
                for j in range(j0, j1):
                    gA[f, j] += work[i, j]
                    if factorized:
                        gP[f % KING_FREE, j] += work[i, j]
            for k in range(MAX_FEATURES):
                f = nstm[i, k]
                if f < 0:
                    break
                for j in range(j0, j1):
                    gA[f, j] += work[i, H + j]
                    if factorized:
                        gP[f % KING_FREE, j] += work[i, H + j]
    return loss * inv_n, gd


def wdl_target(score, result, double lam=1.0, double K=400.0):
    """lambda * sigmoid(score / K) + (1 - lambda) * result (side to move's view).

    lambda weights the search score; 1 - lambda weights the game result."""
    score = np.asarray(score, np.float64)
    return (lam / (1.0 + np.exp(-score / K)) + (1.0 - lam) * np.asarray(result, np.float64)).astype(np.float32)
