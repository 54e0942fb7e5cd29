"""A scenario played from a pytest fixture, as a user testing a real-time pipeline would
write it (the example of docs/python.md)."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from conftest import FIXTURES
from mne_lsl.stream import StreamLSL

from player_host import Player

FIF = FIXTURES / "fif" / "short_raw.fif"


@pytest.fixture
def mock_meg(tmp_path):
    """Replays short_raw.fif forever as a uniquely named LSL stream while a test runs."""
    name = f"mock-meg-{uuid.uuid4().hex[:8]}"
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f"repeat: forever\nformat: float64\nstreams:\n"
        f"  - file: {FIF}\n    name: {name}\n    annotations: none\n"
    )
    with Player.from_scenario(scenario) as player:
        yield name
    summary = player.wait()
    assert summary.interrupted and summary.failures == []


def test_pipeline_sees_the_recording(mock_meg):
    stream = StreamLSL(bufsize=1.0, name=mock_meg)
    stream.connect(acquisition_delay=0.01, timeout=20)
    try:
        time.sleep(1.2)
        data, ts = stream.get_data()
    finally:
        stream.disconnect()
    assert data.shape == (8, 250)
    assert np.all(np.diff(ts) == pytest.approx(1 / 250.0, abs=1e-6))
    assert np.any(data != 0)
