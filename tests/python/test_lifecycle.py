"""start / stop / wait / running / stats / context manager, and errors as exceptions."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import FIXTURES, unique

import player_host
from player_host import (FileFormatError, Player, PlayerError, ScenarioError, StreamError,
                         StreamStats, Summary)

FIF = FIXTURES / "fif" / "short_raw.fif"


def long_player(seconds: float = 30.0, **kwargs) -> Player:
    data = np.zeros((int(seconds * 100), 2))
    return Player.from_array(data, 100.0, ["a", "b"], name=unique("py-life"), **kwargs)


def test_start_returns_at_once_and_stop_ends_the_run():
    player = long_player(output="null")
    assert not player.running
    t = time.monotonic()
    assert player.start() is player
    assert time.monotonic() - t < 5
    assert player.running
    assert player.wait(timeout=0.05) is None, "still playing after the timeout"
    stats = player.stats
    assert isinstance(stats[0], StreamStats) and stats[0].name == player.stream_names[0]
    player.stop()
    summary = player.wait(timeout=10)
    assert isinstance(summary, Summary)
    assert summary.interrupted and not player.running
    assert summary.streams[0].samples < 3000
    assert player.wait() is summary, "the summary is kept"


def test_a_run_to_the_end_is_not_interrupted():
    player = long_player(0.2, output="null").start()
    summary = player.wait()
    assert not summary.interrupted
    assert summary.streams[0].samples == 20 and summary.streams[0].finished


def test_context_manager_starts_and_stops():
    with long_player(output="null") as player:
        assert player.running
    assert not player.running
    assert player.wait().interrupted


def test_out_of_order_calls_raise_player_error():
    player = long_player(0.1, output="null")
    with pytest.raises(PlayerError, match="not started"):
        player.wait()
    player.start()
    with pytest.raises(PlayerError, match="already started"):
        player.start()
    player.wait()


def cli_error(*args: str) -> str:
    """The one line the `player-host` console script prints after `error: ` (the same
    message, followed by a hint naming the command-line flag that fixes it, if any)."""
    exe = [sys.executable, "-c", "import sys, player_host._cli as c; sys.exit(c.main())"]
    proc = subprocess.run([*exe, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ")
    return line[len("error: "):]


def test_file_errors_are_file_format_errors_with_the_cli_message(tmp_path):
    missing = tmp_path / "missing.fif"
    with pytest.raises(FileFormatError) as e:
        Player(missing)
    assert cli_error("play", str(missing)).startswith(str(e.value))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00junk" * 100)
    with pytest.raises(FileFormatError) as e:
        Player(junk)
    assert cli_error("play", str(junk)).startswith(str(e.value))
    assert "no reader recognizes this file" in str(e.value)


def test_scenario_errors_name_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"streams:\n  - file: {FIF}\n    chunksize: 3\n")
    with pytest.raises(ScenarioError) as e:
        Player.from_scenario(bad)
    assert cli_error("run", str(bad)).startswith(str(e.value))
    assert "line 3 column 5" in str(e.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(chunk_size=0), "chunk_size: must be a whole number of frames, at least 1, not 0"),
    (dict(chunk_size=2.5), "chunk_size: must be a whole number of frames, at least 1, not 2.5"),
    (dict(chunk_size="ten"), 'chunk_size: must be a whole number of frames, at least 1, not "ten"'),
    (dict(repeat=0), 'repeat: must be a number of passes (1 or more) or "forever", not 0'),
    (dict(start_delay=-1), "start_delay: must be a number of seconds, 0 or more, not -1"),
    (dict(format="int7"), "format: must be one of float32, float64, native, not `int7`"),
    (dict(annotations="maybe"), "annotations: must be one of auto, markers, none, not `maybe`"),
    (dict(name=" "), 'name: must be a stream name that is not empty or only spaces, not " "'),
    (dict(crop=(-1, None)), "crop: must be a number of seconds, 0 or more, not -1"),
    (dict(crop=(2, 1)),
     "crop: to must be a number of seconds after from (2 s), at most 1e9, not 1"),
    (dict(crop=5), "crop: must be (tmin, tmax), seconds or None for either end, not 5"),
    (dict(output="file"), "output: must be one of lsl, null, not 'file'"),
])
def test_setting_errors_name_the_python_keyword(kwargs, message):
    """Settings are checked once, by the scenario's rules in the native side, and the
    message names the keyword argument, not the scenario's key path."""
    with pytest.raises(ScenarioError) as e:
        Player(FIF, **kwargs)
    assert str(e.value) == message
    assert isinstance(e.value, ValueError)
    if "annotations" in kwargs:
        return  # from_array's `annotations` are the events themselves
    with pytest.raises(ScenarioError) as e:
        Player.from_array(np.zeros((10, 1)), 10.0, ["a"], **kwargs)
    assert str(e.value) == message


def test_numpy_values_are_accepted_as_numbers():
    player = Player(FIF, chunk_size=np.int64(5), repeat=np.int32(2), start_delay=np.float64(0),
                    output="null")
    assert player.stream_names == ["short_raw", "short_raw-markers"]


def test_nobody_connecting_in_time_is_a_stream_error():
    player = Player(FIF, name=unique("py-noconsumer"), wait_for_consumers=0.3).start()
    with pytest.raises(StreamError, match="no consumer connected"):
        player.wait(timeout=30)


def test_exceptions_form_one_hierarchy():
    for cls in (FileFormatError, ScenarioError, StreamError):
        assert issubclass(cls, PlayerError)
    assert issubclass(ScenarioError, ValueError)
    assert player_host.__version__


def realtime_threads() -> list:
    """(name, priority) of this process' SCHED_FIFO threads."""
    import os

    out = []
    for tid in os.listdir("/proc/self/task"):
        try:
            if os.sched_getscheduler(int(tid)) == os.SCHED_FIFO:
                name = open(f"/proc/self/task/{tid}/comm").read().strip()
                out.append((name, os.sched_getparam(int(tid)).sched_priority))
        except OSError:
            pass  # the thread ended meanwhile
    return out


@pytest.mark.skipif(sys.platform != "linux" or __import__("os").geteuid() != 0,
                    reason="real-time priority needs Linux and root (or CAP_SYS_NICE)")
def test_no_lsl_transport_thread_runs_at_real_time_priority(monkeypatch):
    """liblsl's threads run at nice -10, never SCHED_FIFO: a liblsl thread that spins
    (1.13 out of descriptors) must not be able to starve the machine (docs/timing.md).
    Only the engine's timing thread may be real-time."""
    player = long_player().start()  # LSL output
    transport = [t for t in realtime_threads() if not t[0].startswith("player timing")]
    player.stop()
    player.wait()
    assert transport == [], transport
