"""Helpers for the tests of the Python package `player_host`, run against the installed
wheel (``pip install target/wheels/player_host-*.whl``; see scripts/test).

The receivers are independent of the code under test: pylsl and its liblsl (1.16+; the
package publishes through the same library, the wheel has none of its own), MNE reads the
files, mne-lsl rebuilds the info.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pylsl
import pytest

import player_host

REPO = Path(__file__).resolve().parents[2]

import sys  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "support"))
from received import (  # noqa: E402,F401  (shared by tests/e2e and tests/python)
    Received,
    assert_never_early,
    assert_regular_stamps,
    desc_channels,
    receive_while,
    unique,
)
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


def receive(player: player_host.Player, names: List[str],
            timeout: float = 60.0) -> Dict[str, Received]:
    """Starts `player` (made with ``wait_for_consumers``), connects a pylsl inlet to each
    stream, receives until the player ends and the inlets are drained, waits for it."""
    player.start()
    opened = inlets(names)
    received = {n: Received(i.info(timeout=10)) for n, i in opened.items()}
    receive_while(lambda: player.running, opened, received, timeout, quiet=0.5)
    player.wait()
    for inlet in opened.values():
        inlet.close_stream()
    return received
