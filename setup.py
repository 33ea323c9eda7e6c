"""Build the Cython extensions.

The extension list is here rather than in pyproject.toml because the compiler
directives (set once for the whole build) and the LADYA_DEBUG switch need
cythonize().  LADYA_DEBUG=1 turns bounds/wraparound checks back on and drops
-O3 for -O1 -g, for tests that chase memory errors.
"""
import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("LADYA_DEBUG", "") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "nonecheck": DEBUG,
    "embedsignature": True,
}

if sys.platform == "win32":
    compile_args = ["/O2"] if not DEBUG else ["/Od", "/Zi"]
else:
    compile_args = (["-O1", "-g"] if DEBUG else ["-O3"]) + ["-Wno-unused-function"]

def openmp_flags():
    """-fopenmp where the compiler has OpenMP (gcc, MSVC /openmp); none
    elsewhere (Apple clang), where the trainer's prange loops run serially."""
    import subprocess
    import tempfile
    if sys.platform == "win32":
        return ["/openmp"], []
    if os.environ.get("LADYA_NO_OPENMP"):
        return [], []
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() < 0;}\n")
        try:
            ok = subprocess.run([cc, "-fopenmp", src, "-o", os.path.join(tmp, "omp")],
                                capture_output=True).returncode == 0
        except OSError:
            ok = False
    return (["-fopenmp"], ["-fopenmp"]) if ok else ([], [])


# Only the trainer's kernels use OpenMP; the engine itself is single-threaded.
OPENMP_MODULES = {"training.model", "training.optim"}
omp_compile, omp_link = openmp_flags() if OPENMP_MODULES else ([], [])

extensions = []
for pyx in sorted(glob.glob("engine/*.pyx") + glob.glob("nnue/*.pyx")
                  + glob.glob("search/*.pyx") + glob.glob("training/*.pyx")):
    module = pyx[:-4].replace("/", ".").replace("\\", ".")
    package = os.path.dirname(pyx)
    omp = module in OPENMP_MODULES
    # Rebuild a module when a header of its package changes (nnue kernels).
    headers = glob.glob(os.path.join(package, "*.h")) + glob.glob("engine/*.h") + glob.glob("nnue/*.h")
    extensions.append(Extension(module, [pyx], include_dirs=[package], depends=headers,
                                extra_compile_args=compile_args + (omp_compile if omp else []),
                                extra_link_args=omp_link if omp else []))

if not extensions:
    sys.exit("setup.py: no .pyx sources found; the package would have no extension modules")

setup(ext_modules=cythonize(extensions, compiler_directives=directives,
                            include_path=["."], annotate=False,
                            build_dir=None))
