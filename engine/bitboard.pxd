# Tiny bitboard helpers, inline here so every module that cimports them gets
# them inlined (a call into another module's .pyx goes through a pointer).
from engine.types cimport Bitboard

cdef extern from "bitops.h" nogil:
    int ly_lsb(Bitboard b)
    int ly_msb(Bitboard b)
    int ly_popcount(Bitboard b)
    void ly_prefetch(const void* p)
    Bitboard ly_mulhi64(Bitboard a, Bitboard b)
    const Bitboard FILE_A_BB "LY_FILE_A"
    const Bitboard FILE_H_BB "LY_FILE_H"
    const Bitboard RANK_1_BB "LY_RANK_1"
    const Bitboard RANK_8_BB "LY_RANK_8"
    const Bitboard DARK_SQUARES_BB "LY_DARK_SQUARES"

cdef inline Bitboard square_bb(int sq) noexcept nogil:
    return (<Bitboard>1) << sq

cdef inline int lsb(Bitboard b) noexcept nogil:
    return ly_lsb(b)

cdef inline int msb(Bitboard b) noexcept nogil:
    return ly_msb(b)

cdef inline int popcount(Bitboard b) noexcept nogil:
    return ly_popcount(b)

# Remove and return the lowest set square; b must be non-empty.
cdef inline int pop_lsb(Bitboard* b) noexcept nogil:
    cdef int s = ly_lsb(b[0])
    b[0] &= b[0] - 1
    return s

cdef inline bint more_than_one(Bitboard b) noexcept nogil:
    return (b & (b - 1)) != 0

cdef inline Bitboard rank_bb(int r) noexcept nogil:
    return RANK_1_BB << (8 * r)

cdef inline Bitboard file_bb(int f) noexcept nogil:
    return FILE_A_BB << f

# Shift a whole set one step towards the 8th rank (white) or 1st (black).
cdef inline Bitboard pawn_push(int color, Bitboard b) noexcept nogil:
    return (b << 8) if color == 0 else (b >> 8)

# Squares attacked by a set of pawns of one colour.
cdef inline Bitboard pawn_attacks_bb(int color, Bitboard b) noexcept nogil:
    if color == 0:
        return ((b & ~FILE_A_BB) << 7) | ((b & ~FILE_H_BB) << 9)
    return ((b & ~FILE_A_BB) >> 9) | ((b & ~FILE_H_BB) >> 7)
