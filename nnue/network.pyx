# Network: loads a .nnue file (nnue/format.py) into 64-byte aligned memory
# (huge pages where the OS grants them: the accumulator updates read rows
# all over the weights).
from libc.string cimport memcpy, memset
from libc.stdint cimport int16_t
from engine.large_alloc cimport ly_large_alloc, ly_large_free
from nnue.features cimport KING_BLOCK

import itertools

# NumPy and nnue/format.py are imported with the first net, not with this
# module: the UCI front end answers `uci` before loading a net.

_serials = itertools.count(1)


def king_block_map(ft_weights):
    """(row_of, distinct): for each of the 64 king blocks of [40960, H]
    weights, the number of the first equal block among the distinct ones,
    and the distinct blocks' king squares in order."""
    import numpy as np
    blocks = np.ascontiguousarray(np.asarray(ft_weights, dtype=np.int16)).reshape(64, -1)
    first = {}
    row_of = []
    for k in range(64):
        row_of.append(first.setdefault(blocks[k].tobytes(), len(first)))
    return row_of, [row_of.index(r) for r in range(len(first))]


cdef class Network:
    """An integer HalfKP network ready for the engine.

    Network(path) reads and validates a file (ValueError naming the problem);
    Network.from_quantized(net) wraps a nnue.format.QuantizedNet."""

    def __cinit__(self):
        self.net.raw = NULL

    def __dealloc__(self):
        ly_large_free(self.net.raw)

    def __init__(self, path=None):
        if path is not None:
            from nnue.format import read_net
            self._load(read_net(path))
            self.path = path

    @classmethod
    def from_quantized(cls, qnet):
        cdef Network n = cls()
        qnet.validate()
        n._load(qnet)
        return n

    def _load(self, qnet):
        import numpy as np
        from nnue.format import eval_rational
        cdef int h = qnet.hidden
        # A king-bucketed net (ladya train --king-buckets) has the same rows
        # under all the king squares of a bucket, a king-free one under all
        # 64: the engine keeps each distinct block once (less memory, rows
        # that stay cached) and refreshes an accumulator only when a king
        # moves to a square of another block (nnue/accumulator.pyx row_king).
        row_of, distinct = king_block_map(qnet.ft_weights)
        cdef size_t n_w = <size_t>len(distinct) * KING_BLOCK * h
        cdef size_t total = (n_w + h + 2 * h + h) * sizeof(int16_t) + 4 * 64
        cdef char* raw = <char*>ly_large_alloc(total)
        cdef char* p
        cdef const int16_t[:, ::1] w = np.ascontiguousarray(
            np.asarray(qnet.ft_weights, dtype=np.int16).reshape(64, -1)[distinct])
        cdef const int16_t[::1] b = np.ascontiguousarray(qnet.ft_bias, dtype=np.int16)
        cdef const int16_t[::1] o = np.ascontiguousarray(qnet.out_weights, dtype=np.int16)
        if raw == NULL:
            raise MemoryError("cannot allocate the network")
        ly_large_free(self.net.raw)
        self.net.raw = raw
        p = raw
        self.net.ft_w = <int16_t*>p
        memcpy(p, &w[0, 0], n_w * sizeof(int16_t))
        p += (n_w * sizeof(int16_t) + 63) & ~63
        self.net.ft_b = <int16_t*>p
        memcpy(p, &b[0], h * sizeof(int16_t))
        p += (h * sizeof(int16_t) + 63) & ~63
        self.net.out_w = <int16_t*>p
        memcpy(p, &o[0], 2 * h * sizeof(int16_t))
        p += (2 * h * sizeof(int16_t) + 63) & ~63
        self.net.zero_row = <int16_t*>p
        memset(p, 0, h * sizeof(int16_t))
        self.net.out_b = qnet.out_bias
        self.net.hidden = h
        self.net.qa = qnet.qa
        self.net.qb = qnet.qb
        self.net.scale = qnet.scale
        self.net.activation = qnet.activation
        self.net.out_mul, self.net.out_div = eval_rational(qnet.activation, qnet.qa, qnet.qb, qnet.scale)
        for k in range(64):
            self.net.king_row[k] = row_of[k]
        self.net.king_blocks = len(distinct)
        self.net.king_free = len(distinct) == 1
        self.net.serial = next(_serials)
        self.description = qnet.description

    @property
    def hidden(self):
        return self.net.hidden

    @property
    def activation(self):
        """'crelu' or 'screlu'."""
        return "screlu" if self.net.activation else "crelu"

    @property
    def king_blocks(self):
        """Distinct king-square blocks of feature rows (1 to 64)."""
        return self.net.king_blocks

    @property
    def king_block_of(self):
        """For each king square (from the perspective's own side), the
        number of its distinct block: equal numbers, equal rows."""
        return tuple(self.net.king_row[k] for k in range(64))

    @property
    def king_free(self):
        """True if the feature rows do not depend on the king square."""
        return bool(self.net.king_free)

    def __repr__(self):
        return f"Network({self.path!r}: {self.description})"
