/* Every NNUE kernel path this CPU runs against the plain-C one, bit for bit,
 * straight from nnue/kernels.h: random rows, random add/remove lists, the
 * update of both perspectives of a move in one call, the CReLU and SCReLU
 * dot products, widths that are and are not multiples of a full register
 * pass.  Built and run by tests/test_kernels_c.py, natively
 * and, where a cross compiler and qemu are installed, for arm64 (NEON).
 * Prints one line per path and exits non-zero on the first difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#define ROWS 200
#define MAXW 1024

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int16_t weights[ROWS * MAXW] __attribute__((aligned(64)));
static int16_t src[MAXW] __attribute__((aligned(64)));
static int16_t want[MAXW] __attribute__((aligned(64)));
static int16_t got[MAXW] __attribute__((aligned(64)));
static int16_t out_w[2 * MAXW] __attribute__((aligned(64)));
static int16_t src2[MAXW] __attribute__((aligned(64)));
static int16_t want2[MAXW] __attribute__((aligned(64)));
static int16_t pair[2][MAXW] __attribute__((aligned(64)));
static const int16_t zeros[MAXW] __attribute__((aligned(64)));

int main(void) {
    static const int widths[] = {32, 64, 96, 128, 160, 256, 288, 512, 1024};
    char names[128];
    strncpy(names, ly_kernels_available(), sizeof names - 1);
    names[sizeof names - 1] = 0;
    int paths = 0;
    for (char* name = strtok(names, " "); name; name = strtok(NULL, " ")) {
        if (ly_kernels_select(name) != 0) { printf("cannot select %s\n", name); return 2; }
        LyKernels k = ly_kernels;
        long checks = 0;
        rng = 88172645463325252ull;
        for (int trial = 0; trial < 400; trial++) {
            int width = widths[trial % (sizeof widths / sizeof *widths)];
            for (int i = 0; i < ROWS * width; i++) weights[i] = (int16_t)(next() % 2001) - 1000;
            for (int i = 0; i < width; i++) src[i] = (int16_t)(next() % 8001) - 3000;
            for (int i = 0; i < 2 * width; i++) out_w[i] = (int16_t)(next() % 4097) - 2048;
            int32_t add[32], sub[32];
            int n_add = (int)(next() % 31), n_sub = (int)(next() % 31);
            for (int i = 0; i < n_add; i++) add[i] = (int32_t)(next() % ROWS);
            for (int i = 0; i < n_sub; i++) sub[i] = (int32_t)(next() % ROWS);
            ly_update_scalar(want, src, weights, add, n_add, sub, n_sub, width);
            k.update(got, src, weights, add, n_add, sub, n_sub, width);
            if (memcmp(want, got, (size_t)width * sizeof(int16_t))) {
                printf("%s: update differs (width %d, %d added, %d removed)\n", name, width, n_add, n_sub);
                return 1;
            }
            /* in place, as the refresh cache and the lazy update use it */
            memcpy(got, src, (size_t)width * sizeof(int16_t));
            k.update(got, got, weights, add, n_add, sub, n_sub, width);
            if (memcmp(want, got, (size_t)width * sizeof(int16_t))) {
                printf("%s: in-place update differs (width %d)\n", name, width);
                return 1;
            }
            /* one move, both perspectives (LyMove): one row added and one or
             * two removed each, a row of zeros now and then (nothing added or
             * removed), into separate accumulators and in place */
            for (int i = 0; i < width; i++) src2[i] = (int16_t)(next() % 8001) - 3000;
            int32_t rows[2][3];
            LyMove m;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 3; i++) rows[c][i] = (int32_t)(next() % ROWS);
                const int16_t* r[3];
                for (int i = 0; i < 3; i++)
                    r[i] = next() % 4 ? weights + (size_t)rows[c][i] * width : zeros;
                m.add[c] = r[0];
                m.sub[c][0] = r[1];
                m.sub[c][1] = r[2];
            }
            m.n_sub = 1 + (int)(next() % 2);
            for (int c = 0; c < 2; c++) {
                int16_t* w = c ? want2 : want;
                memcpy(w, c ? src2 : src, (size_t)width * sizeof(int16_t));
                for (int j = 0; j < width; j++)
                    w[j] = (int16_t)(w[j] + m.add[c][j] - m.sub[c][0][j]
                                     - (m.n_sub == 2 ? m.sub[c][1][j] : 0));
            }
            for (int in_place = 0; in_place < 2; in_place++) {
                if (in_place) {
                    memcpy(pair[0], src, (size_t)width * sizeof(int16_t));
                    memcpy(pair[1], src2, (size_t)width * sizeof(int16_t));
                }
                m.src[0] = in_place ? pair[0] : src;
                m.src[1] = in_place ? pair[1] : src2;
                m.dst[0] = pair[0];
                m.dst[1] = pair[1];
                k.update_move(&m, width);
                if (memcmp(want, pair[0], (size_t)width * sizeof(int16_t))
                    || memcmp(want2, pair[1], (size_t)width * sizeof(int16_t))) {
                    printf("%s: move update differs (width %d, %s, %d removed)\n", name, width,
                           in_place ? "in place" : "copy", m.n_sub);
                    return 1;
                }
            }
            ly_update_scalar(want, src, weights, add, n_add, sub, n_sub, width);
            int qa = trial % 3 ? 255 : 127;
            const int16_t* them = weights + width;   /* any second accumulator */
            if (k.crelu_dot(want, them, out_w, width, qa) != ly_crelu_dot_scalar(want, them, out_w, width, qa)
                || k.screlu_dot(want, them, out_w, width, qa) != ly_screlu_dot_scalar(want, them, out_w, width, qa)) {
                printf("%s: dot product differs (width %d, qa %d)\n", name, width, qa);
                return 1;
            }
            checks += 6;
        }
        printf("%s: %ld checks equal to scalar\n", name, checks);
        paths++;
    }
    return paths > 0 ? 0 : 2;
}
