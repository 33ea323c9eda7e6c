/* The arguments of the move kernel (kernels.h update_move), apart so that
 * Cython modules can fill them without compiling the kernels themselves. */
#ifndef LADYA_KERNEL_MOVE_H
#define LADYA_KERNEL_MOVE_H
#include <stdint.h>

/* One move's change to both perspectives' accumulators, as feature rows:
 * dst[c] = src[c] + add[c] - sub[c][0] (- sub[c][1] if n_sub is 2).  No
 * move adds more than one row or removes more than two per perspective (a
 * capture with promotion removes the pawn and the captured piece and adds
 * the new one; kings are not features), and both perspectives see the same
 * pieces change, so one count serves both; a missing addition or removal
 * is a row of zeros. */
typedef struct {
    int16_t* dst[2];
    const int16_t* src[2];
    const int16_t* add[2];
    const int16_t* sub[2][2];
    int n_sub;
} LyMove;

#endif
