"""Helpers for the tests of the Python package `player_host`, run against the installed
wheel (``pip install target/wheels/player_host-*.whl``; see scripts/test).

The receivers are independent of the code under test: pylsl ships its own liblsl (1.16+,
while the package links liblsl 1.13), MNE reads the files, mne-lsl rebuilds the info.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import pylsl
import pytest

import player_host

REPO = Path(__file__).resolve().parents[2]

import sys  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "support"))
from received import Received, unique  # noqa: E402,F401  (shared by tests/e2e and tests/python)
FIXTURES = REPO / "examples" / "fixtures"


def pytest_report_header(config: pytest.Config) -> str:
    return f"player_host {player_host.__version__} from {Path(player_host.__file__).parent}"


def inlets(names: List[str], timeout: float = 20.0) -> Dict[str, pylsl.StreamInlet]:
    """Resolves each stream by name and opens an inlet on it."""
    out = {}
    for name in names:
        infos = pylsl.resolve_byprop("name", name, timeout=timeout)
        assert infos, f"stream {name!r} not found"
        inlet = pylsl.StreamInlet(infos[0], max_buflen=360, recover=True)
        inlet.open_stream(timeout=10)
        out[name] = inlet
    return out


def receive(player: player_host.Player, names: List[str], timeout: float = 60.0) -> Dict[str, Received]:
    """Starts `player` (made with ``wait_for_consumers``), connects a pylsl inlet to each
    stream, receives until the player ends and the inlets are drained, waits for it."""
    player.start()
    opened = inlets(names)
    received = {n: Received(i.info(timeout=10)) for n, i in opened.items()}

    def pull(wait: float) -> int:
        got = 0
        for name, inlet in opened.items():
            data, stamps = inlet.pull_chunk(timeout=wait, max_samples=100000)
            if stamps:
                rec = received[name]
                rec.arrivals.append((pylsl.local_clock(), max(stamps)))
                rec.data.extend(data)
                rec.stamps.extend(stamps)
                got += len(stamps)
        return got

    deadline = time.monotonic() + timeout
    while player.running:
        assert time.monotonic() < deadline, "the player did not finish in time"
        pull(0.002)
    quiet = time.monotonic()
    while time.monotonic() - quiet < 0.5:
        if pull(0.05):
            quiet = time.monotonic()
    player.wait()
    for inlet in opened.values():
        inlet.close_stream()
    return received


def desc_channels(info: pylsl.StreamInfo) -> List[tuple]:
    """(label, type, unit) of every channel in a stream's desc."""
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append((ch.child_value("label"), ch.child_value("type"), ch.child_value("unit")))
        ch = ch.next_sibling("channel")
    return out


def assert_regular_stamps(stamps: np.ndarray, rate: float) -> None:
    """Every timestamp is t0 + k / rate."""
    k = np.arange(len(stamps), dtype=np.float64)
    err = np.abs(stamps - (stamps[0] + k / rate)).max()
    assert err < 1e-7, f"timestamps deviate from t0 + k/rate by up to {err} s"


def assert_never_early(rec: Received) -> None:
    """No chunk arrived before its last sample's timestamp."""
    early = [(a, last) for a, last in rec.arrivals if a < last]
    assert not early, f"{len(early)} chunks arrived before their timestamp: {early[:3]}"
