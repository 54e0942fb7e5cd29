"""FIF end to end: a 376-channel MEG+EEG file written by MNE, replayed by `player-host`,
received by pylsl and by mne-lsl's StreamLSL, compared with MNE reading the file."""

from __future__ import annotations

import subprocess
import sys
import time

import mne
import numpy as np
import pytest
from mne_lsl.stream import StreamLSL

from conftest import (FIXTURES, Player, assert_never_early, assert_regular_stamps, desc_channels,
                      play, unique)


@pytest.fixture(scope="module")
def meg_eeg(tmp_path_factory):
    """The 3 s, 376-channel, 600.615 Hz file (generated: not committed) and MNE's view."""
    path = tmp_path_factory.mktemp("fif") / "meg_eeg_raw.fif"
    subprocess.run(
        [sys.executable, str(FIXTURES / "fif" / "make_meg_eeg.py"), str(path)], check=True
    )
    raw = mne.io.read_raw_fif(path, preload=True, verbose="error")
    assert len(raw.ch_names) == 376
    return path, raw


SI_UNITS = {107: "V", 112: "T", 201: "T/m"}


@pytest.mark.parametrize("chunk_size", [1, 10])
def test_meg_eeg_every_sample_exact_timestamps_and_markers(meg_eeg, chunk_size):
    path, raw = meg_eeg
    name = unique("fif-e2e")
    received = play(path, name, "--chunk-size", str(chunk_size),
                    streams=[name, f"{name}-markers"])
    rec = received[name]
    sfreq = raw.info["sfreq"]
    assert rec.info.nominal_srate() == pytest.approx(sfreq, abs=1e-9)
    assert rec.info.type() == "MEG"

    # Channels: names, MNE types and SI units as MNE has them.
    chans = desc_channels(rec.info)
    assert [c[0] for c in chans] == raw.ch_names
    assert [c[1] for c in chans] == raw.get_channel_types()
    assert [c[2] for c in chans] == [SI_UNITS.get(ch["unit"], "") for ch in raw.info["chs"]]

    # Every sample, values equal to MNE's after float32.
    want = raw.get_data().T
    got = rec.values()
    assert got.shape == want.shape, "every sample, no more, no less"
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, atol=0)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, sfreq)
    assert_never_early(rec)

    # Markers: on the exact timestamp of their sample, as MNE places them.
    markers = received[f"{name}-markers"]
    onset_idx = np.round(raw.annotations.onset * sfreq).astype(int) - raw.first_samp
    want_markers = sorted(
        (stamps[0] + i / sfreq, d)
        for i, d in zip(onset_idx, raw.annotations.description)
        if 0 <= i < len(want)
    )
    got_markers = sorted(zip(markers.timestamps(), markers.values()[:, 0]))
    assert len(got_markers) == len(want_markers) > 0
    for (gt, gd), (wt, wd) in zip(got_markers, want_markers):
        assert gd == wd
        assert abs(gt - wt) < 1e-6, f"marker {gd!r} at {gt}, expected {wt}"


def test_mne_lsl_stream_rebuilds_the_same_raw(meg_eeg):
    """mne-lsl's StreamLSL connects and gets the same ch_names, types and data."""
    path, raw = meg_eeg
    name = unique("fif-mnelsl")
    proc = subprocess.Popen(
        [*Player.command(), "play", str(path), "--name", name, "--format", "float64",
         "--annotations", "none", "--wait-for-consumers", "all,30", "--start-delay", "0.5",
         "--quiet"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        stream = StreamLSL(bufsize=2.0, name=name)
        stream.connect(acquisition_delay=0.01, timeout=20)
        assert stream.ch_names == raw.ch_names
        assert stream.get_channel_types() == raw.get_channel_types()
        assert stream.info["sfreq"] == pytest.approx(raw.info["sfreq"])
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        time.sleep(0.5)  # let the acquisition thread take the last chunks
        data, _ = stream.get_data()
        stream.disconnect()
    finally:
        proc.kill()
    # The buffer holds the last 2 s: they equal the last 2 s of the file, as MNE reads it.
    n = data.shape[1]
    np.testing.assert_array_equal(data, raw.get_data()[:, -n:])
