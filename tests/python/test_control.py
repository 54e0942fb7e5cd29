"""Live control from Python: pause, resume, seek, speed, status, and crop."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import receive, unique

from player_host import Player, PlayerError, PlayStatus


def playing(seconds: float = 30.0, **kwargs) -> Player:
    data = np.zeros((int(seconds * 100), 1))
    player = Player.from_array(data, 100.0, ["a"], name=unique("py-ctl"), output="null",
                               **kwargs).start()
    deadline = time.monotonic() + 10
    while player.status.state != "playing":
        assert time.monotonic() < deadline, player.status
        time.sleep(0.01)
    return player


def test_pause_holds_the_position_and_resume_goes_on():
    player = playing()
    status = player.pause()
    assert isinstance(status, PlayStatus) and status.state == "paused"
    time.sleep(0.3)  # let the statistics catch up with the last push before the pause
    before = player.stats[0].samples
    position = player.status.position
    time.sleep(0.3)
    assert player.stats[0].samples == before, "nothing is pushed while paused"
    assert player.status.position == position
    assert player.resume().state == "playing"
    player.stop()
    player.wait()


def test_seek_moves_the_position_and_speed_is_steerable():
    player = playing()
    assert player.seek(12.5).position >= 12.5
    assert player.status.duration == pytest.approx(30.0)
    assert player.status.pass_number == 1 and player.status.passes == 1
    player.speed = 2.0
    assert player.speed == 2.0
    with pytest.raises(PlayerError, match="speed must be from 0.01 to 100"):
        player.speed = 1000.0
    assert player.speed == 2.0, "a refused request changes nothing"
    player.stop()
    player.wait()


def test_requests_before_the_start_set_how_it_starts_and_after_the_end_are_refused():
    # Issue 23: before t0 a request changes what the replay starts with, never t0.
    player = Player.from_array(np.arange(100.0).reshape(-1, 1), 100.0, ["a"], output="null")
    assert player.status.state == "starting"
    status = player.seek(0.5)
    assert status.state == "starting" and status.position == 0.5
    with pytest.raises(PlayerError, match="seek: the target must be from 0 to 1e9 s"):
        player.seek(float("nan"))
    with pytest.raises(PlayerError, match="not 1e300"):
        player.speed = 1e300
    player.start()
    summary = player.wait()
    assert summary.streams[0].samples == 50, "played from 0.5 s"
    with pytest.raises(PlayerError, match="the replay has ended"):
        player.pause()


def test_stop_is_a_stop_by_request():
    player = playing()
    player.stop()
    summary = player.wait()
    assert summary.interrupted


def test_crop_plays_only_the_section():
    name = unique("py-crop")
    values = np.arange(100.0).reshape(-1, 1)  # frame k holds k, 100 Hz
    player = Player.from_array(values, 100.0, ["k"], name=name, format="float64",
                               crop=(0.2, 0.5), wait_for_consumers=30)
    got = receive(player, [name])[name]
    np.testing.assert_array_equal(got.values()[:, 0], np.arange(20.0, 50.0))
