# Every search tunable in one place, named for what it does.  Values are
# centipawns or plies.  Changing one changes `bench`'s node count.
cdef enum:
    ASPIRATION_MIN_DEPTH = 4          # use aspiration windows from this depth on
    ASPIRATION_DELTA = 18             # first half-width of the window
    RAZOR_MARGIN = 250                # razoring: eval + margin*depth below alpha -> qsearch
    RFP_MAX_DEPTH = 8                 # reverse futility pruning up to this depth ...
    RFP_MARGIN = 80                   # ... if eval - margin*depth (less when improving) >= beta
    NMP_MIN_DEPTH = 3                 # null-move pruning from this depth on
    NMP_BASE_REDUCTION = 3            # R = base + depth/divisor + eval bonus
    NMP_DEPTH_DIVISOR = 3
    NMP_EVAL_DIVISOR = 200
    NMP_VERIFY_DEPTH = 12             # verify null-move cutoffs at this depth and deeper
    IIR_MIN_DEPTH = 4                 # internal iterative reduction without a TT move
    LMP_BASE = 3                      # late-move pruning: quiets after (base + d*d)/(2-improving)
    FUTILITY_MAX_DEPTH = 8            # futility pruning of quiets (on the LMR depth)
    FUTILITY_BASE = 90
    FUTILITY_PER_DEPTH = 110
    SEE_QUIET_MARGIN = 30             # quiets: prune if SEE < -margin*lmr_depth^2
    SEE_NOISY_MARGIN = 100            # captures: prune if SEE < -margin*depth
    HISTORY_PRUNE_DEPTH = 3           # prune quiets with history < -HISTORY_PRUNE_MARGIN*depth
    HISTORY_PRUNE_MARGIN = 2500
    SINGULAR_MIN_DEPTH = 7            # singular extensions from this depth on
    SINGULAR_TT_DEPTH_SLACK = 3       # the TT entry may be this much shallower
    DOUBLE_EXTENSION_MARGIN = 20      # singular by this much more -> extend twice
    MAX_DOUBLE_EXTENSIONS = 6
    LMR_MIN_DEPTH = 2
    LMR_HISTORY_DIVISOR = 8192        # reduce one ply less per this much history
    QS_DELTA_MARGIN = 180             # qsearch delta pruning above the captured piece's value
    HISTORY_MAX = 16384               # butterfly / continuation history range
    HISTORY_BONUS_MULT = 300          # bonus = min(mult*depth - sub, cap)
    HISTORY_BONUS_SUB = 250
    HISTORY_BONUS_CAP = 1600
    TIME_CHECK_NODES = 1023           # poll the clock every 1024 nodes
    DEFAULT_MOVES_TO_GO = 30          # sudden death: plan as if this many moves remain
    MAX_TIME_FACTOR = 5               # hard limit = factor x optimum time ...
    MAX_TIME_PERCENT = 70             # ... but never more than this % of the clock
