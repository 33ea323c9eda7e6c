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


def test_the_engine_packs_what_its_fen_says():
    """engine/record.pyx packs a Position from its board with the engine's
    bit scans; it must give the bytes that packing the Position's FEN gives
    (datagen's old FEN round trip), and unpack to that FEN.  Chess960
    positions pack when their castling is standard chess's."""
    from engine.position import Position
    boards = random_boards(60, seed=13)
    seen_ep = 0
    for board in boards:
        pos = Position(board.fen())
        rec = D.pack_position(pos, 17, 1, 9, 0)
        assert rec.tobytes() == D.pack_position(pos.fen(), 17, 1, 9, 0).tobytes(), pos.fen()
        assert D.unpack_fen(rec) == expected_fen(pos.fen())
        assert D.unpack_fen(D.pack_position(Position(D.unpack_fen(rec)), 17, 1, 9, 0)) == D.unpack_fen(rec)
        seen_ep += pos.ep_square is not None
    assert len(boards) > 7000 and seen_ep > 20
    start = Position(chess.STARTING_FEN, chess960=True)
    assert (D.pack_position(start, 0, 0, 0, 0).tobytes()
            == D.pack_position(chess.STARTING_FEN, 0, 0, 0, 0).tobytes())
    with pytest.raises(ValueError, match="standard castling"):
        D.pack_position(Position("bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9"),
                        0, 0, 0, 0)


# A file of 24 records written by the codec before engine/record.pyx (the
# FEN-parsing packer of training/data.py), zlib-compressed: en-passant
# squares in both conventions, partial castling rights, a capped halfmove
# clock, a mate score.  Its records must decode to the same FENs and
# features, and pack back to the same bytes.
OLD_FILE = (
    "eNp10M0rBGEcB/DvPDut2bEyu16Slx0bpZRSJGqL3ZYUceDiIAfkPxCHbXf5C/aIg+WgxMltD+QgxcHVwUuhlCiK3cnLGr9n"
    "xsyy1q+mefnM9/f8nmcwGB4LhoOjDEA9XVUwa35MXHhaD6T0RyiArjeOdIQ8VEtU22d7xypmBfoukaMTp5YnEt9+ie03B/VJ"
    "mO0SUwcn+FllhwOSE8K/7oaou+iumCMplXe/GHGkBTd06mBU7BZ59YnFUghiOSD10OvkVX6+SPQCgoJ6vnVl4z6/wU2mAroj"
    "aDzv7/ctPfxSAavOKlpfj8ZQ+Hxm0jWWS9of92FI85Fno3HD26cbyom9dp5NvPmps+FuLWv5MvkRz4tzciP3SJzl3O+xXEXx"
    "ZxNNaXit9mr7Cv1wTnkW/Wjm60dijNnu8Vuuit1Si+V1Gds3U995FKVb+frjyYKu4kJu43nTn//k2fB7B59vPCmjgKvi9XuX"
    "mZdRktFs5/vbpbxz5yVg5iWWc6/ltH+p25xPYi7bq/n5nt9vuX3ozIZ4/7pkf87XPJarWJR7qf8XPKz2Gw==")
OLD_FENS = [
    "rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1",
    "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 1",
    "r3k2r/8/8/8/8/8/8/R3K2R b Kq - 99 1",
    "r3k2r/8/8/8/8/8/8/R3K2R w Qk - 0 1",
    "4k3/8/8/8/3Pp3/8/8/4K3 b - d3 0 1",
    "7k/8/8/8/8/8/8/K7 w - - 127 1",
    "8/8/8/6k1/3P4/8/8/2B1K3 b - d3 0 1",
    "4k3/8/8/8/1b6/5n2/8/4K3 w - - 0 1",
    "6rk/6pp/8/8/8/8/8/K5R1 b - - 0 1",
    "rnbqkbnr/pppppppp/8/8/8/7P/PPPPPPP1/RNBQKBNR b KQkq - 0 1",
    "rnbqkbnr/ppp1pppp/3p4/8/8/7P/PPPPPPP1/RNBQKBNR w KQkq - 0 1",
    "rnbqkbnr/ppp1pppp/3p4/8/8/N6P/PPPPPPP1/R1BQKBNR b KQkq - 1 1",
    "r1bqkbnr/ppp1pppp/2np4/8/8/N6P/PPPPPPP1/R1BQKBNR w KQkq - 2 1",
    "r1bqkbnr/ppp1pppp/2np4/8/1P6/N6P/P1PPPPP1/R1BQKBNR b KQkq - 0 1",
    "r2qkbnr/ppp1pppp/2npb3/8/1P6/N6P/P1PPPPP1/R1BQKBNR w KQkq - 1 1",
    "r2qkbnr/ppp1pppp/2npb3/1N6/1P6/7P/P1PPPPP1/R1BQKBNR b KQkq - 2 1",
    "r2qkbnr/1pp1pppp/p1npb3/1N6/1P6/7P/P1PPPPP1/R1BQKBNR w KQkq - 0 1",
    "r2qkbnr/1pp1pppp/p1npb3/1N6/1P6/5P1P/P1PPP1P1/R1BQKBNR b KQkq - 0 1",
    "rq2kbnr/1pp1pppp/p1npb3/1N6/1P6/5P1P/P1PPP1P1/R1BQKBNR w KQkq - 1 1",
    "rq2kbnr/1pp1pppp/p1npb3/8/1P1N4/5P1P/P1PPP1P1/R1BQKBNR b KQkq - 2 1",
    "rqb1kbnr/1pp1pppp/p1np4/8/1P1N4/5P1P/P1PPP1P1/R1BQKBNR w KQkq - 3 1",
    "rqb1kbnr/1pp1pppp/p1np4/1P6/3N4/5P1P/P1PPP1P1/R1BQKBNR b KQkq - 0 1",
    "rqb1kbnr/1pp1pppp/p2p4/1P6/3n4/5P1P/P1PPP1P1/R1BQKBNR w KQkq - 0 1",
    "rqb1kbnr/1pp1pppp/p2p4/1P6/3n2P1/5P1P/P1PPP3/R1BQKBNR b KQkq - 0 1",
]
# sha256 of the trainer's features and labels of OLD_FILE (encode_records), plain and with
# every second record mirrored, as the trainer computed them before engine/record.pyx.
OLD_FEATURES = ("e9c7ab7909037ae998b519ce811827a1156a1966894f1bd29147b824480bf971",
                "c234510402e2bf63c91f491921333667ff776c2b72a948425c25afba6e017455")


def test_a_file_written_before_the_engine_codec_reads_the_same(tmp_path):
    import base64
    import hashlib
    import zlib
    from training.model import encode_records
    data = zlib.decompress(base64.b64decode(OLD_FILE))
    (tmp_path / "old.ldat").write_bytes(data)
    recs = D.open_records(tmp_path / "old.ldat")
    assert [D.unpack_fen(r) for r in recs] == OLD_FENS
    for mirror, digest in zip((None, np.arange(len(recs)) % 2 == 1), OLD_FEATURES):
        stm, nstm, score, result = encode_records(recs, mirror)
        # The feature arrays were [N, 32] then, two columns wider than any
        # position fills (MAX_ACTIVE_FEATURES = 30): those were all -1.
        def widen(a):
            return np.pad(a, ((0, 0), (0, 32 - a.shape[1])), constant_values=-1)
        features = (widen(stm), widen(nstm), score, result)
        assert hashlib.sha256(b"".join(a.tobytes() for a in features)).hexdigest() == digest
    again = [D.pack_position(fen, r["score"], r["result"], r["ply"], r["flags"])
             for fen, r in zip(OLD_FENS, recs)]
    assert D.file_bytes(np.array(again, D.RECORD)) == data


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
    assert "record 1: bad piece code" in r.stderr
    assert "exported 2 positions (1 invalid record dropped)" in r.stderr
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
    def key(fen):
        return tuple(fen.split()[:4])
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
