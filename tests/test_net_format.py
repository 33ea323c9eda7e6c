"""The .nnue file format (nnue/format.py): round trip and refusal of bad files.

Every corrupted file must be refused with ValueError, by the numpy reader
and by Network(path), never read as a net and never crash the process.
Header patches recompute the checksum (and the architecture hash where
needed) so that only the check under test can catch them.
"""
import functools
import random
import struct
import zlib

import numpy as np
import pytest

from nnue.format import (ACTIVATION_SCRELU, HALFKP_FEATURES, MAGIC, MAX_ACTIVE_FEATURES, OUT_WEIGHT_LIMIT,
                         FloatNet, QuantizedNet, architecture_text, parse_net, read_net, write_net)
from nnue.network import Network

HIDDEN = 32   # the smallest width keeps the files small (2.6 MB)


@functools.lru_cache(maxsize=None)
def net_bytes(hidden=HIDDEN, seed=5):
    """(QuantizedNet, bytes of its file)."""
    import tempfile
    from pathlib import Path
    qnet = FloatNet.random(hidden, seed).quantize()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "net.nnue"
        write_net(path, qnet)
        return qnet, path.read_bytes()


def arch_offset(data):
    (arch_len,) = struct.unpack_from("<I", data, 16)
    return 20 + arch_len   # the seven size fields start here


def with_checksum(body):
    """`body` (a file without its last 4 bytes) with a valid checksum."""
    return bytes(body) + struct.pack("<I", zlib.crc32(body))


def refused(data, tmp_path, match=None):
    """Both readers refuse `data` with ValueError (matching `match`)."""
    with pytest.raises(ValueError, match=match):
        parse_net(data)
    path = tmp_path / "bad.nnue"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=match):
        Network(path)


def assert_same_net(a, b):
    assert np.array_equal(a.ft_weights, b.ft_weights) and a.ft_weights.dtype == b.ft_weights.dtype
    assert np.array_equal(a.ft_bias, b.ft_bias) and a.ft_bias.dtype == b.ft_bias.dtype
    assert np.array_equal(a.out_weights, b.out_weights) and a.out_weights.dtype == b.out_weights.dtype
    assert (a.out_bias, a.qa, a.qb, a.scale, a.activation) == \
        (b.out_bias, b.qa, b.qb, b.scale, b.activation)


# --- round trip ------------------------------------------------------------------

@pytest.mark.parametrize("hidden, seed", [(32, 1), (256, 2)])
def test_round_trip(tmp_path, hidden, seed):
    qnet = FloatNet.random(hidden, seed).quantize()
    path = tmp_path / "net.nnue"
    write_net(path, qnet)
    assert_same_net(read_net(path), qnet)
    # Layout as documented: header, arch text, sizes, then the arrays.
    data = path.read_bytes()
    arch = architecture_text(hidden, qnet.qa, qnet.qb, qnet.scale).encode()
    assert data[:8] == MAGIC
    assert struct.unpack_from("<III", data, 8) == (1, zlib.crc32(arch), len(arch))
    assert data[20:20 + len(arch)] == arch
    assert len(data) == 20 + len(arch) + 28 + 2 * HALFKP_FEATURES * hidden + 6 * hidden + 8
    net = Network(path)
    assert net.hidden == hidden and net.description == arch.decode()
    assert list(tmp_path.iterdir()) == [path]   # no temporary file left behind


@pytest.mark.parametrize("packed", [False, True])
def test_screlu_round_trip(tmp_path, packed):
    """The activation travels in the header and the architecture text; a
    CReLU file relabelled SCReLU (field only) is refused by the text check."""
    qnet = FloatNet.random(64, 3, activation=ACTIVATION_SCRELU).quantize()
    assert qnet.activation == ACTIVATION_SCRELU
    path = tmp_path / "net.nnue"
    write_net(path, qnet, packed=packed)
    back = read_net(path)
    assert_same_net(back, qnet)
    assert "SCReLU[0,255]^2>>8" in back.description
    assert Network(path).activation == "screlu"
    _, data = net_bytes()
    body = bytearray(data[:-4])
    struct.pack_into("<I", body, arch_offset(data) + 12, ACTIVATION_SCRELU)
    refused(with_checksum(body), tmp_path, "architecture text")


def test_round_trip_preserves_extreme_values(tmp_path):
    """The largest values validate() allows survive the round trip."""
    qnet, _ = net_bytes()
    b = qnet.ft_bias.copy()
    b[0], b[1] = 200, -200
    limit = (32767 - 200) // MAX_ACTIVE_FEATURES
    w = qnet.ft_weights.copy()
    w[0, 0], w[-1, -1] = limit, -limit
    o = qnet.out_weights.copy()
    o[0], o[-1] = OUT_WEIGHT_LIMIT, -OUT_WEIGHT_LIMIT
    extreme = QuantizedNet(w, b, o, -(2 ** 31), qnet.qa, qnet.qb, qnet.scale)
    write_net(tmp_path / "x.nnue", extreme)
    assert_same_net(read_net(tmp_path / "x.nnue"), extreme)


# --- version 2: packed transformer weights ----------------------------------------

@functools.lru_cache(maxsize=None)
def factorized_net(hidden=HIDDEN, seed=3):
    """A net shaped like a trained one: every row is a king-independent
    piece-square row plus a king-specific part that is zero for most king
    squares (the ones the training data never saw)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(-60, 60, (640, hidden))
    w = np.tile(base, (64, 1))
    seen = rng.random(64 * 640) < 0.3
    w[seen] += rng.integers(-3, 4, (int(seen.sum()), hidden))
    return QuantizedNet(w.astype(np.int16), rng.integers(-100, 100, hidden).astype(np.int16),
                        rng.integers(-1000, 1000, 2 * hidden).astype(np.int16), -12345)


@functools.lru_cache(maxsize=None)
def packed_bytes(hidden=HIDDEN, seed=3):
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "net.nnue"
        write_net(path, factorized_net(hidden, seed), packed=True)
        return path.read_bytes()


def test_packed_round_trip_is_exact_and_smaller(tmp_path):
    qnet = factorized_net()
    data = packed_bytes()
    assert struct.unpack_from("<I", data, 8)[0] == 2
    assert_same_net(parse_net(data), qnet)
    write_net(tmp_path / "raw.nnue", qnet)
    raw = (tmp_path / "raw.nnue").stat().st_size
    assert len(data) < raw / 3
    path = tmp_path / "packed.nnue"
    path.write_bytes(data)
    engine = Network(path)
    assert engine.hidden == HIDDEN
    # Both versions of the same net evaluate alike in the engine.
    from engine.position import Position
    from nnue.accumulator import evaluate
    raw_engine = Network(tmp_path / "raw.nnue")
    for fen in ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1",
                "r1bq1rk1/ppp2ppp/2n2n2/3pp3/1b1PP3/2N2N2/PPP1BPPP/R1BQ1RK1 w - - 0 7"):
        assert evaluate(engine, Position(fen)) == evaluate(raw_engine, Position(fen))


def test_packed_round_trip_of_extreme_and_random_values(tmp_path):
    """Wrapping int16 differences invert exactly, whatever the values."""
    rng = np.random.default_rng(9)
    limit = (32767 - 200) // MAX_ACTIVE_FEATURES
    w = rng.integers(-limit, limit + 1, (HALFKP_FEATURES, HIDDEN)).astype(np.int16)
    w[0, 0], w[640, 0], w[-1, -1] = limit, -limit, limit
    qnet = QuantizedNet(w, np.full(HIDDEN, 200, np.int16), np.zeros(2 * HIDDEN, np.int16), 7)
    write_net(tmp_path / "x.nnue", qnet, packed=True)
    assert_same_net(read_net(tmp_path / "x.nnue"), qnet)


def test_packed_truncated_and_flipped_files_are_refused(tmp_path):
    data = packed_bytes()
    for n in sorted({len(data) * k // 40 for k in range(40)} | {len(data) - 1, 70, 100}):
        with pytest.raises(ValueError):
            parse_net(data[:n])
    rng = random.Random(3)
    for i in range(40):
        bad = bytearray(data)
        bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
        if i % 10:
            with pytest.raises(ValueError):
                parse_net(bytes(bad))
        else:
            refused(bytes(bad), tmp_path)


def packed_with_payload(data, payload):
    """A version-2 file whose packed weights are replaced (checksum fixed)."""
    off = arch_offset(data) + 28
    (n,) = struct.unpack_from("<I", data, off)
    body = data[:off] + struct.pack("<I", len(payload)) + payload + data[off + 4 + n:-4]
    return with_checksum(body)


def test_packed_payload_errors_are_named(tmp_path):
    """With a valid checksum, only the unpacking itself can tell."""
    import lzma
    data = packed_bytes()
    refused(packed_with_payload(data, b"not xz at all"), tmp_path, "packed weights")
    short = lzma.compress(b"\0" * (2 * HALFKP_FEATURES * HIDDEN - 2), check=lzma.CHECK_NONE)
    refused(packed_with_payload(data, short), tmp_path, "expected")
    long = lzma.compress(b"\0" * (2 * HALFKP_FEATURES * HIDDEN + 2), check=lzma.CHECK_NONE)
    refused(packed_with_payload(data, long), tmp_path, "expected")
    off = arch_offset(data) + 28
    (n,) = struct.unpack_from("<I", data, off)
    good = data[off + 4:off + 4 + n]
    refused(packed_with_payload(data, good + b"\0"), tmp_path, "packed weights")
    refused(packed_with_payload(data, good[:-5]), tmp_path, "packed weights")
    assert_same_net(parse_net(packed_with_payload(data, good)), factorized_net())


@functools.lru_cache(maxsize=None)
def mirrored_net():
    """A king-bucketed net whose right half mirrors the left (training/buckets.py)."""
    from training.buckets import layout
    fnet = FloatNet.random(HIDDEN, 12)
    buckets = layout("mirror4")
    fnet.A = buckets.expand(fnet.A[:buckets.rows])
    return fnet.quantize()


@pytest.mark.slow
def test_mirrored_nets_pack_as_version_3_exactly_and_smaller(tmp_path):
    """Version 3 predicts the blocks of files e-h from their mirrors: exact,
    and smaller than version 2's differences from the previous block; a net
    with nothing to gain from it is still written as version 2, byte for
    byte as before (the shipped net re-packs to its own file)."""
    from pathlib import Path
    from nnue.format import pack_ft_weights
    qnet = mirrored_net()
    write_net(tmp_path / "m.nnue", qnet, packed=True)
    data = (tmp_path / "m.nnue").read_bytes()
    assert struct.unpack_from("<I", data, 8)[0] == 3
    assert_same_net(parse_net(data), qnet)
    blocks = qnet.ft_weights.reshape(64, -1)
    delta = blocks.copy()
    delta[1:] = blocks[1:] - blocks[:-1]
    import lzma
    planes = delta.astype("<i2").view(np.uint8).reshape(-1, 2)
    v2 = len(lzma.compress(np.concatenate([planes[:, 0], planes[:, 1]]).tobytes(), preset=6,
                           check=lzma.CHECK_NONE))
    assert len(data) < 0.7 * v2
    assert Network(tmp_path / "m.nnue").king_blocks == 8
    assert pack_ft_weights(factorized_net().ft_weights)[0] == 2
    shipped = Path(__file__).resolve().parents[1] / "nets" / "default.nnue"
    write_net(tmp_path / "s.nnue", read_net(shipped), packed=True)
    assert (tmp_path / "s.nnue").read_bytes() == shipped.read_bytes()


def test_version_3_predictors_are_checked(tmp_path):
    import lzma
    write_net(tmp_path / "m.nnue", mirrored_net(), packed=True)
    data = (tmp_path / "m.nnue").read_bytes()
    off = arch_offset(data) + 28
    (n,) = struct.unpack_from("<I", data, off)
    payload = data[off + 4:off + 4 + n]
    codes, xz = bytearray(payload[:64]), payload[64:]
    assert set(codes) == {0, 1} and all(k % 8 >= 4 for k in range(64) if codes[k])
    for k, value in ((3, 1), (60, 2)):            # a mirror on the left half; no such predictor
        bad = bytearray(codes)
        bad[k] = value
        refused(packed_with_payload(data, bytes(bad) + xz), tmp_path, f"king block {k}")
    refused(packed_with_payload(data, bytes(codes[:40])), tmp_path, "predictors")
    refused(packed_with_payload(data, bytes(codes) + lzma.compress(b"\0" * 10)), tmp_path, "expected")


# --- corrupted files -------------------------------------------------------------

def test_truncated_files_are_refused(tmp_path):
    _, data = net_bytes()
    offsets = sorted(set(range(100)) | {len(data) * k // 50 for k in range(50)}
                     | {len(data) - 1, len(data) - 4})
    for n in offsets:
        with pytest.raises(ValueError):
            parse_net(data[:n])
    for n in offsets[::10]:   # the same through the engine's loader
        refused(data[:n], tmp_path)


def test_flipped_bytes_are_refused(tmp_path):
    _, data = net_bytes()
    rng = random.Random(7)
    offsets = [rng.randrange(len(data)) for _ in range(60)] + list(range(0, 80, 3)) + \
        [len(data) - k for k in range(1, 9)]
    for i, off in enumerate(offsets):
        bad = bytearray(data)
        bad[off] ^= 1 << rng.randrange(8)
        if i % 8:
            with pytest.raises(ValueError):
                parse_net(bytes(bad))
        else:
            refused(bytes(bad), tmp_path)


def test_checksum_catches_a_flip_in_the_weights(tmp_path):
    _, data = net_bytes()
    bad = bytearray(data)
    bad[len(data) // 2] ^= 0x10
    refused(bytes(bad), tmp_path, "checksum")


def test_wrong_magic(tmp_path):
    _, data = net_bytes()
    refused(with_checksum(b"LADYANNV" + data[8:-4]), tmp_path, "magic")
    refused(b"", tmp_path, "truncated")


@pytest.mark.parametrize("version", [0, 4, 0xFFFFFFFF])
def test_wrong_version(tmp_path, version):
    _, data = net_bytes()
    body = bytearray(data[:-4])
    struct.pack_into("<I", body, 8, version)
    refused(with_checksum(body), tmp_path, "version")


def patched_sizes(data, **fields):
    """The file with some of the seven size fields changed, its architecture
    text rewritten to agree (hash and length too) and the checksum fixed, so
    that only the size checks can notice."""
    names = ("feature_set", "n_features", "hidden", "activation", "qa", "qb", "scale")
    off = arch_offset(data)
    values = dict(zip(names, struct.unpack_from("<IIIIiii", data, off)))
    values.update(fields)
    arch = architecture_text(values["hidden"], values["qa"], values["qb"], values["scale"],
                             values["activation"]).encode()
    body = (MAGIC + struct.pack("<III", 1, zlib.crc32(arch), len(arch)) + arch
            + struct.pack("<IIIIiii", *(values[n] for n in names)) + data[off + 28:-4])
    return with_checksum(body)


def test_patch_helper_keeps_a_good_file_good():
    qnet, data = net_bytes()
    assert patched_sizes(data) == data
    assert_same_net(parse_net(patched_sizes(data)), qnet)


@pytest.mark.parametrize("fields, match", [
    ({"hidden": 64}, "truncated"),               # claims more data than there is
    ({"hidden": 2 * HIDDEN + 32}, "truncated"),
    ({"hidden": 0}, "hidden"),
    ({"hidden": 48}, "hidden"),                  # not a multiple of 32
    ({"hidden": 8192}, "hidden"),
    ({"n_features": 40961}, "feature set"),
    ({"feature_set": 2}, "feature set"),
    ({"activation": 2}, "activation"),
    ({"activation": 1, "qa": 256}, "SCReLU needs QA"),
    ({"qa": 0}, "QA"),
    ({"qb": -64}, "QA"),
    ({"scale": 0}, "QA"),
])
def test_wrong_sizes_in_header(tmp_path, fields, match):
    _, data = net_bytes()
    refused(patched_sizes(data, **fields), tmp_path, match)


def test_sizes_smaller_than_the_data(tmp_path):
    """A 64-wide file relabelled 32 wide: the header is consistent, the
    checksum valid, only the length can tell."""
    _, data = net_bytes(64, 6)
    refused(patched_sizes(data, hidden=32), tmp_path, "unexpected bytes")


def test_architecture_text_mismatch(tmp_path):
    _, data = net_bytes()
    off = arch_offset(data)
    for arch in (architecture_text(64, 255, 64, 400), architecture_text(HIDDEN, 127, 64, 400),
                 architecture_text(HIDDEN, 255, 64, 400).replace("HalfKP", "HalfKA")):
        arch = arch.encode()
        body = (MAGIC + struct.pack("<III", 1, zlib.crc32(arch), len(arch)) + arch + data[off:-4])
        refused(with_checksum(body), tmp_path, "architecture text")
    # The hash field must match the text.
    body = bytearray(data[:-4])
    struct.pack_into("<I", body, 12, struct.unpack_from("<I", body, 12)[0] ^ 1)
    refused(with_checksum(body), tmp_path, "hash")
    body = bytearray(data[:-4])
    struct.pack_into("<I", body, 16, 5000)
    refused(with_checksum(body), tmp_path, "too long")


def test_extra_trailing_bytes(tmp_path):
    _, data = net_bytes()
    refused(data + b"\0", tmp_path, "unexpected bytes")
    refused(data + data[-4:], tmp_path, "unexpected bytes")
    refused(with_checksum(data), tmp_path)   # a second, valid-looking checksum


def patched_weight(data, hidden, index, value, where="ft_weights"):
    """The file with one int16 replaced (checksum fixed)."""
    off = arch_offset(data) + 28
    if where in ("ft_bias", "out_weights"):
        off += 2 * HALFKP_FEATURES * hidden
    if where == "out_weights":
        off += 2 * hidden
    body = bytearray(data[:-4])
    struct.pack_into("<h", body, off + 2 * index, value)
    return with_checksum(body)


def test_values_out_of_range_are_refused(tmp_path):
    qnet, data = net_bytes()
    bias = int(np.abs(qnet.ft_bias.astype(int)).max())
    worst_ok = (32767 - bias) // MAX_ACTIVE_FEATURES
    # A transformer weight so large that 30 of them could overflow int16.
    refused(patched_weight(data, HIDDEN, 7, worst_ok + 1), tmp_path, "overflow")
    refused(patched_weight(data, HIDDEN, 7, -(worst_ok + 1)), tmp_path, "overflow")
    refused(patched_weight(data, HIDDEN, 0, 32767 - 30, "ft_bias"), tmp_path, "overflow")
    refused(patched_weight(data, HIDDEN, 3, OUT_WEIGHT_LIMIT + 1, "out_weights"), tmp_path,
            "output weights")
    refused(patched_weight(data, HIDDEN, 3, -OUT_WEIGHT_LIMIT - 1, "out_weights"), tmp_path,
            "output weights")
    # The limits themselves are accepted when the bias leaves room.
    w = qnet.ft_weights.copy()
    w[7, 0] = worst_ok
    QuantizedNet(w, qnet.ft_bias, qnet.out_weights, qnet.out_bias).validate()


def test_validate_and_write_refuse_bad_nets(tmp_path):
    qnet, _ = net_bytes()
    w = qnet.ft_weights.copy()
    w[100, 5] = 2000                      # 30 * 2000 > 32767
    o = qnet.out_weights.copy()
    o[0] = OUT_WEIGHT_LIMIT + 1
    bad = [
        QuantizedNet(w, qnet.ft_bias, qnet.out_weights, qnet.out_bias),
        QuantizedNet(qnet.ft_weights, qnet.ft_bias, o, qnet.out_bias),
        QuantizedNet(qnet.ft_weights, qnet.ft_bias, qnet.out_weights, 2 ** 31),
        QuantizedNet(qnet.ft_weights.astype(np.int32), qnet.ft_bias, qnet.out_weights, 0),
        QuantizedNet(qnet.ft_weights[:-1], qnet.ft_bias, qnet.out_weights, 0),
        QuantizedNet(qnet.ft_weights, qnet.ft_bias, qnet.out_weights[:-2], 0),
        QuantizedNet(qnet.ft_weights[:, :16], qnet.ft_bias[:16], qnet.out_weights[:32], 0),
        QuantizedNet(qnet.ft_weights, qnet.ft_bias, qnet.out_weights, 0, qa=0),
    ]
    for net in bad:
        with pytest.raises(ValueError):
            net.validate()
        with pytest.raises(ValueError):
            write_net(tmp_path / "bad.nnue", net)
        with pytest.raises(ValueError):
            Network.from_quantized(net)
    assert list(tmp_path.iterdir()) == []


def test_quantize_refuses_values_that_do_not_fit():
    good = FloatNet.random(32, 9)
    good.quantize()
    cases = []
    a = good.A.copy()
    a[3, 3] = 200.0                     # 200 * 255 does not fit in int16
    cases.append(FloatNet(a, good.B, good.C, good.d))
    a = good.A.copy()
    a[3, 3] = 5.0                       # fits in int16, but 30 * 1275 overflows an accumulator
    cases.append(FloatNet(a, good.B, good.C, good.d))
    b = good.B.copy()
    b[0] = -130.0
    cases.append(FloatNet(good.A, b, good.C, good.d))
    c = good.C.copy()
    c[1] = 2.01                         # 2.01 * QB > OUT_WEIGHT_LIMIT
    cases.append(FloatNet(good.A, good.B, c, good.d))
    c = good.C.copy()
    c[1] = -600.0
    cases.append(FloatNet(good.A, good.B, c, good.d))
    cases.append(FloatNet(good.A, good.B, good.C, 1e4))   # output bias beyond int32 (1e4 * QA * QB)
    for net in cases:
        with pytest.raises(ValueError):
            net.quantize()


def test_missing_file():
    with pytest.raises(OSError):
        Network("/nonexistent/net.nnue")
