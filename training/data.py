"""Training data: the binary position format of `ladya datagen` and its text twin.

Binary files (`*.ldat`) are a 16-byte header followed by fixed 32-byte records::

    header: magic b"LADYADAT" | uint32 version (1) | uint32 record size (32)

    record (little-endian, numpy dtype RECORD):
      occ      uint64     occupied squares (bit i = square i, a1 = 0)
      pieces   uint8[16]  4-bit piece codes of the occupied squares in
                          increasing square order, low nibble first
                          (1..6 = white P N B R Q K, 9..14 = black)
      packed   uint16     bit 0 side to move (1 = black), bits 1-4 castling
                          rights K Q k q (standard chess), bits 5-8 en-passant
                          file + 1 (0 = none), bits 9-15 halfmove clock (capped 127)
      score    int16      search score in centipawns from the SIDE TO MOVE's view;
                          mates are stored as +-32000 with FLAG_MATE set
      ply      uint16     ply of the position in its game (0 = first position)
      result   int8       game result from WHITE's view: 1 win, 0 draw, -1 loss
      flags    uint8      FLAG_IN_CHECK | FLAG_NOISY_BEST (best move captures or
                          promotes) | FLAG_MATE | FLAG_GAME_START

Files hold whole games only (consecutive records of one game, the first one
flagged FLAG_GAME_START), written to a temporary name and renamed, so a
killed run leaves only complete files.  Nothing is filtered at write time:
the trainer filters at load time on the flags and `ply` (`default_filter`).

The text format, shared with other NNUE trainers, is one position per line::

    <FEN> | <score, centipawns from White's view> | <result 1.0/0.5/0.0 from White's view>
"""
from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple

import numpy as np

MAGIC = b"LADYADAT"
VERSION = 1
HEADER = struct.Struct("<8sII")
RECORD = np.dtype([("occ", "<u8"), ("pieces", "u1", 16), ("packed", "<u2"), ("score", "<i2"),
                   ("ply", "<u2"), ("result", "i1"), ("flags", "u1")])
assert RECORD.itemsize == 32

FLAG_IN_CHECK = 1
FLAG_NOISY_BEST = 2
FLAG_MATE = 4
FLAG_GAME_START = 8
MATE_SCORE = 32000
EXTENSION = ".ldat"

PIECE_CHARS = " PNBRQK  pnbrqk"
_CASTLE_CHARS = "KQkq"


class DataError(ValueError):
    """A data file that is not ours, or is corrupt."""


# ---------------------------------------------------------------------------
# Packing one position


def pack_position(fen: str, score: int, result: int, ply: int, flags: int) -> np.ndarray:
    """One record from a FEN (standard chess) and its labels."""
    rec = np.zeros((), RECORD)
    fields = fen.split()
    occ = 0
    codes: List[int] = []
    rows = fields[0].split("/")
    squares = [0] * 64
    for i, row in enumerate(rows):
        r, f = 7 - i, 0
        for ch in row:
            if ch.isdigit():
                f += int(ch)
            else:
                squares[r * 8 + f] = PIECE_CHARS.index(ch)
                f += 1
    for sq in range(64):
        if squares[sq]:
            occ |= 1 << sq
            codes.append(squares[sq])
    if len(codes) > 32:
        raise ValueError("more than 32 pieces")
    nib = np.zeros(16, np.uint8)
    for i, c in enumerate(codes):
        nib[i // 2] |= c << (4 * (i % 2))
    castling = 0
    if fields[2] != "-":
        for ch in fields[2]:
            if ch not in _CASTLE_CHARS:
                raise ValueError(f"only standard castling rights can be packed, got {fields[2]!r}")
            castling |= 1 << _CASTLE_CHARS.index(ch)
    ep = 0 if fields[3] == "-" else (ord(fields[3][0]) - 96)
    halfmove = min(int(fields[4]) if len(fields) > 4 else 0, 127)
    rec["occ"] = occ
    rec["pieces"] = nib
    rec["packed"] = (fields[1] == "b") | (castling << 1) | (ep << 5) | (halfmove << 9)
    rec["score"] = max(-MATE_SCORE, min(MATE_SCORE, int(score)))
    rec["ply"] = min(ply, 65535)
    rec["result"] = result
    rec["flags"] = flags
    return rec


def unpack_fen(rec) -> str:
    """The FEN of a record (fullmove number derived from `ply` is not kept: 1)."""
    occ = int(rec["occ"])
    nib = rec["pieces"]
    board = [0] * 64
    i = 0
    for sq in range(64):
        if occ >> sq & 1:
            board[sq] = (int(nib[i // 2]) >> (4 * (i % 2))) & 15
            i += 1
    rows = []
    for r in range(7, -1, -1):
        row, empty = "", 0
        for f in range(8):
            pc = board[r * 8 + f]
            if not pc:
                empty += 1
                continue
            if empty:
                row += str(empty)
                empty = 0
            if pc >= len(PIECE_CHARS) or PIECE_CHARS[pc] == " ":
                raise DataError(f"bad piece code {pc} in record")
            row += PIECE_CHARS[pc]
        rows.append(row + (str(empty) if empty else ""))
    packed = int(rec["packed"])
    stm = "b" if packed & 1 else "w"
    castling = "".join(c for k, c in enumerate(_CASTLE_CHARS) if packed >> (1 + k) & 1) or "-"
    ep_file = (packed >> 5) & 15
    ep = "-" if not ep_file else "abcdefgh"[ep_file - 1] + ("6" if stm == "w" else "3")
    return f"{'/'.join(rows)} {stm} {castling} {ep} {packed >> 9} 1"


def white_score(rec) -> int:
    """The record's score from White's point of view."""
    s = int(rec["score"])
    return -s if int(rec["packed"]) & 1 else s


# ---------------------------------------------------------------------------
# Files


def write_records(path, records: np.ndarray) -> None:
    """Write a whole file atomically (temporary name, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(HEADER.pack(MAGIC, VERSION, RECORD.itemsize))
        f.write(np.ascontiguousarray(records, RECORD).tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def open_records(path) -> np.ndarray:
    """Memory-map a data file's records; DataError if it is not a valid file."""
    path = Path(path)
    size = path.stat().st_size
    if size < HEADER.size:
        raise DataError(f"{path}: too short to be a Ladya data file ({size} bytes)")
    with open(path, "rb") as f:
        magic, version, recsize = HEADER.unpack(f.read(HEADER.size))
    if magic != MAGIC:
        raise DataError(f"{path}: not a Ladya data file (magic {magic!r})")
    if version != VERSION:
        raise DataError(f"{path}: unsupported data version {version}")
    if recsize != RECORD.itemsize:
        raise DataError(f"{path}: record size {recsize}, expected {RECORD.itemsize}")
    if (size - HEADER.size) % RECORD.itemsize:
        raise DataError(f"{path}: truncated ({size - HEADER.size} bytes of records is not a "
                        f"multiple of {RECORD.itemsize})")
    if size == HEADER.size:
        return np.zeros(0, RECORD)
    recs = np.memmap(path, RECORD, "r", offset=HEADER.size)
    bad = (recs["result"] < -1) | (recs["result"] > 1)
    if bad.any():
        raise DataError(f"{path}: corrupt record {int(np.argmax(bad))} (result out of range)")
    return recs


def data_files(paths: Iterable) -> List[Path]:
    """Expand directories into their data files, sorted."""
    out: List[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix == EXTENSION and not q.name.startswith(".")))
        elif p.exists():
            out.append(p)
        else:
            raise DataError(f"{p}: no such file or directory")
    return out


def load(paths: Iterable) -> np.ndarray:
    """All records of the given files/directories, concatenated in memory."""
    files = data_files(paths)
    if not files:
        return np.zeros(0, RECORD)
    return np.concatenate([np.asarray(open_records(f)) for f in files])


def default_filter(recs: np.ndarray, min_ply: int = 8) -> np.ndarray:
    """Boolean mask of the positions the trainer uses: not in check, quiet
    best move, no mate score, and past the opening plies."""
    return (((recs["flags"] & (FLAG_IN_CHECK | FLAG_NOISY_BEST | FLAG_MATE)) == 0)
            & (recs["ply"] >= min_ply))


def games(recs: np.ndarray) -> Iterator[np.ndarray]:
    """Split records into games (each starts with FLAG_GAME_START)."""
    starts = np.flatnonzero(recs["flags"] & FLAG_GAME_START)
    if len(recs) and (not len(starts) or starts[0] != 0):
        starts = np.concatenate([[0], starts])
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(recs)
        yield recs[s:e]


# ---------------------------------------------------------------------------
# Text format


def to_text_line(rec) -> str:
    result = {1: "1.0", 0: "0.5", -1: "0.0"}[int(rec["result"])]
    return f"{unpack_fen(rec)} | {white_score(rec)} | {result}"


def parse_text_line(line: str, lineno: int = 0) -> Tuple[str, int, int]:
    """(fen, white score, result -1/0/1) of a `fen | score | result` line."""
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != 3:
        raise DataError(f"line {lineno}: expected 'FEN | score | result', got {line.strip()!r}")
    fen, score_s, result_s = parts
    try:
        score = int(round(float(score_s)))
    except ValueError:
        raise DataError(f"line {lineno}: bad score {score_s!r}") from None
    results = {"1.0": 1, "1": 1, "0.5": 0, "1/2": 0, "0.0": -1, "0": -1}
    if result_s not in results:
        raise DataError(f"line {lineno}: bad result {result_s!r} (use 1.0, 0.5 or 0.0)")
    return fen, score, results[result_s]


def from_text(lines: Iterable[str]) -> np.ndarray:
    """Records from text lines; positions are validated by the engine's FEN parser."""
    from engine.position import Position
    out = []
    prev_key = None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fen, score, result = parse_text_line(line, i)
        try:
            pos = Position(fen, chess960=False)
        except ValueError as exc:
            raise DataError(f"line {i}: {exc}") from None
        stm_score = score if pos.turn else -score
        flags = FLAG_IN_CHECK if pos.is_check() else 0
        if abs(score) >= MATE_SCORE - 1000:
            flags |= FLAG_MATE
        out.append(pack_position(pos.fen(), stm_score, result, 0, flags | (FLAG_GAME_START if prev_key is None else 0)))
        prev_key = pos.zobrist
    return np.array(out, RECORD) if out else np.zeros(0, RECORD)
