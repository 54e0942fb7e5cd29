"""Several hosts starting together: two `player-host run --only NAME --start-at TIME`
processes, each playing one entry of the same scenario, put their streams on one timeline
(the first timestamps differ by the entries' offsets), received by pylsl."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from conftest import FIXTURES, Player, player_host, unique

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"


def test_two_hosts_with_one_start_at_share_one_timeline(tmp_path: Path) -> None:
    a, b = unique("startA"), unique("startB")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"streams:\n"
        f"  - file: {TONE}\n    name: {a}\n    offset: 0.0\n    to: 0.5\n"
        f"  - file: {TONE}\n    name: {b}\n    offset: 0.25\n    to: 0.5\n"
    )
    start = time.time() + 6.0
    common = ["--start-at", f"{start:.6f}", "--quiet"]
    first = Player(["run", str(scenario), "--only", a, *common], [a])
    second = Player(["run", str(scenario), "--only", b, *common], [b])
    for player in (first, second):
        code, _, err = player.collect(timeout=60)
        assert code == 0, err
    ta = first.received[a].timestamps()
    tb = second.received[b].timestamps()
    assert len(ta) == len(tb) == 4000
    # One timeline: b's first sample is 0.25 s after a's, within 1 ms.
    assert abs((tb[0] - ta[0]) - 0.25) < 1e-3, (tb[0] - ta[0])


def test_a_start_at_in_the_past_is_a_usage_error() -> None:
    done = subprocess.run(
        [player_host(), "play", str(TONE), "--start-at", "2000-01-01T00:00:00Z",
         "--output", "null"],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert "--start-at" in done.stderr and "past" in done.stderr, done.stderr
