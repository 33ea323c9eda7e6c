"""NNUE: HalfKP features, the net file format, accumulators and SIMD kernels."""
from pathlib import Path

DEFAULT_NET_NAME = "default.nnue"


def default_net_path():
    """Path of the net shipped in the `nets` package, or None if there is none."""
    try:
        import nets
    except ImportError:  # pragma: no cover
        return None
    path = Path(nets.__file__).resolve().parent / DEFAULT_NET_NAME
    return path if path.is_file() else None
