# Accumulators: for each ply of the search, the transformer output of both
# perspectives (int16 [2][hidden]), updated lazily from the parent ply with
# the pieces the move changed, and refreshed from scratch only when the
# perspective's own king has moved to a square with other rows (another king
# bucket).  Refreshes go through a per-king-square
# cache ("Finny table"): for each perspective and king square, the
# accumulator of the pieces last seen with the king there, so a refresh
# only applies the pieces that differ since.
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t
from engine.types cimport Bitboard
from engine.board cimport Board
from nnue.network cimport NetData

cdef enum:
    ACC_PLIES = 160           # search depth limit (128) plus margin

cdef struct AccStack:
    int16_t* data             # [ACC_PLIES][2][hidden], 64-byte aligned
    int16_t* cache            # [2][64][hidden]: refresh cache, by perspective and king square
    void* raw
    int hidden
    int root_sp               # board.sp of the search root (= ply 0)
    int64_t cache_serial      # NetData.serial whose rows the cache holds (0: none yet)
    uint8_t computed[ACC_PLIES][2]
    Bitboard cache_pieces[2][64][10]  # the pieces each cache entry holds, [colour * 5 + type - 1]

cdef int acc_alloc(AccStack* a, int hidden) except -1
cdef void acc_free(AccStack* a) noexcept
# Full refresh of both perspectives at the search root; also (re)starts the
# refresh cache when `net` is not the one it was filled from.
cdef void acc_set_root(AccStack* a, const NetData* net, const Board* b) noexcept nogil

# Called after make_move / make_null_move: the new ply is not computed yet.
cdef inline void acc_push(AccStack* a, const Board* b) noexcept nogil:
    cdef int p = b.sp - a.root_sp
    a.computed[p][0] = 0
    a.computed[p][1] = 0

cdef int nnue_evaluate(AccStack* a, const NetData* net, const Board* b) noexcept nogil
