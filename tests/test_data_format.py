"""The training-data format (training/data.py) against python-chess.

Positions come from python-chess random play; the expected FENs are
python-chess's own, so the packing is checked against an independent
implementation rather than against itself.
"""
import random
import struct
import subprocess
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

from training import data as D

ROOT = Path(__file__).resolve().parents[1]


def ladya(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def random_boards(n_games, seed, max_plies=160):
    """Boards along random games, stopping at the end of each game."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_games):
        board = chess.Board()
        for _ in range(max_plies):
            out.append(board.copy(stack=False))
            if board.is_game_over():
                break
            board.push(rng.choice(list(board.legal_moves)))
    return out


def expected_fen(fen):
    """What unpack_fen must give back: the halfmove clock capped at 127 and
    the fullmove number, which the format does not keep, set to 1."""
    f = fen.split()
    return " ".join(f[:4] + [str(min(int(f[4]), 127)), "1"])


def sample_records(n=40, seed=3):
    boards = random_boards(2, seed)[:n]
    recs = np.zeros(len(boards), D.RECORD)
    for i, b in enumerate(boards):
        flags = (D.FLAG_GAME_START if i == 0 else 0) | (D.FLAG_IN_CHECK if b.is_check() else 0)
        recs[i] = D.pack_position(b.fen(), (-1) ** i * 37 * i, [1, 0, -1][i % 3], i, flags)
    return recs


# ---------------------------------------------------------------------------
# Packing


def test_pack_unpack_round_trip_on_random_positions():
    boards = random_boards(20, seed=11)
    assert len(boards) > 2500
    rng = random.Random(5)
    seen_ep = seen_partial_castling = seen_capped_clock = 0
    for board in boards:
        # Both en-passant conventions: only when a capture is legal (what
        # python-chess and the engine write) and after every double push;
        # the second one also with a random halfmove clock (capped at 127).
        f = board.fen(en_passant="fen").split()
        f[4] = str(rng.randint(0, 250))
        for fen in (board.fen(), " ".join(f)):
            score = rng.randint(-D.MATE_SCORE, D.MATE_SCORE)
            result = rng.choice((-1, 0, 1))
            ply = rng.randint(0, 65535)
            flags = rng.randint(0, 15)
            rec = D.pack_position(fen, score, result, ply, flags)
            back = D.unpack_fen(rec)
            assert back == expected_fen(fen), fen
            assert chess.Board(back).is_valid(), back
            assert (int(rec["score"]), int(rec["result"]), int(rec["ply"]), int(rec["flags"])) == \
                (score, result, ply, flags)
            assert D.white_score(rec) == (score if board.turn == chess.WHITE else -score)
        seen_ep += f[3] != "-"
        seen_partial_castling += f[2] not in ("-", "KQkq")
        seen_capped_clock += int(f[4]) > 127
    # the sample really exercises what the format has to carry
    assert seen_ep > 50 and seen_partial_castling > 50 and seen_capped_clock > 0


@pytest.mark.parametrize("fen", [
    "r3k2r/8/8/8/8/8/8/R3K2R w Kq - 0 1",
    "r3k2r/8/8/8/8/8/8/R3K2R b Qk - 99 70",
    "4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 1",
    "4k3/8/8/8/3Pp3/8/8/4K3 b - d3 0 1",
    "7k/8/8/8/8/8/8/K7 w - - 200 300",
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
])
def test_pack_unpack_handcrafted(fen):
    assert D.unpack_fen(D.pack_position(fen, 0, 0, 0, 0)) == expected_fen(fen)


def test_pack_refuses_what_it_cannot_store():
    with pytest.raises(ValueError):  # Chess960 (Shredder) castling rights
        D.pack_position("bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9", 0, 0, 0, 0)
    with pytest.raises(ValueError):  # 33 pieces
        D.pack_position("rnbqkbnr/pppppppp/8/8/8/7P/PPPPPPPP/RNBQKBNR w KQkq - 0 1", 0, 0, 0, 0)


def test_write_and_open_records(tmp_path):
    recs = sample_records()
    D.write_records(tmp_path / "a.ldat", recs)
    back = D.open_records(tmp_path / "a.ldat")
    assert back.tobytes() == recs.tobytes()
    assert (tmp_path / "a.ldat").stat().st_size == D.HEADER.size + 32 * len(recs)
    assert [p.name for p in tmp_path.iterdir()] == ["a.ldat"]  # no temporary left behind


# ---------------------------------------------------------------------------
# Corrupt and foreign files


def _valid_bytes(version=D.VERSION):
    return D.file_bytes(sample_records(10), version)


def _poke(b, off, value):
    return b[:off] + bytes([value]) + b[off + 1:]


def _bad_result(b):
    return _poke(b, len(b) - 7 * 32 + D.RECORD.fields["result"][1], 7)   # record 3 of 10


CORRUPTIONS = {   # name: (version, damage, message)
    "wrong magic": (2, lambda b: b"NOTLADYA" + b[8:], "not a Ladya data file"),
    "wrong version": (2, lambda b: b[:8] + struct.pack("<I", 3) + b[12:], "unsupported data version"),
    "wrong record size": (2, lambda b: b[:12] + struct.pack("<I", 40) + b[16:], "header damaged"),
    "record count": (2, lambda b: b[:16] + struct.pack("<Q", 11) + b[24:], "header damaged"),
    "truncated": (2, lambda b: b[:-5], "truncated"),
    "a whole record missing": (2, lambda b: b[:-32], "truncated"),
    "bad result byte": (2, _bad_result, "checksum mismatch"),
    "too short": (2, lambda b: b[:7], "too short"),
    "text file": (2, lambda b: b"2r3k1/8/8/8/8/8/8/K7 w - - 0 1 | 31 | 0.5\n" * 3, "not a Ladya data file"),
    "v1 wrong record size": (1, lambda b: b[:12] + struct.pack("<I", 40) + b[16:], "record size"),
    "v1 truncated": (1, lambda b: b[:-5], "truncated"),
    "v1 bad result byte": (1, _bad_result, "record 3: result out of range"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_files_are_refused(tmp_path, kind):
    version, corrupt, message = CORRUPTIONS[kind]
    path = tmp_path / "bad.ldat"
    path.write_bytes(corrupt(_valid_bytes(version)))
    with pytest.raises(D.DataError, match=message):
        D.open_records(path)
    with pytest.raises(D.DataError, match=message):
        D.load([tmp_path], strict=True)
    # by default the damage is left out and counted, not fatal
    report = D.LoadReport()
    recs = D.load([tmp_path], report=report)
    if kind == "v1 bad result byte":      # no checksum: only the damaged record goes
        assert len(recs) == 9 and report.dropped == 1 and report.files == 1
    else:
        assert len(recs) == 0 and len(report.skipped) == 1 and message in report.skipped[0]


def test_bad_piece_code_is_refused():
    rec = sample_records(1)[0].copy()
    rec["pieces"][0] = (rec["pieces"][0] & 0xF0) | 7  # 7 is no piece
    with pytest.raises(D.DataError, match="bad piece code"):
        D.unpack_fen(rec)


@pytest.mark.parametrize("kind", ["wrong magic", "truncated", "bad result byte"])
def test_data_stats_on_corrupt_file_is_a_clean_error(tmp_path, kind):
    version, corrupt, message = CORRUPTIONS[kind]
    path = tmp_path / "bad.ldat"
    path.write_bytes(corrupt(_valid_bytes(version)))
    r = ladya("data", "stats", "--strict", path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert str(path) in lines[0]
    # without --strict: a warning naming the file, then nothing left to read
    r = ladya("data", "stats", path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    warning, error = r.stderr.strip().splitlines()
    assert warning.startswith(f"warning: {path}: ") and message in warning and "skipped" in warning
    assert error == "error: no readable data: 1 damaged file skipped"


def test_data_tools_on_missing_and_unpackable_input(tmp_path):
    r = ladya("data", "stats", tmp_path / "nothing.ldat")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no such file" in r.stderr
    recs = sample_records(3)
    recs["pieces"][1][0] = (recs["pieces"][1][0] & 0xF0) | 15
    with pytest.raises(D.DataError, match="record 1: bad piece code"):
        D.write_records(tmp_path / "odd.ldat", recs)
    assert not list(tmp_path.iterdir())
    # a file with a valid checksum over an invalid record (a foreign writer)
    (tmp_path / "odd.ldat").write_bytes(D.file_bytes(recs))
    r = ladya("data", "export", tmp_path / "odd.ldat", "--out", tmp_path / "odd.txt")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert "record 1: bad piece code" in r.stderr and "exported 2 positions (1 invalid record dropped)" in r.stderr
    assert len((tmp_path / "odd.txt").read_text().splitlines()) == 2
    r = ladya("data", "export", "--strict", tmp_path / "odd.ldat", "--out", tmp_path / "odd.txt")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "record 1: bad piece code" in r.stderr
    (tmp_path / "bad.txt").write_text("8/8/8/8/8/8/8/8 w - - 0 1 | 0 | 0.5\n")
    r = ladya("data", "import", tmp_path / "bad.txt", "--out", tmp_path / "bad.ldat")
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.startswith("error: line 1")


# ---------------------------------------------------------------------------
# Text format


def test_text_lines():
    fen = "4k3/8/8/8/8/8/8/4KQ2 b - - 3 1"
    rec = D.pack_position(fen, -250, 1, 9, 0)
    line = D.to_text_line(rec)
    assert line == f"{fen} | 250 | 1.0"  # score and result from White's view
    assert D.parse_text_line(line) == (fen, 250, 1)
    for bad in ("no bars here", f"{fen} | x | 1.0", f"{fen} | 3 | 2.0"):
        with pytest.raises(D.DataError):
            D.parse_text_line(bad)


def test_dedup_removes_exactly_the_duplicates(tmp_path):
    boards = random_boards(3, seed=21, max_plies=60)
    rng = random.Random(8)
    fens = [b.fen() for b in boards]
    # Duplicates: the same positions again with other halfmove clocks and
    # scores (the key ignores those); near-duplicates that differ in side to
    # move, castling rights or en passant must survive.
    for b in rng.sample(boards, 40):
        f = b.fen().split()
        fens.append(" ".join(f[:4] + [str(rng.randint(0, 99)), "1"]))
    fens += ["r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1", "r3k2r/8/8/8/8/8/8/R3K2R w Kkq - 0 1",
             "r3k2r/8/8/8/8/8/8/R3K2R b KQkq - 0 1", "r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 5 1",
             "4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 1", "4k3/8/8/3pP3/8/8/8/4K3 w - - 0 1"]
    rng.shuffle(fens)
    recs = np.zeros(len(fens), D.RECORD)
    for i, fen in enumerate(fens):
        check = D.FLAG_IN_CHECK if chess.Board(fen).is_check() else 0
        recs[i] = D.pack_position(fen, i, 0, i, check | (D.FLAG_GAME_START if i % 7 == 0 else 0))
    D.write_records(tmp_path / "in.ldat", recs)
    key = lambda fen: tuple(fen.split()[:4])
    first = {}
    for i, fen in enumerate(fens):
        first.setdefault(key(fen), i)
    assert len(first) < len(fens) - 40  # the construction really has duplicates
    r = ladya("data", "dedup", tmp_path / "in.ldat", "--out", tmp_path / "out.ldat")
    assert r.returncode == 0, r.stderr
    out = D.open_records(tmp_path / "out.ldat")
    # the first occurrence of every position, in the original order
    assert list(out["ply"]) == sorted(first.values())
    assert [D.unpack_fen(rec) for rec in out] == [expected_fen(fens[i]) for i in sorted(first.values())]
    assert not (out["flags"] & D.FLAG_GAME_START).any()
