/* NNUE kernel bodies, written once against simd.h's vocabulary and
 * compiled once per target by kernels.h (names get the target suffix).
 * Not for inclusion anywhere else. */
#define LY_CAT2(a, b) a##_##b
#define LY_CAT(a, b) LY_CAT2(a, b)

/* Registers per pass: 8 vectors (128 int16 on AVX2) keep everything in
 * registers on every target while rows are added and subtracted. */
#define LY_REGS 8

/* dst = src + sum(rows[add]) - sum(rows[sub]), rows of `width` int16.
 * One pass over memory for any mix of additions and removals (quiet move,
 * capture, castling, promotion, or a refresh from the bias).  `width` is a
 * multiple of 32, not necessarily of a full pass: the tail goes one vector
 * at a time so that nothing past `width` is read or written. */
LY_TARGET_ATTR static void LY_CAT(ly_update, LY_SUFFIX)(
        int16_t* dst, const int16_t* src, const int16_t* weights,
        const int32_t* add, int n_add, const int32_t* sub, int n_sub, int width) {
    const int chunk = LANES16 * LY_REGS;
    int base = 0;
    for (; base + chunk <= width; base += chunk) {
        vec16 r[LY_REGS];
        for (int k = 0; k < LY_REGS; k++) r[k] = vec_load(src + base + k * LANES16);
        for (int i = 0; i < n_add; i++) {
            const int16_t* row = weights + (size_t)add[i] * width + base;
            for (int k = 0; k < LY_REGS; k++) r[k] = vec_add(r[k], vec_load(row + k * LANES16));
        }
        for (int i = 0; i < n_sub; i++) {
            const int16_t* row = weights + (size_t)sub[i] * width + base;
            for (int k = 0; k < LY_REGS; k++) r[k] = vec_sub(r[k], vec_load(row + k * LANES16));
        }
        for (int k = 0; k < LY_REGS; k++) vec_store(dst + base + k * LANES16, r[k]);
    }
    for (; base < width; base += LANES16) {
        vec16 v = vec_load(src + base);
        for (int i = 0; i < n_add; i++) v = vec_add(v, vec_load(weights + (size_t)add[i] * width + base));
        for (int i = 0; i < n_sub; i++) v = vec_sub(v, vec_load(weights + (size_t)sub[i] * width + base));
        vec_store(dst + base, v);
    }
}

/* One move, both perspectives (LyMove in kernels.h), in one pass: the two
 * halves are independent, so the loads of their rows (those a move brings
 * in are seldom in L1) are in flight together.  LY_PAIR_REGS registers per
 * perspective, so that both halves fit in the register file; all loads of
 * a chunk come before its stores, so dst may equal src.  One branch, on
 * the move being a capture, and no loop over rows in either case. */
#define LY_MOVE_VEC(c, off) \
    vec_sub(vec_add(vec_load(src[c] + (off)), vec_load(add[c] + (off))), vec_load(sub0[c] + (off)))

LY_TARGET_ATTR static inline void LY_CAT(ly_update_move_n, LY_SUFFIX)(const LyMove* m, int width,
                                                                      const int two) {
    const int chunk = LANES16 * LY_PAIR_REGS;
    /* local copies: the stores below could alias *m as far as C knows */
    const int16_t* src[2] = {m->src[0], m->src[1]};
    const int16_t* add[2] = {m->add[0], m->add[1]};
    const int16_t* sub0[2] = {m->sub[0][0], m->sub[1][0]};
    const int16_t* sub1[2] = {m->sub[0][1], m->sub[1][1]};
    int16_t* dst[2] = {m->dst[0], m->dst[1]};
    int base = 0;
    for (; base + chunk <= width; base += chunk) {
        vec16 r0[LY_PAIR_REGS], r1[LY_PAIR_REGS];
        for (int k = 0; k < LY_PAIR_REGS; k++) {
            r0[k] = LY_MOVE_VEC(0, base + k * LANES16);
            r1[k] = LY_MOVE_VEC(1, base + k * LANES16);
            if (two) {
                r0[k] = vec_sub(r0[k], vec_load(sub1[0] + base + k * LANES16));
                r1[k] = vec_sub(r1[k], vec_load(sub1[1] + base + k * LANES16));
            }
        }
        for (int k = 0; k < LY_PAIR_REGS; k++) {
            vec_store(dst[0] + base + k * LANES16, r0[k]);
            vec_store(dst[1] + base + k * LANES16, r1[k]);
        }
    }
    for (; base < width; base += LANES16) {     /* widths that are not a multiple of a chunk */
        vec16 v0 = LY_MOVE_VEC(0, base), v1 = LY_MOVE_VEC(1, base);
        if (two) {
            v0 = vec_sub(v0, vec_load(sub1[0] + base));
            v1 = vec_sub(v1, vec_load(sub1[1] + base));
        }
        vec_store(dst[0] + base, v0);
        vec_store(dst[1] + base, v1);
    }
}
#undef LY_MOVE_VEC

LY_TARGET_ATTR static void LY_CAT(ly_update_move, LY_SUFFIX)(const LyMove* m, int width) {
    if (m->n_sub == 2)
        LY_CAT(ly_update_move_n, LY_SUFFIX)(m, width, 1);
    else
        LY_CAT(ly_update_move_n, LY_SUFFIX)(m, width, 0);
}

/* sum(act(us) * w[:width]) + sum(act(them) * w[width:]), act = clip(x, 0, qa),
 * or with `squared` its square with 8 bits kept, (v * v) >> 8 (SCReLU).
 * `squared` is a constant in each caller below, so each gets its own loop
 * without a branch. */
LY_TARGET_ATTR static inline int32_t LY_CAT(ly_dot, LY_SUFFIX)(
        const int16_t* us, const int16_t* them, const int16_t* w, int width, int qa, int squared) {
    vec16 ceiling = vec_set16((int16_t)qa);
    vec32 acc = vec_zero32();
    for (int i = 0; i < width; i += LANES16) {
        vec16 a = vec_crelu(vec_load(us + i), ceiling);
        vec16 b = vec_crelu(vec_load(them + i), ceiling);
        if (squared) {
            a = vec_sqr8(a);
            b = vec_sqr8(b);
        }
        acc = vec_dot_acc(acc, a, vec_load(w + i));
        acc = vec_dot_acc(acc, b, vec_load(w + width + i));
    }
    return vec_hsum32(acc);
}

LY_TARGET_ATTR static int32_t LY_CAT(ly_crelu_dot, LY_SUFFIX)(
        const int16_t* us, const int16_t* them, const int16_t* w, int width, int qa) {
    return LY_CAT(ly_dot, LY_SUFFIX)(us, them, w, width, qa, 0);
}

LY_TARGET_ATTR static int32_t LY_CAT(ly_screlu_dot, LY_SUFFIX)(
        const int16_t* us, const int16_t* them, const int16_t* w, int width, int qa) {
    return LY_CAT(ly_dot, LY_SUFFIX)(us, them, w, width, qa, 1);
}
