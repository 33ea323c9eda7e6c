"""The match runner's games against small stub UCI engines (python-chess
plays their moves): what each engine is asked to do, with a node limit or
a clock, and what a hung engine costs."""
import sys
import textwrap

import chess
import chess.pgn
import pytest

STUB = textwrap.dedent('''
    """A UCI engine that logs each `go` line to argv[1] and plays the
    lowest legal move in UCI order; with argv[2] == "hang" it never answers
    a `go`."""
    import sys, time
    import chess
    board = chess.Board()
    log = open(sys.argv[1], "a")
    hang = len(sys.argv) > 2 and sys.argv[2] == "hang"
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "uci":
            print("id name stub\\nuciok", flush=True)
        elif cmd[0] == "isready":
            print("readyok", flush=True)
        elif cmd[0] == "position":
            rest = line.split(None, 1)[1]
            fen, _, moves = rest.partition(" moves ")
            board = chess.Board() if fen.strip() == "startpos" else chess.Board(fen.split(None, 1)[1])
            for m in moves.split():
                board.push_uci(m)
        elif cmd[0] == "go":
            log.write(line)
            log.flush()
            if hang:
                time.sleep(3600)
            move = min(m.uci() for m in board.legal_moves)
            print(f"info depth 1 score cp 0\\nbestmove {move}", flush=True)
        elif cmd[0] == "quit":
            break
''')


def _stub(tmp_path, name, *args):
    script = tmp_path / "stub.py"
    script.write_text(STUB)
    log = tmp_path / f"{name}.log"
    return [sys.executable, str(script), str(log), *args], log


def _book(tmp_path):
    book = tmp_path / "book.epd"
    # a short game for two engines that play their lowest move: K+R v K
    book.write_text("4k3/8/8/8/8/8/8/R3K3 w - - 0 1\n")
    return book


def test_a_node_limit_sends_go_nodes_and_keeps_no_clock(tmp_path):
    from training import match
    cmd1, log1 = _stub(tmp_path, "one")
    cmd2, log2 = _stub(tmp_path, "two")
    pgn = tmp_path / "games.pgn"
    config = match.MatchConfig(engine1=match.EngineSpec(cmd1, name="one"),
                               engine2=match.EngineSpec(cmd2, name="two"),
                               games=2, nodes=1234, openings=_book(tmp_path), pgn=pgn,
                               draw=(1, 200, 10000))
    assert config.limit_text == "1234 nodes"
    result = match.play_match(config)
    assert result.played == 2 and result.forfeits["time"] == [0, 0]
    for log in (log1, log2):
        lines = log.read_text().splitlines()
        assert lines and all(line.split() == ["go", "nodes", "1234"] for line in lines)
    with open(pgn) as f:
        games = [chess.pgn.read_game(f) for _ in range(2)]
    assert [g.headers["TimeControl"] for g in games] == ["-", "-"]


def test_a_clock_sends_the_times_instead(tmp_path):
    from training import match
    cmd1, log1 = _stub(tmp_path, "one")
    cmd2, _ = _stub(tmp_path, "two")
    result = match.play_match(match.MatchConfig(engine1=match.EngineSpec(cmd1, name="one"),
                                                engine2=match.EngineSpec(cmd2, name="two"),
                                                games=2, tc="30+0.5", openings=_book(tmp_path),
                                                draw=(1, 200, 10000)))
    assert result.played == 2
    first = log1.read_text().splitlines()[0].split()
    assert first[0] == "go" and "wtime" in first and "winc" in first and "nodes" not in first


def test_a_hung_engine_under_a_node_limit_forfeits(tmp_path):
    """No clock to run out: the move's timeout is hang_grace plus the time
    of the nodes at a floor speed; the engine that never moves loses as hung."""
    from training import match
    from training.match.runner import NODES_PER_SECOND_FLOOR
    cmd1, _ = _stub(tmp_path, "ok")
    cmd2, _ = _stub(tmp_path, "stuck", "hang")
    config = match.MatchConfig(engine1=match.EngineSpec(cmd1, name="ok"),
                               engine2=match.EngineSpec(cmd2, name="stuck"),
                               games=2, nodes=1000, hang_grace=0.5, openings=_book(tmp_path))
    assert config.move_timeout(0.0) == pytest.approx(0.5 + 1000 / NODES_PER_SECOND_FLOOR)
    result = match.play_match(config)
    assert result.played == 2 and result.forfeits["hang"] == [0, 2] and result.wins == 2


def test_a_node_limit_must_be_positive():
    from training import match
    with pytest.raises(ValueError, match="nodes"):
        match.MatchConfig(nodes=0).check()
