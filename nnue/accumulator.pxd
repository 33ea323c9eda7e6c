# Accumulators: for each ply of the search, the transformer output of both
# perspectives (int16 [2][hidden]), updated lazily from the parent ply with
# the pieces the move changed, and refreshed from scratch only when the
# perspective's own king has moved.
from libc.stdint cimport int16_t, int32_t, uint8_t
from engine.board cimport Board
from nnue.network cimport NetData

cdef enum:
    ACC_PLIES = 160           # search depth limit (128) plus margin

cdef struct AccStack:
    int16_t* data             # [ACC_PLIES][2][hidden], 64-byte aligned
    void* raw
    int hidden
    int root_sp               # board.sp of the search root (= ply 0)
    uint8_t computed[ACC_PLIES][2]

cdef int acc_alloc(AccStack* a, int hidden) except -1
cdef void acc_free(AccStack* a) noexcept
cdef void acc_set_root(AccStack* a, const NetData* net, const Board* b) noexcept nogil

# Called after make_move / make_null_move: the new ply is not computed yet.
cdef inline void acc_push(AccStack* a, const Board* b) noexcept nogil:
    cdef int p = b.sp - a.root_sp
    a.computed[p][0] = 0
    a.computed[p][1] = 0

cdef int nnue_evaluate(AccStack* a, const NetData* net, const Board* b) noexcept nogil
