# The search's constants.  SearchParams holds the tunables: their values,
# ranges and meanings live in search/tunables.py (one table, which SPSA reads
# too); search/search.pyx keeps one process-wide copy.  The enum below holds
# the fixed ones.
cdef struct SearchParams:
    int ASPIRATION_MIN_DEPTH
    int ASPIRATION_DELTA
    int RAZOR_MARGIN
    int RFP_MAX_DEPTH
    int RFP_MARGIN
    int NMP_MIN_DEPTH
    int NMP_BASE_REDUCTION
    int NMP_DEPTH_DIVISOR
    int NMP_EVAL_DIVISOR
    int NMP_VERIFY_DEPTH
    int IIR_MIN_DEPTH
    int LMP_BASE
    int FUTILITY_MAX_DEPTH
    int FUTILITY_BASE
    int FUTILITY_PER_DEPTH
    int SEE_QUIET_MARGIN
    int SEE_NOISY_MARGIN
    int HISTORY_PRUNE_DEPTH
    int HISTORY_PRUNE_MARGIN
    int SINGULAR_MIN_DEPTH
    int SINGULAR_TT_DEPTH_SLACK
    int DOUBLE_EXTENSION_MARGIN
    int MAX_DOUBLE_EXTENSIONS
    int LMR_MIN_DEPTH
    int LMR_BASE
    int LMR_DIVISOR
    int LMR_HISTORY_DIVISOR
    int QS_CHECKS
    int QS_DELTA_MARGIN
    int HISTORY_BONUS_MULT
    int HISTORY_BONUS_SUB
    int HISTORY_BONUS_CAP
    int EVAL_SCALE
    int CORR_HIST
    int CORR_NON_PAWN
    int PROBCUT_MIN_DEPTH
    int PROBCUT_MARGIN
    int PROBCUT_IMPROVING

cdef enum:
    HISTORY_MAX = 16384               # butterfly / continuation history range
    TIME_CHECK_NODES = 1023           # poll the clock every 1024 nodes
    DEFAULT_MOVES_TO_GO = 30          # sudden death: plan as if this many moves remain
    MAX_TIME_FACTOR = 5               # hard limit = factor x optimum time ...
    MAX_TIME_PERCENT = 70             # ... but never more than this % of the clock
