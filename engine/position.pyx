# The Python-facing Position, shaped like python-chess's chess.Board, over
# the C-level board (engine/board.pxd) that search and movegen use.
from engine.types cimport (Bitboard, Move, WHITE, BLACK, NO_PIECE, MOVE_NULL,
                           MT_EN_PASSANT, MT_CASTLING, MAX_MOVES, move_kind)
from engine.bitboard cimport pop_lsb
from engine.board cimport (board_init, board_free, board_reserve, board_copy, make_move,
                           unmake_move, make_null_move, unmake_null_move, is_capture,
                           gives_check, ep_capture_legal, is_draw, has_insufficient_material,
                           king_square)
from engine.movegen cimport generate_moves, has_legal_move, is_legal_move, GEN_ALL, GEN_NOISY, GEN_QUIET
from engine.notation cimport board_set_fen, board_fen, move_to_uci, move_from_uci
from engine.see cimport see_ge, see_value

from engine.notation import PIECE_CHARS, STARTING_FEN, parse_square


# Perft: bulk counting at the leaves (generation is fully legal).
cdef unsigned long long perft(Board* b, int depth) noexcept nogil:
    cdef Move moves[MAX_MOVES]
    cdef int n = generate_moves(b, moves, GEN_ALL)
    cdef int i
    cdef unsigned long long total = 0
    if depth <= 1:
        return n
    for i in range(n):
        make_move(b, moves[i])
        total += perft(b, depth - 1)
        unmake_move(b)
    return total


cdef class Position:
    """A chess position with its game history, shaped like chess.Board.

    >>> pos = Position()
    >>> len(pos.legal_moves())
    20
    >>> pos.push_uci("e2e4"); pos.fen()
    'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1'
    """

    def __cinit__(self):
        board_init(&self.b)
        self._stack = []

    def __dealloc__(self):
        board_free(&self.b)

    def __init__(self, fen=None, chess960=None):
        board_set_fen(&self.b, STARTING_FEN if fen is None else fen, chess960)

    @classmethod
    def from_fen(cls, str fen, chess960=None):
        """Position from a FEN, X-FEN or Shredder-FEN; ValueError if invalid.

        chess960=None detects Chess960 from the castling rights."""
        return cls(fen, chess960)

    def set_fen(self, str fen, chess960=None):
        board_set_fen(&self.b, fen, chess960)
        self._stack = []

    def fen(self):
        """FEN of the position (X-FEN castling in Chess960 mode)."""
        return board_fen(&self.b)

    def copy(self):
        cdef Position other = Position.__new__(Position)
        board_copy(&other.b, &self.b)
        other._stack = list(self._stack)
        return other

    def __copy__(self):
        return self.copy()

    def __reduce__(self):
        return (_rebuild, (self.root_fen(), self.b.chess960, self.move_stack))

    def root_fen(self):
        cdef Position root = self.copy()
        while root._stack:
            root.pop()
        return root.fen()

    @property
    def chess960(self):
        return bool(self.b.chess960)

    @chess960.setter
    def chess960(self, value):
        self.b.chess960 = bool(value)

    @property
    def turn(self):
        """True when White is to move (chess.WHITE), False for Black."""
        return self.b.side == WHITE

    @property
    def zobrist(self):
        """Polyglot-compatible Zobrist key of the position."""
        return self.b.st.key

    @property
    def pawn_key(self):
        return self.b.st.pawn_key

    @property
    def material_key(self):
        return self.b.st.material_key

    def non_pawn_key(self, int color):
        """The Zobrist key of `color`'s pieces other than pawns (king included):
        Polyglot's piece-square keys, xor-ed."""
        if color not in (0, 1):
            raise ValueError("color is 0 (white) or 1 (black)")
        return self.b.st.non_pawn_key[color]

    @property
    def halfmove_clock(self):
        return self.b.st.rule50

    @property
    def fullmove_number(self):
        return self.b.game_ply // 2 + 1

    @property
    def ply(self):
        return self.b.game_ply

    @property
    def ep_square(self):
        """The en-passant square if a legal en-passant capture exists, else None."""
        return self.b.st.ep_square if ep_capture_legal(&self.b) else None

    @property
    def move_stack(self):
        return list(self._stack)

    def piece_at(self, square):
        """Piece symbol ('P', 'n', ...) on a square (index or name), or None."""
        cdef int sq = parse_square(square) if isinstance(square, str) else square
        if not 0 <= sq < 64:
            raise ValueError(f"square out of range: {square!r}")
        pc = self.b.squares[sq]
        return None if pc == NO_PIECE else PIECE_CHARS[pc]

    def king(self, bint white):
        return king_square(&self.b, WHITE if white else BLACK)

    def legal_moves(self):
        """All legal moves as UCI strings."""
        return self._moves(GEN_ALL)

    def noisy_moves(self):
        """Legal captures and promotions (what quiescence search looks at)."""
        return self._moves(GEN_NOISY)

    def quiet_moves(self):
        """Legal moves that are neither captures nor promotions."""
        return self._moves(GEN_QUIET)

    cdef list _moves(self, int kind):
        cdef Move moves[MAX_MOVES]
        cdef int n = generate_moves(&self.b, moves, kind)
        return [move_to_uci(&self.b, moves[i]) for i in range(n)]

    def is_legal(self, str uci):
        try:
            move_from_uci(&self.b, uci)
        except ValueError:
            return False
        return True

    def parse_uci(self, str uci):
        """The internal 16-bit code of a legal UCI move (ValueError if illegal)."""
        return move_from_uci(&self.b, uci)

    def legal_move_codes(self):
        """The legal moves as 16-bit codes (the engine's internal encoding)."""
        cdef Move moves[MAX_MOVES]
        cdef int n = generate_moves(&self.b, moves, GEN_ALL)
        return [moves[i] for i in range(n)]

    def is_legal_code(self, int code):
        """The search's direct legality test for a 16-bit move code."""
        return is_legal_move(&self.b, <Move>(code & 0xFFFF))

    def push_uci(self, str uci):
        """Play a move given in UCI notation; ValueError if malformed or illegal."""
        cdef Move m = move_from_uci(&self.b, uci)
        board_reserve(&self.b, 1)
        make_move(&self.b, m)
        self._stack.append(uci)

    push = push_uci

    def push_null(self):
        if self.b.st.checkers:
            raise ValueError("cannot pass while in check")
        board_reserve(&self.b, 1)
        make_null_move(&self.b)
        self._stack.append("0000")

    def pop(self):
        """Take back the last move and return it in UCI notation."""
        if not self._stack:
            raise IndexError("pop from a position with no moves")
        if self.b.st.move == MOVE_NULL:
            unmake_null_move(&self.b)
        else:
            unmake_move(&self.b)
        return self._stack.pop()

    def peek(self):
        if not self._stack:
            raise IndexError("no move has been played")
        # Not _stack[-1]: with wraparound off, Cython indexes a typed list
        # without adjusting negative indices (a read before the list).
        return self._stack[len(self._stack) - 1]

    def is_check(self):
        return self.b.st.checkers != 0

    def checkers(self):
        """Squares of the pieces giving check, in increasing order."""
        cdef Bitboard bb = self.b.st.checkers
        out = []
        while bb:
            out.append(pop_lsb(&bb))
        return out

    def gives_check(self, str uci):
        return gives_check(&self.b, move_from_uci(&self.b, uci))

    def is_capture(self, str uci):
        return is_capture(&self.b, move_from_uci(&self.b, uci))

    def is_castling(self, str uci):
        return move_kind(move_from_uci(&self.b, uci)) == MT_CASTLING

    def is_en_passant(self, str uci):
        return move_kind(move_from_uci(&self.b, uci)) == MT_EN_PASSANT

    def see(self, str uci):
        """Static exchange value of a move, in centipawns (P=100 ... Q=950)."""
        return see_value(&self.b, move_from_uci(&self.b, uci))

    def see_ge(self, str uci, int threshold):
        return see_ge(&self.b, move_from_uci(&self.b, uci), threshold)

    def is_checkmate(self):
        return self.b.st.checkers != 0 and not has_legal_move(&self.b)

    def is_stalemate(self):
        return self.b.st.checkers == 0 and not has_legal_move(&self.b)

    def is_insufficient_material(self):
        return has_insufficient_material(&self.b)

    def is_fifty_moves(self):
        """Fifty-move rule: 100 plies without capture or pawn move (and not mate)."""
        return self.b.st.rule50 >= 100 and has_legal_move(&self.b)

    def is_repetition(self, int count=3):
        """True if the position occurred at least `count` times in the game."""
        cdef int seen = 1, i = 2
        cdef int end = min(self.b.st.rule50, self.b.sp)
        while i <= end and seen < count:
            if self.b.states[self.b.sp - i].rep_key == self.b.st.rep_key:
                seen += 1
            i += 2
        return seen >= count

    def is_draw(self, int ply=0):
        """Draw by the engine's search rule (is_draw in engine/board.pyx)."""
        return is_draw(&self.b, ply)

    def is_game_over(self):
        return self.outcome() is not None

    def outcome(self):
        """'1-0', '0-1' or '1/2-1/2' if the game is over by the rules, else None.

        Draws: stalemate, insufficient material, fifty moves, threefold
        repetition (python-chess's claimable draws count as over)."""
        if not has_legal_move(&self.b):
            if self.b.st.checkers:
                return "0-1" if self.b.side == WHITE else "1-0"
            return "1/2-1/2"
        if has_insufficient_material(&self.b) or self.b.st.rule50 >= 100 or self.is_repetition(3):
            return "1/2-1/2"
        return None

    def perft(self, int depth):
        """Number of leaf nodes of the legal move tree of `depth` plies."""
        if depth < 0:
            raise ValueError("perft depth must be >= 0")
        if depth == 0:
            return 1
        board_reserve(&self.b, depth + 1)
        with nogil:
            total = perft(&self.b, depth)
        return total

    def perft_divide(self, int depth):
        """{uci_move: leaf count} for each legal move (depth >= 1)."""
        cdef Move moves[MAX_MOVES]
        cdef int n, i
        if depth < 1:
            raise ValueError("perft divide depth must be >= 1")
        board_reserve(&self.b, depth + 1)
        n = generate_moves(&self.b, moves, GEN_ALL)
        out = {}
        for i in range(n):
            uci = move_to_uci(&self.b, moves[i])
            if depth == 1:
                out[uci] = 1
                continue
            make_move(&self.b, moves[i])
            with nogil:
                cnt = perft(&self.b, depth - 1)
            unmake_move(&self.b)
            out[uci] = cnt
        return out

    def __str__(self):
        rows = []
        for rank in range(7, -1, -1):
            rows.append(" ".join(PIECE_CHARS[self.b.squares[rank * 8 + f]].strip() or "."
                                 for f in range(8)))
        return "\n".join(rows)

    def __repr__(self):
        return f"Position({self.fen()!r})"

    def __eq__(self, other):
        if not isinstance(other, Position):
            return NotImplemented
        return self.fen() == other.fen()

    def __hash__(self):
        return hash(self.zobrist)


def _rebuild(fen, chess960, moves):
    pos = Position(fen, chess960)
    for m in moves:
        if m == "0000":
            pos.push_null()
        else:
            pos.push_uci(m)
    return pos
