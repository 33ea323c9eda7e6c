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
# With separate transformers (the design notes' A1 != A2) the side not to
# move has its own A, P and B: they are stacked below the side to move's
# (A has twice the rows, P 2 x 640, B 2H), and its features index the lower
# half.
#
# Gradients, as the design notes derive them (M = unclipped mask, g = dL/dy):
#   dL/dC = g h,  dL/dd = g,  dL/da = g C (.) M   (SCReLU: g C (.) 2a (.) M),
#   dL/dB = dL/da_stm + dL/da_nstm (separate: dL/dB1, dL/dB2 one each),
#   dL/dA[f] = sum of dL/da_c over the
#   samples and perspectives where f is active; dL/dP[q] likewise over f%640 = q.
# g for each loss (p = sigmoid(y scale / K), t the WDL target, z = y scale / K):
#   mse   L = (p - t)^2                 g = 2 (p - t) p (1 - p) scale / K
#   huber L = Huber_delta(p - t)        g = clip(p - t, -delta, delta) p (1 - p) scale / K
#   ce    L = -t ln p - (1-t) ln(1-p) - H(t)      g = (p - t) scale / K
#   cp    L = ((y scale - score) / scale)^2       g = 2 (y scale - score) / scale
# X is sparse and binary, so the forward pass sums at most 30 rows and the
# backward pass touches only those rows.
#
# A sample's two accumulators ("halves": stm, nstm) run separately, in the
# order of their king buckets: all the halves that use one block of 640 rows
# run together, so that the block stays in L2 for the forward pass and the
# scatter (docs/training.md "Bucket order").  The batch's halves are cut into
# SHARDS fixed slices: each slice sums its halves' accumulators into a
# buffer of the batch; then, sample by sample, the loss and the output layer
# turn them into dL/da; then each slice scatters its halves' dL/da into its
# own gradient rows (only the rows the batch uses, numbered compactly), and
# the slices' rows are summed in slice order, in parallel over rows.
# No two threads ever write the same cell and every sum runs in an order
# fixed by the batch alone, so the results do not depend on the thread count.
cimport cython
from cython.parallel cimport prange
from libc.math cimport exp, log, log1p, fabs
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint64_t, int8_t, int16_t
from nnue.features cimport halfkp_index, HALFKP_FEATURES, KING_BLOCK, MAX_ACTIVE_FEATURES
from engine.record cimport unpack_pieces, RECORD_MAX_PIECES
from training.float_kernels cimport lyf, lyf_select

import numpy as np

cdef enum:
    # samples per partial sum of gB/gC: fixed, so that the sums do not depend
    # on the thread count
    CHUNK = 64
    PARALLEL_ROWS = 4096    # fewer rows than this are not worth waking a thread for
    PARALLEL_ENCODE = 2048  # nor fewer records than this
    # slices of a batch with their own gradient rows (at most this many
    # threads work on a batch at once)
    SHARD_COUNT = 4

cdef enum:
    K_MSE = 0       # MSE of the win probability against the WDL target (default)
    K_CP = 1        # the notes' plain MSE on centipawn scores
    K_HUBER = 2     # Huber loss of the win probability's error (lecture 004)
    K_CE = 3        # cross-entropy of the win probability against the WDL target (notes 001)

LOSS_MSE, LOSS_CP, LOSS_HUBER, LOSS_CE = K_MSE, K_CP, K_HUBER, K_CE
#: --loss names (training/train.py) -> loss_kind
LOSSES = {"mse": LOSS_MSE, "huber": LOSS_HUBER, "ce": LOSS_CE, "cp": LOSS_CP}
SHARDS = SHARD_COUNT


cdef inline bint encode_one(uint64_t occ, const uint8_t* pieces, uint16_t packed, int fx,
                            const int32_t* rows, bint remapped, int32_t* stm, int32_t* nstm) noexcept nogil:
    """One record's features into its rows of stm / nstm; False for a corrupt
    record (bad piece codes, a missing or a second king).  The scratch arrays
    live on this call's stack, so threads may encode records side by side."""
    cdef int sqs[RECORD_MAX_PIECES]
    cdef int codes[RECORD_MAX_PIECES]
    cdef int kings[2]
    cdef int k, side, j = 0
    cdef int count = unpack_pieces(occ, pieces, sqs, codes)
    if count < 0:
        return False
    kings[0] = kings[1] = -1
    for k in range(count):
        sqs[k] = sqs[k] ^ fx
        if (codes[k] & 7) == 6:
            if kings[codes[k] >> 3] != -1:
                return False
            kings[codes[k] >> 3] = sqs[k]
    if kings[0] == -1 or kings[1] == -1:
        return False
    side = packed & 1
    for k in range(count):
        if (codes[k] & 7) == 6:
            continue
        stm[j] = halfkp_index(side, kings[side], codes[k], sqs[k])
        nstm[j] = halfkp_index(side ^ 1, kings[side ^ 1], codes[k], sqs[k])
        if remapped:
            stm[j] = rows[stm[j]]
            nstm[j] = rows[nstm[j]]
        j += 1
    for k in range(j, MAX_ACTIVE_FEATURES):
        stm[k] = -1
        nstm[k] = -1
    return True


@cython.boundscheck(False)
@cython.wraparound(False)
def encode_records(recs, mirror=None, remap=None, int threads=1, scratch=None):
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
    decoded by the record codec's unpack_pieces (engine/record.pyx).
    `threads` encode records side by side (each writes only its own rows,
    so the output does not depend on it).  With `scratch` (a Scratch) the
    arrays are views of its buffers, valid until its next use: a training
    step's batch then costs no fresh memory (page faults were a sixth of
    the encode)."""
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
    cdef const uint64_t[::1] occ = np.ascontiguousarray(recs["occ"], dtype=np.uint64)
    cdef const uint8_t[:, ::1] pieces = np.ascontiguousarray(recs["pieces"], dtype=np.uint8)
    cdef const uint16_t[::1] packed = np.ascontiguousarray(recs["packed"], dtype=np.uint16)
    cdef const int16_t[::1] score = np.ascontiguousarray(recs["score"], dtype=np.int16)
    cdef const int8_t[::1] result = np.ascontiguousarray(recs["result"], dtype=np.int8)
    if scratch is None:
        scratch = Scratch()
    stm_a = scratch.get("enc_stm", (n, MAX_ACTIVE_FEATURES), np.int32)[:n]
    nstm_a = scratch.get("enc_nstm", (n, MAX_ACTIVE_FEATURES), np.int32)[:n]
    score_a = scratch.get("enc_score", (n,), np.float32)[:n]
    result_a = scratch.get("enc_result", (n,), np.float32)[:n]
    ok_a = scratch.get("enc_ok", (n,), np.uint8)[:n]
    cdef int32_t[:, ::1] stm = stm_a
    cdef int32_t[:, ::1] nstm = nstm_a
    cdef float[::1] sc = score_a
    cdef float[::1] res = result_a
    cdef uint8_t[::1] ok = ok_a
    cdef Py_ssize_t i
    cdef int c
    if n == 0:
        return stm_a, nstm_a, score_a, result_a
    # small batches (validation slices, tests) are not worth waking threads for
    if n < PARALLEL_ENCODE:
        threads = 1
    for i in prange(n, nogil=True, num_threads=max(threads, 1), schedule="static"):
        ok[i] = encode_one(occ[i], &pieces[i, 0], packed[i], 7 if flip[i] else 0, &rows[0], remapped,
                           &stm[i, 0], &nstm[i, 0])
        sc[i] = score[i]
        c = result[i] if (packed[i] & 1) == 0 else -result[i]
        res[i] = (c + 1) * 0.5
    bad = np.flatnonzero(ok_a == 0)
    if len(bad):
        raise ValueError(f"corrupt record {bad[0]}: bad piece codes or kings")
    return stm_a, nstm_a, score_a, result_a


# Row kernels (training/float_kernels.h): float rows, vectorized for the
# best instruction set the CPU has, the same results on every one.
def select_kernels(str name=""):
    """Use the row kernels of one instruction set ("avx512", "avx2", "base", "scalar";
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


cdef inline double entropy(double t) noexcept nogil:
    """-t ln t - (1 - t) ln(1 - t), 0 at t = 0 and 1."""
    cdef double h = 0.0
    if t > 0.0:
        h -= t * log(t)
    if t < 1.0:
        h -= (1.0 - t) * log(1.0 - t)
    return h


cdef inline float sample_loss(float y, float t, float score, int kind, double K, double scale,
                              double delta, double* loss) noexcept nogil:
    """One sample's loss (into *loss) and its dL/dy (the header's table)."""
    cdef float p, e
    cdef double z
    if kind == K_CP:
        e = (y * scale - score) / scale
        loss[0] = e * e
        return 2.0 * e
    p = 1.0 / (1.0 + exp(-y * scale / K))
    e = p - t
    if kind == K_MSE:
        loss[0] = e * e
        return 2.0 * e * p * (1.0 - p) * scale / K
    if kind == K_HUBER:
        if fabs(e) <= delta:
            loss[0] = 0.5 * e * e
            return <double>e * p * (1.0 - p) * scale / K
        loss[0] = delta * (fabs(e) - 0.5 * delta)
        return (delta if e > 0 else -delta) * p * (1.0 - p) * scale / K
    # cross-entropy, from the logit: -t ln p - (1-t) ln(1-p) = softplus(z) - t z
    z = y * scale / K
    loss[0] = (z if z > 0 else 0.0) + log1p(exp(-fabs(z))) - t * z - entropy(t)
    return e * scale / K


cdef inline int active(const int32_t* idx) noexcept nogil:
    """The number of features in a slot list (filled from the first, -1 after)."""
    cdef int k = 0
    while k < MAX_ACTIVE_FEATURES and idx[k] >= 0:
        k += 1
    return k


cdef inline int first_shard(const int32_t* lo, const int32_t* hi, Py_ssize_t u) noexcept nogil:
    """The first slice whose rows (slots lo..hi) include u."""
    cdef int k = 0
    while k < SHARD_COUNT - 1 and not (lo[k] <= u <= hi[k]):
        k += 1
    return k


cdef inline int last_shard(const int32_t* lo, const int32_t* hi, Py_ssize_t u) noexcept nogil:
    """The last slice whose rows (slots lo..hi) include u."""
    cdef int k = SHARD_COUNT - 1
    while k > 0 and not (lo[k] <= u <= hi[k]):
        k -= 1
    return k


class Scratch:
    """Buffers forward_backward keeps from batch to batch, so that a step
    allocates next to nothing; each grows when a batch needs more."""

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, dtype, zeroed=False, axis=0):
        """The buffer `name`: `shape` but at least as long on `axis` (grown
        by a quarter when it is not); `zeroed` buffers start zero (and the
        caller leaves them zero)."""
        a = self._arrays.get(name)
        if a is None or a.dtype != dtype or a.ndim != len(shape) or a.shape[axis] < shape[axis] \
                or any(x != y for k, (x, y) in enumerate(zip(a.shape, shape)) if k != axis):
            grown = list(shape)
            if a is not None and a.shape[axis] < shape[axis]:
                grown[axis] = shape[axis] + shape[axis] // 4
            a = (np.zeros if zeroed else np.empty)(tuple(grown), dtype)
            self._arrays[name] = a
        return a


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
def forward_backward(float[:, ::1] A, float[:, ::1] P, float[::1] B, float[::1] C, float d,
                     const int32_t[:, ::1] stm, const int32_t[:, ::1] nstm,
                     const float[::1] score, const float[::1] target,
                     float[:, ::1] gA, float[:, ::1] gP, float[::1] gB, float[::1] gC,
                     uint8_t[::1] touched, scratch=None,
                     int loss_kind=K_MSE, double K=400.0, double scale=400.0,
                     bint factorized=True, int threads=1, bint backward=True, int activation=0,
                     double huber_delta=0.1, bint separate=False):
    """Loss over the batch (mean) and, if backward, gradients of the mean loss
    added into gA/gP/gB/gC (gd is returned).  `target` is the WDL target in
    [0, 1] and `score` the centipawn score (LOSS_CP).  Rows of A that
    received a gradient are flagged in `touched`.  activation: 0 CReLU, 1
    SCReLU (the nnue/format.py codes).  `separate`: A, P and B hold two
    transformers (the module header).  `scratch` (a Scratch, optional)
    keeps the buffers for the next call.  Results do not depend on `threads`.

    With the factorizer the rows the batch uses are summed once, A[f] +
    P[f % 640], so that the forward pass adds one row per feature."""
    if scratch is None:
        scratch = Scratch()
    cdef Py_ssize_t n = stm.shape[0]
    cdef int H = C.shape[0] // 2
    cdef int T = 2 if separate else 1
    cdef Py_ssize_t nrows = A.shape[0]
    cdef Py_ssize_t R = nrows // T           # rows of one transformer
    cdef Py_ssize_t noff = R if separate else 0      # the side not to move's rows, P rows, B
    cdef int boff = H if separate else 0
    cdef Py_ssize_t i, j, k, c, q, r, u, U = 0, cap, p, h, n2 = 2 * n
    cdef int nchunks, cs, cn, row_threads, kf, kl, side
    cdef int nb = R // KING_BLOCK            # king buckets of a transformer
    cdef int nkeys = T * nb
    cdef float y, g
    cdef double loss = 0.0, gd = 0.0
    cdef float inv_n = 1.0 / n
    cdef float* ws
    cdef int32_t* ci
    cdef bint squared = activation == 1
    if activation not in (0, 1):
        raise ValueError(f"unknown activation {activation}")
    if loss_kind not in (K_MSE, K_CP, K_HUBER, K_CE):
        raise ValueError(f"unknown loss {loss_kind}")
    if stm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[0] != n:
        raise ValueError(f"stm and nstm must be [N, {MAX_ACTIVE_FEATURES}] (encode_records)")
    if n < 1 or score.shape[0] < n or target.shape[0] < n:
        raise ValueError("the batch's arrays do not match")
    if B.shape[0] != T * H or P.shape[0] != T * KING_BLOCK or P.shape[1] != H or A.shape[1] != H \
            or nrows % (T * KING_BLOCK) or gA.shape[0] != nrows or gP.shape[0] != P.shape[0] \
            or gB.shape[0] != B.shape[0] or gC.shape[0] != 2 * H or touched.shape[0] != nrows:
        raise ValueError("parameter or gradient shapes do not match "
                         f"({'separate' if separate else 'shared'} transformer, hidden {H})")
    nchunks = (n + CHUNK - 1) // CHUNK
    # half h = 2 i + side is sample i's accumulator of one perspective (0 stm, 1 nstm)
    cdef int32_t[::1] cnt = scratch.get("cnt", (n2,), np.int32)
    cdef uint8_t[::1] used = scratch.get("used", (nrows,), np.uint8, zeroed=True)
    cdef int32_t[::1] slot = scratch.get("slot", (nrows,), np.int32)
    cdef int32_t[::1] rows = scratch.get("rows", (nrows,), np.int32)
    cdef double[::1] lossv = scratch.get("loss", (n,), np.float64)
    cdef float[::1] dy = scratch.get("dy", (n,), np.float32)
    cdef float[:, ::1] acc = scratch.get("acc", (n, 2 * H), np.float32)
    cdef int32_t[::1] order = scratch.get("order", (n2,), np.int32)
    cdef int32_t[:, ::1] sidx = scratch.get("sidx", (n2, MAX_ACTIVE_FEATURES), np.int32)
    cdef int32_t[::1] keys = scratch.get("keys", (n2,), np.int32)
    cdef int32_t[::1] runs = scratch.get("runs", (nkeys + 1,), np.int32)
    cdef int32_t[::1] lo = scratch.get("lo", (SHARD_COUNT,), np.int32)
    cdef int32_t[::1] hi = scratch.get("hi", (SHARD_COUNT,), np.int32)

    # 0. the feature counts, and the rows the batch uses: ascending, numbered 0..U-1
    for i in prange(n, nogil=True, num_threads=threads if n >= PARALLEL_ENCODE else 1, schedule="static"):
        cs = active(&stm[i, 0])
        cn = active(&nstm[i, 0])
        cnt[2 * i] = cs
        cnt[2 * i + 1] = cn
        keys[2 * i] = stm[i, 0] // KING_BLOCK if cs else 0
        keys[2 * i + 1] = (nb if separate else 0) + (nstm[i, 0] // KING_BLOCK if cn else 0)
    with nogil:
        for i in range(n):
            for k in range(cnt[2 * i]):
                used[stm[i, k]] = 1
            for k in range(cnt[2 * i + 1]):
                used[noff + nstm[i, k]] = 1
        for r in range(nrows):
            if used[r]:
                slot[r] = U
                rows[U] = r
                U += 1
        # the order of the halves: by transformer and king bucket, stably (a
        # counting sort), so that each block of 640 rows is read and written
        # in one run
        for k in range(nkeys + 1):
            runs[k] = 0
        for h in range(n2):
            runs[keys[h] + 1] += 1
        for k in range(nkeys):
            runs[k + 1] += runs[k]
        for h in range(n2):
            order[runs[keys[h]]] = h
            runs[keys[h]] += 1
    # the halves' rows, numbered 0..U-1, in that order (read in sequence below)
    for p in prange(n2, nogil=True, num_threads=threads if n >= PARALLEL_ENCODE else 1, schedule="static"):
        h = order[p]
        i = h >> 1
        if h & 1:
            for j in range(cnt[h]):
                sidx[p, j] = slot[noff + nstm[i, j]]
        else:
            for j in range(cnt[h]):
                sidx[p, j] = slot[stm[i, j]]
    row_threads = threads if U >= PARALLEL_ROWS else 1
    cdef float[:, ::1] fused
    cdef float[:, :, ::1] parts
    cdef float[:, ::1] gCp
    cdef float[:, ::1] gBp
    if factorized:
        fused = scratch.get("fused", (U, H), np.float32)
        for u in prange(U, nogil=True, num_threads=row_threads, schedule="static"):
            r = rows[u]
            lyf.row_sum(&fused[u, 0], &A[r, 0], &P[(r // R) * KING_BLOCK + r % KING_BLOCK, 0], H)
    if backward:
        parts = scratch.get("parts", (SHARD_COUNT, U, H), np.float32, zeroed=True, axis=1)
        gCp = scratch.get("gC", (nchunks, 2 * H), np.float32)
        gBp = scratch.get("gB", (nchunks, T * H), np.float32)
        gCp[:nchunks, :] = 0
        gBp[:nchunks, :] = 0
        cap = parts.shape[1]
    else:
        parts = scratch.get("parts0", (1, 1, 1), np.float32)
        gCp = gBp = scratch.get("gC0", (1, 1), np.float32)
        cap = 0

    # 1. the accumulators, half by half in that order, the batch cut into
    # SHARD_COUNT fixed slices
    for k in prange(SHARD_COUNT, nogil=True, num_threads=min(threads, SHARD_COUNT), schedule="dynamic",
                    chunksize=1):
        for p in range(k * n2 // SHARD_COUNT, (k + 1) * n2 // SHARD_COUNT):
            h = order[p]
            i = h >> 1
            side = h & 1
            if factorized:
                lyf.accumulate(&acc[i, side * H], &B[side * boff], &fused[0, 0], H, &sidx[p, 0], cnt[h], H)
            elif side:
                lyf.accumulate(&acc[i, H], &B[boff], &A[noff, 0], H, &nstm[i, 0], cnt[h], H)
            else:
                lyf.accumulate(&acc[i, 0], &B[0], &A[0, 0], H, &stm[i, 0], cnt[h], H)
    # 2. sample by sample in chunks: loss, output layer, and dL/da in place of a
    for c in prange(nchunks, nogil=True, num_threads=threads if n >= PARALLEL_ENCODE else 1,
                    schedule="static"):
        for i in range(c * CHUNK, min((c + 1) * CHUNK, n)):
            ws = &acc[i, 0]
            y = d + lyf.output(ws, &C[0], 2 * H, squared)
            g = sample_loss(y, target[i], score[i], loss_kind, K, scale, huber_delta, &lossv[i])
            g = g * inv_n
            dy[i] = g
            if backward:
                lyf.output_backward(ws, &C[0], &gCp[c, 0], g, 2 * H, squared)
                if separate:
                    lyf.row_add(&gBp[c, 0], ws, 2 * H)
                else:
                    lyf.row_add2(&gBp[c, 0], ws, ws + H, H)
    for i in range(n):
        loss += lossv[i]
        gd += dy[i]
    if not backward:
        for u in range(U):
            used[rows[u]] = 0
        return loss * inv_n, 0.0
    for c in range(nchunks):
        lyf.row_add(&gC[0], &gCp[c, 0], 2 * H)
        lyf.row_add(&gB[0], &gBp[c, 0], T * H)

    # 3. dL/da scattered into the slice's own rows, in the same slices as the
    # forward pass; each slice notes the range of rows (slots) it wrote
    for k in prange(SHARD_COUNT, nogil=True, num_threads=min(threads, SHARD_COUNT), schedule="dynamic",
                    chunksize=1):
        lo[k] = U
        hi[k] = -1
        for p in range(k * n2 // SHARD_COUNT, (k + 1) * n2 // SHARD_COUNT):
            h = order[p]
            ci = &sidx[p, 0]
            lyf.scatter(&parts[k, 0, 0], H, ci, cnt[h], &acc[h >> 1, (h & 1) * H], H)
            for j in range(cnt[h]):
                if ci[j] < lo[k]:
                    lo[k] = ci[j]
                if ci[j] > hi[k]:
                    hi[k] = ci[j]

    # 4. each row's gradient, the sum of the slices' rows in slice order (from
    # the first slice that wrote it to the last: the halves run by king block,
    # so most rows have one); the factorizer row q gets the sum over its king
    # blocks (rows q + 640 k), in ascending row order
    if factorized:
        for q in prange(T * KING_BLOCK, nogil=True, num_threads=row_threads, schedule="static"):
            r = (q // KING_BLOCK) * R + q % KING_BLOCK
            while r < (q // KING_BLOCK + 1) * R:
                if used[r]:
                    used[r] = 0
                    touched[r] = 1
                    u = slot[r]
                    kf = first_shard(&lo[0], &hi[0], u)
                    kl = last_shard(&lo[0], &hi[0], u)
                    lyf.reduce(&gA[r, 0], &gP[q, 0], &parts[kf, u, 0], cap * H, kl - kf + 1, H)
                r = r + KING_BLOCK
    else:
        for u in prange(U, nogil=True, num_threads=row_threads, schedule="static"):
            r = rows[u]
            used[r] = 0
            touched[r] = 1
            kf = first_shard(&lo[0], &hi[0], u)
            kl = last_shard(&lo[0], &hi[0], u)
            lyf.reduce(&gA[r, 0], NULL, &parts[kf, u, 0], cap * H, kl - kf + 1, H)
    return loss * inv_n, gd


@cython.boundscheck(False)
@cython.wraparound(False)
def accumulators(float[:, ::1] A, float[:, ::1] P, float[::1] B, const int32_t[:, ::1] stm,
                 const int32_t[:, ::1] nstm, bint factorized=True, bint separate=False):
    """[a_stm || a_nstm] of each sample [N, 2H], summed as forward_backward
    sums them (the fused rows, then slot by slot): for tests and tools."""
    cdef Py_ssize_t n = stm.shape[0], i, r
    cdef int H = A.shape[1]
    cdef Py_ssize_t R = A.shape[0] // (2 if separate else 1)
    cdef Py_ssize_t noff = R if separate else 0
    cdef int boff = H if separate else 0
    out_a = np.empty((n, 2 * H), np.float32)
    cdef float[:, ::1] out = out_a
    cdef float[:, ::1] W = A
    if stm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[1] != MAX_ACTIVE_FEATURES or nstm.shape[0] != n:
        raise ValueError(f"stm and nstm must be [N, {MAX_ACTIVE_FEATURES}] (encode_records)")
    if factorized:
        W = np.empty((A.shape[0], H), np.float32)
        for r in range(A.shape[0]):
            lyf.row_sum(&W[r, 0], &A[r, 0], &P[(r // R) * KING_BLOCK + r % KING_BLOCK, 0], H)
    for i in range(n):
        lyf.accumulate(&out[i, 0], &B[0], &W[0, 0], H, &stm[i, 0], active(&stm[i, 0]), H)
        lyf.accumulate(&out[i, H], &B[boff], &W[noff, 0], H, &nstm[i, 0], active(&nstm[i, 0]), H)
    return out_a


def wdl_target(score, result, double lam=1.0, double K=400.0):
    """lambda * sigmoid(score / K) + (1 - lambda) * result (side to move's view).

    lambda weights the search score; 1 - lambda weights the game result."""
    score = np.asarray(score, np.float64)
    return (lam / (1.0 + np.exp(-score / K))
            + (1.0 - lam) * np.asarray(result, np.float64)).astype(np.float32)
