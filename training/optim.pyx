# Optimizers from the design notes: SGD, momentum, RMSProp and Adam.
#
# Parameters are float32 matrices updated row by row.  For the transformer
# (40960 rows, of which a batch touches a few thousand) only the rows a
# batch touched are updated and their gradient cleared ("lazy" updates, as
# sparse Adam does): untouched rows keep their moments unchanged instead of
# decaying them.  After each step values are clipped to the range the
# quantized net can represent.
cimport cython
from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdint cimport uint8_t

from training.float_kernels cimport lyf, lyf_select

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")

cdef enum:
    PARALLEL_CELLS = 1 << 20    # smaller matrices are not worth waking a thread for
    ROW_CHUNK = 64              # rows a thread takes at a time


def select_kernels(str name=""):
    """This module's row kernels (training.model.select_kernels sets both)."""
    if lyf_select(name.encode()) != 0:
        raise ValueError(f"no trainer kernels {name!r} on this CPU/build")


select_kernels()


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
def step_rows(float[:, ::1] param, float[:, ::1] grad, float[:, ::1] m, float[:, ::1] v,
              uint8_t[::1] touched, int kind, double lr, double beta1, double beta2,
              double eps, long step, double clip, int threads=1):
    """One optimizer step on the rows of `param` (all rows if touched is
    None, else those with touched[r] != 0, whose flag is then cleared).
    kind: 0 SGD, 1 momentum (beta1), 2 RMSProp (beta2), 3 Adam.  The
    gradient of every updated row is reset to zero.  Returns the number of
    rows updated."""
    cdef Py_ssize_t rows = param.shape[0], cols = param.shape[1]
    cdef Py_ssize_t r, j
    cdef long updated = 0
    cdef float g, mm, vv, x
    cdef double bc1 = 1.0 - beta1 ** step if kind == 3 else 1.0
    cdef double bc2 = 1.0 - beta2 ** step if kind == 3 else 1.0
    cdef float lr_t = lr * sqrt(bc2) / bc1 if kind == 3 else lr
    cdef bint all_rows = touched is None
    cdef float b1 = beta1, b2 = beta2, e = eps, c = clip, lr_f = lr
    if rows * cols < PARALLEL_CELLS:
        threads = 1
    # dynamic: the touched rows cluster (the king buckets the data reaches most), so
    # equal slices of rows are unequal work; each row's update is independent
    for r in prange(rows, nogil=True, num_threads=threads, schedule="dynamic", chunksize=ROW_CHUNK):
        if not all_rows:
            if not touched[r]:
                continue
            touched[r] = 0
        updated += 1
        if kind == 3:
            lyf.adam_row(&param[r, 0], &grad[r, 0], &m[r, 0], &v[r, 0], cols, b1, b2, lr_t, e, c)
            continue
        for j in range(cols):
            g = grad[r, j]
            grad[r, j] = 0.0
            if kind == 0:
                x = param[r, j] - lr_f * g
            elif kind == 1:
                mm = b1 * m[r, j] + g
                m[r, j] = mm
                x = param[r, j] - lr_f * mm
            else:
                vv = b2 * v[r, j] + (1.0 - b2) * g * g
                v[r, j] = vv
                x = param[r, j] - lr_f * g / (sqrt(vv) + e)
            if x > c:
                x = c
            elif x < -c:
                x = -c
            param[r, j] = x
    return updated
