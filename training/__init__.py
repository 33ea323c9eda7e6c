"""Ladya's training package: self-play data, the NNUE trainer, match and tuning tools."""
import os

# The trainer's OpenMP threads wait for work asleep rather than spinning
# (libgomp reads this when training/model.pyx's extension loads it).  On
# cores that other jobs share, a spinning thread burns the CPU share its
# partner needs: with the default policy 2 threads trained 3-5x slower than
# 1 on the shared 2-core development machine.  Set OMP_WAIT_POLICY to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
