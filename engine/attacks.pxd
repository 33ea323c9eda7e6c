# Precomputed attack tables.  Sliding pieces use "fancy" magic bitboards:
# index = ((occupied & mask) * magic) >> shift, one shared table per piece
# kind.  Fast on every 64-bit CPU, unlike PEXT on older AMD chips.
from engine.types cimport Bitboard

cdef struct Magic:
    Bitboard mask
    Bitboard magic
    Bitboard* attacks
    unsigned int shift

cdef Magic ROOK_MAGICS[64]
cdef Magic BISHOP_MAGICS[64]
cdef Bitboard PAWN_ATTACKS[2][64]
cdef Bitboard KNIGHT_ATTACKS[64]
cdef Bitboard KING_ATTACKS[64]
# BETWEEN[a][b]: squares strictly between two aligned squares, else 0.
cdef Bitboard BETWEEN[64][64]
# LINE[a][b]: the whole rank, file or diagonal through both squares, else 0.
cdef Bitboard LINE[64][64]

cdef inline Bitboard rook_attacks(int sq, Bitboard occ) noexcept nogil:
    cdef const Magic* m = &ROOK_MAGICS[sq]
    return m.attacks[((occ & m.mask) * m.magic) >> m.shift]

cdef inline Bitboard bishop_attacks(int sq, Bitboard occ) noexcept nogil:
    cdef const Magic* m = &BISHOP_MAGICS[sq]
    return m.attacks[((occ & m.mask) * m.magic) >> m.shift]

cdef inline Bitboard queen_attacks(int sq, Bitboard occ) noexcept nogil:
    return rook_attacks(sq, occ) | bishop_attacks(sq, occ)

# Attacks of a non-pawn piece type (KNIGHT..KING) from sq.
cdef inline Bitboard piece_attacks(int pt, int sq, Bitboard occ) noexcept nogil:
    if pt == 2:
        return KNIGHT_ATTACKS[sq]
    if pt == 3:
        return bishop_attacks(sq, occ)
    if pt == 4:
        return rook_attacks(sq, occ)
    if pt == 5:
        return queen_attacks(sq, occ)
    return KING_ATTACKS[sq]

cdef inline bint aligned(int a, int b, int c) noexcept nogil:
    return (LINE[a][b] >> c) & 1
