"""Self-play speed on Ray against the local worker processes, at the same worker count.

    python benchmarks/ray_datagen.py                        # 2 workers, 24 games at --nodes 5000
    python benchmarks/ray_datagen.py --workers 4 --games 48 --nodes 2000
    python benchmarks/ray_datagen.py --address HOST:PORT    # a real cluster instead of the test one

The same configuration (seed, games, node limit, workers) runs, each time
into a fresh directory:

1. local: `training.datagen.run` with `--workers` processes, the reference;
2. Ray on one node: Ray's local test cluster (ray.cluster_utils.Cluster)
   with one node of `--workers` CPUs, one actor per CPU;
3. Ray on two nodes: the same CPUs split over two nodes of the test
   cluster (shows what spreading over nodes costs: no network here).

With --address, 2 and 3 give way to the cluster at ADDRESS with `--workers`
actors.  Each figure is positions/s over the run (the start of the worker
processes or of the actors included; not the start of the test cluster,
whose nodes start Ray's worker processes before any actor asks for one)
and positions per CPU second of a worker, each with its ratio to the local
run measured here.  Actor k plays worker k's random stream, but the driver hands
games to whichever actor is free, so the runs play similar, not identical,
games.  The machine may be shared: the load average is printed with the figures.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a source checkout without installing

from training import datagen as G  # noqa: E402


def on_test_cluster(cfg: G.DatagenConfig, cpus_per_node) -> dict:
    """Run `cfg` on a fresh local test cluster with one node per entry of
    `cpus_per_node`; the cluster is shut down afterwards."""
    import ray
    from ray.cluster_utils import Cluster
    # the nodes' worker processes import this checkout, as this process does
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cluster = Cluster(initialize_head=True,
                      head_node_args={"num_cpus": cpus_per_node[0], "include_dashboard": False})
    try:
        for cpus in cpus_per_node[1:]:
            cluster.add_node(num_cpus=cpus)
        cluster.wait_for_nodes()
        cfg.ray = cluster.address
        return G.run(cfg)
    finally:
        ray.shutdown()
        cluster.shutdown()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--games", type=int, default=24)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--address", default=None,
                    help="a running Ray cluster to measure instead of the test cluster")
    args = ap.parse_args(argv)
    w = args.workers
    runs = [("local processes", None)]
    if args.address:
        runs.append((f"Ray at {args.address}", args.address))
    else:
        runs.append((f"Ray, 1 node x {w} CPUs", [w]))
        if w >= 2:
            runs.append((f"Ray, 2 nodes ({(w + 1) // 2} + {w // 2} CPUs)", [(w + 1) // 2, w // 2]))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, where) in enumerate(runs):
            cfg = G.DatagenConfig(out=str(Path(tmp) / str(i)), positions=None, games=args.games,
                                  nodes=args.nodes, workers=w, seed=args.seed, progress=False)
            if isinstance(where, str):
                cfg.ray = where
                summary = G.run(cfg)
            elif where is not None:
                summary = on_test_cluster(cfg, where)
            else:
                summary = G.run(cfg)
            results.append((label, summary))

    print(f"datagen, {args.games} games at --nodes {args.nodes}, seed {args.seed}, {w} workers "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    ref = results[0][1]
    for label, s in results:
        lost = f", {s['actors_lost']} actors lost" if s.get("actors_lost") else ""
        print(f"  {label:<28} {s['positions']:7d} positions in {s['seconds']:7.1f} s: "
              f"{s['positions_per_second']:8.1f} positions/s "
              f"({s['positions_per_second'] / ref['positions_per_second']:.2f}x), "
              f"{s['positions_per_cpu_second']:8.1f} per CPU second "
              f"({s['positions_per_cpu_second'] / ref['positions_per_cpu_second']:.2f}x){lost}")


if __name__ == "__main__":
    main()
