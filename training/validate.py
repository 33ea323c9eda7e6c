"""Record validation: is each record a legal chess position with consistent labels?

The trainer must never see a record that a damaged byte has turned into
something else, and a version-1 file has no checksum to tell, so every
record read is checked.  The position rules are those of python-chess's
`Board.status()` for standard chess (one king a side, at most 16 pieces and
8 pawns a side, no pawn on the first or last rank, castling rights backed by
the king and rook on their squares, an en-passant square behind a pawn that
has just moved two squares, the side not to move not in check, at most two
checkers and only checks a last move can give), so a record that passes
decodes to a position `chess.Board.is_valid()` accepts.  On top of them the
labels: known flag bits only, the in-check flag true exactly when the side
to move is in check, the mate flag exactly when the score is +-MATE_SCORE,
score, result and ply in range.

Everything is vectorised over blocks of records: the positions become
bitboards (one uint64 per piece kind and colour), attacks on the kings are
Kogge-Stone fills along the eight directions
(https://www.chessprogramming.org/Kogge-Stone_Algorithm), so the good path
has no Python loop per record.
"""
from __future__ import annotations

import numpy as np

from training import data as D

# Why a record is invalid: REASONS[code], code 0 = valid.  When several
# apply, the first in this order is reported.
REASONS = (
    "",
    "unknown flag bits",
    "result out of range",
    "score out of range",
    "mate flag and score disagree (mates are stored as +-MATE_SCORE with the flag)",
    "ply beyond the longest possible game",
    "more than 32 occupied squares",
    "bad piece code",
    "piece codes after the last occupied square",
    "en-passant file out of range",
    "not exactly one white king",
    "not exactly one black king",
    "more than 16 white pieces",
    "more than 16 black pieces",
    "more than 8 white pawns",
    "more than 8 black pawns",
    "pawn on the first or last rank",
    "castling right without its king and rook on their squares",
    "en-passant square without a pawn that has just moved two squares",
    "en-passant square with a halfmove clock above 0",
    "side not to move is in check",
    "more than two pieces give check",
    "a check no last move can have given",
    "in-check flag disagrees with the position",
    "first record of the file is not flagged as a game start (the file has game starts)",
)
FILE_START = len(REASONS) - 1     # the one rule about a record's place in its file

# The longest game the 75-move rule allows, 8848.5 moves: a larger ply is damage.
MAX_GAME_PLIES = 17697

BLOCK = 16384                     # records per pass: the work arrays stay in cache
KNOWN_FLAGS = D.FLAG_IN_CHECK | D.FLAG_NOISY_BEST | D.FLAG_MATE | D.FLAG_GAME_START

_U = np.uint64
_ALL = _U(0xFFFFFFFFFFFFFFFF)
_FILE_A = _U(0x0101010101010101)
_NOT_A = ~_FILE_A
_NOT_H = ~_U(0x8080808080808080)
_NOT_AB = ~_U(0x0303030303030303)
_NOT_GH = ~_U(0xC0C0C0C0C0C0C0C0)
_BACK_RANKS = _U(0xFF000000000000FF)
# step (square difference) and the mask that stops a step wrapping round the board
_ROOK_DIRS = ((8, _ALL), (-8, _ALL), (1, _NOT_A), (-1, _NOT_H))
_BISHOP_DIRS = ((9, _NOT_A), (7, _NOT_H), (-7, _NOT_A), (-9, _NOT_H))


def check(recs: np.ndarray, whole_file: bool = False) -> np.ndarray:
    """The reason code (index into REASONS, 0 = valid) of every record.

    With `whole_file` the records are a file's, in order, and the rule on
    the first record applies too: a file with game starts begins with one."""
    out = np.zeros(len(recs), np.uint8)
    for s in range(0, len(recs), BLOCK):
        out[s:s + BLOCK] = _check_block(np.ascontiguousarray(recs[s:s + BLOCK], D.RECORD))
    if whole_file and len(recs) and out[0] == 0:
        starts = (recs["flags"] & D.FLAG_GAME_START) != 0
        if not starts[0] and starts.any():
            out[0] = FILE_START
    return out


def _shift(x, step):
    return x << _U(step) if step > 0 else x >> _U(-step)


def _slide(gen, empty, dirs):
    """Squares a slider on `gen` attacks along `dirs`, blocked by the
    occupied squares (Kogge-Stone occluded fill)."""
    out = np.zeros_like(gen)
    for step, mask in dirs:
        g, pro = gen, empty & mask
        g = g | (pro & _shift(g, step))
        pro = pro & _shift(pro, step)
        g = g | (pro & _shift(g, 2 * step))
        pro = pro & _shift(pro, 2 * step)
        g = g | (pro & _shift(g, 4 * step))
        out |= _shift(g, step) & mask
    return out


def _knight(b):
    l1, l2 = (b >> _U(1)) & _NOT_H, (b >> _U(2)) & _NOT_GH
    r1, r2 = (b << _U(1)) & _NOT_A, (b << _U(2)) & _NOT_AB
    h1, h2 = l1 | r1, l2 | r2
    return (h1 << _U(16)) | (h1 >> _U(16)) | (h2 << _U(8)) | (h2 >> _U(8))


def _king(b):
    row = b | ((b << _U(1)) & _NOT_A) | ((b >> _U(1)) & _NOT_H)
    return (row | (row << _U(8)) | (row >> _U(8))) & ~b


def _attackers(king, occ, white, p):
    """The pieces of the attacking side that attack `king`; `white` says
    per record whether the attacker is White, `p` holds its pieces."""
    empty = ~occ
    up = ((king >> _U(7)) & _NOT_A) | ((king >> _U(9)) & _NOT_H)     # where White pawns attack from
    down = ((king << _U(9)) & _NOT_A) | ((king << _U(7)) & _NOT_H)
    return ((np.where(white, up, down) & p["P"]) | (_knight(king) & p["N"]) | (_king(king) & p["K"])
            | (_slide(king, empty, _ROOK_DIRS) & (p["R"] | p["Q"]))
            | (_slide(king, empty, _BISHOP_DIRS) & (p["B"] | p["Q"])))


def _square(bit):
    """Square index of a one-bit board."""
    return np.bitwise_count(bit - _U(1)).astype(np.int16)


def _on_one_line(a, b, c):
    """Whether squares a, b and c lie on one rank, file or diagonal."""
    ra, fa, rb, fb, rc, fc = a >> 3, a & 7, b >> 3, b & 7, c >> 3, c & 7
    return (((ra == rb) & (rb == rc)) | ((fa == fb) & (fb == fc))
            | ((ra - fa == rb - fb) & (rb - fb == rc - fc)) | ((ra + fa == rb + fb) & (rb + fb == rc + fc)))


def _pdep8_table() -> np.ndarray:
    """PDEP8[mask << 8 | bits]: the low bits of `bits` deposited, in order,
    on the set bits of the 8-bit `mask`."""
    bits = np.arange(256)
    table = np.zeros((256, 256), np.uint8)
    for mask in range(256):
        k = 0
        for b in range(8):
            if mask >> b & 1:
                table[mask] |= (((bits >> k) & 1) << b).astype(np.uint8)
                k += 1
    return table.ravel()


_PDEP8 = _pdep8_table()
_PEXT_STEPS = ((3, _U(0x0303030303030303)), (6, _U(0x000F000F000F000F)),
               (12, _U(0x000000FF000000FF)), (24, _U(0xFFFF)))


def _nibble_bits(x, p):
    """Bit p of each of the 16 nibbles of x, packed into 16 bits."""
    x = (x >> _U(p)) & _U(0x1111111111111111)
    for shift, mask in _PEXT_STEPS:
        x = (x | (x >> _U(shift))) & mask
    return x


def _planes(raw):
    """Bit p (p = 0..3) of every square's piece code as four bitboards: the
    k-th code goes to the k-th occupied square, a parallel bit deposit done
    one board byte at a time by table."""
    occ_bytes = raw[:, :8]
    lo = np.ascontiguousarray(raw[:, 8:16]).view("<u8").ravel()
    hi = np.ascontiguousarray(raw[:, 16:24]).view("<u8").ravel()
    before = np.cumsum(np.bitwise_count(occ_bytes), axis=1, dtype=np.uint8)    # codes up to each byte
    offset = np.zeros(occ_bytes.shape, np.uint32)
    offset[:, 1:] = before[:, :-1]
    row = occ_bytes.astype(np.uint16) << np.uint16(8)
    out = []
    for p in range(4):
        bits = (_nibble_bits(lo, p) | (_nibble_bits(hi, p) << _U(16))).astype(np.uint32)
        take = (bits[:, None] >> offset).astype(np.uint8)        # the byte's codes' bits, low first
        out.append(np.ascontiguousarray(_PDEP8[row | take]).view("<u8").ravel())
    return out, lo, hi


def _check_block(block: np.ndarray) -> np.ndarray:
    n = len(block)
    raw = block.view(np.uint8).reshape(n, D.RECORD.itemsize)
    occ = block["occ"].astype(_U)
    packed = block["packed"]
    flags = block["flags"]
    score = block["score"].astype(np.int32)
    count = np.bitwise_count(occ)

    (t0, t1, t2, black_bit), lo, hi = _planes(raw)
    white, black = occ & ~black_bit, occ & black_bit
    kinds = {"P": t0 & ~t1 & ~t2, "N": ~t0 & t1 & ~t2, "B": t0 & t1 & ~t2,
             "R": ~t0 & ~t1 & t2, "Q": t0 & ~t1 & t2, "K": ~t0 & t1 & t2}
    bad_code = (occ & ~(t0 | t1 | t2)) | (t0 & t1 & t2)
    # the codes after the last piece are zero: nibbles >= count of lo:hi
    c4 = count.astype(_U) * _U(4)
    unused = np.where(count >= 32, False,
                      np.where(count >= 16, (hi >> np.minimum(c4 - _U(64), _U(63))) != 0,
                               ((lo >> np.minimum(c4, _U(63))) != 0) | (hi != 0)))

    stm_black = (packed & 1).astype(bool)
    castling = (packed >> 1) & 15
    ep = ((packed >> 5) & 15).astype(np.int16)
    halfmove = packed >> 9
    mine = np.where(stm_black, black, white)
    us = {k: b & mine for k, b in kinds.items()}
    them = {k: b & occ & ~mine for k, b in kinds.items()}
    wk, bk = kinds["K"] & white, kinds["K"] & black
    wr, br = kinds["R"] & white, kinds["R"] & black

    def has(bb, sq):
        return (bb >> _U(sq)) & _U(1) != 0
    castle_bad = (((castling & 1 != 0) & ~(has(wk, 4) & has(wr, 7)))
                  | ((castling & 2 != 0) & ~(has(wk, 4) & has(wr, 0)))
                  | ((castling & 4 != 0) & ~(has(bk, 60) & has(br, 63)))
                  | ((castling & 8 != 0) & ~(has(bk, 60) & has(br, 56))))

    # en passant: the ep square is on rank 6 (White to move) or 3, the pawn
    # that moved is in front of it, the square it came from behind it
    has_ep = (ep >= 1) & (ep <= 8)
    ep_file = np.where(has_ep, ep - 1, 0)
    ep_sq = np.where(stm_black, 16, 40) + ep_file
    to_sq = np.where(stm_black, 24, 32) + ep_file
    from_sq = np.where(stm_black, 8, 48) + ep_file
    one = _U(1)
    pushed_to = one << to_sq.astype(_U)
    pushed_from = one << from_sq.astype(_U)
    ep_bad = has_ep & ((them["P"] & pushed_to == 0) | (occ & (one << ep_sq.astype(_U)) != 0)
                       | (occ & pushed_from != 0))

    king_us, king_them = us["K"], them["K"]
    checkers = _attackers(king_us, occ, stm_black, them)
    opposite = _attackers(king_them, occ, ~stm_black, us) != 0
    n_check = np.bitwise_count(checkers)
    impossible = np.zeros(n, bool)
    # After a double push the check must be the pawn's or one it uncovered.
    sel = np.flatnonzero(has_ep & ~ep_bad & (n_check > 0))
    if len(sel):
        before = (occ[sel] & ~pushed_to[sel]) | pushed_from[sel]
        still = _attackers(king_us[sel], before, stm_black[sel], {k: v[sel] for k, v in them.items()}) != 0
        impossible[sel] = (n_check[sel] > 1) | ((checkers[sel] != pushed_to[sel]) & still)
    # Two checkers on one line through the king cannot both be uncovered by one move.
    sel = np.flatnonzero(~has_ep & (n_check == 2))
    if len(sel):
        c = checkers[sel]
        low = c & (~c + one)
        impossible[sel] = _on_one_line(_square(low), _square(c ^ low), _square(king_us[sel]))

    checks = [
        flags & ~np.uint8(KNOWN_FLAGS) != 0,
        (block["result"] < -1) | (block["result"] > 1),
        np.abs(score) > D.MATE_SCORE,
        ((flags & D.FLAG_MATE) != 0) != (np.abs(score) == D.MATE_SCORE),
        block["ply"] > MAX_GAME_PLIES,
        count > 32,
        bad_code != 0,
        unused,
        ep > 8,
        np.bitwise_count(wk) != 1,
        np.bitwise_count(bk) != 1,
        np.bitwise_count(white) > 16,
        np.bitwise_count(black) > 16,
        np.bitwise_count(kinds["P"] & white) > 8,
        np.bitwise_count(kinds["P"] & black) > 8,
        kinds["P"] & _BACK_RANKS != 0,
        castle_bad,
        ep_bad,
        has_ep & (halfmove != 0),
        opposite,
        n_check > 2,
        impossible,
        ((flags & D.FLAG_IN_CHECK) != 0) != (checkers != 0),
    ]
    out = np.zeros(n, np.uint8)
    for code in range(len(checks), 0, -1):      # the first reason wins
        out[checks[code - 1]] = code
    return out
