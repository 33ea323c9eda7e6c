"""Self-play data generation (`ladya datagen`, training/datagen.py).

Games are replayed with python-chess: every record must be a legal position
one legal move after the previous one, the flags must describe that move and
position, and each game's result must be explained by how it can have ended
(a rule python-chess checks, or the documented adjudication).  Runs are tiny
(a few games at 300 nodes per move) to keep the file fast.
"""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import chess
import chess.pgn
import numpy as np
import pytest

from engine.position import Position
from search.result import Score, SearchResult
from training import data as D
from training import datagen as G

from selfplay_checks import check_moves, check_result, game_fens

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--nodes", "300", "--no-progress"]


def ladya(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def datagen(out, *args):
    r = ladya("datagen", "--out", out, *args)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def selfplay(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfplay")
    datagen(out, "--games", 4, "--workers", 2, "--seed", 7, "--chunk-games", 1, *TINY)
    return out


def test_files_hold_whole_games(selfplay):
    files = D.data_files([selfplay])
    assert len(files) == 4  # one game per chunk
    for f in files:
        recs = D.open_records(f)
        assert recs["flags"][0] & D.FLAG_GAME_START
        assert (recs["flags"][1:] & D.FLAG_GAME_START == 0).all()


def test_records_replay_as_legal_games(selfplay):
    games = list(D.games(D.load([selfplay])))
    assert len(games) == 4
    for game in games:
        check_moves(game)


def test_results_match_how_the_games_ended(selfplay):
    for game in D.games(D.load([selfplay])):
        check_result(game)


def test_scores_are_from_the_side_to_move(tmp_path):
    # White is a rook up, once with White and once with Black to move.
    fens = {chess.WHITE: "1nbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w Kk - 0 1",
            chess.BLACK: "1nbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b Kk - 0 1"}
    seen = set()
    for turn, fen in fens.items():
        book = tmp_path / f"book{int(turn)}.epd"
        book.write_text(fen + "\n")
        out = tmp_path / f"out{int(turn)}"
        # Depth 5: at depth 3-4 the bootstrap's games are chaotic enough to
        # draw or even lose a rook up, whatever the search's details.
        datagen(out, "--book", book, "--random-plies", 0, "--games", 1, "--workers", 1, "--depth", 5,
                "--no-progress")
        game = D.load([out])
        assert D.unpack_fen(game[0]).split()[:4] == fen.split()[:4]
        for rec in game[:10]:  # the opening: White is clearly better whoever moves
            black_to_move = bool(rec["packed"] & 1)
            seen.add(black_to_move)
            assert D.white_score(rec) > 200
            assert (rec["score"] < 0) == black_to_move
        assert game[0]["result"] == 1  # and White won it
    assert seen == {False, True}


def test_run_is_deterministic_with_one_worker(tmp_path):
    args = ["--games", 2, "--workers", 1, "--chunk-games", 1, *TINY]
    for name in ("a", "b"):
        datagen(tmp_path / name, "--seed", 5, *args)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 2 and names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()
    # ... and the seed matters
    datagen(tmp_path / "c", "--seed", 6, *args)
    assert not game_fens(D.load([tmp_path / "a"])) & game_fens(D.load([tmp_path / "c"]))


def test_summary_reports_the_rate_per_cpu_second_and_the_usable_share(tmp_path):
    """The rate per core comes from the workers' own CPU time, and the
    command says how many positions the trainer's filter keeps."""
    summary = G.run(G.DatagenConfig(out=str(tmp_path / "d"), positions=None, games=3, nodes=300,
                                    workers=1, progress=False))
    assert summary["games"] == 3 and summary["cpu_seconds"] > 0
    assert summary["positions_per_cpu_second"] == pytest.approx(summary["positions"] / summary["cpu_seconds"])
    r = datagen(tmp_path / "e", "--games", 2, "--workers", 1, *TINY)
    recs = D.load([tmp_path / "e"])
    usable = int(D.default_filter(recs).sum())
    assert f"{len(recs)} positions in {tmp_path / 'e'}, {usable} (" in r.stdout
    assert "usable by the trainer" in r.stdout and "per CPU second" in r.stdout


def test_killed_run_leaves_valid_files_and_resumes(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "datagen", "--out", str(out),
                             "--games", "50", "--workers", "2", "--chunk-games", "1", *TINY],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out.is_dir() and any(p.suffix == D.EXTENSION for p in out.iterdir())):
            assert proc.poll() is None, "datagen stopped before writing anything"
            assert time.monotonic() < deadline, "no chunk within 60 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    for p in out.iterdir():
        if p.name.endswith(D.EXTENSION):
            D.open_records(p)  # every complete-looking file is valid
    # What a kill in the middle of a write leaves: a temporary dotfile.
    (out / ".chunk-s1-r0000-w00-00099.ldat.tmp12345").write_bytes(b"LADYADAT\x01")
    (out / ".chunk-s1-r0000-w01-00099.ldat").write_bytes(b"junk")
    files = D.data_files([out])
    assert files and not any(f.name.startswith(".") for f in files)
    before = D.load([out])
    old_bytes = {f.name: f.read_bytes() for f in files}

    r = datagen(out, "--games", 2, "--workers", 1, "--chunk-games", 1, *TINY)
    assert not any(p.name.startswith(".") and ".tmp" in p.name for p in out.iterdir())  # cleaned
    after = D.load([out])
    added = int(r.stdout.split()[1])  # "generated N positions ..."
    assert len(after) == len(before) + added > len(before)
    for name, data in old_bytes.items():  # old files untouched
        assert (out / name).read_bytes() == data
    new = D.load([p for p in D.data_files([out]) if p.name not in old_bytes])
    assert len(new) == added
    assert not game_fens(new) & game_fens(before)  # a new random stream


def _children(pid):
    """Child pids of `pid` (Linux /proc)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def _wait_gone(pids, seconds=60):
    deadline = time.monotonic() + seconds
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        for p in list(alive):
            try:
                os.kill(p, 0)
            except ProcessLookupError:
                alive.discard(p)
        time.sleep(0.05)
    return alive


def _start_long_run(out):
    """A run that writes nothing before it stops (one chunk per 10000 games)."""
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "datagen", "--out", str(out),
                             "--games", "10000", "--workers", "2", "--chunk-games", "10000", *TINY],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 3:         # two workers and multiprocessing's tracker
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(8)                               # some games finish (about 0.1-0.5 s each)
    return proc


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["sigterm-driver", "sigkill-driver"])
def test_a_stopped_run_keeps_its_finished_games_and_leaves_no_worker(tmp_path, how):
    """`kill` of the driver stops the run like Ctrl-C: exit 130, the workers
    write the games they have finished (nothing was written before) and
    exit.  With SIGKILL the driver cannot tell them: they notice that it has
    gone, save their games and exit instead of playing on as orphans."""
    out = tmp_path / "out"
    proc = _start_long_run(out)
    workers = _children(proc.pid)
    try:
        assert not any(p.suffix == D.EXTENSION for p in out.iterdir())
        proc.send_signal(signal.SIGTERM if how == "sigterm-driver" else signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == (130 if how == "sigterm-driver" else -signal.SIGKILL)
        assert not _wait_gone(workers), "workers still running after the driver stopped"
    finally:
        for p in workers:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    files = D.data_files([out])
    assert len(files) == 2                      # one chunk per worker, written on the way out
    recs = D.load(files)
    starts = np.flatnonzero(recs["flags"] & D.FLAG_GAME_START)
    assert len(starts) >= 4                     # games finished, each whole
    assert starts[0] == 0
    assert not any(p.name.startswith(".") for p in out.iterdir())


def test_appending_after_deleting_files_adds_data(tmp_path):
    # Run numbers must not repeat when chunks were deleted in between, or an
    # append would silently overwrite earlier files with the same games.
    args = ["--games", 2, "--workers", 1, "--chunk-games", 1, *TINY]
    datagen(tmp_path, *args)
    datagen(tmp_path, *args)
    first_run = sorted(p for p in tmp_path.iterdir() if "-r0000-" in p.name)
    assert len(first_run) == 2
    for p in first_run:
        p.unlink()
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    datagen(tmp_path, *args)
    assert len(list(tmp_path.iterdir())) == len(kept) + 2
    for name, data in kept.items():
        assert (tmp_path / name).read_bytes() == data


def test_data_stats(selfplay):
    recs = D.load([selfplay])
    r = subprocess.run([sys.executable, "-m", "training.cli", "data", "stats", str(selfplay)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    results = [int(g[0]["result"]) for g in D.games(recs)]
    assert f"positions: {len(recs)}\n" in r.stdout
    assert f"games: {len(results)}\n" in r.stdout
    assert f"+{results.count(1)} ={results.count(0)} -{results.count(-1)}" in r.stdout


def test_export_import_round_trip(selfplay, tmp_path):
    recs = D.load([selfplay])
    text = tmp_path / "all.txt"
    r = ladya("data", "export", selfplay, "--out", text)
    assert r.returncode == 0, r.stderr
    lines = text.read_text().splitlines()
    assert len(lines) == len(recs)
    r = ladya("data", "import", text, "--out", tmp_path / "back.ldat")
    assert r.returncode == 0, r.stderr
    back = D.open_records(tmp_path / "back.ldat")
    assert len(back) == len(recs)
    for a, b, line in zip(recs, back, lines):
        fen, score, result = D.parse_text_line(line)
        assert fen == D.unpack_fen(a) == D.unpack_fen(b)
        assert score == D.white_score(a) == D.white_score(b)
        assert result == a["result"] == b["result"]
        checked = D.FLAG_MATE | D.FLAG_IN_CHECK
        assert (a["flags"] & checked) == (b["flags"] & checked)
    r = ladya("data", "export", selfplay, "--filtered", "--out", tmp_path / "used.txt")
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "used.txt").read_text().splitlines()) == int(D.default_filter(recs).sum())


def test_pgn_replays_to_the_recorded_positions(selfplay, tmp_path):
    pgn = tmp_path / "games.pgn"
    r = ladya("data", "pgn", selfplay, "--out", pgn)
    assert r.returncode == 0, r.stderr
    games = list(D.games(D.load([selfplay])))
    with open(pgn) as f:
        for game in games:
            parsed = chess.pgn.read_game(f)
            assert parsed is not None and not parsed.errors
            assert parsed.headers["Result"] == {1: "1-0", 0: "1/2-1/2", -1: "0-1"}[int(game[0]["result"])]
            board = parsed.board()
            fens = [board.fen()]
            for move in parsed.mainline_moves():
                board.push(move)
                fens.append(board.fen())
            assert len(fens) == len(game)  # the whole game, not a prefix
            for fen, rec in zip(fens, game):
                assert fen.split()[:5] == D.unpack_fen(rec).split()[:5]
        assert chess.pgn.read_game(f) is None


@pytest.mark.parametrize("case", ["workers", "positions", "games", "book", "bad book line", "eval"])
def test_bad_cli_input_is_one_clear_error(tmp_path, case):
    bad_net = tmp_path / "bad.nnue"
    bad_net.write_bytes(b"LADYANNU" + bytes(100))
    bad_book = tmp_path / "bad.epd"
    bad_book.write_text("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -\nnot a fen\n")
    args, message = {
        "workers": (["--workers", 0], "--workers"),
        "positions": (["--positions", 0], "--positions"),  # not 'the default 100000'
        "games": (["--games", 0], "--games"),
        "book": (["--book", tmp_path / "missing.epd"], "missing.epd"),
        "bad book line": (["--book", bad_book], "bad.epd:2"),
        "eval": (["--eval", bad_net], "bad.nnue"),
    }[case]
    amount = [] if case in ("positions", "games") else ["--games", 1]
    r = ladya("datagen", "--out", tmp_path / "out", *amount, *TINY, *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], r.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was created


# ---------------------------------------------------------------------------
# Adjudication, with a scripted searcher (the oracle is the documented rule)


class ScriptedSearcher:
    """Plays random legal moves and reports the score script(ply, white_to_move)."""

    def __init__(self, script, seed=0):
        self.script, self.rng, self.ply = script, random.Random(seed), 0

    def clear(self):
        self.ply = 0

    def search(self, pos, limits):
        cp, mate = self.script(self.ply, pos.turn)
        self.ply += 1
        return SearchResult(bestmove=self.rng.choice(sorted(pos.legal_moves())),
                            score=Score(cp=cp, mate=mate), nodes=1)


def play(script, seed=0, moves=()):
    cfg = G.DatagenConfig(out="unused", nodes=100)
    return G.play_game(ScriptedSearcher(script, seed), G.Opening(Position().fen(), list(moves)), cfg)


def test_win_adjudication_needs_both_sides_to_agree():
    # White's view +2500 on every ply: stm scores alternate in sign.
    game = play(lambda ply, white: ((2500 if white else -2500), None))
    assert (game.reason, game.result, len(game.records)) == ("adjudicated win", 1, G.WIN_PLIES)
    game = play(lambda ply, white: ((-2500 if white else 2500), None))
    assert (game.reason, game.result) == ("adjudicated win", -1)
    # Both sides claim to be winning: no adjudication.
    for seed in range(3):
        game = play(lambda ply, white: (2500, None), seed)
        assert game.reason != "adjudicated win"
        assert game.result == 0 or game.reason == "checkmate"


def test_random_plies_are_recorded_and_adjudication_waits_for_them():
    board = chess.Board()
    moves = []
    for m in ["b1a3", "g8f6", "a3b5", "b8c6", "h2h4", "e7e5"]:
        board.push_uci(m)
        moves.append(m)
    game = play(lambda ply, white: ((2500 if white else -2500), None), moves=moves)
    # plies 1-5 are the opening (no adjudication there), then WIN_PLIES plies of +2500
    assert (game.reason, game.result) == ("adjudicated win", 1)
    assert list(game.records["ply"]) == list(range(1, len(moves) + G.WIN_PLIES))
    assert D.unpack_fen(game.records[len(moves) - 1]).split()[:4] == board.fen().split()[:4]
    assert game.records["flags"][0] & D.FLAG_GAME_START
    assert (game.records["flags"][1:] & D.FLAG_GAME_START == 0).all()


def test_draw_adjudication_and_mate_scores():
    for seed in range(3):
        game = play(lambda ply, white: (0, None), seed)
        # drawn as soon as DRAW_PLIES quiet plies after DRAW_MIN_PLY, unless a rule ended it first
        assert len(game.records) <= G.DRAW_MIN_PLY + G.DRAW_PLIES
        assert (game.reason == "adjudicated draw") == (len(game.records) == G.DRAW_MIN_PLY + G.DRAW_PLIES)
        assert game.result == 0 or game.reason == "checkmate"
    game = play(lambda ply, white: (None, 3 if white else -3))  # White mates
    assert game.result == 1
    assert (game.records["flags"] & D.FLAG_MATE).all()
    assert list(game.records["score"]) == [D.MATE_SCORE if i % 2 == 0 else -D.MATE_SCORE
                                           for i in range(len(game.records))]


@pytest.mark.parametrize("argv, expected", [([], G.HASH_MB), (["--hash", "8"], 8)])
def test_cli_hash_size_reaches_the_config(tmp_path, monkeypatch, argv, expected):
    from training import cli
    seen = {}

    def fake_run(cfg):  # plays nothing: an empty output directory
        seen["cfg"] = cfg
        os.makedirs(cfg.out)
        return dict(positions=0, games=0, white_wins=0, draws=0, black_wins=0, seconds=0.0,
                    positions_per_second=0.0, workers=1, positions_per_cpu_second=0.0)
    monkeypatch.setattr(G, "run", fake_run)
    assert cli.main(["datagen", "--out", str(tmp_path / "out"), "--games", "1", *argv]) == 0
    assert seen["cfg"].hash_mb == expected
    assert G.DatagenConfig(out="x").hash_mb == G.HASH_MB
