"""The NNUE kernels of nnue/kernels.h checked in C, without Python in between
(tests/c/kernels_check.c): every SIMD path of this CPU against the plain-C
one, bit for bit; and the arm64 NEON path too where a cross compiler and
qemu-user are installed (`apt-get install gcc-aarch64-linux-gnu qemu-user`),
since no arm64 machine runs these tests otherwise."""
import shutil
import subprocess

from pathlib import Path

import pytest

from nnue import accumulator as acc

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "c" / "kernels_check.c"


def build_and_run(cc, tmp_path, runner=(), extra=()):
    exe = tmp_path / "kernels_check"
    build = subprocess.run([cc, "-O2", "-Wall", "-Werror", "-Wno-unused-function", *extra,
                            f"-I{ROOT / 'nnue'}", str(SOURCE), "-o", str(exe)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([*runner, str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return dict(line.split(": ", 1) for line in run.stdout.splitlines())


def native_compiler():
    for cc in ("cc", "gcc", "clang"):
        if shutil.which(cc):
            return cc
    pytest.skip("no C compiler")


def test_every_native_path_equals_scalar(tmp_path):
    results = build_and_run(native_compiler(), tmp_path)
    # the same paths the extension module finds on this CPU
    assert list(results) == acc.available_simd()
    for path, line in results.items():
        assert line == "2400 checks equal to scalar", (path, line)


@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")),
                    reason="needs gcc-aarch64-linux-gnu and qemu-user")
def test_neon_path_equals_scalar_under_qemu(tmp_path):
    results = build_and_run("aarch64-linux-gnu-gcc", tmp_path, runner=("qemu-aarch64",),
                            extra=("-static",))
    assert list(results) == ["neon", "scalar"]
    assert results["neon"] == "2400 checks equal to scalar"
