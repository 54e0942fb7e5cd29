"""In-memory data: NumPy arrays and MNE Raw objects replayed without a file."""

from __future__ import annotations

import time

import mne
import numpy as np
import pytest
from conftest import (FIXTURES, assert_never_early, assert_regular_stamps, desc_channels,
                      receive, unique)
from mne_lsl.stream import StreamLSL

from player_host import Player

SI_UNITS = {107: "V", 112: "T", 201: "T/m"}


@pytest.mark.parametrize("layout", ["frames_channels", "channels_frames"])
def test_array_values_metadata_and_markers(layout):
    rng = np.random.default_rng(7)
    data = rng.standard_normal((300, 3)) * 1e-5  # frames × channels, volts
    given = data.copy() if layout == "frames_channels" else data.T.copy()
    name = unique("py-array")
    events = [(0.5, 0.0, "go"), (1.25, 0.1, "stop")]
    player = Player.from_array(
        given, 200.0, ["Fz", "Cz", "TRG"], ch_types=["eeg", "eeg", "stim"], name=name,
        annotations=events, layout=layout, format="float64", chunk_size=4,
        wait_for_consumers=30,
    )
    assert player.stream_names == [name, f"{name}-markers"]
    given *= 0  # the player holds its own copy
    got = receive(player, [name, f"{name}-markers"])
    rec = got[name]
    assert rec.info.type() == "EEG" and rec.info.nominal_srate() == 200.0
    assert desc_channels(rec.info) == [("Fz", "eeg", "V"), ("Cz", "eeg", "V"), ("TRG", "stim", "")]
    np.testing.assert_array_equal(rec.values(), data)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, 200.0)
    assert_never_early(rec)
    markers = got[f"{name}-markers"]
    assert list(markers.values()[:, 0]) == ["go", "stop"]
    np.testing.assert_allclose(markers.timestamps(), stamps[[100, 250]], atol=1e-9)


def test_array_argument_mistakes_are_value_errors():
    with pytest.raises(ValueError, match="3 channels but 2 ch_names"):
        Player.from_array(np.zeros((10, 3)), 100.0, ["a", "b"])
    with pytest.raises(ValueError, match="data must be 2-D"):
        Player.from_array(np.zeros(10), 100.0, ["a"])
    with pytest.raises(ValueError, match="sampling rate"):
        Player.from_array(np.zeros((10, 1)), 0.0, ["a"])
    with pytest.raises(ValueError, match="layout: must be one of"):
        Player.from_array(np.zeros((10, 1)), 10.0, ["a"], layout="rows")


@pytest.mark.parametrize("fixture", ["int_raw.fif", "double_raw.fif"])
def test_raw_values_types_units_and_markers_from_the_first_sample(fixture):
    """int_raw: first_samp 1234 with a meas_date; double_raw: first_samp 500 without."""
    raw = mne.io.read_raw_fif(FIXTURES / "fif" / fixture, preload=True, verbose="error")
    assert raw.first_samp > 0 and len(raw.annotations) > 0
    name = unique("py-raw")
    player = Player.from_raw(raw, name=name, format="float64", wait_for_consumers=30)
    got = receive(player, [name, f"{name}-markers"])
    rec = got[name]
    chans = desc_channels(rec.info)
    assert [c[0] for c in chans] == raw.ch_names
    assert [c[1] for c in chans] == raw.get_channel_types()
    assert [c[2] for c in chans] == [SI_UNITS.get(ch["unit"], "") for ch in raw.info["chs"]]
    np.testing.assert_array_equal(rec.values(), raw.get_data().T)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, raw.info["sfreq"])
    # MNE's own placement of each annotation on a sample (first_samp included).
    events, ids = mne.events_from_annotations(raw, event_id=lambda d: 1, verbose="error")
    idx = events[:, 0] - raw.first_samp
    markers = got[f"{name}-markers"]
    want = [d for d, i in zip(raw.annotations.description, idx) if 0 <= i < raw.n_times]
    assert sorted(markers.values()[:, 0]) == sorted(want)
    np.testing.assert_allclose(
        np.sort(markers.timestamps()), np.sort(stamps[idx[(idx >= 0) & (idx < raw.n_times)]]),
        atol=1e-6,
    )


def test_raw_received_by_mne_lsl_stream_as_mne_has_it():
    raw = mne.io.read_raw_fif(FIXTURES / "fif" / "short_raw.fif", preload=True, verbose="error")
    name = unique("py-raw-mnelsl")
    assert Player.from_raw(raw, output="null").stream_names == ["short_raw", "short_raw-markers"]
    with Player.from_raw(raw, name=name, format="float64", annotations="none",
                         wait_for_consumers=30, start_delay=0.3) as player:
        stream = StreamLSL(bufsize=1.5, name=name)
        stream.connect(acquisition_delay=0.01, timeout=20)
        assert stream.ch_names == raw.ch_names
        assert stream.get_channel_types() == raw.get_channel_types()
        while player.running:
            time.sleep(0.05)
        time.sleep(0.3)
        data, _ = stream.get_data()
        stream.disconnect()
    n = data.shape[1]
    assert n == int(1.5 * raw.info["sfreq"])
    np.testing.assert_array_equal(data, raw.get_data()[:, -n:])


def test_raw_from_memory_equals_raw_array_built_in_python():
    info = mne.create_info(["a", "b"], 100.0, ["eeg", "misc"])
    raw = mne.io.RawArray(np.arange(400.0).reshape(2, 200) * 1e-6, info, first_samp=37,
                          verbose="error")
    raw.set_annotations(mne.Annotations([0.5], [0.0], ["x"]))
    player = Player.from_raw(raw, output="null")
    assert player.stream_names == ["raw", "raw-markers"]
    summary = player.start().wait()
    assert [s.samples for s in summary.streams] == [200, 1]
