"""Training data: the binary position format of `ladya datagen` and its text twin.

Binary files (`*.ldat`, version 2) are a 32-byte header followed by fixed
32-byte records::

    header (little-endian, HEADER):
      magic    8 bytes    b"LADYADAT"
      version  uint32     2
      recsize  uint32     32
      count    uint64     number of records
      crc      uint32     CRC32 (zlib) of all the record bytes
      hcrc     uint32     CRC32 of the 28 header bytes before it

    record (little-endian, numpy dtype RECORD):
      occ      uint64     occupied squares (bit i = square i, a1 = 0)
      pieces   uint8[16]  4-bit piece codes of the occupied squares in
                          increasing square order, low nibble first
                          (1..6 = white P N B R Q K, 9..14 = black); the
                          nibbles after the last piece are 0
      packed   uint16     bit 0 side to move (1 = black), bits 1-4 castling
                          rights K Q k q (standard chess), bits 5-8 en-passant
                          file + 1 (0 = none), bits 9-15 halfmove clock (capped 127)
      score    int16      search score in centipawns from the SIDE TO MOVE's view;
                          mates are stored as +-32000 with FLAG_MATE set, and
                          only they are
      ply      uint16     plies since the game's start position (its first
                          record may be later than ply 0: datagen leaves out
                          the standard start; files of `ladya data dedup`
                          have gaps; text imports store 0 everywhere)
      result   int8       game result from WHITE's view: 1 win, 0 draw, -1 loss
      flags    uint8      FLAG_IN_CHECK (the side to move is in check) |
                          FLAG_NOISY_BEST (best move captures or promotes) |
                          FLAG_MATE | FLAG_GAME_START; other bits are invalid

The position fields (occ, pieces, packed) are packed and unpacked by the
engine's record codec, engine/record.pyx (position_fields, unpack_fen).

Version-1 files (a 16-byte header: magic, version 1, record size; no count
and no checksum) are still read.

Files hold whole games only (consecutive records of one game, the first one
flagged FLAG_GAME_START), written to a temporary name, synced, read back and
renamed, so a killed run leaves only complete files.  Nothing is filtered at
write time: the trainer filters at load time on the flags and `ply`
(`default_filter`).

Every file read is checked (check_file: header, size, checksum) and so is
every record (training/validate.py: a legal position with consistent flags
and labels; a version-1 file, without a checksum, has only this check), so
neither a damaged version-2 file nor a record that breaks a rule reaches a
reader.  `load` skips a damaged file and drops an invalid record with a
logged warning, or raises DataError with `strict`; `write_records` refuses
to write an invalid record.

The text format, shared with other NNUE trainers, is one position per line::

    <FEN> | <score, centipawns from White's view> | <result 1.0/0.5/0.0 from White's view>

A score of MATE_SCORE - 1000 or more (either sign) is read as a mate.
"""
from __future__ import annotations

import logging
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple

import numpy as np

LOGGER = logging.getLogger(__name__)

MAGIC = b"LADYADAT"
VERSION = 2
HEADER_V1 = struct.Struct("<8sII")      # magic, version, record size
HEADER = struct.Struct("<8sIIQII")      # ... record count, CRC32 of the records, CRC32 of the header
RECORD = np.dtype([("occ", "<u8"), ("pieces", "u1", 16), ("packed", "<u2"), ("score", "<i2"),
                   ("ply", "<u2"), ("result", "i1"), ("flags", "u1")])
assert RECORD.itemsize == 32 and HEADER.size == 32

FLAG_IN_CHECK = 1
FLAG_NOISY_BEST = 2
FLAG_MATE = 4
FLAG_GAME_START = 8
MATE_SCORE = 32000
EXTENSION = ".ldat"


class DataError(ValueError):
    """A data file that is not ours, or is corrupt."""


# ---------------------------------------------------------------------------
# Packing one position


def position_fields(position) -> Tuple[int, bytes, int]:
    """(occ, pieces, packed) of a position, by the engine's record codec
    (engine/record.pyx): an engine Position, packed from its board (what
    datagen records), or a FEN of standard chess, read by python-chess
    without checks so that any placement and en-passant square can be
    stored (training/validate.py judges them).  ValueError for what the
    format cannot hold: Chess960 castling rights, more than 32 pieces."""
    from engine import record
    if not isinstance(position, str):
        return record.pack(position)
    import chess
    fields = position.split()
    rights = fields[2] if len(fields) > 2 else "-"
    if rights != "-" and any(ch not in record.CASTLING_CHARS for ch in rights):
        raise ValueError(f"only standard castling rights can be packed, got {rights!r}")
    board = chess.Board(position)
    squares = [0] * 64
    for sq, piece in board.piece_map().items():
        squares[sq] = piece.piece_type | (0 if piece.color == chess.WHITE else 8)
    castling = sum(1 << k for k, ch in enumerate(record.CASTLING_CHARS) if ch in rights)
    ep_file = 0 if board.ep_square is None else chess.square_file(board.ep_square) + 1
    return record.pack_board(squares, board.turn == chess.BLACK, castling, ep_file, board.halfmove_clock)


def pack_position(position, score: int, result: int, ply: int, flags: int) -> np.ndarray:
    """One record of a position (an engine Position or a FEN: position_fields)
    and its labels."""
    occ, pieces, packed = position_fields(position)
    rec = np.zeros((), RECORD)
    rec["occ"] = occ
    rec["pieces"] = np.frombuffer(pieces, np.uint8)
    rec["packed"] = packed
    rec["score"] = max(-MATE_SCORE, min(MATE_SCORE, int(score)))
    rec["ply"] = min(ply, 65535)
    rec["result"] = result
    rec["flags"] = flags
    return rec


def unpack_fen(rec) -> str:
    """The FEN of a record (the fullmove number, which the format does not
    keep, is 1), by the engine's record codec.  DataError for what cannot be
    decoded; training/validate.py checks the rest."""
    from engine import record
    try:
        return record.fen(int(rec["occ"]), np.ascontiguousarray(rec["pieces"]), int(rec["packed"]))
    except ValueError as exc:
        raise DataError(str(exc)) from None


def white_score(rec) -> int:
    """The record's score from White's point of view."""
    s = int(rec["score"])
    return -s if int(rec["packed"]) & 1 else s


# ---------------------------------------------------------------------------
# Files


def file_bytes(records: np.ndarray, version: int = VERSION) -> bytes:
    """The bytes of a whole file holding `records`, unchecked (write_records
    validates first); version 1 is for tests and tools that need old files."""
    body = np.ascontiguousarray(records, RECORD).tobytes()
    if version == 1:
        return HEADER_V1.pack(MAGIC, 1, RECORD.itemsize) + body
    if version != VERSION:
        raise ValueError(f"cannot write data version {version}")
    head = HEADER.pack(MAGIC, VERSION, RECORD.itemsize, len(body) // RECORD.itemsize, zlib.crc32(body), 0)
    head = head[:-4] + struct.pack("<I", zlib.crc32(head[:-4]))
    return head + body


def write_records(path, records: np.ndarray) -> None:
    """Write a whole file atomically: the records are validated (DataError
    naming the first invalid one, nothing written), written to a temporary
    name, synced, read back and checked, then renamed."""
    path = Path(path)
    records = np.ascontiguousarray(records, RECORD)
    from training import validate
    codes = validate.check(records, whole_file=True)
    bad = np.flatnonzero(codes)
    if len(bad):
        raise DataError(f"{path}: not written, {invalid_text(bad, codes)}")
    data = file_bytes(records)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _, back, error = _map(tmp)
        if error is None and len(back) != len(records):
            error = f"{len(back)} records read back, {len(records)} written"
        del back
        if error is not None:
            raise DataError(f"{path}: not written, the file read back is wrong: {error}")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # the rename itself survives a crash only once the directory is synced
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass            # not every platform or file system syncs directories
    finally:
        os.close(fd)


_CRC_CHUNK = 1 << 26         # bytes checksummed at a time from the memory map


def _map(path) -> Tuple[int, Optional[np.ndarray], Optional[str]]:
    """(version, memory-mapped records, what is wrong with the file or None).
    The records come back whenever they can be mapped, damaged or not."""
    path = Path(path)
    size = path.stat().st_size
    if size < HEADER_V1.size:
        return 0, None, f"too short to be a Ladya data file ({size} bytes)"
    with open(path, "rb") as f:
        head = f.read(HEADER.size)
    magic, version, recsize = HEADER_V1.unpack(head[:HEADER_V1.size])
    if magic != MAGIC:
        return 0, None, f"not a Ladya data file (magic {magic!r})"
    if version not in (1, VERSION):
        return version, None, f"unsupported data version {version}"
    count = crc = None
    if version >= 2:
        if len(head) < HEADER.size:
            return version, None, f"truncated in the header ({size} bytes)"
        *_, count, crc, head_crc = HEADER.unpack(head)
        if zlib.crc32(head[:-4]) != head_crc:
            return version, None, "header damaged (header checksum mismatch)"
    hsize = HEADER_V1.size if version == 1 else HEADER.size
    if recsize != RECORD.itemsize:
        return version, None, f"record size {recsize}, expected {RECORD.itemsize}"
    body = size - hsize
    if body % RECORD.itemsize:
        return version, None, (f"truncated ({body} bytes of records is not a multiple of "
                               f"{RECORD.itemsize})")
    n = body // RECORD.itemsize
    if count is not None and n != count:
        return version, None, (f"truncated (the header says {count} records, the file holds {n})" if n < count
                               else f"{n - count} records after the {count} the header announces")
    recs = np.memmap(path, RECORD, "r", offset=hsize, shape=(n,)) if n else np.zeros(0, RECORD)
    if crc is not None:
        raw = recs.view(np.uint8)
        found = 0
        for s in range(0, len(raw), _CRC_CHUNK):
            found = zlib.crc32(raw[s:s + _CRC_CHUNK], found)
        if found != crc:
            return version, recs, "records damaged (checksum mismatch)"
    return version, recs, None


def invalid_text(invalid: np.ndarray, codes: np.ndarray, limit: int = 3) -> str:
    """'2 invalid records: record 5: <reason>; record 9: <reason>' (the first `limit`)."""
    from training.validate import REASONS
    shown = "; ".join(f"record {i}: {REASONS[codes[i]]}" for i in invalid[:limit])
    more = f"; and {len(invalid) - limit} more" if len(invalid) > limit else ""
    n = len(invalid)
    return f"{n} invalid record{'s' if n != 1 else ''}: {shown}{more}"


@dataclass
class FileCheck:
    """What reading one data file found (check_file)."""
    path: Path
    version: int = 0                       #: 0 when not even the header could be read
    records: Optional[np.ndarray] = None   #: the records, memory-mapped; None when the file is unusable
    error: Optional[str] = None            #: why the file as a whole cannot be used
    invalid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  #: indices of invalid records
    codes: Optional[np.ndarray] = None     #: every record's reason code (training/validate.py)

    @property
    def ok(self) -> bool:
        return self.error is None and not len(self.invalid)

    def problem(self) -> str:
        """The trouble in one line, '' when there is none."""
        return self.error or (invalid_text(self.invalid, self.codes) if len(self.invalid) else "")


def check_file(path) -> FileCheck:
    """Read and check one file, never raising for what is in it: the header,
    the size, the checksum (version 2) and every record (training/validate.py)."""
    from training import validate
    out = FileCheck(Path(path))
    try:
        out.version, recs, out.error = _map(path)
    except OSError as exc:
        out.error = f"cannot read ({exc.strerror or exc})"
        return out
    if recs is None:
        return out
    out.codes = validate.check(recs, whole_file=True)
    invalid = np.flatnonzero(out.codes)
    if out.error is None:
        out.records, out.invalid = recs, invalid
    elif len(invalid):   # damaged: name the first record that shows it, if one does
        i = int(invalid[0])
        out.error += f"; record {i}: {validate.REASONS[out.codes[i]]}"
    return out


def open_records(path) -> np.ndarray:
    """Memory-map a data file's records, checked: DataError naming the file
    (and the record, with the reason) if it is not ours, damaged or holds an
    invalid record."""
    fc = check_file(path)
    if fc.problem():
        raise DataError(f"{path}: {fc.problem()}")
    return fc.records


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


@dataclass
class LoadReport:
    """What load() read and what it left out."""
    files: int = 0                                      #: files read
    records: int = 0                                    #: records kept
    skipped: List[str] = field(default_factory=list)    #: "PATH: why" of each file left out
    dropped: int = 0                                    #: invalid records left out of the files read

    def summary(self) -> str:
        """'' when nothing was left out, else e.g. '1 damaged file skipped, 3 invalid records dropped'."""
        parts = []
        if self.skipped:
            parts.append(f"{len(self.skipped)} damaged file{'s' if len(self.skipped) != 1 else ''} skipped")
        if self.dropped:
            parts.append(f"{self.dropped} invalid record{'s' if self.dropped != 1 else ''} dropped")
        return ", ".join(parts)


def load(paths: Iterable, strict: bool = False, report: Optional[LoadReport] = None) -> np.ndarray:
    """The valid records of the given files/directories, concatenated in memory.

    A file that cannot be used whole (damaged, truncated, not ours) is
    skipped and an invalid record dropped, each with a warning logged and
    counted in `report`: one bad chunk among thousands should not stop a
    training run.  With `strict` the first of them is a DataError instead."""
    report = LoadReport() if report is None else report
    parts = []
    for f in data_files(paths):
        fc = check_file(f)
        if fc.error is not None:
            if strict:
                raise DataError(f"{f}: {fc.error}")
            LOGGER.warning("%s: %s (file skipped)", f, fc.error)
            report.skipped.append(f"{f}: {fc.error}")
            continue
        recs = np.asarray(fc.records)
        if len(fc.invalid):
            if strict:
                raise DataError(f"{f}: {fc.problem()}")
            LOGGER.warning("%s: %s (dropped)", f, fc.problem())
            recs = np.delete(recs, fc.invalid)
            report.dropped += len(fc.invalid)
        report.files += 1
        report.records += len(recs)
        parts.append(recs)
    return np.concatenate(parts) if parts else np.zeros(0, RECORD)


#: plies at the start of each game the trainer skips by default: none, since
#: datagen records the random opening too and the net must know the first
#: plies (skipping them taught a shallow search 1.Na3)
MIN_PLY = 0


def default_filter(recs: np.ndarray, min_ply: int = MIN_PLY) -> np.ndarray:
    """Boolean mask of the positions the trainer uses: not in check, quiet
    best move, no mate score, and from ply `min_ply` on."""
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
    """Records from text lines; positions are validated by the engine's FEN
    parser and then as records (training/validate.py), a bad one named by
    its line."""
    from engine.position import Position
    from training.validate import REASONS, check
    out, linenos = [], []
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
        if abs(stm_score) >= MATE_SCORE - 1000:
            flags |= FLAG_MATE
            stm_score = MATE_SCORE if stm_score > 0 else -MATE_SCORE
        out.append(pack_position(pos, stm_score, result, 0, flags | (FLAG_GAME_START if not out else 0)))
        linenos.append(i)
    if not out:
        return np.zeros(0, RECORD)
    recs = np.array(out, RECORD)
    codes = check(recs, whole_file=True)
    bad = np.flatnonzero(codes)
    if len(bad):
        raise DataError(f"line {linenos[bad[0]]}: {REASONS[codes[bad[0]]]}")
    return recs
