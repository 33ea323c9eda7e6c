# The training record's position codec (engine/record.pxd): the engine's
# board packed with its own bit scans, and a record unpacked the same way,
# for datagen (pack), the data tools (fen, unpack) and the trainer
# (training/model.pyx calls unpack_pieces without the GIL).
from libc.string cimport memset
from libc.stdint cimport int8_t, uint8_t, uint64_t

from engine.types cimport BLACK, file_of
from engine.bitboard cimport pop_lsb, popcount
from engine.board cimport Board, king_square
from engine.position cimport Position

from engine.notation import PIECE_CHARS

CASTLING_CHARS = "KQkq"      # the record's castling bits 1-4, the engine's rights in order

# Standard chess, per castling right (WHITE_OO, WHITE_OOO, BLACK_OO,
# BLACK_OOO): the rook's corner and the king's square.
cdef int STANDARD_ROOK[4]
cdef int STANDARD_KING[4]
STANDARD_ROOK[:] = [7, 0, 63, 56]
STANDARD_KING[:] = [4, 4, 60, 60]


cdef int pack_squares(const int8_t* squares, uint64_t occ, bint black, int castling,
                      int ep_file, int halfmove, PackedPosition* out) noexcept nogil:
    cdef int n = 0
    cdef int sq
    if popcount(occ) > RECORD_MAX_PIECES:
        return RECORD_TOO_MANY
    memset(out.pieces, 0, RECORD_NIBBLE_BYTES)
    out.occ = occ
    while occ:
        sq = pop_lsb(&occ)
        out.pieces[n >> 1] |= <uint8_t>((squares[sq] & 15) << (4 * (n & 1)))
        n += 1
    if halfmove > RECORD_MAX_HALFMOVE:
        halfmove = RECORD_MAX_HALFMOVE
    out.packed = <uint16_t>((1 if black else 0) | (castling << 1) | (ep_file << 5) | (halfmove << 9))
    return 0


cdef int unpack_pieces(uint64_t occ, const uint8_t* pieces, int* squares,
                       int* codes) noexcept nogil:
    cdef int n = 0
    cdef int code
    if popcount(occ) > RECORD_MAX_PIECES:
        return RECORD_TOO_MANY
    while occ:
        squares[n] = pop_lsb(&occ)
        code = (pieces[n >> 1] >> (4 * (n & 1))) & 15
        if code == 0:
            return RECORD_EMPTY_CODE
        if (code & 7) == 7 or code == 8:
            return RECORD_BAD_CODE
        codes[n] = code
        n += 1
    return n


cdef tuple _fields(PackedPosition* p):
    return p.occ, (<char*>p.pieces)[:RECORD_NIBBLE_BYTES], p.packed


def pack(Position pos not None):
    """(occ, pieces, packed): the fields of `pos` in a training record, the
    en-passant square only when an en-passant capture is legal (as pos.fen()
    writes it).  ValueError for castling rights of Chess960 that standard
    chess cannot have."""
    cdef Board* b = &pos.b
    cdef PackedPosition out
    cdef int right
    cdef int castling = b.st.castling
    if b.chess960:
        for right in range(4):
            if castling & (1 << right) and (b.castling_rook[right] != STANDARD_ROOK[right]
                                            or king_square(b, right >> 1) != STANDARD_KING[right]):
                raise ValueError(f"only standard castling rights can be packed, got {pos.fen().split()[2]!r}")
    ep = pos.ep_square
    if pack_squares(b.squares, b.by_type[0], b.side == BLACK, castling,
                    0 if ep is None else file_of(ep) + 1, b.st.rule50, &out) != 0:
        raise ValueError("more than 32 pieces")
    return _fields(&out)


def pack_board(squares, bint black, int castling, int ep_file, int halfmove):
    """(occ, pieces, packed) of a position given field by field, unchecked
    beyond what the format can hold: `squares` the 64 piece codes (0 empty,
    colour * 8 + type), `castling` the bits K Q k q (1, 2, 4, 8), `ep_file`
    the en-passant file + 1 (0: none).  For positions the engine would not
    set up (tests of the record checks, text in other conventions)."""
    cdef int8_t board[64]
    cdef uint64_t occ = 0
    cdef PackedPosition out
    cdef int sq, code
    if len(squares) != 64:
        raise ValueError(f"expected 64 squares, got {len(squares)}")
    if not (0 <= castling <= 15 and 0 <= ep_file <= 8 and halfmove >= 0):
        raise ValueError(f"castling {castling}, en-passant file {ep_file} or halfmove clock {halfmove} "
                         f"out of range")
    for sq in range(64):
        code = squares[sq]
        if code and not (0 < code < 16 and 0 < (code & 7) < 7):
            raise ValueError(f"bad piece code {code} on square {sq}")
        board[sq] = code
        if code:
            occ |= (<uint64_t>1) << sq
    if pack_squares(board, occ, black, castling, ep_file, halfmove, &out) != 0:
        raise ValueError("more than 32 pieces")
    return _fields(&out)


def unpack(uint64_t occ, const uint8_t[:] pieces not None, int packed):
    """(squares, black, castling, ep_file, halfmove) of a record's fields, as
    pack_board takes them; ValueError for what cannot be decoded (the rest is
    training/validate.py's to check)."""
    cdef int sqs[RECORD_MAX_PIECES]
    cdef int codes[RECORD_MAX_PIECES]
    cdef uint8_t nibbles[RECORD_NIBBLE_BYTES]
    cdef int i, n
    if pieces.shape[0] != RECORD_NIBBLE_BYTES:
        raise ValueError(f"expected {RECORD_NIBBLE_BYTES} bytes of piece codes, got {pieces.shape[0]}")
    for i in range(RECORD_NIBBLE_BYTES):
        nibbles[i] = pieces[i]
    n = unpack_pieces(occ, nibbles, sqs, codes)
    if n == RECORD_TOO_MANY:
        raise ValueError("more than 32 occupied squares in record")
    if n == RECORD_EMPTY_CODE:
        raise ValueError("bad piece code 0 on an occupied square in record")
    if n < 0:
        raise ValueError("bad piece code (7, 8 or 15: no piece) on an occupied square in record")
    ep_file = (packed >> 5) & 15
    if ep_file > 8:
        raise ValueError(f"en-passant file {ep_file - 1} out of range in record")
    squares = [0] * 64
    for i in range(n):
        squares[sqs[i]] = codes[i]
    return squares, bool(packed & 1), (packed >> 1) & 15, ep_file, packed >> 9


def fen(uint64_t occ, const uint8_t[:] pieces not None, int packed):
    """The FEN of a record's fields (fullmove number 1: the format keeps only
    the ply); ValueError for what cannot be decoded."""
    squares, black, castling, ep_file, halfmove = unpack(occ, pieces, packed)
    rows = []
    for rank in range(7, -1, -1):
        row, empty = "", 0
        for f in range(8):
            code = squares[rank * 8 + f]
            if not code:
                empty += 1
                continue
            if empty:
                row += str(empty)
                empty = 0
            row += PIECE_CHARS[code]
        rows.append(row + (str(empty) if empty else ""))
    rights = "".join(c for k, c in enumerate(CASTLING_CHARS) if castling >> k & 1) or "-"
    ep = "-" if not ep_file else "abcdefgh"[ep_file - 1] + ("3" if black else "6")
    return f"{'/'.join(rows)} {'b' if black else 'w'} {rights} {ep} {halfmove} 1"
