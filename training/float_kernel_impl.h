/* The trainer's float32 row kernels, compiled once per target by
 * float_kernels.h: LYF_SUFFIX names the copy, LYF_ATTR lets the compiler use
 * the target's instructions, and LYF_W (the vector width in floats, 0 for
 * plain C) picks the body.  Every copy does the same float operations in the
 * same order (no FMA; clipping as max/min with the constant second, as the
 * SIMD instructions order it), so all targets give the same bits.  The row
 * loops work in blocks of LYF_NB vectors held in registers: one pass over a
 * block of columns for all the rows a sample uses, each cell summed in slot
 * order as a plain loop would. */
#define LYF_CAT2(a, b) a##_##b
#define LYF_CAT(a, b) LYF_CAT2(a, b)
#define LYF_NAME(name) LYF_CAT(name, LYF_SUFFIX)

/* out += a (the plain loops vectorize by themselves) */
LYF_ATTR static void LYF_NAME(lyf_row_add)(float* restrict out, const float* restrict a, int n) {
    for (int j = 0; j < n; j++) out[j] += a[j];
}

/* out += a + b (a + b first: the factorizer's sum, as fused rows hold it) */
LYF_ATTR static void LYF_NAME(lyf_row_add2)(float* restrict out, const float* restrict a,
                                            const float* restrict b, int n) {
    for (int j = 0; j < n; j++) out[j] += a[j] + b[j];
}

/* out = a + b */
LYF_ATTR static void LYF_NAME(lyf_row_sum)(float* restrict out, const float* restrict a,
                                           const float* restrict b, int n) {
    for (int j = 0; j < n; j++) out[j] = a[j] + b[j];
}

#if LYF_W == 16
#define V __m512
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VSET _mm512_set1_ps
#define VADD _mm512_add_ps
#define VMUL _mm512_mul_ps
#define VSUB _mm512_sub_ps
#define VDIV _mm512_div_ps
#define VSQRT _mm512_sqrt_ps
#define VMAX _mm512_max_ps
#define VMIN _mm512_min_ps
/* d where 0 < a < 1, else 0 */
#define VINSIDE(a, zero, one, d) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, zero, _CMP_GT_OQ) & \
                                                     _mm512_cmp_ps_mask(a, one, _CMP_LT_OQ), d)
#elif LYF_W == 8
#define V __m256
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VSET _mm256_set1_ps
#define VADD _mm256_add_ps
#define VMUL _mm256_mul_ps
#define VSUB _mm256_sub_ps
#define VDIV _mm256_div_ps
#define VSQRT _mm256_sqrt_ps
#define VMAX _mm256_max_ps
#define VMIN _mm256_min_ps
#define VINSIDE(a, zero, one, d) _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ), \
                                                              _mm256_cmp_ps(a, one, _CMP_LT_OQ)), d)
#elif LYF_W == 4
#define V __m128
#define VLOAD _mm_loadu_ps
#define VSTORE _mm_storeu_ps
#define VSET _mm_set1_ps
#define VADD _mm_add_ps
#define VMUL _mm_mul_ps
#define VSUB _mm_sub_ps
#define VDIV _mm_div_ps
#define VSQRT _mm_sqrt_ps
#define VMAX _mm_max_ps
#define VMIN _mm_min_ps
#define VINSIDE(a, zero, one, d) _mm_and_ps(_mm_and_ps(_mm_cmpgt_ps(a, zero), _mm_cmplt_ps(a, one)), d)
#endif

/* out = bias + w[idx[0]] + w[idx[1]] + ... (rows `stride` floats apart),
 * added in slot order: the accumulator of one perspective. */
LYF_ATTR static void LYF_NAME(lyf_accumulate)(float* restrict out, const float* restrict bias,
                                              const float* restrict w, long stride,
                                              const int32_t* restrict idx, int count, int n) {
    int j = 0;
#if LYF_W
    for (; j + LYF_NB * LYF_W <= n; j += LYF_NB * LYF_W) {
        V s[LYF_NB];
        for (int b = 0; b < LYF_NB; b++) s[b] = VLOAD(bias + j + b * LYF_W);
        for (int k = 0; k < count; k++) {
            const float* r = w + idx[k] * stride + j;
            for (int b = 0; b < LYF_NB; b++) s[b] = VADD(s[b], VLOAD(r + b * LYF_W));
        }
        for (int b = 0; b < LYF_NB; b++) VSTORE(out + j + b * LYF_W, s[b]);
    }
    for (; j + LYF_W <= n; j += LYF_W) {
        V s = VLOAD(bias + j);
        for (int k = 0; k < count; k++) s = VADD(s, VLOAD(w + idx[k] * stride + j));
        VSTORE(out + j, s);
    }
#endif
    for (; j < n; j++) {
        float s = bias[j];
        for (int k = 0; k < count; k++) s += w[idx[k] * stride + j];
        out[j] = s;
    }
}

/* g[idx[k]] += src for each slot k (rows `stride` floats apart, distinct):
 * a sample's dL/da scattered into the rows of its active features. */
LYF_ATTR static void LYF_NAME(lyf_scatter)(float* restrict g, long stride, const int32_t* restrict idx,
                                           int count, const float* restrict src, int n) {
    int j = 0;
#if LYF_W
    for (; j + LYF_NB * LYF_W <= n; j += LYF_NB * LYF_W) {
        V s[LYF_NB];
        for (int b = 0; b < LYF_NB; b++) s[b] = VLOAD(src + j + b * LYF_W);
        for (int k = 0; k < count; k++) {
            float* r = g + idx[k] * stride + j;
            for (int b = 0; b < LYF_NB; b++) VSTORE(r + b * LYF_W, VADD(VLOAD(r + b * LYF_W), s[b]));
        }
    }
    for (; j + LYF_W <= n; j += LYF_W) {
        V s = VLOAD(src + j);
        for (int k = 0; k < count; k++) {
            float* r = g + idx[k] * stride + j;
            VSTORE(r, VADD(VLOAD(r), s));
        }
    }
#endif
    for (int k = 0; k < count; k++) {
        float* r = g + idx[k] * stride;
        for (int c = j; c < n; c++) r[c] += src[c];
    }
}

/* s = parts[0] + parts[1] + ... + parts[k - 1] (`stride` floats apart),
 * then g += s and, unless p is NULL, p += s; the parts are zeroed: one row's
 * gradient from the batch's shards, and its factorizer row's share. */
LYF_ATTR static void LYF_NAME(lyf_reduce)(float* restrict g, float* restrict p, float* restrict parts,
                                          long stride, int k, int n) {
    int j = 0;
#if LYF_W
    {
        V zero = VSET(0.0f);
        for (; j + LYF_W <= n; j += LYF_W) {
            V s = VLOAD(parts + j);
            VSTORE(parts + j, zero);
            for (int q = 1; q < k; q++) {
                s = VADD(s, VLOAD(parts + q * stride + j));
                VSTORE(parts + q * stride + j, zero);
            }
            VSTORE(g + j, VADD(VLOAD(g + j), s));
            if (p) VSTORE(p + j, VADD(VLOAD(p + j), s));
        }
    }
#endif
    for (; j < n; j++) {
        float s = parts[j];
        parts[j] = 0.0f;
        for (int q = 1; q < k; q++) {
            s += parts[q * stride + j];
            parts[q * stride + j] = 0.0f;
        }
        g[j] += s;
        if (p) p[j] += s;
    }
}

static inline float LYF_NAME(lyf_clip01)(float a) {
    float v = a > 0.0f ? a : 0.0f;      /* max(a, 0) */
    return v < 1.0f ? v : 1.0f;         /* min(v, 1) */
}

/* sum_j c[j] * act(x[j]): partial sums in LYF_LANES lanes (lane = j mod
 * LYF_LANES), added in lane order at the end. */
LYF_ATTR static float LYF_NAME(lyf_output)(const float* restrict x, const float* restrict c,
                                           int n, int squared) {
    float acc[LYF_LANES] = {0};
    int j = 0;
#if LYF_W
    {
        V zero = VSET(0.0f), one = VSET(1.0f), s[LYF_LANES / LYF_W];
        for (int k = 0; k < LYF_LANES / LYF_W; k++) s[k] = zero;
        for (; j + LYF_LANES <= n; j += LYF_LANES)
            for (int k = 0; k < LYF_LANES / LYF_W; k++) {
                V v = VMIN(VMAX(VLOAD(x + j + k * LYF_W), zero), one);
                if (squared) v = VMUL(v, v);
                s[k] = VADD(s[k], VMUL(VLOAD(c + j + k * LYF_W), v));
            }
        for (int k = 0; k < LYF_LANES / LYF_W; k++) VSTORE(acc + k * LYF_W, s[k]);
    }
#endif
    for (; j < n; j++) {
        float v = LYF_NAME(lyf_clip01)(x[j]);
        if (squared) v = v * v;
        acc[j % LYF_LANES] += c[j] * v;
    }
    float sum = 0.0f;
    for (int l = 0; l < LYF_LANES; l++) sum += acc[l];
    return sum;
}

/* The output layer's backward pass for one sample with dL/dy = g:
 * gc += g * act(x), and x becomes dL/dx = g c act'(x) (0 where clipped). */
LYF_ATTR static void LYF_NAME(lyf_output_backward)(float* restrict x, const float* restrict c,
                                                   float* restrict gc, float g, int n, int squared) {
    int j = 0;
#if LYF_W
    {
        V zero = VSET(0.0f), one = VSET(1.0f), two = VSET(2.0f), gv = VSET(g);
        for (; j + LYF_W <= n; j += LYF_W) {
            V a = VLOAD(x + j);
            V v = VMIN(VMAX(a, zero), one);
            V d = VMUL(gv, VLOAD(c + j));
            if (squared) {
                v = VMUL(v, v);
                d = VMUL(d, VMUL(two, a));
            }
            VSTORE(gc + j, VADD(VLOAD(gc + j), VMUL(gv, v)));
            VSTORE(x + j, VINSIDE(a, zero, one, d));
        }
    }
#endif
    for (; j < n; j++) {
        float a = x[j];
        float v = LYF_NAME(lyf_clip01)(a);
        float d = g * c[j];
        if (squared) {
            v = v * v;
            d = d * (2.0f * a);
        }
        gc[j] += g * v;
        x[j] = (a > 0.0f && a < 1.0f) ? d : 0.0f;
    }
}

/* One Adam step on a row (Kingma & Ba, with the bias corrections folded into
 * lr_t): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * p = clip(p - lr_t m / (sqrt(v) + eps), -clip, clip); the gradient is zeroed. */
LYF_ATTR static void LYF_NAME(lyf_adam_row)(float* restrict p, float* restrict g, float* restrict m,
                                            float* restrict v, int n, float b1, float b2,
                                            float lr_t, float eps, float clip) {
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    int j = 0;
#if LYF_W
    {
        V vb1 = VSET(b1), vc1 = VSET(c1), vb2 = VSET(b2), vc2 = VSET(c2), vlr = VSET(lr_t);
        V veps = VSET(eps), hi = VSET(clip), lo = VSET(-clip), zero = VSET(0.0f);
        for (; j + LYF_W <= n; j += LYF_W) {
            V gj = VLOAD(g + j);
            V mm = VADD(VMUL(vb1, VLOAD(m + j)), VMUL(vc1, gj));
            V vv = VADD(VMUL(vb2, VLOAD(v + j)), VMUL(vc2, VMUL(gj, gj)));
            V x = VSUB(VLOAD(p + j), VDIV(VMUL(vlr, mm), VADD(VSQRT(vv), veps)));
            VSTORE(m + j, mm);
            VSTORE(v + j, vv);
            VSTORE(p + j, VMIN(VMAX(x, lo), hi));
            VSTORE(g + j, zero);
        }
    }
#endif
    for (; j < n; j++) {
        float gj = g[j];
        float mm = b1 * m[j] + c1 * gj;
        float vv = b2 * v[j] + c2 * (gj * gj);
        float x = p[j] - (lr_t * mm) / (sqrtf(vv) + eps);
        m[j] = mm;
        v[j] = vv;
        x = x > -clip ? x : -clip;
        p[j] = x < clip ? x : clip;
        g[j] = 0.0f;
    }
}

#if LYF_W
#undef V
#undef VSUB
#undef VDIV
#undef VSQRT
#undef VLOAD
#undef VSTORE
#undef VSET
#undef VADD
#undef VMUL
#undef VMAX
#undef VMIN
#undef VINSIDE
#endif
#undef LYF_NAME
#undef LYF_CAT
#undef LYF_CAT2
