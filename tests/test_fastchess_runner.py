"""benchmarks/fastchess.py: fastchess's per-game lines read back into W/D/L,
game pairs and forfeits.  The oracle is fastchess's own summary printed
under the games (its "Games:" and "Ptnml(0-2):" lines)."""
import re
import sys

import pytest

from training import elo
from training import fastchess as F
from suites import DATA

BOOK = DATA / "openings.epd"

# A real log: fastchess 1.8.2, Ladya vs Ladya with the bootstrap evaluation, 3000 nodes.
LOG = """Indexing opening suite...
Started game 1 of 10 (Ladya vs boot)
Finished game 1 (Ladya vs boot): 1-0 {White mates}
Finished game 2 (boot vs Ladya): 0-1 {Black mates}
Finished game 3 (Ladya vs boot): 1-0 {White mates}
Finished game 4 (boot vs Ladya): 1-0 {White mates}
Finished game 5 (Ladya vs boot): 0-1 {Black mates}
Finished game 6 (boot vs Ladya): 1-0 {White mates}
Finished game 7 (Ladya vs boot): 1-0 {White mates}
Finished game 8 (boot vs Ladya): 0-1 {Black mates}
Finished game 9 (Ladya vs boot): 0-1 {Black mates}
Finished game 10 (boot vs Ladya): 1-0 {White mates}
--------------------------------------------------
Results of Ladya vs boot (3000 nodes, 1t, 16MB, openings.epd):
Elo: -0.00 +/- 366.76, nElo: 0.00 +/- 215.34
LOS: 50.00 %, DrawRatio: 20.00 %, PairsRatio: 1.00
Games: 10, Wins: 5, Losses: 5, Draws: 0, Points: 5.0 (50.00 %)
Ptnml(0-2): [2, 0, 1, 0, 2], WL/DD Ratio: inf
--------------------------------------------------
"""


def fastchess_summary(text):
    games = re.findall(r"Games: (\d+), Wins: (\d+), Losses: (\d+), Draws: (\d+)", text)[-1]
    ptnml = re.findall(r"Ptnml\(0-2\): \[([^\]]*)\]", text)[-1]
    return tuple(map(int, games)), [int(x) for x in ptnml.split(",")]


def test_a_real_log_reads_as_fastchess_counts_it():
    r = F.parse_output(LOG, "Ladya", "boot")
    (n, w, l, d), ptnml = fastchess_summary(LOG)
    assert (r.games, r.wins, r.losses, r.draws) == (n, w, l, d)
    assert r.ptnml == ptnml
    assert r.reasons == {"White mates": 6, "Black mates": 4}
    # the error bars from the pairs are fastchess's too
    assert elo.pentanomial_elo_error(r.ptnml) == pytest.approx(366.76, abs=0.01)


def test_forfeits_are_charged_to_the_engine_that_lost():
    # reasons in fastchess's words (its Match::TIMEOUT_MSG, ILLEGAL_MSG, DISCONNECT_MSG, STALL_MSG)
    text = "\n".join([
        "Finished game 1 (A vs B): 0-1 {White loses on time (12ms overrun)}",
        "Finished game 2 (B vs A): 0-1 {White makes an illegal move}",
        "Finished game 3 (A vs B): 1-0 {Black disconnects}",
        "Finished game 4 (B vs A): 1/2-1/2 {Draw by 3-fold repetition}",
        "Finished game 5 (A vs B): 1-0 {Black's connection stalls}",
    ])
    r = F.parse_output(text, "A", "B")
    assert r.forfeits == {"time": [1, 0], "illegal": [0, 1], "crash": [0, 1], "hang": [0, 1]}
    assert (r.wins, r.draws, r.losses) == (3, 1, 1)
    assert r.ptnml == [0, 0, 1, 1, 0]          # pairs (1, 2): 0 + 1; (3, 4): 1 + 0.5; 5 alone
    with pytest.raises(ValueError, match="not A and C"):
        F.parse_output(text, "A", "C")


def test_command_line():
    if F.binary() is None:
        with pytest.raises(ValueError, match="build-fastchess"):
            F.command("ladya", "sf", 10, openings=BOOK)
        return
    argv = F.command("python -m engine", "/usr/games/stockfish", 10, nodes=5000, openings=BOOK,
                     options2={"UCI_Elo": "2850"}, sprt=(0, 10, 0.05, 0.05))
    assert argv[1:5] == ["-engine", "cmd=python", "name=Ladya", "args=-m engine"]
    assert "option.UCI_Elo=2850" in argv and "nodes=5000" in argv
    assert argv[argv.index("-rounds") + 1] == "5"
    assert argv[argv.index("-sprt") + 1:][:4] == ["elo0=0", "elo1=10", "alpha=0.05", "beta=0.05"]
    assert not any(a.startswith("timemargin") for a in argv)
    clock = F.command("a", "b", 2, tc="10+0.1", openings=BOOK, timemargin_ms=100)
    each = clock[clock.index("-each") + 1:]
    assert each[:2] == ["tc=10+0.1", "timemargin=100"]
    with pytest.raises(ValueError, match="timemargin"):
        F.command("a", "b", 2, openings=BOOK, timemargin_ms=-1)
    with pytest.raises(ValueError, match="even"):
        F.command("a", "b", 7, openings=BOOK)
    with pytest.raises(ValueError, match="openings"):
        F.command("a", "b", 8, openings=BOOK.parent / "no-such-book.epd")


@pytest.mark.skipif(F.binary() is None, reason="fastchess not built (../shared/tools/build-fastchess.sh)")
def test_a_live_match_reads_as_fastchess_counts_it(tmp_path):
    log = tmp_path / "fc.log"
    r = F.play(log=str(log), engine1=f"{sys.executable} -m engine", engine2=f"{sys.executable} -m engine",
               options2={"EvalFile": "bootstrap"}, name2="boot", games=4, nodes=1000, seed=2,
               openings=BOOK)
    (n, w, l, d), ptnml = fastchess_summary(log.read_text())
    assert (r.games, r.wins, r.losses, r.draws) == (n, w, l, d) == (4, w, l, d)
    assert r.ptnml == ptnml and sum(ptnml) == 2
    assert r.forfeits == {k: [0, 0] for k in F.FORFEITS}
