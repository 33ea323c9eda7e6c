/* What the running CPU can execute: the one place that asks (CPUID, or the
 * compiler's __builtin_cpu_supports), shared by the engine's NNUE kernels
 * (kernels.h) and the trainer's float kernels (training/float_kernels.h). */
#ifndef LADYA_CPU_H
#define LADYA_CPU_H

#if defined(__x86_64__) || defined(_M_X64)
#define LY_HAVE_X86 1
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif
#elif defined(__aarch64__) || defined(_M_ARM64)
#define LY_HAVE_NEON 1
#endif

/* CPUID leaf 7 EBX bit `bit` (AVX2 = 5, AVX512F = 16, AVX512BW = 30),
 * provided the OS saves the register state those instructions use: YMM
 * (XCR0 bits 1-2) and, for AVX-512, the opmask and ZMM state (bits 5-7). */
static int ly_cpu_feature(int bit, int xcr0_mask) {
#ifdef LY_HAVE_X86
#if defined(_MSC_VER) && !defined(__clang__)
    int r[4];
    __cpuid(r, 0);
    if (r[0] < 7) return 0;
    __cpuid(r, 1);
    /* OSXSAVE and AVX */
    if (!((r[2] >> 27) & 1) || !((r[2] >> 28) & 1)) return 0;
    if ((_xgetbv(0) & xcr0_mask) != xcr0_mask) return 0;
    __cpuidex(r, 7, 0);
    return (r[1] >> bit) & 1;
#else
    __builtin_cpu_init();
    (void)xcr0_mask;   /* __builtin_cpu_supports checks the OS support itself */
    if (bit == 5) return __builtin_cpu_supports("avx2");
    if (bit == 16) return __builtin_cpu_supports("avx512f");
    if (bit == 30) return __builtin_cpu_supports("avx512bw");
    return 0;
#endif
#else
    (void)bit; (void)xcr0_mask;
    return 0;
#endif
}

static int ly_cpu_has_avx2(void) { return ly_cpu_feature(5, 0x6); }

static int ly_cpu_has_avx512(void) {
    return ly_cpu_feature(16, 0xE6) && ly_cpu_feature(30, 0xE6);
}

#endif
