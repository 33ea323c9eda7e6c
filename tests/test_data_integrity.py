"""Damaged training data is detected and named, never trained on, never a traceback.

Real self-play chunks (a tiny `ladya datagen` run) are damaged byte by byte
and cut short: a version-2 file must always be reported, a version-1 file
(no checksum) must lose exactly the damaged record when its damage shows.
The record rules (training/validate.py) are checked against python-chess:
whatever passes decodes to a position `chess.Board.is_valid()` accepts.
"""
import random
import subprocess
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

from training import cli
from training import data as D
from training import validate as V

ROOT = Path(__file__).resolve().parents[1]


def ladya(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def chunk(tmp_path_factory):
    """The records of one real self-play chunk (version 2, as datagen writes it)."""
    out = tmp_path_factory.mktemp("selfplay")
    r = ladya("datagen", "--out", out, "--games", 4, "--workers", 1, "--seed", 5,
              "--chunk-games", 4, "--nodes", 200, "--no-progress")
    assert r.returncode == 0, r.stderr
    [path] = D.data_files([out])
    assert D.check_file(path).version == 2
    return np.array(D.open_records(path))


def board_of(rec):
    return chess.Board(D.unpack_fen(rec))


def flip(data: bytes, offset: int, mask: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1:]


def run_cli(capsys, *argv):
    """A `ladya` command in-process: (exit status, stdout, stderr); an
    exception would fail the test, which is the point."""
    rc = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def flip_offsets(n_records, seed):
    """Every header byte (checksums included), every byte of a few records
    (every field), and random offsets anywhere."""
    rng = random.Random(seed)
    size = D.HEADER.size + 32 * n_records
    offsets = list(range(D.HEADER.size))
    for i in rng.sample(range(n_records), 6) + [0, n_records - 1]:
        offsets += range(D.HEADER.size + 32 * i, D.HEADER.size + 32 * (i + 1))
    offsets += rng.sample(range(size), 100)
    return [(off, rng.randrange(1, 256)) for off in offsets]


# ---------------------------------------------------------------------------
# Damage


def test_every_byte_flip_of_a_version_2_file_is_reported(chunk, tmp_path):
    good = D.file_bytes(chunk)
    path = tmp_path / "chunk.ldat"
    flips = flip_offsets(len(chunk), seed=1)
    assert len(flips) > 300
    for off, mask in flips:
        path.write_bytes(flip(good, off, mask))
        fc = D.check_file(path)
        assert fc.error is not None and fc.records is None, (off, mask)
        with pytest.raises(D.DataError, match=str(path)):
            D.open_records(path)
        with pytest.raises(D.DataError):
            D.load([path], strict=True)
        report = D.LoadReport()
        assert len(D.load([path], report=report)) == 0 and len(report.skipped) == 1
    # the checksum names the field it protects
    path.write_bytes(flip(good, D.HEADER.size + 5, 1))
    assert D.check_file(path).error.startswith("records damaged (checksum mismatch)")
    path.write_bytes(flip(good, 20, 1))
    assert D.check_file(path).error == "header damaged (header checksum mismatch)"


def test_byte_flips_of_a_version_1_file_drop_exactly_the_damaged_record(chunk, tmp_path):
    good = D.file_bytes(chunk, version=1)
    path = tmp_path / "old.ldat"
    detected = 0
    rng = random.Random(2)
    offsets = list(range(D.HEADER_V1.size, len(good)))
    for off in rng.sample(offsets, 400):
        mask = rng.randrange(1, 256)
        damaged = (off - D.HEADER_V1.size) // 32
        path.write_bytes(flip(good, off, mask))
        report = D.LoadReport()
        recs = D.load([path], report=report)
        if report.dropped:
            assert report.dropped == 1
            assert recs.tobytes() == np.delete(chunk, damaged).tobytes()
            with pytest.raises(D.DataError, match=f"record {damaged}: "):
                D.load([path], strict=True)
            detected += 1
        else:   # damage the rules cannot see: the record still has to be a valid one
            assert len(recs) == len(chunk)
            board = board_of(recs[damaged])
            assert board.is_valid() and bool(recs[damaged]["flags"] & D.FLAG_IN_CHECK) == board.is_check()
    # most flips land where the rules see them (piece codes, flags, en passant, ...)
    assert detected > 200
    for off in range(D.HEADER_V1.size):     # the header: magic, version, record size
        path.write_bytes(flip(good, off, 0x10))
        assert D.check_file(path).error is not None


def test_truncated_files(chunk, tmp_path):
    rng = random.Random(3)
    for version, head in ((2, D.HEADER.size), (1, D.HEADER_V1.size)):
        good = D.file_bytes(chunk, version)
        lengths = set(range(head + 40)) | set(rng.sample(range(len(good)), 80))
        lengths |= {head + 32 * k for k in rng.sample(range(len(chunk)), 20)}
        for n in sorted(lengths):
            path = tmp_path / f"cut{version}.ldat"
            path.write_bytes(good[:n])
            fc = D.check_file(path)
            if version == 1 and n >= head and (n - head) % 32 == 0:
                # whole records only: a shorter, intact version-1 file
                assert fc.ok and fc.records.tobytes() == chunk[:(n - head) // 32].tobytes()
            else:
                assert fc.error is not None, (version, n)
                if n >= head:
                    assert "truncated" in fc.error


def test_commands_name_the_damage_and_never_raise(chunk, tmp_path, capsys):
    """stats, export, pgn, dedup and verify over a directory holding a good
    file and a damaged one, with and without --strict; train with --strict."""
    rng = random.Random(4)
    d = tmp_path / "data"
    d.mkdir()
    (d / "a-good.ldat").write_bytes(D.file_bytes(chunk))
    bad = d / "b-bad.ldat"
    for version, off in [(2, 9), (2, 28), (2, 40), (2, 60), (1, 40), (1, 16 + 32 * 7 + 31)] + \
                        [(2, rng.randrange(32, 32 * 200))]:
        data = flip(D.file_bytes(chunk, version), off, 0xFF)
        bad.write_bytes(data)
        fc = D.check_file(bad)
        if fc.ok:           # a version-1 flip the rules cannot see
            continue
        out = tmp_path / "out"
        for cmd in (["stats"], ["export", "--out", out], ["pgn", "--out", out], ["dedup", "--out", out]):
            rc, stdout, err = run_cli(capsys, "data", *cmd, d)
            assert rc == 0 and f"warning: {bad}: " in err, (cmd, err)
            rc, stdout, err = run_cli(capsys, "data", *cmd, "--strict", d)
            assert rc == 2 and err.startswith(f"error: {bad}: "), (cmd, err)
        rc, stdout, err = run_cli(capsys, "data", "verify", d)
        assert rc == 1 and f"ok       {d / 'a-good.ldat'}: {len(chunk)} records" in stdout
        assert (f"DAMAGED  {bad}: " if fc.error else f"INVALID  {bad}: 1 invalid record: record ") in stdout
        rc, stdout, err = run_cli(capsys, "train", "--data", d, "--out", tmp_path / "n.nnue", "--strict",
                                  "--epochs", "1", "--no-progress")
        assert rc == 2 and err.startswith(f"error: {bad}: ")
    rc, stdout, err = run_cli(capsys, "data", "verify", d / "a-good.ldat")
    assert rc == 0 and stdout.endswith("1 files: 1 ok, 0 damaged, 0 with invalid records; "
                                       f"{len(chunk)} records in the readable files, 0 invalid\n")


def test_the_reported_damage_without_a_traceback(chunk, tmp_path):
    """The issue's report: four bytes overwritten inside the first record."""
    for version in (1, 2):
        path = tmp_path / f"v{version}.ldat"
        data = D.file_bytes(chunk, version)
        path.write_bytes(data[:40] + b"\xff" * 4 + data[44:])
        r = ladya("data", "export", path, "--out", tmp_path / "x.txt")
        assert "Traceback" not in r.stderr
        if version == 1:
            assert r.returncode == 0 and f"warning: {path}: 1 invalid record: record 0: " in r.stderr
            assert f"exported {len(chunk) - 1} positions (1 invalid record dropped)" in r.stderr
        else:
            assert r.returncode == 2 and "records damaged (checksum mismatch)" in r.stderr
        r = ladya("data", "stats", "--strict", path)
        assert r.returncode == 2 and "Traceback" not in r.stderr and str(path) in r.stderr


def test_training_skips_a_damaged_file(chunk, tmp_path):
    from training.train import _load_data
    (tmp_path / "a.ldat").write_bytes(D.file_bytes(chunk))
    (tmp_path / "b.ldat").write_bytes(flip(D.file_bytes(chunk), 100, 1))
    report = D.LoadReport()
    recs, _ = _load_data([tmp_path], D.MIN_PLY, report=report)
    assert len(recs) == int(D.default_filter(chunk).sum())
    assert report.summary() == "1 damaged file skipped" and report.files == 1
    with pytest.raises(D.DataError, match="b.ldat: records damaged"):
        _load_data([tmp_path], 8, strict=True)


# ---------------------------------------------------------------------------
# Record rules


def random_records(n_games, seed):
    """Positions along random games (both en-passant conventions), with the
    flags that describe them."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_games):
        board = chess.Board()
        for ply in range(160):
            if board.is_game_over():
                break
            flags = D.FLAG_IN_CHECK if board.is_check() else 0
            for fen in {board.fen(), board.fen(en_passant="fen")}:
                out.append(D.pack_position(fen, rng.randint(-3000, 3000), rng.choice((-1, 0, 1)), ply,
                                           flags | (D.FLAG_GAME_START if ply == 0 and not out else 0)))
            board.push(rng.choice(list(board.legal_moves)))
    return np.array(out, D.RECORD)


VALID = [
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
    "r3k2r/8/8/8/8/8/8/R3K2R b KQkq - 7 1",
    "8/8/8/6k1/3P4/8/8/2B1K3 b - d3 0 1",        # the double push uncovered the bishop's check
    "8/8/8/2k5/3P4/8/8/4K3 b - d3 0 1",          # the pushed pawn gives check
    "4k3/8/8/8/1b6/8/3n4/4K3 w - - 0 1",         # not in check
    "4k3/8/8/8/1b6/5n2/8/4K3 w - - 0 1",         # double check, knight and bishop
    "7k/5Q2/8/8/8/8/8/K7 b - - 0 1",             # stalemate
    "6rk/6pp/8/8/8/8/8/K5R1 b - - 0 1",
]


def test_valid_positions_pass(chunk):
    recs = random_records(12, seed=5)
    assert (V.check(recs) == 0).all()
    assert (V.check(chunk, whole_file=True) == 0).all()
    for fen in VALID:
        board = chess.Board(fen)
        assert board.is_valid()
        rec = D.pack_position(fen, 0, 0, 0, D.FLAG_IN_CHECK if board.is_check() else 0)
        assert V.check(rec[None])[0] == 0, fen


def test_records_that_pass_are_valid_chess_positions(chunk):
    """Random bit damage to real and random-play records: whatever the
    rules let through is a valid position with a true in-check flag."""
    base = np.concatenate([chunk, random_records(6, seed=6)])
    rng = np.random.default_rng(7)
    n = 20000
    recs = base[rng.integers(0, len(base), n)].copy()
    raw = recs.view(np.uint8).reshape(n, 32)
    for share in (1.0, 0.3):
        hit = np.flatnonzero(rng.random(n) < share)
        raw[hit, rng.integers(0, 32, len(hit))] ^= (1 << rng.integers(0, 8, len(hit))).astype(np.uint8)
    codes = V.check(recs)
    passed = np.flatnonzero(codes == 0)
    assert 2000 < len(passed) < n // 2
    for i in passed:
        board = board_of(recs[i])
        assert board.is_valid(), (board.fen(), board.status())
        assert bool(recs[i]["flags"] & D.FLAG_IN_CHECK) == board.is_check(), board.fen()
        assert (int(recs[i]["flags"]) & D.FLAG_MATE != 0) == (abs(int(recs[i]["score"])) == D.MATE_SCORE)
    # and the damage broke nearly every rule (the rare checks are hand-made below)
    rare = {V.REASONS.index("more than two pieces give check"),
            V.REASONS.index("a check no last move can have given"), V.FILE_START}
    assert set(np.unique(codes).tolist()) >= set(range(len(V.REASONS))) - rare


def _record(fen, **fields):
    board = chess.Board(fen)
    rec = D.pack_position(fen, 0, 0, 10, D.FLAG_IN_CHECK if board.is_check() else 0)
    for k, v in fields.items():
        rec[k] = v
    return rec


INVALID = {
    "two white kings": (_record("4k3/8/8/8/8/8/8/K3K3 w - - 0 1"), "not exactly one white king"),
    "no black king": (_record("8/8/8/8/8/8/8/K3Q3 w - - 0 1"), "not exactly one black king"),
    "pawn on rank 8": (_record("P3k3/8/8/8/8/8/8/4K3 w - - 0 1"), "pawn on the first or last rank"),
    "nine pawns": (_record("4k3/8/8/8/P7/PPPPPPPP/8/4K3 w - - 0 1"), "more than 8 white pawns"),
    "impossible en-passant square": (_record("4k3/8/8/8/8/8/8/4K3 w - e6 0 1"),
                                     "en-passant square without a pawn that has just moved two squares"),
    "en passant after a clock reset": (_record("4k3/8/8/3pP3/8/8/8/4K3 w - d6 5 1"),
                                       "en-passant square with a halfmove clock above 0"),
    "castling without the rook": (_record("4k3/8/8/8/8/8/8/4K3 w K - 0 1"),
                                  "castling right without its king and rook on their squares"),
    "castling with the king moved": (_record("r3k2r/8/8/8/8/8/8/R4K1R w Q - 0 1"),
                                     "castling right without its king and rook on their squares"),
    "side not to move in check": (_record("4k3/8/8/8/8/8/8/4R1K1 w - - 0 1"), "side not to move is in check"),
    "three checkers": (_record("4k3/8/8/8/1b6/3n4/8/r3K3 w - - 0 1"), "more than two pieces give check"),
    "two rooks on one line": (_record("4k3/8/8/8/8/8/8/r3K2r w - - 0 1"),
                              "a check no last move can have given"),
    "check not uncovered by the double push": (_record("4k3/8/8/8/3P4/8/8/4R1K1 b - d3 0 1"),
                                               "a check no last move can have given"),
    "in-check flag missing": (_record("4k3/8/8/8/8/8/8/r3K3 w - - 0 1", flags=0),
                              "in-check flag disagrees with the position"),
    "mate score without the flag": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", score=-D.MATE_SCORE),
                                    "mate flag and score disagree"),
    "unknown flag": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", flags=0x20), "unknown flag bits"),
    "result 2": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", result=2), "result out of range"),
    "ply 40000": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", ply=40000),
                  "ply beyond the longest possible game"),
    "en-passant file 9": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", packed=9 << 5),
                          "en-passant file out of range"),
    "piece code 7": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", pieces=[0x97] + [0] * 15), "bad piece code"),
    "a code after the last piece": (_record("4k3/8/8/8/8/8/8/4K3 w - - 0 1", pieces=[0xE6, 1] + [0] * 14),
                                    "piece codes after the last occupied square"),
}


@pytest.mark.parametrize("kind", sorted(INVALID))
def test_invalid_records_are_refused_with_their_reason(kind, tmp_path):
    rec, reason = INVALID[kind]
    assert V.REASONS[V.check(rec[None])[0]].startswith(reason)
    with pytest.raises(D.DataError, match=f"record 0: {reason}"):
        D.write_records(tmp_path / "x.ldat", rec[None])
    (tmp_path / "x.ldat").write_bytes(D.file_bytes(rec[None]))
    with pytest.raises(D.DataError, match=f"x.ldat: 1 invalid record: record 0: {reason}"):
        D.open_records(tmp_path / "x.ldat")


def test_a_file_with_games_starts_with_one(chunk):
    recs = chunk.copy()
    recs["flags"][0] &= ~np.uint8(D.FLAG_GAME_START)
    assert V.check(recs)[0] == 0                       # a record on its own is fine
    assert V.check(recs, whole_file=True)[0] == V.FILE_START
    recs["flags"] &= ~np.uint8(D.FLAG_GAME_START)      # no game starts at all: `ladya data dedup`
    assert (V.check(recs, whole_file=True) == 0).all()


# ---------------------------------------------------------------------------
# Round trips


def test_round_trip_bit_for_bit(chunk, tmp_path, capsys):
    path = tmp_path / "a.ldat"
    D.write_records(path, chunk)
    assert path.read_bytes() == D.file_bytes(chunk)
    assert D.open_records(path).tobytes() == chunk.tobytes()
    # text out and back: the same positions, scores, results and flags the text carries
    rc, _, _ = run_cli(capsys, "data", "export", path, "--out", tmp_path / "a.txt")
    assert rc == 0
    rc, _, _ = run_cli(capsys, "data", "import", tmp_path / "a.txt", "--out", tmp_path / "b.ldat")
    assert rc == 0
    back = D.open_records(tmp_path / "b.ldat")
    for field in ("occ", "pieces", "packed", "score", "result"):
        assert back[field].tobytes() == chunk[field].tobytes(), field
    carried = np.uint8(D.FLAG_IN_CHECK | D.FLAG_MATE)
    assert ((back["flags"] & carried) == (chunk["flags"] & carried)).all()
    # an imported file goes out and back in bit for bit
    rc, _, _ = run_cli(capsys, "data", "export", tmp_path / "b.ldat", "--out", tmp_path / "b.txt")
    assert rc == 0 and (tmp_path / "b.txt").read_text() == (tmp_path / "a.txt").read_text()
    rc, _, _ = run_cli(capsys, "data", "import", tmp_path / "b.txt", "--out", tmp_path / "c.ldat")
    assert rc == 0 and (tmp_path / "c.ldat").read_bytes() == (tmp_path / "b.ldat").read_bytes()


def test_version_1_files_still_read(chunk, tmp_path, capsys):
    (tmp_path / "old.ldat").write_bytes(D.file_bytes(chunk, version=1))
    fc = D.check_file(tmp_path / "old.ldat")
    assert fc.ok and fc.version == 1
    assert D.load([tmp_path]).tobytes() == chunk.tobytes()
    rc, out, _ = run_cli(capsys, "data", "verify", tmp_path)
    assert rc == 0 and "(version 1: no checksum, records checked)" in out


def test_text_import_names_the_line_of_an_invalid_position():
    lines = ["4k3/8/8/8/8/8/8/4K3 w - - 0 1 | 0 | 0.5", "4k3/8/8/8/8/8/8/4R1K1 w - - 0 1 | 0 | 0.5"]
    with pytest.raises(D.DataError, match="line 2: "):
        D.from_text(lines)
    # a mate-range score is stored as the mate score
    [rec] = D.from_text(["4k3/8/8/8/8/8/8/4K3 b - - 0 1 | 31500 | 1.0"])
    assert int(rec["score"]) == -D.MATE_SCORE and rec["flags"] & D.FLAG_MATE
