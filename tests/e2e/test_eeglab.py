"""EEGLAB end to end: a dataset with its samples in a .fdt file and a compressed one with
its samples inside, replayed by `player-host play`, received by pylsl, compared value for
value and marker for marker with MNE-Python's `read_raw_eeglab`."""

from __future__ import annotations

import warnings

import mne
import numpy as np

from conftest import FIXTURES, assert_never_early, assert_regular_stamps, desc_channels, play, unique

FDT = FIXTURES / "eeglab" / "fields_fdt.set"
COMPRESSED = FIXTURES / "eeglab" / "struct_compressed.set"


def check(path, chunk: str) -> None:
    """Plays ``path`` and checks every value, timestamp and marker against MNE.

    Parameters
    ----------
    path : Path
        The ``.set`` file.
    chunk : str
        The chunk size to play with.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = mne.io.read_raw_eeglab(path, preload=True, verbose="error")
    name = unique("eeglab-e2e")
    received = play(path, name, "--chunk-size", chunk, "--format", "float64",
                    streams=[name, f"{name}-markers"])
    rec = received[name]
    assert rec.info.nominal_srate() == raw.info["sfreq"]
    channels = desc_channels(rec.info)
    assert [c[0] for c in channels] == raw.ch_names
    assert [c[1] for c in channels] == raw.get_channel_types()
    got = rec.values()
    assert got.shape == (raw.n_times, len(raw.ch_names)), "every sample, no more, no less"
    np.testing.assert_array_equal(got, raw.get_data().T)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, raw.info["sfreq"])
    assert_never_early(rec)

    markers = received[f"{name}-markers"]
    ann = raw.annotations
    assert list(markers.values()[:, 0]) == list(ann.description)
    # Each marker at t0 + (latency - 1) / srate; MNE gives onsets to the microsecond.
    for t, onset in zip(markers.timestamps(), ann.onset):
        assert abs(t - (stamps[0] + onset)) < 2e-6


def test_dataset_with_a_fdt_file():
    check(FDT, "25")


def test_compressed_dataset_with_its_data_inside():
    check(COMPRESSED, "8")
