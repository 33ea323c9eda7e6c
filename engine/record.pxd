# The position part of a training record (training/data.py RECORD,
# docs/formats.md): the occupied squares, their 4-bit piece codes in square
# order, low nibble first, and a word of side to move, castling rights,
# en-passant file and halfmove clock.  The piece codes are the engine's
# (colour * 8 + type), so the codec is plain bit scans over the board.
# engine/record.pyx implements it once for datagen, the data tools and the
# trainer (training/model.pyx decodes with unpack_pieces).
from libc.stdint cimport int8_t, uint8_t, uint16_t, uint64_t

cdef enum:
    RECORD_MAX_PIECES = 32
    RECORD_NIBBLE_BYTES = 16
    RECORD_MAX_HALFMOVE = 127  # the halfmove clock's 7 bits: larger clocks are stored as 127
    # unpack_pieces's errors
    RECORD_TOO_MANY = -1      # more than 32 occupied squares
    RECORD_EMPTY_CODE = -2    # piece code 0 on an occupied square
    RECORD_BAD_CODE = -3      # piece code 7, 8 or 15 (no piece)

# packed: bit 0 black to move, bits 1-4 castling K Q k q, 5-8 en-passant
# file + 1, 9-15 halfmove clock.
cdef struct PackedPosition:
    uint64_t occ                         # occupied squares (bit i = square i, a1 = 0)
    uint8_t pieces[RECORD_NIBBLE_BYTES]  # their piece codes, two a byte
    uint16_t packed                      # side, castling, en passant, halfmove clock

# Fill `out` from a board's squares and occupancy; RECORD_TOO_MANY or 0.
cdef int pack_squares(const int8_t* squares, uint64_t occ, bint black, int castling,
                      int ep_file, int halfmove, PackedPosition* out) noexcept nogil

# The squares (increasing) and piece codes of a record's occupied squares:
# their count, or one of the RECORD_* errors.
cdef int unpack_pieces(uint64_t occ, const uint8_t* pieces, int* squares,
                       int* codes) noexcept nogil
