# A loaded network in aligned C memory (weights as in the file, whose row
# layout already suits the SIMD kernels).
from libc.stdint cimport int16_t, int32_t, int64_t

cdef struct NetData:
    int hidden
    int qa
    int qb
    int scale
    int16_t* ft_w          # [40960][hidden]; king-free nets: block 0 only, [640][hidden]
    int16_t* ft_b          # [hidden]
    int16_t* out_w         # [2 * hidden]
    int16_t* zero_row      # [hidden] zeros: the unused row slots of a move (kernels.h LyMove)
    int32_t out_b
    int activation         # 0 = CReLU, 1 = SCReLU (nnue/format.py)
    int64_t out_mul        # eval = floor((dot + out_b) * out_mul / out_div)
    int64_t out_div
    bint king_free         # all 64 king-square blocks equal: king moves change no feature row
    int64_t serial         # unique per load, so caches of feature rows know whose rows they hold
    void* raw

cdef class Network:
    cdef NetData net
    cdef readonly object path
    cdef readonly str description
