"""WAV end to end: `player-host play` / `run` received by pylsl, compared with soundfile
(and, for RF64, with scipy.io.wavfile)."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from scipy.io import wavfile

from conftest import (FIXTURES, Player, assert_never_early, assert_regular_stamps, desc_channels,
                      play, unique)

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"
CHIRP = FIXTURES / "wav" / "demo-chirp-16k-stereo.wav"
RF64 = FIXTURES / "wav" / "rf64-pcm16-stereo-8000.wav"


def test_play_every_sample_exact_values_and_timestamps_across_repeats():
    truth, rate = sf.read(CHIRP, dtype="float64", always_2d=True)
    name = unique("wav-e2e")
    rec = play(CHIRP, name, "--chunk-size", "32", "--repeat", "3")[name]
    assert rec.info.nominal_srate() == rate
    assert rec.info.channel_count() == 2
    assert [c[0] for c in desc_channels(rec.info)] == ["left", "right"]
    got = rec.values()
    assert got.shape == (3 * len(truth), 2), "every sample of every pass, no more, no less"
    want = np.tile(truth.astype(np.float32), (3, 1))
    np.testing.assert_array_equal(got.astype(np.float32), want)
    # Continuous across passes: one arithmetic progression from the first sample.
    assert_regular_stamps(rec.timestamps(), rate)
    assert_never_early(rec)


def test_chunk_size_one_float64():
    truth, rate = sf.read(TONE, dtype="float64", always_2d=True)
    name = unique("wav-e2e-f64")
    rec = play(TONE, name, "--chunk-size", "1", "--format", "float64")[name]
    np.testing.assert_array_equal(rec.values(), truth)
    assert_regular_stamps(rec.timestamps(), rate)
    assert_never_early(rec)


def test_two_streams_share_one_t0(tmp_path):
    a, b = unique("demo-a"), unique("demo-b")
    scenario = tmp_path / "two.yaml"
    scenario.write_text(
        f"""
wait_for_consumers: all,30
start_delay: 0.5
streams:
  - file: {TONE}
    name: {a}
    chunk_size: 8
  - file: {CHIRP}
    name: {b}
    chunk_size: 16
    offset: 0.25
"""
    )
    player = Player(["run", str(scenario), "--quiet"], [a, b])
    code, _, err = player.collect()
    assert code == 0, err
    ta, tb = player.received[a].timestamps(), player.received[b].timestamps()
    assert len(ta) == sf.info(TONE).frames and len(tb) == sf.info(CHIRP).frames
    assert abs((tb[0] - ta[0]) - 0.25) < 1e-9, f"offset {tb[0] - ta[0]} != 0.25"
    assert_regular_stamps(ta, 8000.0)
    assert_regular_stamps(tb, 16000.0)


def test_rf64_every_sample_exact():
    """An RF64 file (64-bit RIFF, sizes in ds64) plays every sample, as soundfile and
    scipy read it."""
    assert RF64.read_bytes()[:4] == b"RF64"
    truth, rate = sf.read(RF64, dtype="float64", always_2d=True)
    scipy_rate, ints = wavfile.read(RF64)
    assert scipy_rate == rate
    np.testing.assert_array_equal(ints / 32768.0, truth)
    name = unique("wav-e2e-rf64")
    rec = play(RF64, name, "--chunk-size", "50", "--format", "float64")[name]
    assert rec.info.nominal_srate() == rate
    assert rec.info.channel_count() == 2
    np.testing.assert_array_equal(rec.values(), truth)
    assert_regular_stamps(rec.timestamps(), rate)
    assert_never_early(rec)
