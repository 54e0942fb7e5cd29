"""A consumer that stops taking data costs the player a bounded amount of memory."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from conftest import player_host, pylsl_liblsl, unique
from processes import frozen_consumer, rss_kib

RATE, CHANNELS, SECONDS = 20000, 256, 12
# What liblsl may keep for the frozen consumer (64 MiB by default), plus room for what the
# process allocates besides (prefetch blocks, allocator slack): far below the ~150 MB that
# this stream (256 channels of float32 at 20 kHz, ~21.6 MB/s with liblsl's per-sample
# overhead) takes unbounded in the 7 s after liblsl's preallocated 5 s pool is used up.
ALLOWED_GROWTH_MB = 64 * 1.048576 + 30


def _rss_mb(pid: int) -> float:
    kib = rss_kib(pid)
    assert kib is not None, "the player is gone"
    return kib * 1024 / 1e6


@pytest.mark.parametrize("liblsl", ["bundled", "current"])
def test_memory_stays_bounded_with_a_frozen_consumer(tmp_path: Path, liblsl: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYER_LIBLSL", "bundled" if liblsl == "bundled" else str(pylsl_liblsl()))
    wav = tmp_path / "fast.wav"
    rng = np.random.default_rng(5)
    wavfile.write(wav, RATE, rng.integers(-30000, 30000, size=(RATE * SECONDS, CHANNELS),
                                          dtype=np.int16))
    name = unique("bound-e2e")
    player = subprocess.Popen([player_host(), "play", str(wav), "--name", name,
                               "--chunk-size", "40", "--wait-for-consumers", "30", "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        consumer = frozen_consumer(name)
    except RuntimeError:
        player.kill()
        raise
    try:
        start = _rss_mb(player.pid)
        peak = start
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline and player.poll() is None:
            peak = max(peak, _rss_mb(player.pid))
            time.sleep(0.2)
    finally:
        consumer.kill()
        consumer.wait()
        try:
            player.wait(timeout=60)
        except subprocess.TimeoutExpired:
            player.kill()
    assert peak - start < ALLOWED_GROWTH_MB, f"RSS grew from {start:.0f} to {peak:.0f} MB"
