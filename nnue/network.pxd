# A loaded network in aligned C memory (weights as in the file, whose row
# layout already suits the SIMD kernels).
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t

cdef struct NetData:
    int hidden
    int qa
    int qb
    int scale
    int16_t* ft_w          # [king_blocks][640][hidden]: the file's distinct king blocks, in order
    int16_t* ft_b          # [hidden]
    int16_t* out_w         # [2 * hidden]
    int16_t* zero_row      # [hidden] zeros: the unused row slots of a move (kernels.h LyMove)
    int32_t out_b
    int activation         # 0 = CReLU, 1 = SCReLU (nnue/format.py)
    int64_t out_mul        # eval = floor((dot + out_b) * out_mul / out_div)
    int64_t out_div
    uint8_t king_row[64]   # king square (from the perspective's side) -> its block in ft_w
    int king_blocks        # distinct king blocks (64: per square; fewer for king-bucketed nets)
    bint king_free         # one block for all 64 king squares: king moves change no feature row
    int64_t serial         # unique per load, so caches of feature rows know whose rows they hold
    void* raw

cdef class Network:
    cdef NetData net
    cdef readonly object path
    cdef readonly str description
