# Accumulators: for each ply of the search, the transformer output of both
# perspectives (int16 [2][hidden]), updated lazily from the parent ply with
# the pieces the move changed, and refreshed from scratch only when the
# perspective's own king has moved to a square with other rows (another king
# bucket).  Refreshes go through a per-king-square
# cache ("Finny table"): for each perspective and king square, the
# accumulator of the pieces last seen with the king there, so a refresh
# only applies the pieces that differ since.
from libc.stdint cimport int16_t, int64_t, uint8_t
from engine.types cimport Bitboard, KING, MAX_PLY
from engine.board cimport Board, DirtyPiece, king_square
from nnue.network cimport NetData

cdef enum:
    ACC_PLIES = MAX_PLY + 32  # every ply the search reaches, with room to spare

# The move kernel's arguments (kernels.h update_move).
cdef extern from "kernel_move.h" nogil:
    ctypedef struct LyMove:
        int16_t* dst[2]
        const int16_t* src[2]
        const int16_t* add[2]
        const int16_t* sub[2][2]
        int n_sub

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

# Bring both perspectives of the current ply up to date (nnue_evaluate does it).
cdef void acc_update(AccStack* a, const NetData* net, const Board* b) noexcept nogil
cdef int nnue_evaluate(AccStack* a, const NetData* net, const Board* b) noexcept nogil

cdef inline int16_t* acc_at(AccStack* a, int ply, int perspective) noexcept nogil:
    return a.data + (<size_t>(2 * ply + perspective)) * a.hidden

# The king square whose block of rows perspective c reads.  The net keeps
# each distinct block once (NetData.king_row): block r sits where the rows
# of king square r would be, so the square handed to the feature code is r,
# flipped back for Black.  A king-free net keeps one block (320 KB that stay
# cached instead of 20 MB), block 0.
cdef inline int row_king(const NetData* net, const Board* b, int c) noexcept nogil:
    if net.king_free:
        return 56 * c
    return net.king_row[king_square(b, c) ^ (56 * c)] ^ (56 * c)

# Did move d take c's king to a square with other rows (a refresh of c)?
# Within one block (a king bucket) the rows stay, so the update goes on.
cdef inline bint changes_king_block(const NetData* net, const DirtyPiece* d, int c) noexcept nogil:
    cdef int i
    if net.king_free:
        return False
    for i in range(d.count):
        if d.piece[i] == ((c << 3) | KING):
            return net.king_row[d.frm[i] ^ (56 * c)] != net.king_row[d.to[i] ^ (56 * c)]
    return False

# The rows of move d for both perspectives, into m: at most one added and
# two removed, the zero row for those missing (needs no refresh of either
# side: see changes_king_block).
cdef void acc_move_rows(const NetData* net, const Board* b, const DirtyPiece* d, LyMove* m) noexcept nogil
