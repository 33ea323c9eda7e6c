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

extensions = []
for pyx in sorted(glob.glob("engine/*.pyx") + glob.glob("nnue/*.pyx")
                  + glob.glob("search/*.pyx") + glob.glob("training/*.pyx")):
    module = pyx[:-4].replace("/", ".").replace("\\", ".")
    package = os.path.dirname(pyx)
    extensions.append(Extension(module, [pyx], include_dirs=[package],
                                extra_compile_args=compile_args))

if not extensions:
    sys.exit("setup.py: no .pyx sources found; the package would have no extension modules")

setup(ext_modules=cythonize(extensions, compiler_directives=directives,
                            include_path=["."], annotate=False,
                            build_dir=None))
