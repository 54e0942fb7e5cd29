"""Reliability end to end: receivers that come and go, waiting for consumers with a
timeout, and a soak run of mixed streams received without loss (60 s in CI; set
PLAYER_SOAK_SECONDS=3600 for the 1-hour run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pylsl
import soundfile as sf

from conftest import FIXTURES, Player, player_host, unique
from processes import rss_kib

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"


def resolve(name: str, timeout: float = 20.0) -> pylsl.StreamInfo:
    infos = pylsl.resolve_byprop("name", name, timeout=timeout)
    assert infos, f"stream {name} not found"
    return infos[0]


def pass_length(path) -> int:
    """Frames of a single-stream recording, as `player-host inspect --json` reports."""
    out = subprocess.run([player_host(), "inspect", str(path), "--json"], capture_output=True,
                         text=True, check=True)
    (stream,) = json.loads(out.stdout)["recording"]["streams"]
    return stream["length"]


def test_inlets_that_come_and_go_do_not_stall_the_player(tmp_path):
    name = unique("comego")
    stats = tmp_path / "stats.json"
    proc = subprocess.Popen(
        [player_host(), "play", str(TONE), "--name", name, "--repeat", "3",
         "--chunk-size", "80", "--quiet", "--stats-json", str(stats)],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        info = resolve(name)  # connects late: the player started without us
        for _ in range(3):  # connect, receive a little, disconnect, again
            inlet = pylsl.StreamInlet(info)
            inlet.open_stream(timeout=10)
            _, stamps = inlet.pull_chunk(timeout=0.5)
            time.sleep(0.3)
            _, more = inlet.pull_chunk(timeout=0.5)
            assert stamps or more, "a late inlet receives data"
            inlet.close_stream()
            del inlet
            time.sleep(0.3)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    s = json.loads(stats.read_text())
    frames = sf.info(TONE).frames
    assert s["streams"][0]["samples"] == 3 * frames
    # Three passes of 2 s: real time, no stall.
    assert 5.9 < s["wall_seconds"] < 7.5, s["wall_seconds"]


def test_wait_for_consumers_times_out_with_a_clear_error():
    name = unique("nobody")
    t = time.monotonic()
    out = subprocess.run(
        [player_host(), "play", str(TONE), "--name", name, "--wait-for-consumers", "1", "--quiet"],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 1
    assert f"no consumer connected within 1 s to {name}" in out.stderr
    assert time.monotonic() - t < 10


def test_soak_mixed_streams_repeat_forever_without_loss(tmp_path):
    seconds = float(os.environ.get("PLAYER_SOAK_SECONDS", "60"))
    names = {k: unique(f"soak-{k}") for k in ("wav", "edf", "fif")}
    files = {
        "wav": FIXTURES / "wav" / "demo-chirp-16k-stereo.wav",
        "edf": FIXTURES / "edf" / "edf_basic.edf",
        "fif": FIXTURES / "fif" / "short_raw.fif",
    }
    scenario = tmp_path / "soak.yaml"
    scenario.write_text(
        f"""
repeat: forever
wait_for_consumers: all,30
streams:
  - file: {files["wav"]}
    name: {names["wav"]}
    chunk_size: 64
  - file: {files["edf"]}
    name: {names["edf"]}
    chunk_size: 8
    annotations: none
  - file: {files["fif"]}
    name: {names["fif"]}
    chunk_size: 1
    offset: 0.1
    annotations: none
"""
    )
    player = Player(["run", str(scenario), "--quiet"], list(names.values()))
    rss_start = None
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            player.pull(0.005)
            if rss_start is None and time.monotonic() > deadline - seconds + 5:
                rss_start = rss_kib(player.proc.pid)
        rss_end = rss_kib(player.proc.pid)
        player.proc.send_signal(signal.SIGINT)
        code, _, err = player.collect(timeout=30)
    finally:
        player.proc.kill()
    print(f"soak {seconds:.0f} s: RSS {rss_start} KiB at 5 s, {rss_end} KiB at the end")
    assert code == 130, err
    for key, name in names.items():
        rec = player.received[name]
        rate = rec.info.nominal_srate()
        stamps = rec.timestamps()
        assert len(stamps) > rate * (seconds - 10), f"{key}: too few samples"
        # Continuous: every step is exactly 1/rate (no loss, no duplicate, no jump).
        steps = np.diff(stamps) * rate
        assert np.abs(steps - 1).max() < 1e-6, f"{key}: discontinuity {np.abs(steps - 1).max()}"
        # Values repeat the file, pass after pass (the first pass starts at sample 0).
        values = rec.values()
        n = pass_length(files[key])
        assert len(values) > 2 * n
        np.testing.assert_array_equal(values[n:], values[:-n], err_msg=key)
    # Memory flat: no growth beyond allocator noise over the run.
    assert rss_end - rss_start < 16 * 1024, f"RSS grew from {rss_start} to {rss_end} KiB"
