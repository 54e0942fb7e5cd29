"""GDF end to end: a GDF 1.25 file (BCI Competition IV 2a layout) and a GDF 2.20 file,
replayed by `player-host play`, received by pylsl, compared value for value with
MNE-Python's `read_raw_gdf` (values, channel names, events at their samples)."""

from __future__ import annotations

import mne
import numpy as np

from conftest import FIXTURES, assert_never_early, assert_regular_stamps, desc_channels, play, unique

GDF1 = FIXTURES / "gdf" / "gdf1_int16.gdf"
GDF2 = FIXTURES / "gdf" / "gdf2_int32.gdf"


def check(path, chunk: str) -> None:
    """Plays ``path`` and checks every value, timestamp and marker against MNE.

    Parameters
    ----------
    path : Path
        The GDF file.
    chunk : str
        The chunk size to play with.
    """
    raw = mne.io.read_raw_gdf(path, preload=True, verbose="error")
    # MNE keeps the values of sparsely sampled channels (0x7fff) as annotations; they are
    # samples, not events, and the player does not publish them.
    ann = raw.annotations[[d != "32767" for d in raw.annotations.description]]
    name = unique("gdf-e2e")
    received = play(path, name, "--chunk-size", chunk, "--format", "float64",
                    streams=[name, f"{name}-markers"])
    rec = received[name]
    assert rec.info.nominal_srate() == raw.info["sfreq"]
    assert [c[0] for c in desc_channels(rec.info)] == raw.ch_names
    got = rec.values()
    assert got.shape == (raw.n_times, len(raw.ch_names)), "every sample, no more, no less"
    np.testing.assert_array_equal(got, raw.get_data().T)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, raw.info["sfreq"])
    assert_never_early(rec)
    markers = received[f"{name}-markers"]
    assert list(markers.values()[:, 0]) == list(ann.description)
    # Each on its sample: t0 + (position - 1) / rate (MNE gives onsets to the microsecond).
    for t, onset in zip(markers.timestamps(), ann.onset):
        assert abs(t - (stamps[0] + onset)) < 2e-6


def test_gdf1_bci_competition_layout():
    check(GDF1, "10")


def test_gdf2_with_durations_and_a_sparse_sample():
    check(GDF2, "32")
