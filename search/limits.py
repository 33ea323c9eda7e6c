"""What a `go` command asks of the search.

The UCI front end builds a `Limits` from the `go` tokens (engine/uci.py);
`search.search.Searcher.search(pos, limits, on_info)` consumes it and
reports through search/result.py.  Times are in milliseconds.
"""
from dataclasses import dataclass, field
from typing import List, Optional

MAX_THREADS = 256                    #: most search threads (UCI option Threads)
DEFAULT_HASH_MB = 16                 #: transposition table size by default (UCI option Hash)
MOVE_OVERHEAD_MS = 30                #: time kept back per move by default (UCI option Move Overhead)


@dataclass
class Limits:
    wtime: Optional[int] = None      #: White's remaining clock time
    btime: Optional[int] = None      #: Black's remaining clock time
    winc: int = 0                    #: White's increment per move
    binc: int = 0                    #: Black's increment per move
    movestogo: Optional[int] = None  #: moves to the next time control (None: sudden death)
    movetime: Optional[int] = None   #: search exactly this long
    depth: Optional[int] = None      #: iterative-deepening depth limit
    nodes: Optional[int] = None      #: node limit (hard: stops inside the tree)
    soft_nodes: Optional[int] = None  #: no new iteration after this many nodes (hard cap 8x)
    mate: Optional[int] = None       #: look for a mate in this many moves
    infinite: bool = False           #: search until `stop`
    ponder: bool = False             #: pondering: no time limit until `ponderhit`
    searchmoves: List[str] = field(default_factory=list)  #: restrict the root moves (UCI)
    perft: Optional[int] = None      #: `go perft N` (handled by the front end, not the search)

