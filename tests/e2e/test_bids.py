"""A BIDS run end to end: `player-host play ROOT --bids ENTITIES` and a scenario's `bids:`
entry replay every recording of the run on one clock, with what `channels.tsv` and
`events.tsv` say, received by pylsl and compared with MNE-BIDS' `read_raw_bids`
(examples/fixtures/bids/truth.json, written by examples/fixtures/bids/make_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pylsl
import pytest

from conftest import (FIXTURES, Player, assert_never_early, assert_regular_stamps,
                      desc_channels, play, player_host, unique)

BIDS = FIXTURES / "bids"
ROOT = BIDS / "dataset"
TRUTH = json.loads((BIDS / "truth.json").read_text())
EEG = "sub-01/ses-1/eeg/sub-01_ses-1_task-rest_run-1_eeg.edf"
MEG = "sub-01/ses-1/meg/sub-01_ses-1_task-rest_run-1_meg.fif"
PHYSIO = "sub-01/ses-1/eeg/sub-01_ses-1_task-rest_run-1_recording-{}_physio"
VOLTS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6}
KINDS = {"cardiac": "ecg", "respiratory": "resp", "trigger": "stim"}


def truth_values(key: str) -> np.ndarray:
    """The values MNE-BIDS reads for a recording (frames x channels, SI units)."""
    t = TRUTH[key]
    data = np.frombuffer((BIDS / t["values"]).read_bytes(), dtype="<f8")
    return data.reshape(t["frames"], len(t["channels"]))


def channel_status(info: pylsl.StreamInfo) -> dict[str, tuple[str, str]]:
    """(status, status_description) of every channel in a stream's desc."""
    out = {}
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out[ch.child_value("label")] = (ch.child_value("status"),
                                        ch.child_value("status_description"))
        ch = ch.next_sibling("channel")
    return out


def check_recording(received, name: str, key: str, t0: float, offset: float) -> None:
    """One recording of the run as MNE-BIDS reads it, at t0 + offset."""
    truth = TRUTH[key]
    rec = received[name]
    labels, kinds, units = zip(*desc_channels(rec.info))
    assert list(labels) == truth["channels"]
    # MEG types are the recording's (as MNE-BIDS keeps them); the others channels.tsv's.
    assert list(kinds) == truth["types"]
    assert rec.info.nominal_srate() == truth["rate"]
    got = rec.values()
    assert got.shape == (truth["frames"], len(truth["channels"])), "every sample"
    want = truth_values(key)
    # The EDF reader's scaling and MNE's differ in the last bits (docs/readers/edf.md):
    # 1e-12 of each channel's range, also where a value is 0.
    scale = np.abs(want).max(axis=0)
    err = np.abs(got - want) / np.where(scale > 0, scale, 1.0)
    assert err.max() < 1e-12, f"values differ from MNE-BIDS' by {err.max()} of the range"
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, truth["rate"], first=t0 + offset)
    assert_never_early(rec)
    status = channel_status(rec.info)
    bads = [label for label, (s, _) in status.items() if s == "bad"]
    assert bads == truth["bads"]


def check_markers(received, name: str, key: str, t0: float, offset: float) -> None:
    """The markers are the recording's events.tsv rows, on their samples."""
    markers = received[name]
    got = list(zip(markers.timestamps(), markers.values()[:, 0]))
    want = [(t0 + offset + a["onset"], a["description"]) for a in TRUTH[key]["annotations"]]
    assert [g[1] for g in got] == [w[1] for w in want]
    for (gt, _), (wt, _) in zip(got, want):
        assert abs(gt - wt) < 1e-6


def check_physio(received, name: str, label: str, t0: float) -> None:
    """A physio recording as its .tsv.gz and JSON sidecar say (read here with numpy and
    json, as the BIDS specification describes them), on the EEG's clock: its first
    sample at StartTime from the EEG's (a recording that started earlier is cropped to
    the EEG's start, at its first sample after it)."""
    stem = ROOT / PHYSIO.format(label)
    sidecar = json.loads(stem.with_suffix(".json").read_text())
    # numpy decompresses a .gz file itself; no header row.
    table = np.loadtxt(f"{stem}.tsv.gz", delimiter="\t", ndmin=2)
    columns, rate, start = sidecar["Columns"], sidecar["SamplingFrequency"], sidecar["StartTime"]
    assert table.shape[1] == len(columns)
    units = [sidecar.get(c, {}).get("Units") for c in columns]
    want = table * np.array([VOLTS.get(u, 1.0) for u in units])
    first = max(0, int(np.ceil(-start * rate - 1e-9)))
    want = want[first:]
    rec = received[name]
    labels, kinds, got_units = zip(*desc_channels(rec.info))
    assert list(labels) == columns
    assert list(kinds) == [KINDS.get(c, "misc") for c in columns]
    assert list(got_units) == ["V" if u in VOLTS else (u or "") for u in units]
    assert rec.info.nominal_srate() == rate
    got = rec.values()
    assert got.shape == want.shape, "every sample from the EEG's start on"
    np.testing.assert_array_equal(got, want)
    stamps = rec.timestamps()
    # Its first sample played is row `first`, at StartTime + first / rate on the EEG's clock.
    assert abs(stamps[0] - t0 - (start + first / rate)) < 1e-6
    assert_regular_stamps(stamps, rate, first=stamps[0])
    assert_never_early(rec)


def test_a_bids_run_plays_every_recording_with_its_sidecars():
    name = unique("bids-run")
    physio = [f"{name}-physio-cardiac", f"{name}-physio-respiratory"]
    streams = [f"{name}-eeg", f"{name}-eeg-markers", f"{name}-meg", f"{name}-meg-markers",
               *physio]
    received = play(ROOT, name, "--bids", "sub-01_task-rest_run-1", "--format", "float64",
                    streams=streams)
    t0 = received[f"{name}-eeg"].timestamps()[0]
    check_recording(received, f"{name}-eeg", EEG, t0, 0.0)
    # The MEG was acquired 0.75 s after the EEG (scans.tsv): it starts 0.75 s later.
    check_recording(received, f"{name}-meg", MEG, t0, 0.75)
    check_markers(received, f"{name}-eeg-markers", EEG, t0, 0.0)
    check_markers(received, f"{name}-meg-markers", MEG, t0, 0.75)
    status = channel_status(received[f"{name}-eeg"].info)
    assert status["Cz"] == ("bad", "flat line")
    assert status["Fz"] == ("good", "")
    # Physio: cardiac started 0.5 s before the EEG (cropped), respiratory 0.2 s after.
    check_physio(received, f"{name}-physio-cardiac", "cardiac", t0)
    check_physio(received, f"{name}-physio-respiratory", "respiratory", t0)


def test_a_scenario_bids_entry_selects_one_datatype(tmp_path: Path):
    name = unique("bids-yaml")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "format: float64\nwait_for_consumers: all,30\nstreams:\n"
        f"  - bids: {{root: {ROOT}, subject: \"01\", session: \"1\", task: rest, run: 1,"
        " datatype: eeg}\n"
        f"    name: {name}\n"
    )
    # The EEG's physio recordings (in its folder) come with it: the run has several.
    physio = [f"{name}-physio-cardiac", f"{name}-physio-respiratory"]
    player = Player(["run", str(scenario), "--quiet"],
                    [f"{name}-eeg", f"{name}-eeg-markers", *physio])
    code, _, err = player.collect()
    assert code == 0, err
    t0 = player.received[f"{name}-eeg"].timestamps()[0]
    check_recording(player.received, f"{name}-eeg", EEG, t0, 0.0)
    check_markers(player.received, f"{name}-eeg-markers", EEG, t0, 0.0)
    check_physio(player.received, physio[0], "cardiac", t0)


@pytest.mark.parametrize("entities, message", [
    ("sub-01_task-rest", "matches 2 runs: sub-01_ses-1_task-rest_run-1, "
                         "sub-01_ses-1_task-rest_run-2"),
    ("sub-07", "no run matches sub-07; the runs of the data set: sub-01_ses-1_task-rest_run-1"),
])
def test_a_selection_of_no_run_or_several_lists_the_candidates(entities: str, message: str):
    import subprocess
    done = subprocess.run([player_host(), "play", str(ROOT), "--bids", entities, "--dry-run"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and message in done.stderr, done.stderr
