"""The EPD reader (training/epd.py) on the shapes the books and suites use,
and its errors on malformed lines; python-chess's EPD parser is the oracle."""
import chess
import pytest

from training import epd


def test_the_shapes_of_the_books_and_suites(tmp_path):
    path = tmp_path / "mixed.epd"
    lines = [
        "rn1qkbnr/ppp1pppp/8/3p1b2/2P5/1P6/P2PPPPP/RNBQKBNR w KQkq - 0 3",      # fishtest book
        "2rr3k/pp3pp1/1nnqbN1p/3pN3/2pP4/2P3Q1/PPB4P/R4RK1 w - - bm Qg6; id \"WAC.001\";",
        "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1 ;D1 20 ;D2 400",  # perft suite
        "",
        "8/8/8/8/8/8/8/K1k5 b - - hmvc 7; fmvn 40; c0 \"a; b\";",
        "bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9 ;D1 21",  # Chess960
    ]
    path.write_text("\n".join(lines) + "\n")
    recs = epd.read_epd(path)
    assert [r.line for r in recs] == [1, 2, 3, 5, 6]
    assert recs[0].fen == lines[0] and recs[0].operations == {}
    board, ops = chess.Board.from_epd(lines[1])
    assert recs[1].fen == board.fen() and recs[1].operations == {"bm": "Qg6", "id": "WAC.001"}
    assert [board.parse_san(m) for m in recs[1].moves("bm")] == ops["bm"]
    assert recs[2].fen == chess.STARTING_FEN and recs[2].operations == {"D1": "20", "D2": "400"}
    assert recs[3].fen == "8/8/8/8/8/8/8/K1k5 b - - 7 40" and recs[3].operations["c0"] == "a; b"
    assert recs[4].fen.endswith(" w HFhf - 2 9")
    assert epd.read_fens(path, limit=2) == [recs[0].fen, recs[1].fen]


@pytest.mark.parametrize("line, message", [
    ("rnbqkbnr/pppppppp/8/8 w KQkq", "four FEN fields"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNZ w KQkq -", ""),         # the engine's own message
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR x KQkq -", ""),
    ("4k3/8/8/8/8/8/8/4K2K w - -", ""),                                   # two white kings
    ("4k3/8/8/8/8/8/8/4K3 w - - bm Kd1; id \"open", "unterminated"),
    ("4k3/8/8/8/8/8/8/4K3 w - - 3bm Kd1;", "opcode"),
    ("4k3/8/8/8/8/8/8/4K3 w - - hmvc x;", "counters"),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.epd"
    path.write_text("4k3/8/8/8/8/8/8/4K3 w - - 0 1\n" + line + "\n")
    with pytest.raises(epd.EpdError, match=f"^{path}:2: .*{message}"):
        epd.read_epd(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(epd.EpdError, match="no such file"):
        epd.read_epd(tmp_path / "missing.epd")
    (tmp_path / "empty.epd").write_text("\n\n")
    with pytest.raises(epd.EpdError, match="no positions"):
        epd.read_epd(tmp_path / "empty.epd")
