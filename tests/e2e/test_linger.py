"""The end of a run waits until a consumer that lagged has taken every sample."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from conftest import player_host, unique

# A receiver in its own process, so that it can be frozen (SIGSTOP) like a consumer that
# lags: while it is stopped its liblsl takes nothing, the player's TCP connection to it
# fills up and the rest waits in the outlet's queue. (An inlet that merely sleeps before
# pulling lags nothing: pylsl's inlet receives in a background thread.)
RECEIVER = r"""
import os, sys, numpy as np, pylsl
name, out, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
infos = pylsl.resolve_byprop("name", name, timeout=30)
inlet = pylsl.StreamInlet(infos[0], max_buflen=360)
inlet.open_stream(timeout=10)
print("ready", flush=True)
chunks, got, empty = [], 0, 0
while got < expected and empty < 25:  # 5 s without data: the stream is over
    data, stamps = inlet.pull_chunk(timeout=0.2, max_samples=4000)
    if stamps:
        chunks.append(np.asarray(data, dtype=np.float32))
        got += len(stamps)
        empty = 0
    else:
        empty += 1
print(got, file=sys.stderr)
np.save(out, np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32))
os._exit(0)  # without the inlet's teardown, which can wait on a lost stream
"""

RATE, CHANNELS, SECONDS = 20000, 64, 4


def _noise_wav(path: Path) -> np.ndarray:
    """A 64-channel int16 WAV (20 MB per 4 s as float32 on the wire); returns its values."""
    rng = np.random.default_rng(7)
    pcm = rng.integers(-32768, 32767, size=(RATE * SECONDS, CHANNELS), dtype=np.int16)
    sf.write(path, pcm, RATE, subtype="PCM_16")
    values, _ = sf.read(path, dtype="float32", always_2d=True)
    return values


def test_a_consumer_frozen_past_the_end_still_gets_every_sample(tmp_path: Path) -> None:
    wav = tmp_path / "noise.wav"
    truth = _noise_wav(wav)
    name = unique("linger-e2e")
    player = subprocess.Popen(
        [player_host(), "play", str(wav), "--name", name, "--chunk-size", "200",
         "--wait-for-consumers", "30", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = tmp_path / "received.npy"
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, name, str(out), str(len(truth))],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().strip() == "ready"
        os.kill(receiver.pid, signal.SIGSTOP)
        # Frozen until 3 s after the end of the file: longer than the old fixed linger.
        time.sleep(SECONDS + 3)
        os.kill(receiver.pid, signal.SIGCONT)
        _, err = player.communicate(timeout=60)
        assert player.returncode == 0, err
        try:
            assert receiver.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:
            # pylsl's pull blocks for good once the outlet is gone before it has all.
            raise AssertionError("the outlet closed before the lagging consumer had "
                                 "every sample (its pull is left waiting)") from None
    finally:
        for proc in (player, receiver):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
    got = np.load(out)
    assert got.shape == truth.shape, f"received {got.shape[0]} of {len(truth)} samples"
    np.testing.assert_array_equal(got, truth)
