# Builds the attack tables once, at import.  Magic numbers are searched with
# a fixed-seed generator (as Stockfish does), so the tables are identical on
# every run and no table of magic constants has to be carried in the source.
from libc.stdint cimport uint64_t
from engine.types cimport Bitboard
from engine.bitboard cimport popcount, square_bb

# Shared sliding-attack tables: 102400 rook and 5248 bishop entries.
cdef Bitboard ROOK_TABLE[102400]
cdef Bitboard BISHOP_TABLE[5248]

cdef int ROOK_DIRS[4][2]
cdef int BISHOP_DIRS[4][2]
ROOK_DIRS[:] = [[1, 0], [-1, 0], [0, 1], [0, -1]]
BISHOP_DIRS[:] = [[1, 1], [1, -1], [-1, 1], [-1, -1]]


cdef inline bint on_board(int f, int r) noexcept nogil:
    return 0 <= f < 8 and 0 <= r < 8


# Attacks by ray walking: slow, used only to fill the tables.
cdef Bitboard sliding_attacks(int dirs[4][2], int sq, Bitboard occ) noexcept nogil:
    cdef Bitboard att = 0
    cdef int d, f, r
    for d in range(4):
        f = (sq & 7) + dirs[d][0]
        r = (sq >> 3) + dirs[d][1]
        while on_board(f, r):
            att |= square_bb(r * 8 + f)
            if occ & square_bb(r * 8 + f):
                break
            f += dirs[d][0]
            r += dirs[d][1]
    return att


cdef uint64_t rng_state = 0


cdef inline uint64_t rng_next() noexcept nogil:
    # xorshift64*: small, fast and good enough for magic search.
    global rng_state
    rng_state ^= rng_state >> 12
    rng_state ^= rng_state << 25
    rng_state ^= rng_state >> 27
    return rng_state * 2685821657736338717ULL


cdef inline uint64_t sparse_random() noexcept nogil:
    return rng_next() & rng_next() & rng_next()


cdef void init_magics(int dirs[4][2], Magic* magics, Bitboard* table) noexcept nogil:
    cdef Bitboard occupancy[4096]
    cdef Bitboard reference[4096]
    cdef int epoch[4096]
    cdef int sq, size, i, cnt
    cdef Bitboard edges, b, idx
    cdef Magic* m
    global rng_state
    cdef Bitboard* next_table = table
    # Per-rank seeds that are known to converge quickly.
    cdef uint64_t seeds[8]
    seeds[:] = [728, 10316, 55013, 32803, 12281, 15100, 16645, 255]
    for i in range(4096):
        epoch[i] = 0
    cnt = 0
    for sq in range(64):
        m = &magics[sq]
        # Board edges are not part of the mask unless the piece stands on them.
        edges = (((0xFFULL | (0xFFULL << 56)) & ~(0xFFULL << (8 * (sq >> 3))))
                 | ((0x0101010101010101ULL | 0x8080808080808080ULL)
                    & ~(0x0101010101010101ULL << (sq & 7))))
        m.mask = sliding_attacks(dirs, sq, 0) & ~edges
        m.shift = 64 - popcount(m.mask)
        m.attacks = next_table
        # Enumerate every subset of the mask (Carry-Rippler trick).
        size = 0
        b = 0
        while True:
            occupancy[size] = b
            reference[size] = sliding_attacks(dirs, sq, b)
            size += 1
            b = (b - m.mask) & m.mask
            if b == 0:
                break
        next_table += size
        rng_state = seeds[sq >> 3]
        while True:
            m.magic = 0
            while popcount((m.magic * m.mask) >> 56) < 6:
                m.magic = sparse_random()
            cnt += 1
            i = 0
            while i < size:
                idx = ((occupancy[i] & m.mask) * m.magic) >> m.shift
                if epoch[idx] < cnt:
                    epoch[idx] = cnt
                    m.attacks[idx] = reference[i]
                elif m.attacks[idx] != reference[i]:
                    break
                i += 1
            if i == size:
                break


cdef void init_tables() noexcept nogil:
    cdef int sq, s2, f, r, k, d
    cdef int kdx[8]
    cdef int kdy[8]
    cdef int ndx[8]
    cdef int ndy[8]
    kdx[:] = [1, 1, 1, 0, 0, -1, -1, -1]
    kdy[:] = [1, 0, -1, 1, -1, 1, 0, -1]
    ndx[:] = [1, 2, 2, 1, -1, -2, -2, -1]
    ndy[:] = [2, 1, -1, -2, -2, -1, 1, 2]
    for sq in range(64):
        f = sq & 7
        r = sq >> 3
        KING_ATTACKS[sq] = 0
        KNIGHT_ATTACKS[sq] = 0
        for k in range(8):
            if on_board(f + kdx[k], r + kdy[k]):
                KING_ATTACKS[sq] |= square_bb((r + kdy[k]) * 8 + f + kdx[k])
            if on_board(f + ndx[k], r + ndy[k]):
                KNIGHT_ATTACKS[sq] |= square_bb((r + ndy[k]) * 8 + f + ndx[k])
        PAWN_ATTACKS[0][sq] = 0
        PAWN_ATTACKS[1][sq] = 0
        for d in range(-1, 2, 2):
            if on_board(f + d, r + 1):
                PAWN_ATTACKS[0][sq] |= square_bb((r + 1) * 8 + f + d)
            if on_board(f + d, r - 1):
                PAWN_ATTACKS[1][sq] |= square_bb((r - 1) * 8 + f + d)

    init_magics(ROOK_DIRS, ROOK_MAGICS, ROOK_TABLE)
    init_magics(BISHOP_DIRS, BISHOP_MAGICS, BISHOP_TABLE)

    for sq in range(64):
        for s2 in range(64):
            BETWEEN[sq][s2] = 0
            LINE[sq][s2] = 0
            if sq == s2:
                continue
            if bishop_attacks(sq, 0) & square_bb(s2):
                LINE[sq][s2] = ((bishop_attacks(sq, 0) & bishop_attacks(s2, 0))
                                | square_bb(sq) | square_bb(s2))
                BETWEEN[sq][s2] = (bishop_attacks(sq, square_bb(s2))
                                   & bishop_attacks(s2, square_bb(sq)))
            elif rook_attacks(sq, 0) & square_bb(s2):
                LINE[sq][s2] = ((rook_attacks(sq, 0) & rook_attacks(s2, 0))
                                | square_bb(sq) | square_bb(s2))
                BETWEEN[sq][s2] = (rook_attacks(sq, square_bb(s2))
                                   & rook_attacks(s2, square_bb(sq)))


init_tables()


def attacks_of(str kind, int square, occupied=0):
    """Attack set (as an int bitboard) of a piece kind ('n','b','r','q','k',
    'P' for a white pawn, 'p' for a black pawn) on `square` given `occupied`."""
    cdef Bitboard occ = <Bitboard>occupied
    if kind == "P":
        return PAWN_ATTACKS[0][square]
    if kind == "p":
        return PAWN_ATTACKS[1][square]
    return piece_attacks("pnbrqk".index(kind.lower()), square, occ)
