"""`ladya bench [depth]` and UCI `bench`: the search's node-count signature and a speed figure.

Searches a fixed set of positions to a fixed depth, single thread, clearing
the hash before each position, with the evaluator the engine plays with
(search.playing_searcher: the shipped net, or the bootstrap evaluation if
there is none), so the total node count is deterministic: a change that
alters it changes the search or the net (Stockfish's `bench` habit).  The
last two lines are the ones OpenBench reads:

    Nodes searched: N
    Nodes/second: N
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Tuple

from search.limits import Limits

#: Chosen so the whole bench takes several seconds: 25.8M nodes with the
#: shipped net (README.md gives the signature).
DEFAULT_DEPTH = 18
BENCH_HASH_MB = 16

#: Openings, sharp middlegames (Bratko-Kopec, perft test positions), endgames.
BENCH_FENS = (
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
    "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
    "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
    "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1",
    "rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8",
    "r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10",
    "1k1r4/pp1b1R2/3q2pp/4p3/2B5/4Q3/PPP2B2/2K5 b - - 0 1",
    "3r1k2/4npp1/1ppr3p/p6P/P2PPPP1/1NR5/5K2/2R5 w - - 0 1",
    "2q1rr1k/3bbnnp/p2p1pp1/2pPp3/PpP1P1P1/1P2BNNP/2BQ1PRK/7R b - - 0 1",
    "rnbqkb1r/p3pppp/1p6/2ppP3/3N4/2P5/PPP1QPPP/R1B1KB1R w KQkq - 0 1",
    "r1b2rk1/2q1b1pp/p2ppn2/1p6/3QP3/1BN1B3/PPP3PP/R4RK1 w - - 0 1",
    "2r3k1/pppR1pp1/4p3/4P1P1/5P2/1P4K1/P1P5/8 w - - 0 1",
    "1nk1r1r1/pp2n1pp/4p3/q2pPp1N/b1pP1P2/B1P2R2/2P1B1PP/R2Q2K1 w - - 0 1",
    "2kr1bnr/pbpq4/2n1pp2/3p3p/3P1P1B/2N2N1Q/PPP3PP/2KR1B1R w - - 0 1",
    "r3r1k1/ppqb1ppp/8/4p1NQ/8/2P5/PP3PPP/R3R1K1 b - - 0 1",
    "r2q1rk1/4bppp/p2p4/2pP4/3pP3/3Q4/PP1B1PPP/R3R1K1 w - - 0 1",
    "r1bqkb1r/4npp1/p1p4p/1p1pP1B1/8/1B6/PPPN1PPP/R2Q1RK1 w kq - 0 1",
    "3rr3/2pq2pk/p2p1pnp/8/2QBPP2/1P6/P5PP/4RRK1 b - - 0 1",
    "r1bqk2r/pp2bppp/2p5/3pP3/P2Q1P2/2N1B3/1PP3PP/R4RK1 b kq - 0 1",
    "4b3/p3kp2/6p1/3pP2p/2pP1P2/4K1P1/P3N2P/8 w - - 0 1",
    "8/8/1p1k4/p1pP4/P1P2K2/8/8/8 w - - 0 1",
    "1r6/1P6/8/8/5k2/8/1K6/R7 w - - 0 1",
    "6k1/5p2/6p1/8/7P/6P1/2r2PK1/4R3 b - - 0 1",
    "8/8/8/4k3/8/8/3QK3/8 w - - 0 1",
    "5rk1/1p3pp1/p1q4p/3Np3/4P3/1Q6/PP3PPP/5RK1 w - - 0 1",
)


def run(depth: int = DEFAULT_DEPTH, out: Callable[[str], None] = print,
        searcher_factory: Optional[Callable] = None) -> Tuple[int, float]:
    """Search every bench position to `depth`; print one line each and the totals.

    `searcher_factory(hash_mb)` makes the searcher (default: the playing one).
    Returns (total nodes, elapsed seconds)."""
    from engine.position import Position
    from search import playing_searcher
    searcher = (searcher_factory or playing_searcher)(BENCH_HASH_MB)
    searcher.multipv = 1
    total_nodes = 0
    elapsed = 0.0
    n = len(BENCH_FENS)
    for i, fen in enumerate(BENCH_FENS, 1):
        searcher.clear()
        pos = Position(fen)
        start = time.perf_counter()
        res = searcher.search(pos, Limits(depth=depth))
        elapsed += time.perf_counter() - start
        total_nodes += res.nodes
        out(f"Position {i:2d}/{n}: bestmove {res.bestmove:5s} {res.score.uci():>9s} "
            f"nodes {res.nodes:>9d}  {fen}")
    out("")
    out(f"Total time (ms): {int(elapsed * 1000)}")
    out(f"Nodes searched: {total_nodes}")
    out(f"Nodes/second: {int(total_nodes / max(elapsed, 1e-9))}")
    return total_nodes, elapsed
