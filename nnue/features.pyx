from libc.stdint cimport int32_t
from engine.board cimport Board, king_square
from engine.bitboard cimport pop_lsb
from engine.types cimport Bitboard
from engine.position cimport Position

from engine.notation import PIECE_CHARS

cdef int32_t PIECE_SQUARE[2 * 16 * 64]


cdef void _fill_piece_square() noexcept:
    cdef int c, pc, sq
    for c in range(2):
        for pc in range(16):
            for sq in range(64):
                PIECE_SQUARE[(c * 16 + pc) * 64 + sq] = (
                    piece_square(c, pc, sq) if 1 <= (pc & 7) <= 5 else 0)

_fill_piece_square()


cdef const int32_t* piece_square_table() noexcept nogil:
    return PIECE_SQUARE


# All active features of one perspective; returns their number (at most
# MAX_ACTIVE_FEATURES).
cdef int active_features(const Board* b, int perspective, int32_t* out) noexcept nogil:
    return active_features_for(b, perspective, king_square(b, perspective), out)


cdef int active_features_for(const Board* b, int perspective, int ksq, int32_t* out) noexcept nogil:
    cdef Bitboard pieces = b.by_type[0] & ~b.by_type[6]
    cdef int n = 0, sq
    cdef int block = king_block(perspective, ksq)
    cdef const int32_t* table = PIECE_SQUARE + perspective * 16 * 64
    while pieces:
        sq = pop_lsb(&pieces)
        out[n] = block + table[b.squares[sq] * 64 + sq]
        n += 1
    return n


def feature_indices(Position pos not None, int perspective):
    """Sorted HalfKP indices active for `perspective` (0 = White, 1 = Black)."""
    cdef int32_t buf[MAX_ACTIVE_FEATURES]
    cdef int n = active_features(&pos.b, perspective, buf)
    return sorted(buf[i] for i in range(n))


def side_features(Position pos not None):
    """(side-to-move features, other side's features), as the net consumes them."""
    stm = 0 if pos.turn else 1
    return feature_indices(pos, stm), feature_indices(pos, 1 - stm)


def index(int perspective, int king_sq, str piece, int sq):
    """HalfKP index of `piece` ('P'..'q', not a king) on `sq` seen by `perspective`."""
    if len(piece) != 1 or piece not in "PNBRQpnbrq":
        raise ValueError(f"not a HalfKP piece: {piece!r}")
    code = PIECE_CHARS.index(piece)
    return halfkp_index(perspective, king_sq, code, sq)
