"""Waiting for consumers as MNE-LSL users meet it (issue 14.1): a consumer on the data
stream only of a FIF file with annotations starts the replay; the marker stream never
holds it back unless asked (`--wait-for-consumers all`)."""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pylsl
import pytest
from mne_lsl.stream import StreamLSL

from conftest import FIXTURES, Player, unique

SHORT = FIXTURES / "fif" / "short_raw.fif"


def start(name: str, *wait: str) -> subprocess.Popen[str]:
    """Play short_raw.fif (3 annotations, so a NAME-markers stream too) as NAME.

    Parameters
    ----------
    name : str
        The stream name (unique per test).
    *wait : str
        The value of ``--wait-for-consumers``, if any (none: the bare flag).

    Returns
    -------
    subprocess.Popen[str]
        The running player, its stdout and stderr piped.
    """
    return subprocess.Popen(
        [*Player.command(), "play", str(SHORT), "--name", name, "--wait-for-consumers", *wait,
         "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def resolve(name: str, timeout: float = 20.0) -> pylsl.StreamInfo:
    """Find the stream called `name`.

    Parameters
    ----------
    name : str
        The LSL stream name.
    timeout : float
        Seconds to look for it.

    Returns
    -------
    pylsl.StreamInfo
        The stream's description (the test fails when it is not found).
    """
    infos = pylsl.resolve_byprop("name", name, timeout=timeout)
    assert infos, f"stream {name!r} not found"
    return infos[0]


def test_mne_lsl_stream_on_the_data_stream_only_gets_data() -> None:
    """MNE-LSL's tutorial code, `StreamLSL(bufsize=2, name=...).connect()`, against
    `play FILE --wait-for-consumers`: the replay starts and samples arrive."""
    name = unique("wait-mnelsl")
    proc = start(name)
    try:
        resolve(name)
        resolve(f"{name}-markers")  # published, but nobody consumes it
        stream = StreamLSL(bufsize=2, name=name).connect(timeout=10)
        deadline = time.monotonic() + 20
        while stream.n_new_samples == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        got = stream.n_new_samples
        _, err = proc.communicate(timeout=30)
        stream.disconnect()
    finally:
        proc.kill()
    assert got > 0, "connected, but no sample arrived"
    assert proc.returncode == 0, err


def test_pylsl_inlet_on_the_data_stream_only_gets_every_sample() -> None:
    """A pylsl inlet on the data stream alone starts the replay and gets every frame."""
    name = unique("wait-pylsl")
    proc = start(name)
    try:
        inlet = pylsl.StreamInlet(resolve(name), max_buflen=60)
        channels = inlet.info(timeout=10).channel_count()
        inlet.open_stream(timeout=10)
        frames = 0
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            _, stamps = inlet.pull_chunk(timeout=0.1)
            frames += len(stamps)
        _, err = proc.communicate(timeout=30)
        inlet.close_stream()
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    truth = np.fromfile(SHORT.with_suffix(".f64"), dtype="<f8")
    assert frames == truth.size // channels


def test_waiting_for_all_streams_names_the_marker_stream_and_the_fix() -> None:
    """`all` waits for the marker stream too; its timeout names it and the `data` fix."""
    name = unique("wait-all")
    proc = start(name, "all,3")
    try:
        inlet = pylsl.StreamInlet(resolve(name), max_buflen=60)
        inlet.open_stream(timeout=10)
        _, err = proc.communicate(timeout=30)
        inlet.close_stream()
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    assert f"no consumer connected within 3 s to {name}-markers" in err
    assert "`data`" in err
    assert f"{name}," not in err, "the data stream had its consumer"


@pytest.mark.parametrize("mode", ["any", "data,20"])
def test_modes_any_and_data_with_a_timeout_start_with_one_data_consumer(mode: str) -> None:
    """`any` and `data,SECS` start as soon as the data stream has its consumer."""
    name = unique("wait-mode")
    proc = start(name, mode)
    try:
        inlet = pylsl.StreamInlet(resolve(name), max_buflen=60)
        inlet.open_stream(timeout=10)
        frames = 0
        # Pull while the player lives: an inlet whose outlet is gone may block.
        while proc.poll() is None and frames == 0:
            _, stamps = inlet.pull_chunk(timeout=0.1)
            frames += len(stamps)
        _, err = proc.communicate(timeout=30)
        inlet.close_stream()
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert frames > 0
