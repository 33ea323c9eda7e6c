"""FEN parsing and validation: every malformed FEN is a ValueError naming the
problem, never a crash; valid FENs round-trip and agree with python-chess."""
import random

import chess
import chess.polyglot
import pytest

from engine.position import STARTING_FEN, Position

START_BOARD = STARTING_FEN.split()[0]

# (FEN, chess960 argument, regex the message must match)
MALFORMED = [
    # Field count.
    ("", None, "fields"),
    ("   ", None, "fields"),
    (START_BOARD, None, "fields"),
    (START_BOARD + " w", None, "fields"),
    (START_BOARD + " w KQkq", None, "fields"),
    (STARTING_FEN + " extra", None, "fields"),
    # Board layout.
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP w KQkq - 0 1", None, "8 ranks"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR/8 w KQkq - 0 1", None, "8 ranks"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNX w KQkq - 0 1", None, "piece letter"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBN1x w KQkq - 0 1", None, "piece letter"),
    ("rnbqkbnr/pppppppp/9/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "piece letter"),
    ("rnbqkbnr/pppppppp/0/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "piece letter"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBN w KQkq - 0 1", None, "7 squares"),
    ("rnbqkbnr/pppppppp/7/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "7 squares"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNRR w KQkq - 0 1", None, "more than 8 squares"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBN2 w KQkq - 0 1", None, "9 squares"),
    ("rnbqkbnr/pppppppp/44/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "two digits"),
    ("rnbqkbnr/pppppppp/17/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "two digits"),
    # Kings, piece and pawn counts, pawns on the back ranks.
    ("rnbq1bnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQ - 0 1", None, "black king is missing"),
    ("8/8/8/8/8/8/8/k7 w - - 0 1", None, "white king is missing"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBKKBNR w kq - 0 1", None, "white kings"),
    ("k6k/8/8/8/8/8/8/K7 w - - 0 1", None, "black kings"),
    ("rnbqkbnr/pppppppp/8/8/8/P7/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "more than 16 pieces"),
    ("4k3/8/8/8/P7/PPPPPPPP/8/4K3 w - - 0 1", None, "more than 8 pawns"),
    ("4k3/pppppppp/p7/8/8/8/8/4K3 w - - 0 1", None, "more than 8 pawns"),
    ("P3k3/8/8/8/8/8/8/4K3 w - - 0 1", None, "first or last rank"),
    ("4k3/8/8/8/8/8/8/p3K3 w - - 0 1", None, "first or last rank"),
    # Side to move.
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR x KQkq - 0 1", None, "side to move"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR W KQkq - 0 1", None, "side to move"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR wb KQkq - 0 1", None, "side to move"),
    # Checks that cannot happen.
    ("4k3/8/8/8/4R3/8/8/K7 w - - 0 1", None, "not to move.*in check"),
    ("4k3/4r3/8/8/8/8/8/4K3 b - - 0 1", None, "not to move.*in check"),
    ("4k3/8/8/8/8/3n1n2/4r3/4K3 w - - 0 1", None, "pieces give check"),
    # With an en-passant square the last move was a double push: it cannot
    # give a double check, nor a check that was there before it.
    ("8/8/8/3k4/4P3/8/8/3RK3 b - e3 0 1", None, "impossible check"),
    ("4B3/8/8/1k6/2pP4/8/8/4K3 b - d3 0 1", None, "impossible check"),
    ("8/8/8/8/2pPk3/8/2B5/7K b - d3 0 1", None, "impossible check"),
    # Castling rights that do not match the pieces.
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBN1 w KQkq - 0 1", None, "no white rook on the king side"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/1NBQKBNR w KQkq - 0 1", None, "no white rook on the queen side"),
    ("1nbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", None, "no black rook on the queen side"),
    ("4k3/8/8/8/8/8/4K3/R6R w KQ - 0 1", None, "king is not on its first rank"),
    ("r6r/4k3/8/8/8/8/8/4K3 w kq - 0 1", None, "king is not on its first rank"),
    ("4k3/8/8/8/8/8/8/R3K2R w KB - 0 1", None, "no white rook on b1"),
    ("4k3/8/8/8/8/8/8/R3K2R w E - 0 1", None, "no white rook on e1"),
    ("r3k2r/8/8/8/8/8/8/4K3 w g - 0 1", None, "no black rook on g8"),
    ("4k3/8/8/8/8/8/8/R3K2R w KK - 0 1", None, "castling field"),
    ("4k3/8/8/8/8/8/8/R3K2R w KH - 0 1", None, "two rights on the same side"),
    ("4k3/8/8/8/8/8/8/R3K2R w Kx - 0 1", None, "castling field"),
    ("4k3/8/8/8/8/8/8/R3K2R w K- - 0 1", None, "castling field"),
    ("4k3/8/8/8/8/8/8/R3K2R w 1 - 0 1", None, "castling field"),
    # Rights only Chess960 has, with chess960=False.
    ("rk5r/8/8/8/8/8/8/RK5R w KQkq - 0 1", False, "only possible in Chess960"),
    ("4k3/8/8/8/8/8/8/RR2K1RR w GB - 0 1", False, "only possible in Chess960"),
    ("4k3/8/8/8/8/8/8/1R2K2R w KQ - 0 1", False, "only possible in Chess960"),
    # En-passant squares that cannot be.
    ("rnbqkbnr/pppp1ppp/8/8/4pP2/8/PPPPP1PP/RNBQKBNR b KQkq e6 0 3", None, "impossible"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e4 0 1", None, "impossible"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR w KQkq e3 0 1", None, "impossible"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR b KQkq e3 0 1", None, "no white pawn on e4"),
    ("rnbqkbnr/pppppppp/8/8/4N3/8/PPPP1PPP/RNBQKB1R b KQkq e3 0 1", None, "no white pawn on e4"),
    ("rnbqkbnr/pppp1ppp/8/8/4p3/8/PPPP1PPP/RNBQKBNR b KQkq e3 0 1", None, "no white pawn on e4"),
    ("rnbqkbnr/pppppppp/8/8/4P3/4N3/PPPP1PPP/RNBQKB1R b KQkq e3 0 1", None, "occupied"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPPNPPP/RNBQKB1R b KQkq e3 0 1", None, "occupied"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e9 0 1", None, "en-passant square"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq x3 0 1", None, "en-passant square"),
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e33 0 1", None, "en-passant square"),
    # Move counters.
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - a 1", None, "halfmove"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 1.5 1", None, "halfmove"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - -1 1", None, "negative"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 x", None, "fullmove"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 -3", None, "negative"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 99999999999999999999 1", None, "range"),
    ("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 99999999999999999999", None, "range"),
]


@pytest.mark.parametrize("fen,chess960,message", MALFORMED, ids=[f or "<empty>" for f, _, _ in MALFORMED])
def test_malformed_fen_is_value_error(fen, chess960, message):
    with pytest.raises(ValueError, match=message):
        Position(fen, chess960)
    pos = Position()
    with pytest.raises(ValueError, match=message):
        pos.set_fen(fen, chess960)
    with pytest.raises(ValueError, match=message):
        Position.from_fen(fen, chess960)


@pytest.mark.parametrize("value", [1, 1.5, STARTING_FEN.encode(), STARTING_FEN.split()])
def test_non_string_fen_is_type_error(value):
    with pytest.raises(TypeError):
        Position(value)
    with pytest.raises(TypeError):
        Position().set_fen(value)


def test_failed_set_fen_keeps_the_position():
    pos = Position()
    for uci in ("e2e4", "c7c5", "g1f3"):
        pos.push_uci(uci)
    fen, key, stack = pos.fen(), pos.zobrist, pos.move_stack
    for bad, chess960, _ in MALFORMED:
        with pytest.raises(ValueError):
            pos.set_fen(bad, chess960)
        assert pos.fen() == fen and pos.zobrist == key and pos.move_stack == stack
    # The game history survived too: the moves still pop back to the start.
    assert [pos.pop() for _ in range(3)] == ["g1f3", "c7c5", "e2e4"]
    assert pos.fen() == STARTING_FEN


def test_accepted_variants():
    """Things a FEN may legitimately omit or write differently."""
    # Without the move counters.
    assert Position(START_BOARD + " w KQkq -").fen() == STARTING_FEN
    # Extra whitespace between fields.
    assert Position("  " + STARTING_FEN.replace(" ", "   ") + "\n").fen() == STARTING_FEN
    # Castling letters in any order.
    assert Position(START_BOARD + " w qkQK - 0 1").fen() == STARTING_FEN
    # Shredder-FEN for the standard position is still standard chess.
    pos = Position(START_BOARD + " w HAha - 0 1")
    assert not pos.chess960 and pos.fen() == STARTING_FEN
    # An en-passant square no pawn can use is dropped from the output, as python-chess does.
    fen = "rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e3 0 1"
    assert Position(fen).fen() == chess.Board(fen).fen()
    # Checks a double push can give: by the pawn, or discovered from its origin square.
    for fen in ("8/8/8/2k5/3Pp3/8/8/4K3 b - d3 0 1", "8/8/8/k7/2pP4/8/8/4Q1K1 b - d3 0 1"):
        assert Position(fen).fen() == chess.Board(fen).fen() and chess.Board(fen).is_valid()
    # A fullmove number of 0 reads as 1, like python-chess.
    fen = START_BOARD + " w KQkq - 0 0"
    assert Position(fen).fen() == chess.Board(fen).fen()


@pytest.mark.parametrize("index", [0, 1, 100, 357, 518, 700, 959])
def test_xfen_and_shredder_fen_give_the_same_position(index):
    board = chess.Board.from_chess960_pos(index)
    xfen, shredder = board.fen(), board.fen(shredder=True)
    a, b = Position(xfen, chess960=True), Position(shredder, chess960=True)
    assert a.fen() == b.fen() == xfen
    assert a.zobrist == b.zobrist == chess.polyglot.zobrist_hash(board)
    assert sorted(a.legal_moves()) == sorted(b.legal_moves())
    # Auto-detection: Shredder letters that are not the corner rooks mean Chess960.
    assert Position(shredder).chess960 == (index != 518)


def test_xfen_names_the_inner_rook():
    # Castling with the b1 rook while a1 also has a rook: X-FEN must say "B".
    fen = "1r2k1rr/8/8/8/8/8/8/RR2K2R w KBg - 0 1"
    board = chess.Board(fen, chess960=True)
    pos = Position(fen, chess960=True)
    assert pos.fen() == board.fen()
    assert "B" in pos.fen().split()[2] and "g" in pos.fen().split()[2]
    assert sorted(pos.legal_moves()) == sorted(m.uci() for m in board.legal_moves)
    shredder = board.fen(shredder=True)
    assert Position(shredder, chess960=True).fen() == pos.fen()


# Valid FENs to mutate: a spread of standard and Chess960 positions.
SEEDS = [
    STARTING_FEN,
    "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
    "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
    "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3",
    "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1",
    "8/8/8/KPp4r/8/8/8/7k w - c6 0 1",
    "bqnb1rkr/pp3ppp/3ppn2/2p5/5P2/P2P4/NPP1P1PP/BQ1BNRKR w HFhf - 2 9",
    "2nnrbkr/p1qppppp/8/1ppb4/6PP/3PP3/PPP2P2/BQNNRBKR w HEhe - 1 9",
    "1r2k1rr/8/8/8/8/8/8/RR2K2R w KBg - 0 1",
    "4k3/8/8/8/8/8/8/4K3 b - - 99 120",
]
ALPHABET = "pnbrqkPNBRQK12345678/ wb-KQkqABCDEFGHabcdefgh0x9"


def mutate_chars(rng, fen):
    """Blind edits: replace, delete, insert or swap characters."""
    chars = list(fen)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randrange(len(chars)) if chars else 0
        if op < 0.4 and chars:
            chars[i] = rng.choice(ALPHABET)
        elif op < 0.6 and chars:
            del chars[i]
        elif op < 0.8:
            chars.insert(i, rng.choice(ALPHABET))
        elif chars:
            j = rng.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def mutate_fields(rng, fen):
    """Edits that keep the FEN well-formed, so that many results are valid
    and the deeper rules (checks, castling, en passant) get exercised."""
    fields = fen.split()
    squares = [ch for ch in "".join("1" * int(c) if c.isdigit() else c for c in fields[0]) if ch != "/"]
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        if op <= 1:      # move a piece to another square
            i, j = rng.randrange(64), rng.randrange(64)
            squares[i], squares[j] = squares[j], "1" if i != j else squares[j]
        elif op == 2:    # put a random piece on a random square, or clear it
            squares[rng.randrange(64)] = rng.choice("pnbrqPNBRQ1111")
        elif op == 3:
            fields[1] = "bw"[fields[1] == "b"]
        elif op == 4:
            fields[2] = "".join(c for c in "KQkqABCDEFGHabcdefgh" if rng.random() < 0.15) or "-"
        else:
            fields[3] = rng.choice(["-", "-", rng.choice("abcdefgh") + rng.choice("36")])
    rows = []
    for r in range(8):
        row, empty = "", 0
        for ch in squares[8 * r: 8 * r + 8]:
            if ch == "1":
                empty += 1
            else:
                row += (str(empty) if empty else "") + ch
                empty = 0
        rows.append(row + (str(empty) if empty else ""))
    return " ".join(["/".join(rows)] + fields[1:])


def random_sparse_fen(rng):
    """Two kings and a few random pieces anywhere: reaches double checks,
    impossible checks and odd en-passant claims that edits of real games miss."""
    squares = ["1"] * 64
    for piece in "Kk" + "".join(rng.choice("pnbrqPNBRQ") for _ in range(rng.randint(1, 6))):
        squares[rng.randrange(64)] = piece
    side = rng.choice("wb")
    ep = "-"
    if rng.random() < 0.5:
        # Claim a double push by a pawn of the side not to move.
        f = rng.randrange(8)
        pushed, origin, passed = (24 + f, 8 + f, 16 + f) if side == "b" else (32 + f, 48 + f, 40 + f)
        squares[pushed] = "P" if side == "b" else "p"
        squares[origin] = squares[passed] = "1"
        # ... next to a pawn that may capture it.
        if f + 1 < 8 and rng.random() < 0.8:
            squares[pushed + 1] = "p" if side == "b" else "P"
        ep = "abcdefgh"[f] + ("3" if side == "b" else "6")
    rows = ["".join(squares[8 * r: 8 * r + 8]) for r in range(7, -1, -1)]
    board = "/".join(rows)
    for n in range(8, 1, -1):
        board = board.replace("1" * n, str(n))
    return f"{board} {side} - {ep} 0 1"


def aligned_double_check(board):
    """Two checkers on one line through the king: no move can produce it, so
    python-chess calls it an impossible check, but perft suites use such
    positions (perft.epd has "B6b/8/8/8/2K5/5k2/8/b6B b - - 0 1") and we accept them."""
    checkers = list(board.checkers())
    return (board.status() == chess.STATUS_IMPOSSIBLE_CHECK and board.ep_square is None
            and len(checkers) == 2 and chess.BB_SQUARES[board.king(board.turn)] & chess.ray(*checkers))


def test_double_check_along_one_line_is_accepted():
    fen = "4k3/8/8/8/8/8/8/r3K2r w - - 0 1"
    board = chess.Board(fen)
    assert aligned_double_check(board)
    pos = Position(fen)
    assert pos.checkers() == sorted(board.checkers())
    assert sorted(pos.legal_moves()) == sorted(m.uci() for m in board.legal_moves)


def test_fuzz_mutated_fens():
    """Random mutations either parse to a position python-chess calls valid, or
    raise ValueError: never another exception, never an invalid position."""
    rng = random.Random(20240611)
    accepted = rejected = 0
    for _ in range(6000):
        seed, kind = rng.choice(SEEDS), rng.random()
        if kind < 0.4:
            fen = mutate_chars(rng, seed)
        elif kind < 0.7:
            fen = mutate_fields(rng, seed)
        else:
            fen = random_sparse_fen(rng)
        chess960 = rng.choice([None, None, True, False])
        try:
            pos = Position(fen, chess960)
        except ValueError:
            rejected += 1
            continue
        accepted += 1
        out = pos.fen()
        board = chess.Board(out, chess960=pos.chess960)
        assert board.is_valid() or aligned_double_check(board), (fen, out, board.status())
        assert board.fen() == out, fen
        assert Position(out, pos.chess960).fen() == out, fen
        assert set(pos.legal_moves()) == {m.uci() for m in board.legal_moves}, fen
    # Both outcomes must actually occur for the test to mean anything.
    assert accepted > 1000 and rejected > 1000, (accepted, rejected)
