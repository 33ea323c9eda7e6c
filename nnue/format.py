"""The `.nnue` file format: the contract between the trainer and the engine.

All integers are little-endian.  Layout::

    offset  size  field
    0       8     magic            b"LADYANNU"
    8       4     version          uint32: 1 = raw arrays, 2 = compressed transformer,
                                   3 = compressed with mirror prediction
    12      4     arch_hash        uint32, crc32 of the architecture text below
    16      4     arch_len         uint32, length of the architecture text
    20      n     arch             ASCII, e.g. "HalfKP(40960)->256x2->1 CReLU[0,255] QA=255 QB=1024 scale=400"
                                   (SCReLU: "... SCReLU[0,255]^2>>8 QA=...")
    ..      4     feature_set      uint32, 1 = HalfKP
    ..      4     n_features       uint32, 40960 for HalfKP
    ..      4     hidden           uint32, accumulator width per perspective (multiple of 32)
    ..      4     activation       uint32, 0 = clipped ReLU to [0, QA], 1 = squared clipped ReLU
    ..      4     QA               int32, transformer scale (activation ceiling)
    ..      4     QB               int32, output-weight scale
    ..      4     scale            int32, centipawns per unit of float output
    ..      2*F*H ft_weights       int16[n_features][hidden], one row per feature
                                   (versions 2 and 3: uint32 length, then that many
                                   bytes of packed ft_weights, see below)
    ..      2*H   ft_bias          int16[hidden]
    ..      4*H   out_weights      int16[2*hidden], side to move's half first
    ..      4     out_bias         int32
    ..      4     checksum         uint32, crc32 of every byte before it

Version 2 packs ft_weights, 99% of a version-1 file, as the xz (LZMA)
compression of a reversible transform: the 64 king-square blocks of 640
rows become differences from the previous block (block 0 stays as it is;
int16 arithmetic wraps, so the inverse is an exact running sum), and the
int16 values are split into a plane of low bytes followed by a plane of
high bytes.  The trainer's king-independent factorizer makes the rows of a
piece-square feature alike across king squares, so the differences are
small or zero, the high-byte plane is nearly constant, and a 21 MB net
shrinks several times.  The checksum covers the packed bytes as stored.

Version 3 is version 2 with a second predictor, for king-bucketed nets whose
right half (king on files e-h) mirrors the left (training/buckets.py): 64
bytes, one per king block, say what block k is the difference from -- 0:
the previous block (as in version 2), 1: block k^7 (the same square
mirrored a<->h, so k is on files e-h and k^7 comes earlier) with its rows
mirrored too (piece kind kept, square ^ 7) -- then the xz of the byte planes
as above.  For such a net the mirrored half packs to nothing; the writer
picks per block the predictor that leaves fewer non-zero values, and writes
version 2 when no block is better predicted by its mirror.

Semantics (float model, as the trainer fits it)::

    a_c  = B + sum(A[f] for f in active_features(c))        c = stm, nstm
    h    = clip([a_stm || a_nstm], 0, 1)
    eval = (C . h + d) * scale                              centipawns, side to move

Quantized: A, B -> round(x * QA) int16; C -> round(x * QB) int16;
d -> round(x * QA * QB) int32; integer eval = (C_q . clip(a_q, 0, QA) + d_q) * scale // (QA * QB).

Squared clipped ReLU (activation 1, SCReLU): h = clip(a, 0, 1)^2.  Squared,
an activation of QA = 255 would need 16 unsigned bits (65025) and the dot
product with C_q would leave int32 (the QA^2 * QB range the design notes
warn about), so the engine keeps 8 bits of the square, exactly as SIMD
computes it (mulhi_epu16(v << 8, v)):

    v = clip(a_q, 0, QA);  s = (v * v) >> 8            0 <= s <= 254, ~ h * QA^2 / 256
    eval = (C_q . s + d_q) * scale * 256 // (QA^2 * QB),  d_q = round(d * QA^2 * QB / 256)

s has the range of a CReLU activation, so the bounds below hold unchanged;
QA <= 255 is required (v << 8 must fit 16 bits).  The truncation costs at
most one step of 256/QA^2 per neuron, the same 8-bit resolution as CReLU.

Why nothing overflows (QA = 255, QB = 1024): the exporter refuses nets with
|B_q| + 30 * max|A_q| > 32767, so an accumulator (bias plus at most 30
rows) stays inside int16 (the trainer clips |A|, |P| <= 1.98 and |B| <= 4
to guarantee it); |C_q| <= 2048 (float |C| <= 2) bounds each product
h * C_q by 255 * 2048 < 2^19 and the 512-term dot product by 2^28, inside
int32, and _mm256_madd_epi16 forms the products in 32 bits.

Why these scales: QA = 255 uses the whole int16 headroom of the clipped
activations; QB = 1024 makes an output weight's rounding step 1/2048, so
the rounding errors of 512 weights move an evaluation by about 2 cp (with
QB = 64 it was ~35 cp on trained nets).
"""
from __future__ import annotations

import lzma
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from nnue.features import HALFKP_FEATURES, MAX_ACTIVE_FEATURES, PIECE_KINDS  # noqa: F401 (re-exported)

MAGIC = b"LADYANNU"
VERSION = 1              # raw arrays
VERSION_PACKED = 2       # ft_weights packed (see above)
VERSION_MIRRORED = 3     # packed, with the mirror predictor (see above)
PACKED_VERSIONS = (VERSION_PACKED, VERSION_MIRRORED)
PREDICT_PREVIOUS, PREDICT_MIRROR = 0, 1
KING_BLOCKS = 64
FEATURE_SET_HALFKP = 1
ACTIVATION_CRELU = 0
ACTIVATION_SCRELU = 1
ACTIVATIONS = {"crelu": ACTIVATION_CRELU, "screlu": ACTIVATION_SCRELU}
SCRELU_SHIFT = 8         # s = (v * v) >> 8
QA = 255
QB = 1024
SCALE = 400
OUT_WEIGHT_LIMIT = 2048  # |C_q| bound that keeps the dot product far from int32 overflow


def architecture_text(hidden: int, qa: int, qb: int, scale: int,
                      activation: int = ACTIVATION_CRELU) -> str:
    act = f"CReLU[0,{qa}]" if activation == ACTIVATION_CRELU else f"SCReLU[0,{qa}]^2>>{SCRELU_SHIFT}"
    return f"HalfKP({HALFKP_FEATURES})->{hidden}x2->1 {act} QA={qa} QB={qb} scale={scale}"


def eval_rational(activation: int, qa: int, qb: int, scale: int) -> tuple[int, int]:
    """(multiplier, divisor): integer eval = floor((dot + d_q) * multiplier / divisor)."""
    if activation == ACTIVATION_SCRELU:
        return scale << SCRELU_SHIFT, qa * qa * qb
    return scale, qa * qb


def output_bias_scale(activation: int, qa: int, qb: int) -> float:
    """d_q = round(d * this): the scale of the dot product C_q . activation
    (QA * QB, or QA^2 * QB / 256 for SCReLU), read off eval_rational."""
    mul, div = eval_rational(activation, qa, qb, 1)
    return div / mul


@dataclass
class QuantizedNet:
    """The integer network exactly as stored."""
    ft_weights: np.ndarray    # int16 [n_features, hidden]
    ft_bias: np.ndarray       # int16 [hidden]
    out_weights: np.ndarray   # int16 [2 * hidden]
    out_bias: int             # int32
    qa: int = QA
    qb: int = QB
    scale: int = SCALE
    activation: int = ACTIVATION_CRELU

    @property
    def hidden(self) -> int:
        return int(self.ft_bias.shape[0])

    @property
    def description(self) -> str:
        return architecture_text(self.hidden, self.qa, self.qb, self.scale, self.activation)

    def validate(self) -> None:
        """Raise ValueError if shapes, dtypes or value ranges are wrong."""
        h = self.hidden
        if h <= 0 or h % 32 or h > 4096:
            raise ValueError(f"hidden width must be a positive multiple of 32 up to 4096, got {h}")
        if self.ft_weights.shape != (HALFKP_FEATURES, h):
            raise ValueError(f"ft_weights must have shape ({HALFKP_FEATURES}, {h}), "
                             f"got {self.ft_weights.shape}")
        if self.out_weights.shape != (2 * h,):
            raise ValueError(f"out_weights must have shape ({2 * h},), got {self.out_weights.shape}")
        for name in ("ft_weights", "ft_bias", "out_weights"):
            if getattr(self, name).dtype != np.int16:
                raise ValueError(f"{name} must be int16")
        if not (0 < self.qa <= 1023 and 0 < self.qb <= 1024 and 0 < self.scale <= 10000):
            raise ValueError(f"QA/QB/scale out of range: {self.qa}/{self.qb}/{self.scale}")
        if self.activation not in ACTIVATIONS.values():
            raise ValueError(f"unknown activation {self.activation}")
        if self.activation == ACTIVATION_SCRELU and self.qa > 255:
            raise ValueError(f"SCReLU needs QA <= 255 (v << 8 must fit 16 bits), got {self.qa}")
        worst = int(np.abs(self.ft_bias.astype(np.int32)).max(initial=0)) + \
            MAX_ACTIVE_FEATURES * int(np.abs(self.ft_weights.astype(np.int32)).max(initial=0))
        if worst > 32767:
            raise ValueError(f"transformer values could overflow int16 in the accumulator "
                             f"(|bias| + {MAX_ACTIVE_FEATURES}*|weight| = {worst} > 32767)")
        if int(np.abs(self.out_weights.astype(np.int32)).max(initial=0)) > OUT_WEIGHT_LIMIT:
            raise ValueError(f"output weights exceed +-{OUT_WEIGHT_LIMIT}")
        if not -(2 ** 31) <= int(self.out_bias) < 2 ** 31:
            raise ValueError("output bias does not fit in int32")


def _mirror_rows(block: np.ndarray) -> np.ndarray:
    """A king block [KING_BLOCK, H] with its rows for squares mirrored a<->h."""
    return block.reshape(PIECE_KINDS, 8, 8, -1)[:, :, ::-1].reshape(block.shape)


def pack_ft_weights(w: np.ndarray) -> tuple:
    """(version, packed bytes) of ft_weights (see the module docstring):
    version 3 if any block is better predicted by its mirror, else 2."""
    blocks = np.ascontiguousarray(w, dtype="<i2").reshape(KING_BLOCKS, -1, w.shape[1])
    delta = blocks.copy()
    delta[1:] = blocks[1:] - blocks[:-1]          # wraps in int16
    codes = np.full(KING_BLOCKS, PREDICT_PREVIOUS, np.uint8)
    for k in range(KING_BLOCKS):
        if k % 8 >= 4:
            mirrored = blocks[k] - _mirror_rows(blocks[k ^ 7])
            if np.count_nonzero(mirrored) < np.count_nonzero(delta[k]):
                delta[k], codes[k] = mirrored, PREDICT_MIRROR
    planes = delta.view(np.uint8).reshape(-1, 2)
    xz = lzma.compress(np.concatenate([planes[:, 0], planes[:, 1]]).tobytes(),
                       preset=6, check=lzma.CHECK_NONE)
    if not codes.any():
        return VERSION_PACKED, xz
    return VERSION_MIRRORED, codes.tobytes() + xz


def unpack_ft_weights(packed: bytes, n_features: int, hidden: int, name: str = "net",
                      version: int = VERSION_PACKED) -> np.ndarray:
    """Inverse of pack_ft_weights; ValueError if the bytes do not unpack to
    exactly n_features x hidden values (a bounded decompression: a corrupt
    or hostile payload cannot make it allocate more than that)."""
    size = 2 * n_features * hidden
    codes = np.zeros(KING_BLOCKS, np.uint8)
    if version == VERSION_MIRRORED:
        if len(packed) < KING_BLOCKS:
            raise ValueError(f"{name}: packed weights too short for their predictors")
        codes = np.frombuffer(packed[:KING_BLOCKS], np.uint8)
        packed = packed[KING_BLOCKS:]
        bad = [k for k in range(KING_BLOCKS)
               if codes[k] not in (PREDICT_PREVIOUS, PREDICT_MIRROR)
               or (codes[k] == PREDICT_MIRROR and k % 8 < 4)]
        if bad:
            raise ValueError(f"{name}: bad predictor {codes[bad[0]]} for king block {bad[0]}")
    try:
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        raw = dec.decompress(packed, max_length=size + 1)
        complete = dec.eof and not dec.unused_data
    except lzma.LZMAError as e:
        raise ValueError(f"{name}: packed weights are corrupt ({e})") from None
    if len(raw) != size or not complete:
        raise ValueError(f"{name}: packed weights unpack to {len(raw)} bytes, expected {size}")
    planes = np.frombuffer(raw, np.uint8)
    pairs = np.empty((n_features * hidden, 2), np.uint8)
    pairs[:, 0], pairs[:, 1] = planes[:size // 2], planes[size // 2:]
    delta = pairs.reshape(-1).view("<i2").reshape(KING_BLOCKS, -1, hidden)
    if not codes.any():
        return np.cumsum(delta, axis=0, dtype=np.int16).reshape(n_features, hidden)
    blocks = np.empty_like(delta)
    for k in range(KING_BLOCKS):              # int16 sums wrap, as the writer's differences
        if codes[k] == PREDICT_MIRROR:
            blocks[k] = delta[k] + _mirror_rows(blocks[k ^ 7])
        else:
            blocks[k] = delta[k] + blocks[k - 1] if k else delta[k]
    return blocks.reshape(n_features, hidden)


def write_net(path, net: QuantizedNet, packed: bool = False) -> None:
    """Write `net` to `path` (validated first; written atomically).
    packed=True writes version 2 or 3 (compressed transformer weights), the
    form nets are shipped in; the default is the plain version 1."""
    import os
    net.validate()
    arch = net.description.encode("ascii")
    version = VERSION
    if packed:
        version, blob = pack_ft_weights(net.ft_weights)
        weights = struct.pack("<I", len(blob)) + blob
    else:
        weights = net.ft_weights.astype("<i2").tobytes()
    parts = [
        MAGIC,
        struct.pack("<III", version, zlib.crc32(arch), len(arch)),
        arch,
        struct.pack("<IIIIiii", FEATURE_SET_HALFKP, HALFKP_FEATURES, net.hidden,
                    net.activation, net.qa, net.qb, net.scale),
        weights,
        net.ft_bias.astype("<i2").tobytes(),
        net.out_weights.astype("<i2").tobytes(),
        struct.pack("<i", int(net.out_bias)),
    ]
    body = b"".join(parts)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(body)
        f.write(struct.pack("<I", zlib.crc32(body)))
    os.replace(tmp, path)


def read_net(path) -> QuantizedNet:
    """Read and validate a net file; ValueError names what is wrong."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_net(data, str(path))


def parse_net(data: bytes, name: str = "net") -> QuantizedNet:
    def need(offset, size, what):
        if offset + size > len(data):
            raise ValueError(f"{name}: truncated file ({len(data)} bytes) while reading {what}")

    need(0, 8, "the magic")
    if data[:8] != MAGIC:
        raise ValueError(f"{name}: not a Ladya net (bad magic {data[:8]!r})")
    need(8, 12, "the header")
    version, arch_hash, arch_len = struct.unpack_from("<III", data, 8)
    if version not in (VERSION, *PACKED_VERSIONS):
        raise ValueError(f"{name}: unsupported version {version} "
                         f"(this engine reads {VERSION} to {VERSION_MIRRORED})")
    if arch_len > 1024:
        raise ValueError(f"{name}: architecture text too long ({arch_len})")
    need(20, arch_len, "the architecture text")
    arch = data[20:20 + arch_len]
    if zlib.crc32(arch) != arch_hash:
        raise ValueError(f"{name}: architecture hash mismatch")
    off = 20 + arch_len
    need(off, 28, "the sizes")
    feature_set, n_features, hidden, activation, qa, qb, scale = struct.unpack_from("<IIIIiii", data, off)
    off += 28
    if feature_set != FEATURE_SET_HALFKP or n_features != HALFKP_FEATURES:
        raise ValueError(f"{name}: unsupported feature set {feature_set} with {n_features} features")
    if activation not in ACTIVATIONS.values():
        raise ValueError(f"{name}: unsupported activation {activation}")
    if hidden == 0 or hidden % 32 or hidden > 4096:
        raise ValueError(f"{name}: bad hidden width {hidden}")
    try:
        expected_arch = architecture_text(hidden, qa, qb, scale, activation).encode("ascii")
    except Exception:  # pragma: no cover - ints always format
        expected_arch = b""
    if arch != expected_arch:
        raise ValueError(f"{name}: architecture text {arch!r} does not match the header sizes")
    if version in PACKED_VERSIONS:
        need(off, 4, "the packed weights' length")
        (w_len,) = struct.unpack_from("<I", data, off)
        off += 4
    else:
        w_len = 2 * n_features * hidden
    total = off + w_len + 2 * hidden + 4 * hidden + 4 + 4
    if len(data) < total:
        raise ValueError(f"{name}: truncated file ({len(data)} of {total} bytes)")
    if len(data) > total:
        raise ValueError(f"{name}: {len(data) - total} unexpected bytes after the checksum")
    (checksum,) = struct.unpack_from("<I", data, total - 4)
    if zlib.crc32(memoryview(data)[:total - 4]) != checksum:
        raise ValueError(f"{name}: checksum mismatch (corrupt file)")
    if version in PACKED_VERSIONS:
        ft_w = unpack_ft_weights(data[off:off + w_len], n_features, hidden, name, version)
    else:
        ft_w = np.frombuffer(data, "<i2", n_features * hidden, off).reshape(n_features, hidden)
    off += w_len
    ft_b = np.frombuffer(data, "<i2", hidden, off)
    off += 2 * hidden
    out_w = np.frombuffer(data, "<i2", 2 * hidden, off)
    off += 4 * hidden
    (out_b,) = struct.unpack_from("<i", data, off)
    net = QuantizedNet(ft_w.astype(np.int16), ft_b.astype(np.int16), out_w.astype(np.int16),
                       int(out_b), qa, qb, scale, activation)
    net.validate()
    return net


@dataclass
class FloatNet:
    """The float network the trainer fits; quantize() turns it into the file."""
    A: np.ndarray     # float [n_features, hidden]   transformer weights
    B: np.ndarray     # float [hidden]               transformer bias
    C: np.ndarray     # float [2 * hidden]           output weights (stm half first)
    d: float          # output bias
    activation: int = ACTIVATION_CRELU

    def quantize(self, qa: int = QA, qb: int = QB, scale: int = SCALE) -> QuantizedNet:
        """Round to the integer net; ValueError if anything would overflow."""
        net = QuantizedNet(np.round(self.A * qa).astype(np.int64).clip(-32768, 32767).astype(np.int16),
                           np.round(self.B * qa).astype(np.int64).clip(-32768, 32767).astype(np.int16),
                           np.round(self.C * qb).astype(np.int64).clip(-32768, 32767).astype(np.int16),
                           int(round(self.d * output_bias_scale(self.activation, qa, qb))),
                           qa, qb, scale, self.activation)
        if (np.abs(self.A * qa) > 32767).any() or (np.abs(self.B * qa) > 32767).any() \
                or (np.abs(self.C * qb) > 32767).any():
            raise ValueError("a weight does not fit in int16 after scaling")
        net.validate()
        return net

    @staticmethod
    def random(hidden: int = 256, seed: int = 0, scale_a: float = 0.05,
               activation: int = ACTIVATION_CRELU) -> "FloatNet":
        """A random net within the quantizable range (tests, initialisation)."""
        rng = np.random.default_rng(seed)
        return FloatNet(rng.normal(0, scale_a, (HALFKP_FEATURES, hidden)).clip(-1, 1),
                        rng.normal(0.25, 0.1, hidden).clip(-1, 1),
                        rng.normal(0, 0.3, 2 * hidden).clip(-1.9, 1.9),
                        float(rng.normal(0, 0.05)), activation)
