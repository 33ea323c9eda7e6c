# The trainer's float32 row kernels (float_kernels.h: plain C, SSE2, AVX2
# and AVX-512 copies with the same results, chosen at run time).
from libc.stdint cimport int32_t

cdef extern from "float_kernels.h" nogil:
    ctypedef struct LyfKernels:
        const char* name
        void (*row_add)(float*, const float*, int) noexcept nogil
        void (*row_add2)(float*, const float*, const float*, int) noexcept nogil
        void (*row_sum)(float*, const float*, const float*, int) noexcept nogil
        void (*accumulate)(float*, const float*, const float*, long, const int32_t*, int,
                           int) noexcept nogil
        void (*scatter)(float*, long, const int32_t*, int, const float*, int) noexcept nogil
        void (*reduce)(float*, float*, float*, long, int, int) noexcept nogil
        float (*output)(const float*, const float*, int, int) noexcept nogil
        void (*output_backward)(float*, const float*, float*, float, int, int) noexcept nogil
        void (*adam_row)(float*, float*, float*, float*, int, float, float, float, float,
                         float) noexcept nogil
    LyfKernels lyf
    int lyf_select(const char* name)
