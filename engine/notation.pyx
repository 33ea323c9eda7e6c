# Text forms of positions and moves: square names, piece letters, FEN
# (parsed with X-FEN and Shredder-FEN castling, and validated) and UCI moves.
from libc.string cimport memcpy, memset

from engine.types cimport (Bitboard, Move, WHITE, BLACK, PAWN, ROOK, KING, NO_PIECE,
                           SQ_NONE, MOVE_NONE, MOVE_NULL, MT_PROMOTION, MT_CASTLING,
                           MAX_MOVES, make_piece, type_of, color_of, file_of, rank_of,
                           relative_square, move_from, move_to, move_kind, promotion_type)
from engine.bitboard cimport square_bb, lsb, popcount
from engine.attacks cimport PAWN_ATTACKS, BETWEEN
from engine.board cimport (Board, StateInfo, attackers_to, king_square, pieces_cp, put_piece,
                           board_set_state, ep_capture_legal)
from engine.movegen cimport generate_moves, GEN_ALL

STARTING_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"

# One letter per piece code (colour * 8 + type, engine/types.pxd): FEN's
# letters, upper case for White; a space where the code is not a piece.
PIECE_CHARS = " PNBRQK  pnbrqk"
cdef dict PIECE_FROM_CHAR = {ch: i for i, ch in enumerate(PIECE_CHARS) if ch != " "}
COLOR_NAMES = ("white", "black")

# ---------------------------------------------------------------------------
# Squares


def square_name(int sq):
    return "abcdefgh"[sq & 7] + str((sq >> 3) + 1)


def parse_square(str name):
    """Square index (a1 = 0) of a name such as 'e4'; ValueError otherwise."""
    if len(name) != 2 or name[0] not in "abcdefgh" or name[1] not in "12345678":
        raise ValueError(f"invalid square name {name!r}")
    return (ord(name[1]) - 49) * 8 + ord(name[0]) - 97


# ---------------------------------------------------------------------------
# FEN

cdef void setup_castling(Board* b, int right, int rsq) noexcept:
    cdef int color = right >> 1
    cdef int ksq = king_square(b, color)
    cdef int kto = relative_square(color, 6 if (right & 1) == 0 else 2)
    cdef int rto = relative_square(color, 5 if (right & 1) == 0 else 3)
    b.castling_rook[right] = rsq
    b.castling_path[right] = ((BETWEEN[ksq][kto] | BETWEEN[rsq][rto] | square_bb(kto) | square_bb(rto))
                              & ~(square_bb(ksq) | square_bb(rsq)))
    b.castling_king_path[right] = BETWEEN[ksq][kto]
    b.castling_mask[ksq] |= 3 << (2 * color)
    b.castling_mask[rsq] |= 1 << right


cdef int board_set_fen(Board* b, str fen, object chess960) except -1:
    """Parse and validate a FEN (X-FEN and Shredder-FEN castling accepted).

    Raises ValueError naming the problem; on error *b is left unchanged."""
    cdef int squares[64]
    cdef int rank, f, i, color, side, rsq, ksq, kfile, n, right
    cdef int rights = 0
    cdef int rook_of_right[4]
    cdef int ep = SQ_NONE
    halfmove, fullmove = 0, 1   # Python ints until range-checked: no OverflowError
    cdef bint standard
    cdef Board tmp
    cdef Bitboard checkers
    cdef StateInfo* st
    if not isinstance(fen, str):
        raise TypeError("FEN must be a str")
    fields = fen.split()
    if len(fields) not in (4, 5, 6):
        raise ValueError(f"FEN must have 6 fields (4 without the move counters), "
                         f"found {len(fields)}: {fen!r}")
    rows = fields[0].split("/")
    if len(rows) != 8:
        raise ValueError(f"FEN board must have 8 ranks separated by '/', found {len(rows)}: {fen!r}")
    for i in range(64):
        squares[i] = NO_PIECE
    for i, row in enumerate(rows):
        rank = 7 - i
        f = 0
        prev_digit = False
        for ch in row:
            if ch in "12345678":
                if prev_digit:
                    raise ValueError(f"rank {rank + 1} of the FEN has two digits in a row: {row!r}")
                f += ord(ch) - 48
                prev_digit = True
            elif ch in PIECE_FROM_CHAR:
                if f >= 8:
                    raise ValueError(f"rank {rank + 1} of the FEN has more than 8 squares: {row!r}")
                squares[rank * 8 + f] = PIECE_FROM_CHAR[ch]
                f += 1
                prev_digit = False
            else:
                raise ValueError(f"bad piece letter {ch!r} in rank {rank + 1} of the FEN")
        if f != 8:
            raise ValueError(f"rank {rank + 1} of the FEN has {f} squares, not 8: {row!r}")

    if fields[1] not in ("w", "b"):
        raise ValueError(f"side to move must be 'w' or 'b', found {fields[1]!r}")
    side = WHITE if fields[1] == "w" else BLACK

    for color in range(2):
        n = sum(1 for i in range(64) if squares[i] == make_piece(color, KING))
        if n == 0:
            raise ValueError(f"the {COLOR_NAMES[color]} king is missing")
        if n > 1:
            raise ValueError(f"there are {n} {COLOR_NAMES[color]} kings")
        if sum(1 for i in range(64) if squares[i] != NO_PIECE and color_of(squares[i]) == color) > 16:
            raise ValueError(f"{COLOR_NAMES[color]} has more than 16 pieces")
        if sum(1 for i in range(64) if squares[i] == make_piece(color, PAWN)) > 8:
            raise ValueError(f"{COLOR_NAMES[color]} has more than 8 pawns")
    for i in list(range(8)) + list(range(56, 64)):
        if squares[i] != NO_PIECE and type_of(squares[i]) == PAWN:
            raise ValueError(f"pawn on the first or last rank ({square_name(i)})")

    # Castling: KQkq (outermost rook, X-FEN) or rook files (Shredder-FEN).
    for i in range(4):
        rook_of_right[i] = SQ_NONE
    cfield = fields[2]
    if cfield != "-":
        if len(set(cfield)) != len(cfield) or any(ch not in "KQkqABCDEFGHabcdefgh" for ch in cfield):
            raise ValueError(f"bad castling field {cfield!r}")
        for ch in cfield:
            color = WHITE if ch.isupper() else BLACK
            ksq = next(i for i in range(64) if squares[i] == make_piece(color, KING))
            if rank_of(ksq) != (0 if color == WHITE else 7):
                raise ValueError(f"castling right {ch!r} but the {COLOR_NAMES[color]} king "
                                 f"is not on its first rank")
            kfile = file_of(ksq)
            rank = rank_of(ksq)
            rook = make_piece(color, ROOK)
            c = ch.lower()
            rsq = SQ_NONE
            if c == "k":
                for f in range(7, kfile, -1):
                    if squares[rank * 8 + f] == rook:
                        rsq = rank * 8 + f
                        break
                if rsq == SQ_NONE:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on the king side")
            elif c == "q":
                for f in range(0, kfile):
                    if squares[rank * 8 + f] == rook:
                        rsq = rank * 8 + f
                        break
                if rsq == SQ_NONE:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on the queen side")
            else:
                rsq = rank * 8 + ord(c) - 97
                if squares[rsq] != rook:
                    raise ValueError(f"castling right {ch!r} but no {COLOR_NAMES[color]} rook "
                                     f"on {square_name(rsq)}")
            right = 2 * color + (0 if file_of(rsq) > kfile else 1)
            if rook_of_right[right] != SQ_NONE:
                raise ValueError(f"castling field {cfield!r} gives {COLOR_NAMES[color]} two rights "
                                 f"on the same side")
            rook_of_right[right] = rsq
            rights |= 1 << right

    standard = True
    for right in range(4):
        if rook_of_right[right] != SQ_NONE:
            color = right >> 1
            if (next(i for i in range(64) if squares[i] == make_piece(color, KING))
                    != relative_square(color, 4)
                    or rook_of_right[right] != relative_square(color, 7 if (right & 1) == 0 else 0)):
                standard = False
    if chess960 is None:
        chess960 = not standard
    elif not chess960 and not standard:
        raise ValueError(f"castling rights {cfield!r} are only possible in Chess960 "
                         f"(king not on e1/e8 or rook not on a corner)")

    if fields[3] != "-":
        try:
            ep = parse_square(fields[3])
        except ValueError:
            raise ValueError(f"bad en-passant square {fields[3]!r}") from None
        if rank_of(ep) != (5 if side == WHITE else 2):
            raise ValueError(f"en-passant square {fields[3]} is impossible with "
                             f"{COLOR_NAMES[side]} to move")
        pawn_sq = ep - 8 if side == WHITE else ep + 8
        origin = ep + 8 if side == WHITE else ep - 8
        if squares[pawn_sq] != make_piece(side ^ 1, PAWN):
            raise ValueError(f"en-passant square {fields[3]} but no {COLOR_NAMES[side ^ 1]} pawn "
                             f"on {square_name(pawn_sq)}")
        if squares[ep] != NO_PIECE or squares[origin] != NO_PIECE:
            raise ValueError(f"en-passant square {fields[3]} but {square_name(ep)} or "
                             f"{square_name(origin)} is occupied")

    if len(fields) > 4:
        try:
            halfmove = int(fields[4])
        except ValueError:
            raise ValueError(f"bad halfmove clock {fields[4]!r}") from None
        if halfmove < 0:
            raise ValueError(f"halfmove clock cannot be negative: {halfmove}")
    if len(fields) > 5:
        try:
            fullmove = int(fields[5])
        except ValueError:
            raise ValueError(f"bad fullmove number {fields[5]!r}") from None
        if fullmove < 0:
            raise ValueError(f"fullmove number cannot be negative: {fullmove}")
        fullmove = max(fullmove, 1)
    if halfmove > 10000 or fullmove > 100000:
        raise ValueError("move counters out of range")

    # Build into a scratch board, check the last rules, then commit.
    memset(&tmp, 0, sizeof(Board))
    for i in range(64):
        if squares[i] != NO_PIECE:
            put_piece(&tmp, squares[i], i)
    tmp.side = side
    tmp.chess960 = chess960
    tmp.game_ply = 2 * (fullmove - 1) + side
    for i in range(4):
        tmp.castling_rook[i] = SQ_NONE
        if rook_of_right[i] != SQ_NONE:
            setup_castling(&tmp, i, rook_of_right[i])
    if attackers_to(&tmp, king_square(&tmp, side ^ 1), tmp.by_type[0]) & tmp.by_color[side]:
        raise ValueError(f"the side not to move ({COLOR_NAMES[side ^ 1]}) is in check")
    checkers = attackers_to(&tmp, king_square(&tmp, side), tmp.by_type[0]) & tmp.by_color[side ^ 1]
    if popcount(checkers) > 2:
        raise ValueError(f"impossible position: {popcount(checkers)} pieces give check")
    # The en-passant square says the last move was a double push, so the
    # only possible check is by that pawn or discovered from its origin
    # square (python-chess's STATUS_IMPOSSIBLE_CHECK).  Without one, checks
    # from both ends of a line stay accepted: perft suites use them.
    ksq = king_square(&tmp, side)
    if fields[3] != "-" and checkers:
        if popcount(checkers) > 1 or (lsb(checkers) != pawn_sq and attackers_to(
                &tmp, ksq, (tmp.by_type[0] ^ square_bb(pawn_sq)) | square_bb(origin))
                & tmp.by_color[side ^ 1]):
            raise ValueError(f"impossible check with en-passant square {fields[3]}: "
                             f"the double push could not have given it")

    tmp.states = b.states
    tmp.capacity = b.capacity
    tmp.sp = 0
    tmp.st = tmp.states
    memcpy(b, &tmp, sizeof(Board))
    st = b.st
    memset(st, 0, sizeof(StateInfo))
    st.castling = rights
    st.rule50 = halfmove
    st.ep_square = SQ_NONE
    st.checkers = checkers
    st.move = MOVE_NONE
    if ep != SQ_NONE and PAWN_ATTACKS[side ^ 1][ep] & pieces_cp(b, side, PAWN):
        st.ep_square = ep
    board_set_state(b)
    return 0


cdef str castling_text(const Board* b):
    cdef int right, color, rsq, other, sq
    cdef str out = ""
    cdef str ch
    for right in range(4):
        if not (b.st.castling & (1 << right)):
            continue
        color = right >> 1
        rsq = b.castling_rook[right]
        ch = "k" if (right & 1) == 0 else "q"
        if b.chess960:
            # X-FEN: the file letter when another rook stands further out.
            for other in range(8):
                sq = rank_of(rsq) * 8 + other
                if sq != rsq and b.squares[sq] == make_piece(color, ROOK):
                    if (other > file_of(rsq)) == ((right & 1) == 0):
                        ch = "abcdefgh"[file_of(rsq)]
        out += ch.upper() if color == WHITE else ch
    return out or "-"


cdef str board_fen(const Board* b):
    cdef int rank, f, empty, pc
    parts = []
    for rank in range(7, -1, -1):
        row = ""
        empty = 0
        for f in range(8):
            pc = b.squares[rank * 8 + f]
            if pc == NO_PIECE:
                empty += 1
            else:
                if empty:
                    row += str(empty)
                    empty = 0
                row += PIECE_CHARS[pc]
        if empty:
            row += str(empty)
        parts.append(row)
    ep = square_name(b.st.ep_square) if ep_capture_legal(b) else "-"
    return "%s %s %s %s %d %d" % ("/".join(parts), "wb"[b.side], castling_text(b), ep,
                                  b.st.rule50, b.game_ply // 2 + 1)

# ---------------------------------------------------------------------------
# UCI move text

cdef str move_to_uci(const Board* b, Move m):
    cdef int frm = move_from(m)
    cdef int to = move_to(m)
    if m == MOVE_NONE or m == MOVE_NULL:
        return "0000"
    if move_kind(m) == MT_CASTLING and not b.chess960:
        to = relative_square(color_of(b.squares[frm]), 6 if to > frm else 2)
    s = square_name(frm) + square_name(to)
    if move_kind(m) == MT_PROMOTION:
        s += PIECE_CHARS[make_piece(BLACK, promotion_type(m))]
    return s


# Parse a UCI move and match it against the legal moves.  Castling is
# accepted both as king-takes-rook and as the king's two-square move.
cdef Move move_from_uci(Board* b, str uci) except? 0:
    cdef Move moves[MAX_MOVES]
    cdef int n = generate_moves(b, moves, GEN_ALL)
    cdef int i, frm
    cdef Move m
    if not isinstance(uci, str) or len(uci) not in (4, 5) or uci[0] not in "abcdefgh" \
            or uci[1] not in "12345678" or uci[2] not in "abcdefgh" or uci[3] not in "12345678" \
            or (len(uci) == 5 and uci[4] not in "nbrq"):
        raise ValueError(f"invalid UCI move {uci!r}")
    for i in range(n):
        if move_to_uci(b, moves[i]) == uci:
            return moves[i]
    for i in range(n):
        m = moves[i]
        if move_kind(m) == MT_CASTLING:
            frm = move_from(m)
            alt = square_name(frm) + square_name(
                relative_square(b.side, 6 if move_to(m) > frm else 2))
            if b.chess960:
                alt_is_normal = False
                for j in range(n):
                    if move_kind(moves[j]) != MT_CASTLING and move_to_uci(b, moves[j]) == alt:
                        alt_is_normal = True
                if alt_is_normal:
                    continue
                if alt == uci:
                    return m
            elif square_name(frm) + square_name(move_to(m)) == uci:
                return m
    raise ValueError(f"illegal move {uci!r} in {board_fen(b)}")
