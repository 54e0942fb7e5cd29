"""A file and a scenario replayed in-process, received by pylsl and by mne-lsl."""

from __future__ import annotations

import time

import mne
import numpy as np
import pytest
from conftest import (FIXTURES, assert_never_early, assert_regular_stamps, desc_channels,
                      receive, unique)
from mne_lsl.stream import StreamLSL

from player_host import Player

FIF = FIXTURES / "fif" / "short_raw.fif"
WAV = FIXTURES / "wav"
SI_UNITS = {107: "V", 112: "T", 201: "T/m"}


@pytest.fixture(scope="module")
def raw() -> mne.io.BaseRaw:
    return mne.io.read_raw_fif(FIF, preload=True, verbose="error")


def test_file_every_value_timestamp_channel_and_marker(raw):
    name = unique("py-file")
    player = Player(FIF, name=name, chunk_size=5, wait_for_consumers=30)
    assert player.stream_names == [name, f"{name}-markers"]
    got = receive(player, [name, f"{name}-markers"])
    rec = got[name]
    sfreq = raw.info["sfreq"]
    assert rec.info.nominal_srate() == pytest.approx(sfreq)
    chans = desc_channels(rec.info)
    assert [c[0] for c in chans] == raw.ch_names
    assert [c[1] for c in chans] == raw.get_channel_types()
    assert [c[2] for c in chans] == [SI_UNITS.get(ch["unit"], "") for ch in raw.info["chs"]]
    want = raw.get_data().T
    assert rec.values().shape == want.shape
    np.testing.assert_allclose(rec.values(), want.astype(np.float32), rtol=1e-6, atol=0)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, sfreq)
    assert_never_early(rec)
    summary = player.wait()
    assert summary.t0 == pytest.approx(stamps[0], abs=1e-9)
    assert not summary.interrupted and summary.failures == []
    assert summary.streams[0].samples == len(want)
    markers = got[f"{name}-markers"]
    idx = np.round(raw.annotations.onset * sfreq).astype(int) - raw.first_samp
    want_markers = sorted((stamps[0] + i / sfreq, d)
                          for i, d in zip(idx, raw.annotations.description) if 0 <= i < len(want))
    got_markers = sorted(zip(markers.timestamps(), markers.values()[:, 0]))
    assert [d for _, d in got_markers] == [d for _, d in want_markers]
    np.testing.assert_allclose([t for t, _ in got_markers], [t for t, _ in want_markers], atol=1e-6)


def test_file_received_by_mne_lsl_stream(raw):
    name = unique("py-mnelsl")
    with Player(FIF, name=name, format="float64", annotations="none",
                wait_for_consumers=30, start_delay=0.3) as player:
        stream = StreamLSL(bufsize=1.5, name=name)
        stream.connect(acquisition_delay=0.01, timeout=20)
        assert stream.ch_names == raw.ch_names
        assert stream.get_channel_types() == raw.get_channel_types()
        assert stream.info["sfreq"] == pytest.approx(raw.info["sfreq"])
        while player.running:
            time.sleep(0.05)
        time.sleep(0.3)
        data, _ = stream.get_data()
        stream.disconnect()
    # The buffer holds the last 1.5 s: they equal the file's last 1.5 s, as MNE reads it.
    n = data.shape[1]
    assert n == int(1.5 * raw.info["sfreq"])
    np.testing.assert_array_equal(data, raw.get_data()[:, -n:])


def test_scenario_two_files_one_clock(tmp_path, raw):
    wav = next(p for p in sorted(WAV.glob("*.wav")) if not p.name.startswith("bad"))
    a, b = unique("py-scn-fif"), unique("py-scn-wav")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "wait_for_consumers: 30\nstreams:\n"
        f"  - file: {FIF}\n    name: {a}\n    annotations: none\n"
        f"  - file: {wav}\n    name: {b}\n    offset: 0.25\n    chunk_size: 32\n"
    )
    player = Player.from_scenario(scenario)
    assert player.stream_names == [a, b]
    got = receive(player, [a, b])
    assert got[a].values().shape == (raw.n_times, len(raw.ch_names))
    assert len(got[b].stamps) > 0
    # One t0: the WAV's first sample is 0.25 s after the FIF's.
    assert got[b].stamps[0] - got[a].stamps[0] == pytest.approx(0.25, abs=1e-6)
    for rec in got.values():
        assert_regular_stamps(rec.timestamps(), rec.info.nominal_srate())
        assert_never_early(rec)
    assert [s.name for s in player.stats] == [a, b]
    assert all(s.finished for s in player.stats)


def test_a_scenario_path_given_to_player_is_played_as_a_scenario(tmp_path):
    name = unique("py-scn-path")
    scenario = tmp_path / "s.yml"
    scenario.write_text(f"streams:\n  - file: {FIF}\n    name: {name}\n")
    player = Player(scenario, output="null")
    assert player.stream_names == [name, f"{name}-markers"]
    with pytest.raises(ValueError, match="is a scenario: set chunk_size"):
        Player(scenario, chunk_size=3)


def test_several_files_play_on_one_clock(raw):
    wav = next(p for p in sorted(WAV.glob("*.wav")) if not p.name.startswith("bad"))
    player = Player([FIF, wav], annotations="none", output="null").start()
    summary = player.wait(timeout=30)
    assert summary is not None
    assert [s.samples for s in summary.streams][0] == raw.n_times
    assert len(summary.streams) == 2 and all(s.finished for s in summary.streams)
