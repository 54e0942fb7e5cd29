"""The typed boundary: summaries, statuses and statistics are native classes (not JSON),
the run's warnings reach Python once, and wait() answers the same way every time."""

from __future__ import annotations

import pickle
import sys
import warnings

import numpy as np
import pytest
from conftest import REPO, unique

import player_host
from player_host import (
    Player,
    PlayerError,
    PlayerWarning,
    PlayStatus,
    ScenarioError,
    StreamError,
    StreamStats,
    Summary,
)

sys.path.insert(0, str(REPO / "tests" / "support"))
from processes import frozen_consumer


def finished(**kwargs) -> Summary:
    player = Player.from_array(np.zeros((20, 2)), 100.0, ["a", "b"], output="null",
                               **kwargs).start()
    return player.wait()


def test_results_are_frozen_native_classes_with_a_repr_that_rebuilds_them():
    summary = finished()
    status = PlayStatus("playing", 1.5, 30.0, 2, None, 1.0)
    cases = ((summary, Summary, "interrupted"), (summary.streams[0], StreamStats, "samples"),
             (status, PlayStatus, "position"))
    for obj, cls, field in cases:
        assert type(obj) is cls and cls.__module__ == "player_host"
        assert cls is getattr(player_host._native, cls.__name__), "defined natively"
        assert eval(repr(obj), vars(player_host)) == obj, repr(obj)
        assert pickle.loads(pickle.dumps(obj)) == obj
        with pytest.raises(AttributeError, match="not writable"):
            setattr(obj, field, getattr(obj, field))  # frozen
    stats = summary.streams[0]
    assert (stats.name, stats.samples, stats.chunks, stats.finished) == ("array", 20, 2, True)
    assert isinstance(stats.lateness_p99, float) and stats.error is None
    assert summary.t0 is not None and summary.wall_seconds >= 0.19
    assert summary.failures == [] and summary.warnings == []
    assert not summary.interrupted
    assert repr(stats).startswith("StreamStats(name='array', samples=20, chunks=2, ")
    with pytest.raises(ValueError, match="state must be one of starting, waiting"):
        PlayStatus("dancing", 0.0, None, 1, None, 1.0)


def test_status_and_live_stats_are_typed():
    player = Player.from_array(np.zeros((3000, 1)), 100.0, ["a"], output="null")
    status = player.status
    assert isinstance(status, PlayStatus)
    assert (status.state, status.duration, status.pass_number, status.passes) == (
        "starting", 30.0, 1, 1)
    player.start()
    assert all(isinstance(s, StreamStats) for s in player.stats)
    player.stop()
    assert player.wait().interrupted


def test_a_failed_run_raises_the_same_error_every_time():
    player = Player.from_array(np.zeros((100, 1)), 100.0, ["a"], name=unique("py-fail"),
                               wait_for_consumers=0.2).start()
    errors = []
    for _ in range(3):
        with pytest.raises(StreamError) as e:
            player.wait(timeout=30)
        errors.append(e.value)
    assert len({str(e) for e in errors}) == 1 and "no consumer connected" in str(errors[0])
    assert all(e.summary is None for e in errors)
    assert errors[0] is not errors[1], "a new exception each time (no growing traceback)"
    assert not player.running


def test_a_finished_run_returns_the_same_summary_every_time():
    player = Player.from_array(np.zeros((10, 1)), 100.0, ["a"], output="null")
    with pytest.raises(PlayerError, match="not started"):
        player.wait()
    player.start()
    with pytest.raises(ScenarioError, match="timeout: must be a number of seconds, 0 or more"):
        player.wait(timeout=-1)
    first = player.wait()
    assert player.wait() is first and player.wait(timeout=0) is first
    assert player.stats == first.streams
    with pytest.raises(PlayerError, match="already started"):
        player.start()
    assert player.wait() is first, "a refused start changes nothing"


def test_the_runs_warnings_reach_python_once(tmp_path):
    """A consumer that takes nothing (frozen) keeps data queued past the end: the outlets
    close after the linger bound (10 s) and the run says so, in Summary.warnings and as
    one PlayerWarning."""
    name = unique("py-linger")
    rng = np.random.default_rng(3)
    data = rng.standard_normal((2 * 20000, 64)).astype(np.float32)  # 10 MB on the wire
    player = Player.from_array(data, 20000.0, [f"c{i}" for i in range(64)], name=name,
                               chunk_size=200, wait_for_consumers=30).start()
    consumer = frozen_consumer(name)
    try:
        with pytest.warns(PlayerWarning, match="outlets closed .* after the end") as caught:
            summary = player.wait(timeout=120)
    finally:
        consumer.kill()
        consumer.wait()
    assert summary is not None and len(summary.warnings) == 1
    assert str(caught[0].message) == summary.warnings[0] and name in summary.warnings[0]
    assert issubclass(PlayerWarning, RuntimeWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert player.wait() is summary, "warned once, not at every wait"
