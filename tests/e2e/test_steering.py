"""The timing model over real LSL, received by pylsl: speed changes the spacing of the
timestamps (not the nominal rate), a cropped section loops with continuous timestamps,
markers follow the data across a seek, and every request is published on the
control-events stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from conftest import FIXTURES, Player, unique
from test_control import ctl_json, wait_for

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"
EDF = FIXTURES / "edf" / "edfplus_annotations.edf"


def test_speed_two_and_a_half_space_the_timestamps(tmp_path: Path) -> None:
    name, sock = unique("speed"), tmp_path / "s.sock"
    player = Player(["play", str(TONE), "--name", name, "--chunk-size", "40", "--format",
                     "float64", "--control", str(sock), "--wait-for-consumers", "data,30",
                     "--quiet", "--control-events"], [name, f"{name}-player"])
    rec = player.received[name]
    wait_for("0.2 s", lambda: player.pull(0.01) >= 0 and len(rec.stamps) >= 1600)
    assert ctl_json(sock, "speed", "2")["status"]["speed"] == 2.0
    wait_for("0.3 s more", lambda: player.pull(0.01) >= 0 and len(rec.stamps) >= 5000)
    assert ctl_json(sock, "speed", "0.5")["status"]["speed"] == 0.5
    wait_for("0.1 s more", lambda: player.pull(0.01) >= 0 and len(rec.stamps) >= 6000)
    assert ctl_json(sock, "speed", "100")["status"]["speed"] == 100.0
    code, _, err = player.collect()
    assert code == 0, err
    truth, _ = sf.read(TONE, dtype="float64", always_2d=True)
    np.testing.assert_array_equal(rec.values(), truth)  # every sample, once, in order
    gaps = np.diff(rec.timestamps())
    assert np.all(gaps > 0)
    assert rec.info.nominal_srate() == 8000.0, "the declared rate stays the file's"
    spacings = {round(g * 8000 * 1e6) / 1e6 for g in gaps}
    # 1 (speed 1), 1/2 (speed 2), 2 (speed 0.5), 1/100: the spacing is 1 / (rate * speed).
    assert {1.0, 0.5, 2.0, 0.01} <= spacings, spacings
    events = player.received[f"{name}-player"].values()[:, 0]
    assert [e.split()[:2] for e in events] == [["speed", "2"], ["speed", "0.5"],
                                               ["speed", "100"]], events


def test_a_cropped_section_loops_with_continuous_timestamps() -> None:
    name = unique("crop")
    player = Player(["play", str(TONE), "--name", name, "--from", "0.5", "--to", "0.75",
                     "--repeat", "3", "--format", "float64", "--wait-for-consumers",
                     "data,30", "--quiet"], [name])
    code, _, err = player.collect()
    assert code == 0, err
    rec = player.received[name]
    truth, _ = sf.read(TONE, dtype="float64", always_2d=True)
    section = truth[4000:6000]
    np.testing.assert_array_equal(rec.values(), np.concatenate([section] * 3))
    stamps = rec.timestamps()
    np.testing.assert_allclose(stamps - stamps[0], np.arange(6000) / 8000, atol=1e-9)


def test_markers_follow_the_data_across_a_seek(tmp_path: Path) -> None:
    # EDF+ at 100 Hz, 4 s; markers at 0, 0.5, 1.2345, 2, 3.99, 3.995 s.
    name, sock = unique("mseek"), tmp_path / "m.sock"
    markers = f"{name}-markers"
    player = Player(["play", str(EDF), "--name", name, "--chunk-size", "1", "--format",
                     "float64", "--control", str(sock), "--wait-for-consumers", "all,30",
                     "--quiet"], [name, markers])
    data = player.received[name]
    wait_for("0.7 s", lambda: player.pull(0.01) >= 0 and len(data.stamps) >= 70)
    assert ctl_json(sock, "seek", "2.5")["ok"]  # skips "stim B" and "no duration"
    code, _, err = player.collect()
    assert code == 0, err
    texts = list(player.received[markers].values()[:, 0])
    assert texts == ["start", "stim A", "near end éè", "same record"], texts
    stamps = dict(zip(texts, player.received[markers].timestamps()))
    data_stamps = data.timestamps()
    # A marker on a sample carries that sample's timestamp (3.99 s is sample 399).
    values = data.values()[:, 0]
    assert np.min(np.abs(data_stamps - stamps["near end éè"])) < 1e-9
    assert np.all(np.diff(data_stamps) > 0)
    assert len(values) < 400, "the seek skipped data"

