/* The trainer's float32 row kernels with runtime dispatch: plain C
 * ("scalar", the reference), a baseline copy ("base": SSE2 on x86-64, plain C
 * elsewhere) and, on x86-64 with GCC or clang, AVX2 and AVX-512 copies that
 * lyf_select() picks when the CPU has them (nnue/cpu.h asks).  All give
 * identical results. */
#ifndef LADYA_FLOAT_KERNELS_H
#define LADYA_FLOAT_KERNELS_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "../nnue/cpu.h"

/* No fused multiply-add anywhere: GCC contracts a * b + c into one FMA by
 * default once a target has it (avx512f implies it), which would round the
 * AVX-512 copy's plain loops differently from the others. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define LYF_LANES 16    /* partial sums of the output layer's dot product */
#define LYF_NB 8        /* vectors per register block of the row loops */
#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict
#endif

/* base: SSE2 on x86-64 (every such CPU has it), plain C elsewhere */
#define LYF_SUFFIX base
#define LYF_ATTR
#ifdef LY_HAVE_X86
#include <immintrin.h>
#define LYF_W 4
#else
#define LYF_W 0
#endif
#include "float_kernel_impl.h"
#undef LYF_SUFFIX
#undef LYF_ATTR
#undef LYF_W

/* plain C, the reference the vector copies are tested against */
#define LYF_SUFFIX scalar
#define LYF_ATTR
#define LYF_W 0
#include "float_kernel_impl.h"
#undef LYF_SUFFIX
#undef LYF_ATTR
#undef LYF_W

#if defined(LY_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
#define LYF_HAVE_AVX2 1
#define LYF_SUFFIX avx2
#define LYF_ATTR __attribute__((target("avx2")))
#define LYF_W 8
#include "float_kernel_impl.h"
#undef LYF_SUFFIX
#undef LYF_ATTR
#undef LYF_W

#define LYF_HAVE_AVX512 1
#define LYF_SUFFIX avx512
#define LYF_ATTR __attribute__((target("avx512f")))
#define LYF_W 16
#include "float_kernel_impl.h"
#undef LYF_SUFFIX
#undef LYF_ATTR
#undef LYF_W
#endif

typedef struct {
    const char* name;
    void (*row_add)(float*, const float*, int);
    void (*row_add2)(float*, const float*, const float*, int);
    void (*row_sum)(float*, const float*, const float*, int);
    void (*accumulate)(float*, const float*, const float*, long, const int32_t*, int, int);
    void (*scatter)(float*, long, const int32_t*, int, const float*, int);
    void (*reduce)(float*, float*, float*, long, int, int);
    float (*output)(const float*, const float*, int, int);
    void (*output_backward)(float*, const float*, float*, float, int, int);
    void (*adam_row)(float*, float*, float*, float*, int, float, float, float, float, float);
} LyfKernels;

#define LYF_KERNELS(s) {#s, lyf_row_add_##s, lyf_row_add2_##s, lyf_row_sum_##s, lyf_accumulate_##s, \
                        lyf_scatter_##s, lyf_reduce_##s, lyf_output_##s, lyf_output_backward_##s, lyf_adam_row_##s}

static LyfKernels lyf = LYF_KERNELS(base);

/* Select "avx512", "avx2", "base", "scalar", or "" for the best this CPU runs;
 * -1 (no change) if the name is unknown or the CPU cannot run it. */
static int lyf_select(const char* name) {
    int best = name == NULL || name[0] == 0;
#ifdef LYF_HAVE_AVX512
    if (best ? ly_cpu_has_avx512() : strcmp(name, "avx512") == 0) {
        if (!ly_cpu_has_avx512()) return -1;
        { LyfKernels k = LYF_KERNELS(avx512); lyf = k; }
        return 0;
    }
#endif
#ifdef LYF_HAVE_AVX2
    if (best ? ly_cpu_has_avx2() : strcmp(name, "avx2") == 0) {
        if (!ly_cpu_has_avx2()) return -1;
        { LyfKernels k = LYF_KERNELS(avx2); lyf = k; }
        return 0;
    }
#endif
    if (best || strcmp(name, "base") == 0) {
        { LyfKernels k = LYF_KERNELS(base); lyf = k; }
        return 0;
    }
    if (strcmp(name, "scalar") == 0) {
        { LyfKernels k = LYF_KERNELS(scalar); lyf = k; }
        return 0;
    }
    return -1;
}
#endif
