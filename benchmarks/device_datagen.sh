#!/usr/bin/env bash
# Self-play on a lent machine (the `device` tool's 16 cores): build the
# extensions in place, run `ladya datagen` on every core for MINUTES, and
# leave the chunks under $OUT as xz parts of at most 15 MB (the tool brings
# back 8 files of 16 MiB).  `timeout` stops the run with SIGTERM, which
# datagen treats as Ctrl-C: every finished game is written.
#
#   benchmarks/device_datagen.sh MINUTES NET SEED [NODES]
#
# From the session: run(command="bash benchmarks/device_datagen.sh 7 nets/default.nnue 7001",
# timeout_s=600); then here `cat PARTS* | tar -xJ -C ~/ladya-work/` and
# `ladya data stats ~/ladya-work/device-7001`.  The machine has Cython, numpy
# and tqdm; datagen needs nothing else.
set -euo pipefail
minutes=${1:?minutes}; net=${2:?net}; seed=${3:?seed}; nodes=${4:-5000}
out=${OUT:-/tmp/out}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
start=$(date +%s)
python3 setup.py -q build_ext --inplace -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
echo "built in $(( $(date +%s) - start )) s on $(nproc) cores"
dir=/tmp/device-$seed
timeout -s TERM "${minutes}m" python3 -m engine datagen --out "$dir" --eval "$net" --nodes "$nodes" \
    --workers "$(nproc)" --seed "$seed" --positions 1000000000 --no-progress || true
python3 -m engine data stats "$dir" | head -6 || true
tar -cJf - -C /tmp "device-$seed" | split -b 15M - "$out/device-$seed.tar.xz.part-"
ls -l "$out"
