"""engine/bench.py: the bench searches with the evaluator the engine plays
with (the shipped net), so its node count is the signature of what plays."""
import pytest

from engine import bench
from nnue import default_net_path
from nnue.network import Network
from search.search import Searcher

DEPTH = 4


def _nodes(searcher_factory=None):
    lines = []
    nodes, _ = bench.run(DEPTH, out=lines.append, searcher_factory=searcher_factory)
    assert lines[-2] == f"Nodes searched: {nodes}"
    return nodes


def test_bench_searches_with_the_shipped_net():
    path = default_net_path()
    if path is None:
        pytest.skip("no shipped net (nets/default.nnue) in this build")
    net = Network(path)

    def with_net(hash_mb):
        s = Searcher(hash_mb)
        s.set_network(net)
        return s

    signature = _nodes()
    assert signature == _nodes(with_net) == _nodes()
    assert _nodes(Searcher) != signature          # the bootstrap evaluation searches another tree
