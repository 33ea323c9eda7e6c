"""The search: alpha-beta over the engine's board (search.pyx), move
ordering, transposition table, time management and the bootstrap evaluation."""
import logging

from search.limits import DEFAULT_HASH_MB

LOGGER = logging.getLogger(__name__)


def playing_searcher(hash_mb: int = DEFAULT_HASH_MB):
    """A Searcher with the evaluator the engine plays with: the shipped net
    (nets/default.nnue) when there is one and it loads, else the bootstrap
    (PeSTO) evaluation.  UCI play and `bench` both start from it."""
    from nnue import default_net_path
    from nnue.network import Network
    from search.search import Searcher
    s = Searcher(hash_mb=hash_mb)
    path = default_net_path()
    if path is not None:
        try:
            s.set_network(Network(path))
        except (ValueError, OSError) as exc:
            LOGGER.warning("the shipped net %s does not load (%s): bootstrap evaluation", path, exc)
    return s
