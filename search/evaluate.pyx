# Bootstrap static evaluation: PeSTO-style tapered material + piece-square
# tables, a tempo bonus and a scale-down of drawish material.  It is the
# evaluation the first searches run on and the baseline NNUE nets must beat.
# https://www.chessprogramming.org/PeSTO%27s_Evaluation_Function
# https://www.chessprogramming.org/Tapered_Eval
#
# The sums are recomputed at every call rather than kept by make_move in
# StateInfo: the loop over the pieces is cheap next to the search around it
# (benchmarks/evaluate.py times it).
from engine.types cimport (Bitboard, WHITE, BLACK, PAWN, KNIGHT, BISHOP,
                           ROOK, QUEEN, KING, make_piece, SEE_KNIGHT,
                           SEE_BISHOP, SEE_ROOK, SEE_QUEEN)
from engine.bitboard cimport pop_lsb, popcount
from engine.board cimport Board, has_insufficient_material
from engine.position cimport Position

# ---------------------------------------------------------------------------
# Tunables

cdef enum:
    # Bonus for the side to move: having the move is worth something, and it
    # damps the odd/even-ply oscillation of the search's leaf scores.
    TEMPO = 10
    # Drawish material: when the side ahead has no pawns and is up by at most
    # this much non-pawn material (N=320 B=330 R=500 Q=950, the SEE scale of
    # engine/types.pxd), e.g. KR v KB, KRB v KR, KN v KP, the score is divided
    # by DRAWISH_DIVISOR so the search prefers real winning chances.
    DRAWISH_NPM_MARGIN = SEE_BISHOP
    DRAWISH_DIVISOR = 8

# Game-phase weight of each piece type (PeSTO): the phase runs from
# PHASE_MAX = 24 (all minor and major pieces on the board) down to 0 (pawns
# and kings only).
cdef enum:
    PHASE_KNIGHT = 1
    PHASE_BISHOP = 1
    PHASE_ROOK = 2
    PHASE_QUEEN = 4

# ---------------------------------------------------------------------------
# PeSTO's tables (Ronald Friederich, as published on the chessprogramming
# wiki), in centipawns.  Data only; material first, indexed by piece type.

MG_VALUE = (0, 82, 337, 365, 477, 1025, 0)    # none, P, N, B, R, Q, K
EG_VALUE = (0, 94, 281, 297, 512, 936, 0)

# Orientation: each table is printed as White sees the board, rank 8 on the
# first row and rank 1 on the last, files a..h left to right.  So row-major
# index i is a8 = 0 .. h1 = 63, and with our squares (a1 = 0) a White piece on
# `sq` reads index sq ^ 56 (flip the rank).  Black reads the same table
# mirrored vertically, i.e. index sq itself.

MG_PST = {
    PAWN: (
          0,   0,   0,   0,   0,   0,   0,   0,
         98, 134,  61,  95,  68, 126,  34, -11,
         -6,   7,  26,  31,  65,  56,  25, -20,
        -14,  13,   6,  21,  23,  12,  17, -23,
        -27,  -2,  -5,  12,  17,   6,  10, -25,
        -26,  -4,  -4, -10,   3,   3,  33, -12,
        -35,  -1, -20, -23, -15,  24,  38, -22,
          0,   0,   0,   0,   0,   0,   0,   0,
    ),
    KNIGHT: (
       -167, -89, -34, -49,  61, -97, -15, -107,
        -73, -41,  72,  36,  23,  62,   7,  -17,
        -47,  60,  37,  65,  84, 129,  73,   44,
         -9,  17,  19,  53,  37,  69,  18,   22,
        -13,   4,  16,  13,  28,  19,  21,   -8,
        -23,  -9,  12,  10,  19,  17,  25,  -16,
        -29, -53, -12,  -3,  -1,  18, -14,  -19,
       -105, -21, -58, -33, -17, -28, -19,  -23,
    ),
    BISHOP: (
        -29,   4, -82, -37, -25, -42,   7,  -8,
        -26,  16, -18, -13,  30,  59,  18, -47,
        -16,  37,  43,  40,  35,  50,  37,  -2,
         -4,   5,  19,  50,  37,  37,   7,  -2,
         -6,  13,  13,  26,  34,  12,  10,   4,
          0,  15,  15,  15,  14,  27,  18,  10,
          4,  15,  16,   0,   7,  21,  33,   1,
        -33,  -3, -14, -21, -13, -12, -39, -21,
    ),
    ROOK: (
         32,  42,  32,  51,  63,   9,  31,  43,
         27,  32,  58,  62,  80,  67,  26,  44,
         -5,  19,  26,  36,  17,  45,  61,  16,
        -24, -11,   7,  26,  24,  35,  -8, -20,
        -36, -26, -12,  -1,   9,  -7,   6, -23,
        -45, -25, -16, -17,   3,   0,  -5, -33,
        -44, -16, -20,  -9,  -1,  11,  -6, -71,
        -19, -13,   1,  17,  16,   7, -37, -26,
    ),
    QUEEN: (
        -28,   0,  29,  12,  59,  44,  43,  45,
        -24, -39,  -5,   1, -16,  57,  28,  54,
        -13, -17,   7,   8,  29,  56,  47,  57,
        -27, -27, -16, -16,  -1,  17,  -2,   1,
         -9, -26,  -9, -10,  -2,  -4,   3,  -3,
        -14,   2, -11,  -2,  -5,   2,  14,   5,
        -35,  -8,  11,   2,   8,  15,  -3,   1,
         -1, -18,  -9,  10, -15, -25, -31, -50,
    ),
    KING: (
        -65,  23,  16, -15, -56, -34,   2,  13,
         29,  -1, -20,  -7,  -8,  -4, -38, -29,
         -9,  24,   2, -16, -20,   6,  22, -22,
        -17, -20, -12, -27, -30, -25, -14, -36,
        -49,  -1, -27, -39, -46, -44, -33, -51,
        -14, -14, -22, -46, -44, -30, -15, -27,
          1,   7,  -8, -64, -43, -16,   9,   8,
        -15,  36,  12, -54,   8, -28,  24,  14,
    ),
}

EG_PST = {
    PAWN: (
          0,   0,   0,   0,   0,   0,   0,   0,
        178, 173, 158, 134, 147, 132, 165, 187,
         94, 100,  85,  67,  56,  53,  82,  84,
         32,  24,  13,   5,  -2,   4,  17,  17,
         13,   9,  -3,  -7,  -7,  -8,   3,  -1,
          4,   7,  -6,   1,   0,  -5,  -1,  -8,
         13,   8,   8,  10,  13,   0,   2,  -7,
          0,   0,   0,   0,   0,   0,   0,   0,
    ),
    KNIGHT: (
        -58, -38, -13, -28, -31, -27, -63, -99,
        -25,  -8, -25,  -2,  -9, -25, -24, -52,
        -24, -20,  10,   9,  -1,  -9, -19, -41,
        -17,   3,  22,  22,  22,  11,   8, -18,
        -18,  -6,  16,  25,  16,  17,   4, -18,
        -23,  -3,  -1,  15,  10,  -3, -20, -22,
        -42, -20, -10,  -5,  -2, -20, -23, -44,
        -29, -51, -23, -15, -22, -18, -50, -64,
    ),
    BISHOP: (
        -14, -21, -11,  -8,  -7,  -9, -17, -24,
         -8,  -4,   7, -12,  -3, -13,  -4, -14,
          2,  -8,   0,  -1,  -2,   6,   0,   4,
         -3,   9,  12,   9,  14,  10,   3,   2,
         -6,   3,  13,  19,   7,  10,  -3,  -9,
        -12,  -3,   8,  10,  13,   3,  -7, -15,
        -14, -18,  -7,  -1,   4,  -9, -15, -27,
        -23,  -9, -23,  -5,  -9, -16,  -5, -17,
    ),
    ROOK: (
         13,  10,  18,  15,  12,  12,   8,   5,
         11,  13,  13,  11,  -3,   3,   8,   3,
          7,   7,   7,   5,   4,  -3,  -5,  -3,
          4,   3,  13,   1,   2,   1,  -1,   2,
          3,   5,   8,   4,  -5,  -6,  -8, -11,
         -4,   0,  -5,  -1,  -7, -12,  -8, -16,
         -6,  -6,   0,   2,  -9,  -9, -11,  -3,
         -9,   2,   3,  -1,  -5, -13,   4, -20,
    ),
    QUEEN: (
         -9,  22,  22,  27,  27,  19,  10,  20,
        -17,  20,  32,  41,  58,  25,  30,   0,
        -20,   6,   9,  49,  47,  35,  19,   9,
          3,  22,  24,  45,  57,  40,  57,  36,
        -18,  28,  19,  47,  31,  34,  39,  23,
        -16, -27,  15,   6,   9,  17,  10,   5,
        -22, -23, -30, -16, -16, -23, -36, -32,
        -33, -28, -22, -43,  -5, -32, -20, -41,
    ),
    KING: (
        -74, -35, -18, -18, -11,  15,   4, -17,
        -12,  17,  14,  17,  17,  38,  23,  11,
         10,  17,  23,  15,  20,  45,  44,  13,
         -8,  22,  24,  27,  26,  33,  26,   3,
        -18,  -4,  21,  24,  27,  23,   9, -11,
        -19,  -3,  11,  21,  23,  16,   7,  -9,
        -27, -11,   4,  13,  14,   4,  -5, -17,
        -53, -34, -21, -11, -28, -14, -24, -43,
    ),
}

# ---------------------------------------------------------------------------
# Combined tables, material included, indexed [piece][square] with piece =
# colour*8 + type and a1 = 0.  Signed white-positive: a black piece holds the
# negated value of the white piece on the mirrored square.  Filled at import.

cdef int MG[16][64]
cdef int EG[16][64]

cdef void init_tables() noexcept:
    cdef int pt, sq, white, black
    for pt in range(16):
        for sq in range(64):
            MG[pt][sq] = 0
            EG[pt][sq] = 0
    for pt in range(PAWN, KING + 1):
        white = make_piece(WHITE, pt)
        black = make_piece(BLACK, pt)
        for sq in range(64):
            MG[white][sq] = MG_VALUE[pt] + MG_PST[pt][sq ^ 56]
            EG[white][sq] = EG_VALUE[pt] + EG_PST[pt][sq ^ 56]
            MG[black][sq] = -(MG_VALUE[pt] + MG_PST[pt][sq])
            EG[black][sq] = -(EG_VALUE[pt] + EG_PST[pt][sq])


init_tables()

# ---------------------------------------------------------------------------
# Evaluation


# Non-pawn material of one side on the SEE scale, for the drawish rule.
cdef inline int non_pawn_material(const Board* b, int c) noexcept nogil:
    cdef Bitboard us = b.by_color[c]
    return (SEE_KNIGHT * popcount(us & b.by_type[KNIGHT])
            + SEE_BISHOP * popcount(us & b.by_type[BISHOP])
            + SEE_ROOK * popcount(us & b.by_type[ROOK])
            + SEE_QUEEN * popcount(us & b.by_type[QUEEN]))


# Sum the combined tables over the occupied squares, blend middlegame and
# endgame by phase, then apply the material-draw rules and the tempo bonus.
# Divisions truncate toward zero (cdivision), so the score of a colour-flipped
# position is exactly the negation: the evaluation is colour-symmetric.
cdef int evaluate(const Board* b) noexcept nogil:
    cdef Bitboard occ = b.by_type[0]
    cdef int sq, pc, phase, score, strong
    cdef int mg = 0
    cdef int eg = 0
    while occ:
        sq = pop_lsb(&occ)
        pc = b.squares[sq]
        mg += MG[pc][sq]
        eg += EG[pc][sq]

    phase = (PHASE_KNIGHT * popcount(b.by_type[KNIGHT])
             + PHASE_BISHOP * popcount(b.by_type[BISHOP])
             + PHASE_ROOK * popcount(b.by_type[ROOK])
             + PHASE_QUEEN * popcount(b.by_type[QUEEN]))
    if phase > PHASE_MAX:           # early promotions
        phase = PHASE_MAX
    score = (mg * phase + eg * (PHASE_MAX - phase)) / PHASE_MAX

    # Drawish material, judged from the side that is ahead.  Rare branch: the
    # side ahead must have no pawns left.
    strong = WHITE if score > 0 else BLACK
    if not (b.by_type[PAWN] & b.by_color[strong]):
        if (not (b.by_type[PAWN] | b.by_type[ROOK] | b.by_type[QUEEN])
                and has_insufficient_material(b)):
            return 0
        if (non_pawn_material(b, strong) - non_pawn_material(b, strong ^ 1)
                <= DRAWISH_NPM_MARGIN):
            score = score / DRAWISH_DIVISOR

    return (score if b.side == WHITE else -score) + TEMPO

# ---------------------------------------------------------------------------
# Python helpers


def evaluate_position(Position pos):
    """Static evaluation of `pos` in centipawns, side to move's point of view."""
    return evaluate(&pos.b)


def evaluate_white(Position pos):
    """Static evaluation of `pos` in centipawns from White's point of view
    (what the UCI `eval` command prints)."""
    cdef int v = evaluate(&pos.b)
    return v if pos.b.side == WHITE else -v


def evaluate_fen(str fen):
    """Static evaluation of a FEN, side to move's point of view."""
    return evaluate_position(Position(fen))


def tables():
    """The evaluation's data, for tests and tools that re-derive it.

    Keys: "mg_value"/"eg_value" (material by piece type, index 0 unused),
    "mg_pst"/"eg_pst" (piece type -> 64 entries, a8 first as printed above),
    "phase_inc" (by piece type), "phase_max", "tempo", "npm_value" (non-pawn
    material by piece type, for the drawish rule), "drawish_npm_margin",
    "drawish_divisor"."""
    return {
        "mg_value": list(MG_VALUE),
        "eg_value": list(EG_VALUE),
        "mg_pst": {pt: list(t) for pt, t in MG_PST.items()},
        "eg_pst": {pt: list(t) for pt, t in EG_PST.items()},
        "phase_inc": [0, 0, PHASE_KNIGHT, PHASE_BISHOP, PHASE_ROOK, PHASE_QUEEN, 0],
        "phase_max": PHASE_MAX,
        "tempo": TEMPO,
        "npm_value": [0, 0, SEE_KNIGHT, SEE_BISHOP, SEE_ROOK, SEE_QUEEN, 0],
        "drawish_npm_margin": DRAWISH_NPM_MARGIN,
        "drawish_divisor": DRAWISH_DIVISOR,
    }


def combined_tables():
    """The precomputed MG and EG tables as two lists [piece][square]."""
    return ([[MG[pc][sq] for sq in range(64)] for pc in range(16)],
            [[EG[pc][sq] for sq in range(64)] for pc in range(16)])
