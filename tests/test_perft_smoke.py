from engine.position import Position


def test_start_position_perft():
    assert [Position().perft(d) for d in range(1, 5)] == [20, 400, 8902, 197281]
