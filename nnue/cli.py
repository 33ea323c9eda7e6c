"""`ladya net`: look inside a net file, and change its evaluation scale.

    ladya net info nets/default.nnue
    ladya net rescale gen-006.nnue gen-007.nnue --scale 300
    ladya net rescale gen-006.nnue tuned.nnue --percent 92     # an SPSA EVAL_SCALE

The scale field (nnue/format.py) is the centipawns per unit of the net's float
output: every evaluation is proportional to it, while the search's margins
are fixed centipawns, so a net can play better at another scale with the same
weights (gen-006 was gen-005 at 0.85x, nets/HISTORY.md).  `rescale` changes
only that field; `ladya tune` finds a value as EVAL_SCALE (search/tunables.py).
"""
from __future__ import annotations

import hashlib
import logging
import os
import struct
import sys

log = logging.getLogger(__name__)


def add_parsers(sub) -> None:
    n = sub.add_parser("net", help="inspect a net file, or change its evaluation scale",
                       description="Inspect .nnue net files, or write a copy with another "
                                   "evaluation scale (the same weights).")
    nsub = n.add_subparsers(dest="net_command", required=True)
    i = nsub.add_parser("info", help="architecture, scale, king blocks, size and sha256")
    i.add_argument("nets", nargs="+", help=".nnue files")
    i.set_defaults(func=info_command)
    r = nsub.add_parser("rescale", help="write a copy whose evaluations are scaled",
                        description="Write OUT: IN's weights with another scale field, so every "
                                    "evaluation is IN's times new/old (rounded to the integer "
                                    "scale). OUT is written packed (the shipped form), atomically.")
    r.add_argument("input", metavar="IN")
    r.add_argument("output", metavar="OUT")
    how = r.add_mutually_exclusive_group(required=True)
    how.add_argument("--scale", type=int, help="the new scale field (centipawns per unit of output)")
    how.add_argument("--percent", type=float,
                     help="the new scale as a percent of IN's (e.g. a tuned EVAL_SCALE)")
    r.set_defaults(func=rescale_command)


def describe(path) -> dict:
    """What `net info` prints for one file (ValueError if it is not a valid net)."""
    from nnue.format import read_net
    from nnue.network import king_block_map
    with open(path, "rb") as f:
        data = f.read()
    net = read_net(path)
    _, distinct = king_block_map(net.ft_weights)
    return {
        "file": str(path),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "version": struct.unpack_from("<I", data, 8)[0],
        "architecture": net.description,
        "scale": net.scale,
        "king_blocks": len(distinct),
    }


def rescaled_scale(old: int, scale=None, percent=None) -> int:
    """The new scale field: `scale` itself, or `percent` of `old` rounded."""
    new = scale if scale is not None else int(round(old * percent / 100.0))
    if not 0 < new <= 10000:
        raise ValueError(f"the new scale {new} is outside 1..10000")
    return new


def info_command(args) -> int:
    status = 0
    for path in args.nets:
        try:
            d = describe(path)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 2
            continue
        kings = "king-free" if d["king_blocks"] == 1 else f"{d['king_blocks']} distinct king blocks"
        print(f"{d['file']}: {d['architecture']}; {kings}; format version {d['version']}; "
              f"{d['bytes']:,} bytes; sha256 {d['sha256']}")
    return status


def rescale_command(args) -> int:
    from nnue.format import read_net, write_net
    try:
        net = read_net(args.input)
        old = net.scale
        net.scale = rescaled_scale(old, args.scale, args.percent)
        if os.path.abspath(args.output) == os.path.abspath(args.input):
            raise ValueError("OUT must not be IN: write a new file and keep the original")
        write_net(args.output, net, packed=True)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.info("%s: scale %d -> %d (evaluations x%.4f)", args.output, old, net.scale, net.scale / old)
    return 0
