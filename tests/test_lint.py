"""The tree is clean under the linters CI runs: ruff for Python, cython-lint
for Cython (settings in pyproject.toml).  Both come with `pip install -e
".[test]"`; where one is missing, its test is skipped and says so."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CYTHON_PACKAGES = ("engine", "nnue", "search", "training")


def _run(argv):
    # cython-lint starts pycodestyle from PATH: this environment's scripts first,
    # as when it is activated
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=os.pathsep.join([bindir, os.environ.get("PATH", "")]))
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, f"{' '.join(argv)} found:\n{proc.stdout}{proc.stderr}"


def test_ruff():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install ruff, or the [test] extra)")
    _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."])


def test_cython_lint():
    exe = Path(sys.executable).with_name("cython-lint")         # this environment's first
    exe = str(exe) if exe.exists() else shutil.which("cython-lint")
    if exe is None:
        pytest.skip("cython-lint is not installed (pip install cython-lint, or the [test] extra)")
    _run([exe, *CYTHON_PACKAGES])
