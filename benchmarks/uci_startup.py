"""Cold start of the UCI engine: time to `uciok` and to `readyok`, against Python's own start-up.

    python benchmarks/uci_startup.py [--runs 15] [--command "ladya"]

Each run spawns a fresh engine process (default: this checkout's
`python -m engine`), sends `uci` and times the `uciok` line, then sends
`isready` and times `readyok` (by then the net is loaded and the hash
table allocated).  The reference is a `python -c` that prints one line,
spawned and read the same way: the interpreter's own start-up, which no
change to the engine can shorten.  Engine and reference runs alternate so
that both see the same machine load.  Prints the medians in milliseconds
and their ratios to the reference.
"""
import argparse
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _read_until(proc, word: str) -> None:
    for raw in proc.stdout:
        if raw.strip() == word.encode():
            return
    raise RuntimeError(f"the process ended before printing {word!r}")


def time_engine(command) -> tuple:
    """(ms to uciok, ms to readyok) of one fresh engine process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        proc.stdin.write(b"uci\n")
        proc.stdin.flush()
        _read_until(proc, "uciok")
        uciok = time.perf_counter() - start
        proc.stdin.write(b"isready\n")
        proc.stdin.flush()
        _read_until(proc, "readyok")
        readyok = time.perf_counter() - start
        proc.stdin.write(b"quit\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return uciok * 1000, readyok * 1000


def time_reference() -> float:
    """ms until a bare interpreter has printed a line."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "print('ok')"], cwd=ROOT, stdout=subprocess.PIPE)
    _read_until(proc, "ok")
    elapsed = time.perf_counter() - start
    proc.wait()
    return elapsed * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--command", help="engine command line (default: python -m engine, this checkout)")
    a = ap.parse_args(argv)
    command = shlex.split(a.command) if a.command else [sys.executable, "-m", "engine"]
    time_engine(command)                 # warm the file cache and the .pyc files
    time_reference()
    uciok, readyok, ref = [], [], []
    for _ in range(a.runs):
        u, r = time_engine(command)
        uciok.append(u)
        readyok.append(r)
        ref.append(time_reference())
    m_ref, m_uci, m_ready = (statistics.median(x) for x in (ref, uciok, readyok))
    print(f"{' '.join(command)}: {a.runs} cold starts, alternating with the reference")
    print(f"  reference (python -c, one line)  median {m_ref:6.0f} ms")
    print(f"  uci -> uciok                     median {m_uci:6.0f} ms  "
          f"(min {min(uciok):.0f}, max {max(uciok):.0f})  {m_uci / m_ref:.2f}x the reference")
    print(f"  uci, isready -> readyok          median {m_ready:6.0f} ms  "
          f"(min {min(readyok):.0f}, max {max(readyok):.0f})  {m_ready / m_ref:.2f}x the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
