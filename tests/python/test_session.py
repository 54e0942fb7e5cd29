"""A scenario means the same from Python as on the command line: its ``start_at:`` sets t0
(the run is built by the same Session in Rust)."""

from __future__ import annotations

import time
from pathlib import Path

import pylsl
from conftest import FIXTURES, unique

from player_host import Player

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"


def test_a_scenarios_start_at_sets_t0_from_python(tmp_path: Path) -> None:
    start = time.time() + 1.5
    # The LSL clock value of `start` (pylsl reads the same monotonic clock as the player).
    want = pylsl.local_clock() + (start - time.time())
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"start_at: {start:.6f}\n"
        "start_delay: 30\n"  # where t0 would be if start_at were ignored
        f"streams:\n  - file: {TONE}\n    name: {unique('py-start-at')}\n"
    )
    player = Player.from_scenario(scenario, output="null").start()
    summary = player.wait(timeout=30)  # the 2 s tone, 1.5 s from now
    assert summary is not None and summary.t0 is not None
    assert abs(summary.t0 - want) < 0.005, (summary.t0, want)
