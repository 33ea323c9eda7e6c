/* The SIMD vocabulary of the NNUE kernels, one definition per target.
 *
 * kernels.h includes this file once per SIMD target with LY_TARGET set to
 * one of LY_AVX512, LY_AVX2, LY_SSE2 or LY_NEON (the plain-C path is
 * kernels.h's own); each block defines the same small set of names (vec16
 * type, LANES16, vec_load/store/add/sub, vec_crelu, vec_sqr8 and
 * vec_dot_acc) plus the function attribute that lets GCC/clang compile
 * AVX2 and AVX-512 code in a build that must still run on CPUs without it. */
#undef LANES16
#undef LY_PAIR_REGS
#undef LY_TARGET_ATTR
#undef LY_SUFFIX
#undef vec16
#undef vec32
#undef vec_load
#undef vec_store
#undef vec_add
#undef vec_sub
#undef vec_crelu
#undef vec_sqr8
#undef vec_set16
#undef vec_zero32
#undef vec_dot_acc
#undef vec_hsum32

#define LY_SSE2 2
#define LY_AVX2 3
#define LY_NEON 4
#define LY_AVX512 5

#if LY_TARGET == LY_AVX512
/* AVX-512BW: 32 int16 lanes, so 8 registers hold a whole 256-wide
 * accumulator and an update is a single pass. */
#include <immintrin.h>
#if defined(_MSC_VER) && !defined(__clang__)
#define LY_TARGET_ATTR
#else
#define LY_TARGET_ATTR __attribute__((target("avx512f,avx512bw")))
#endif
#define LY_SUFFIX avx512
#define LANES16 32
#define LY_PAIR_REGS 8   /* 2 x 8 of 32 zmm: a whole 256-wide pair in one pass */
#define vec16 __m512i
#define vec32 __m512i
#define vec_load(p) _mm512_load_si512((const void*)(p))
#define vec_store(p, v) _mm512_store_si512((void*)(p), v)
#define vec_add(a, b) _mm512_add_epi16(a, b)
#define vec_sub(a, b) _mm512_sub_epi16(a, b)
#define vec_crelu(v, qa) _mm512_max_epi16(_mm512_min_epi16(v, qa), _mm512_setzero_si512())
/* (v * v) >> 8 for 0 <= v <= 255: the high half of (v << 8) * v, unsigned */
#define vec_sqr8(v) _mm512_mulhi_epu16(_mm512_slli_epi16(v, 8), v)
#define vec_set16(x) _mm512_set1_epi16(x)
#define vec_zero32() _mm512_setzero_si512()
#define vec_dot_acc(acc, a, b) _mm512_add_epi32(acc, _mm512_madd_epi16(a, b))
#define vec_hsum32(v) ly_hsum_avx512(v)
LY_TARGET_ATTR static inline int32_t ly_hsum_avx512(__m512i v) {
    return _mm512_reduce_add_epi32(v);
}

#elif LY_TARGET == LY_AVX2
#include <immintrin.h>
#if defined(_MSC_VER) && !defined(__clang__)
#define LY_TARGET_ATTR
#else
#define LY_TARGET_ATTR __attribute__((target("avx2")))
#endif
#define LY_SUFFIX avx2
#define LANES16 16
#define LY_PAIR_REGS 4   /* 2 x 4 of 16 ymm */
#define vec16 __m256i
#define vec32 __m256i
#define vec_load(p) _mm256_load_si256((const __m256i*)(p))
#define vec_store(p, v) _mm256_store_si256((__m256i*)(p), v)
#define vec_add(a, b) _mm256_add_epi16(a, b)
#define vec_sub(a, b) _mm256_sub_epi16(a, b)
#define vec_crelu(v, qa) _mm256_max_epi16(_mm256_min_epi16(v, qa), _mm256_setzero_si256())
#define vec_sqr8(v) _mm256_mulhi_epu16(_mm256_slli_epi16(v, 8), v)
#define vec_set16(x) _mm256_set1_epi16(x)
#define vec_zero32() _mm256_setzero_si256()
#define vec_dot_acc(acc, a, b) _mm256_add_epi32(acc, _mm256_madd_epi16(a, b))
#define vec_hsum32(v) ly_hsum_avx2(v)
LY_TARGET_ATTR static inline int32_t ly_hsum_avx2(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

#elif LY_TARGET == LY_SSE2
#include <emmintrin.h>
#define LY_TARGET_ATTR
#define LY_SUFFIX sse2
#define LANES16 8
#define LY_PAIR_REGS 4
#define vec16 __m128i
#define vec32 __m128i
#define vec_load(p) _mm_load_si128((const __m128i*)(p))
#define vec_store(p, v) _mm_store_si128((__m128i*)(p), v)
#define vec_add(a, b) _mm_add_epi16(a, b)
#define vec_sub(a, b) _mm_sub_epi16(a, b)
#define vec_crelu(v, qa) _mm_max_epi16(_mm_min_epi16(v, qa), _mm_setzero_si128())
#define vec_sqr8(v) _mm_mulhi_epu16(_mm_slli_epi16(v, 8), v)
#define vec_set16(x) _mm_set1_epi16(x)
#define vec_zero32() _mm_setzero_si128()
#define vec_dot_acc(acc, a, b) _mm_add_epi32(acc, _mm_madd_epi16(a, b))
#define vec_hsum32(v) ly_hsum_sse2(v)
static inline int32_t ly_hsum_sse2(__m128i s) {
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

#elif LY_TARGET == LY_NEON
#include <arm_neon.h>
#define LY_TARGET_ATTR
#define LY_SUFFIX neon
#define LANES16 8
#define LY_PAIR_REGS 8   /* 2 x 8 of 32 q registers */
#define vec16 int16x8_t
#define vec32 int32x4_t
#define vec_load(p) vld1q_s16((const int16_t*)(p))
#define vec_store(p, v) vst1q_s16((int16_t*)(p), v)
#define vec_add(a, b) vaddq_s16(a, b)
#define vec_sub(a, b) vsubq_s16(a, b)
#define vec_crelu(v, qa) vmaxq_s16(vminq_s16(v, qa), vdupq_n_s16(0))
#define vec_sqr8(v) ly_sqr8_neon(v)
static inline int16x8_t ly_sqr8_neon(int16x8_t v) {
    uint16x8_t u = vreinterpretq_u16_s16(v);
    uint32x4_t lo = vmull_u16(vget_low_u16(u), vget_low_u16(u));
    uint32x4_t hi = vmull_u16(vget_high_u16(u), vget_high_u16(u));
    return vreinterpretq_s16_u16(vcombine_u16(vshrn_n_u32(lo, 8), vshrn_n_u32(hi, 8)));
}
#define vec_set16(x) vdupq_n_s16(x)
#define vec_zero32() vdupq_n_s32(0)
#define vec_dot_acc(acc, a, b) \
    vmlal_s16(vmlal_s16(acc, vget_low_s16(a), vget_low_s16(b)), vget_high_s16(a), vget_high_s16(b))
#define vec_hsum32(v) vaddvq_s32(v)

#endif
