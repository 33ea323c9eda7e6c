/* NNUE kernels with runtime dispatch.
 *
 * Every build carries the plain-C kernels plus the SIMD ones its CPU family
 * can have (SSE2, AVX2 and AVX-512BW on x86-64, NEON on arm64); ly_kernels_select()
 * picks the best one the running CPU supports, or the one named by the
 * caller (the LADYA_SIMD environment variable) for testing. */
#ifndef LADYA_KERNELS_H
#define LADYA_KERNELS_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "cpu.h"
#include "kernel_move.h"

/* Plain C: the reference every SIMD path must match bit for bit. */
static void ly_update_scalar(int16_t* dst, const int16_t* src, const int16_t* weights,
                             const int32_t* add, int n_add, const int32_t* sub, int n_sub,
                             int width) {
    /* Row by row, so each weight row is read contiguously; int16 sums wrap
     * the same way in any order, so this matches the SIMD paths bit for bit. */
    if (dst != src) memcpy(dst, src, (size_t)width * sizeof(int16_t));
    for (int i = 0; i < n_add; i++) {
        const int16_t* row = weights + (size_t)add[i] * width;
        for (int j = 0; j < width; j++) dst[j] = (int16_t)(dst[j] + row[j]);
    }
    for (int i = 0; i < n_sub; i++) {
        const int16_t* row = weights + (size_t)sub[i] * width;
        for (int j = 0; j < width; j++) dst[j] = (int16_t)(dst[j] - row[j]);
    }
}

static void ly_update_move_scalar(const LyMove* m, int width) {
    for (int c = 0; c < 2; c++) {
        const int16_t *src = m->src[c], *add = m->add[c], *sub = m->sub[c][0];
        int16_t* dst = m->dst[c];
        for (int j = 0; j < width; j++) dst[j] = (int16_t)(src[j] + add[j] - sub[j]);
        if (m->n_sub == 2)
            for (int j = 0; j < width; j++) dst[j] = (int16_t)(dst[j] - m->sub[c][1][j]);
    }
}

/* The activation of one accumulator value: clip(x, 0, qa), or for the
 * squared clipped ReLU its square with 8 bits kept, (v * v) >> 8 (qa <= 255,
 * nnue/format.py): the same range as a CReLU activation. */
static inline int ly_activate_scalar(int16_t x, int qa, int squared) {
    int v = x < 0 ? 0 : (x > qa ? qa : x);
    return squared ? (v * v) >> 8 : v;
}

static inline int32_t ly_dot_scalar(const int16_t* us, const int16_t* them, const int16_t* w,
                                    int width, int qa, int squared) {
    int32_t sum = 0;
    for (int i = 0; i < width; i++)
        sum += ly_activate_scalar(us[i], qa, squared) * w[i]
             + ly_activate_scalar(them[i], qa, squared) * w[width + i];
    return sum;
}

static int32_t ly_crelu_dot_scalar(const int16_t* us, const int16_t* them, const int16_t* w,
                                   int width, int qa) {
    return ly_dot_scalar(us, them, w, width, qa, 0);
}

static int32_t ly_screlu_dot_scalar(const int16_t* us, const int16_t* them, const int16_t* w,
                                    int width, int qa) {
    return ly_dot_scalar(us, them, w, width, qa, 1);
}

#ifdef LY_HAVE_X86
#define LY_TARGET 2
#include "simd.h"
#include "kernel_impl.h"
#undef LY_TARGET
#define LY_TARGET 3
#include "simd.h"
#include "kernel_impl.h"
#undef LY_TARGET
#define LY_TARGET 5
#include "simd.h"
#include "kernel_impl.h"
#undef LY_TARGET
#endif
#ifdef LY_HAVE_NEON
#define LY_TARGET 4
#include "simd.h"
#include "kernel_impl.h"
#undef LY_TARGET
#endif

typedef void (*ly_update_fn)(int16_t*, const int16_t*, const int16_t*,
                             const int32_t*, int, const int32_t*, int, int);
typedef void (*ly_update_move_fn)(const LyMove*, int);
typedef int32_t (*ly_dot_fn)(const int16_t*, const int16_t*, const int16_t*, int, int);

typedef struct {
    const char* name;
    ly_update_fn update;
    ly_update_move_fn update_move;
    ly_dot_fn crelu_dot;
    ly_dot_fn screlu_dot;
} LyKernels;

#define LY_KERNELS(suffix) \
    {#suffix, ly_update_##suffix, ly_update_move_##suffix, ly_crelu_dot_##suffix, ly_screlu_dot_##suffix}

static LyKernels ly_kernels = LY_KERNELS(scalar);

/* Which paths this CPU can run, best first: "avx512 avx2 sse2 scalar" etc. */
static const char* ly_kernels_available(void) {
#ifdef LY_HAVE_X86
    if (ly_cpu_has_avx512()) return "avx512 avx2 sse2 scalar";
    return ly_cpu_has_avx2() ? "avx2 sse2 scalar" : "sse2 scalar";
#elif defined(LY_HAVE_NEON)
    return "neon scalar";
#else
    return "scalar";
#endif
}

/* Select a path by name ("" = the best available).  Returns 0, or -1 if
 * the name is unknown or this CPU cannot run it (the choice is unchanged). */
static int ly_kernels_select(const char* name) {
    int best = (name == NULL || name[0] == 0);
#ifdef LY_HAVE_X86
    if ((best && ly_cpu_has_avx512()) || (!best && strcmp(name, "avx512") == 0)) {
        if (!ly_cpu_has_avx512()) return -1;
        { LyKernels k = LY_KERNELS(avx512); ly_kernels = k; }
        return 0;
    }
    if ((best && ly_cpu_has_avx2()) || (!best && strcmp(name, "avx2") == 0)) {
        if (!ly_cpu_has_avx2()) return -1;
        { LyKernels k = LY_KERNELS(avx2); ly_kernels = k; }
        return 0;
    }
    if (best || strcmp(name, "sse2") == 0) {
        { LyKernels k = LY_KERNELS(sse2); ly_kernels = k; }
        return 0;
    }
#endif
#ifdef LY_HAVE_NEON
    if (best || strcmp(name, "neon") == 0) {
        { LyKernels k = LY_KERNELS(neon); ly_kernels = k; }
        return 0;
    }
#endif
    if (best || strcmp(name, "scalar") == 0) {
        { LyKernels k = LY_KERNELS(scalar); ly_kernels = k; }
        return 0;
    }
    return -1;
}
#endif
