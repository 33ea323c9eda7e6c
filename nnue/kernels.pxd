# The NNUE kernels (kernels.h) with their runtime dispatch.  kernels.h keeps
# the dispatch table `ly_kernels` static, so every module that cimports this
# file has its own copy, selected on its own (nnue/accumulator.pyx selects
# its copy at import; others select the path accumulator.simd_path() names).
from libc.stdint cimport int16_t, int32_t
from nnue.accumulator cimport LyMove

cdef extern from "kernels.h" nogil:
    ctypedef void (*ly_update_fn)(int16_t*, const int16_t*, const int16_t*,
                                  const int32_t*, int, const int32_t*, int, int)
    ctypedef int32_t (*ly_dot_fn)(const int16_t*, const int16_t*, const int16_t*, int, int)
    ctypedef void (*ly_update_move_fn)(const LyMove*, int)
    ctypedef struct LyKernels:
        const char* name
        ly_update_fn update
        ly_update_move_fn update_move
        ly_dot_fn crelu_dot
        ly_dot_fn screlu_dot
    LyKernels ly_kernels
    int ly_kernels_select(const char* name)
    const char* ly_kernels_available()
