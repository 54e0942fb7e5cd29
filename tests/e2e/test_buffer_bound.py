"""Consumers that stop taking data cost the player a bounded amount of memory: at most
what `--max-buffered` keeps for each (README, "liblsl"), and what they cost is given back
when they leave."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from conftest import player_host, pylsl_liblsl, unique
from processes import StallingConsumers, frozen_consumer, rss_kib

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
    print(f"\n{liblsl}: frozen consumer: RSS {start:.0f} -> peak {peak:.0f} MB")  # bench/README.md
    assert peak - start < ALLOWED_GROWTH_MB, f"RSS grew from {start:.0f} to {peak:.0f} MB"


# 12 consumers of 48 kHz x 32 channels that keep stalling; each outlet keeps 1 s for each
# (--max-buffered 1): 48 000 samples of 184 bytes (liblsl's sample and queue slot).
STALLING, STALL_RATE, STALL_CHANNELS, STALL_SECONDS = 12, 48000, 32, 30
PER_CONSUMER_MB = STALL_RATE * (48 + 4 * STALL_CHANNELS + 8) / 1e6


@pytest.mark.parametrize("liblsl", ["bundled", "current"])
def test_many_stalling_consumers_cost_at_most_their_bound_and_give_it_back(
        tmp_path: Path, liblsl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYER_LIBLSL", "bundled" if liblsl == "bundled" else str(pylsl_liblsl()))
    wav = tmp_path / "fast.wav"
    rng = np.random.default_rng(6)
    wavfile.write(wav, STALL_RATE, rng.integers(-30000, 30000, size=(STALL_RATE * 5, STALL_CHANNELS),
                                                dtype=np.int16))
    name = unique("stalling-e2e")
    player = subprocess.Popen([player_host(), "play", str(wav), "--name", name, "--repeat",
                               "forever", "--max-buffered", "1", "--wait-for-consumers", "30",
                               "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Frozen 1.5 s (the outlet queues 1 s for each, then drops their oldest samples),
        # then taking data 1.5 s while their queues are still full: liblsl 1.13 lost
        # samples to a race there and grew by every sample pushed (8 MB/s).
        with StallingConsumers(name, STALLING, stall=1.5, run=1.5) as consumers:
            start = peak = _rss_mb(player.pid)
            deadline = time.monotonic() + STALL_SECONDS
            while time.monotonic() < deadline:
                assert all(p.poll() is None for p in consumers.procs), "a consumer died"
                peak = max(peak, _rss_mb(player.pid))
                time.sleep(0.2)
        time.sleep(3)
        after = _rss_mb(player.pid)
    finally:
        player.terminate()
        try:
            player.wait(timeout=30)
        except subprocess.TimeoutExpired:
            player.kill()
    bound = STALLING * PER_CONSUMER_MB
    print(f"\n{liblsl}: {STALLING} stalling consumers: RSS {start:.0f} -> peak {peak:.0f} MB "
          f"(bound +{bound:.0f}), {after:.0f} MB after they left")  # bench/README.md
    assert peak - start < bound, f"RSS grew from {start:.0f} to {peak:.0f} MB (bound {bound:.0f})"
    # What stays is the outlet's pool of samples, not what each consumer cost. liblsl 1.13
    # keeps at most one consumer's worth (consumers share samples). liblsl 1.18 keeps every
    # sample it ever had outstanding in its pool for reuse: consumers that drift apart on a
    # busy machine leave up to the peak (docs/liblsl.md), which it does not grow past.
    if liblsl == "bundled":
        assert after - start < PER_CONSUMER_MB + 10, (
            f"RSS {after:.0f} MB after the consumers left ({start:.0f} MB before)")
    else:
        assert after <= peak + 5, f"RSS {after:.0f} MB after the consumers left (peak {peak:.0f})"
