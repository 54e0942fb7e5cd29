"""CSV end to end: an OpenBCI GUI recording and a plain table with a time column and
markers, replayed by `player-host play`, received by pylsl, compared value for value
with the files read by Python's csv module (the independent reader)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from conftest import FIXTURES, assert_never_early, assert_regular_stamps, desc_channels, play, unique

OPENBCI = FIXTURES / "csv" / "OpenBCI-RAW-2024-01-02_10-20-30.txt"
TABLE = FIXTURES / "csv" / "time_markers.csv"


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a table (OpenBCI's ``%`` lines skipped), fields stripped.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    tuple of (list of str, list of list of str)
        The header row and the data rows.
    """
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("%")]
    rows = [[f.strip() for f in r] for r in csv.reader(io.StringIO("\n".join(lines)))]
    return rows[0], rows[1:]


def test_openbci_recording_plays_exg_in_volts_accel_in_si_and_its_markers():
    header, rows = read_rows(OPENBCI)
    exg = [header.index(f"EXG Channel {i}") for i in range(8)]
    acc = [header.index(f"Accel Channel {i}") for i in range(3)]
    want = np.array([[float(r[c]) for c in exg + acc] for r in rows])
    want *= np.array([1e-6] * 8 + [9.80665] * 3)
    marker_col = header.index("Marker Channel")
    markers = [(k, r[marker_col]) for k, r in enumerate(rows) if float(r[marker_col]) != 0]
    assert len(markers) == 3

    name = unique("csv-openbci")
    received = play(OPENBCI, name, "--chunk-size", "5", "--format", "float64",
                    streams=[name, f"{name}-markers"])
    rec = received[name]
    assert rec.info.nominal_srate() == 250.0
    assert rec.info.type() == "EEG"
    channels = desc_channels(rec.info)
    assert [c[0] for c in channels] == [header[c] for c in exg + acc]
    assert [c[1] for c in channels] == ["eeg"] * 8 + ["misc"] * 3
    assert [c[2] for c in channels] == ["V"] * 8 + ["m/s^2"] * 3
    got = rec.values()
    assert got.shape == want.shape, "every sample, no more, no less"
    np.testing.assert_array_equal(got, want)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, 250.0)
    assert_never_early(rec)

    got_markers = received[f"{name}-markers"]
    texts = list(got_markers.values()[:, 0])
    assert texts == [t for _, t in markers]
    for (row, _), t in zip(markers, got_markers.timestamps()):
        assert abs(t - stamps[row]) < 1e-6, "each marker on its sample's timestamp"


def test_table_with_a_time_column_plays_at_the_measured_rate_with_markers():
    header, rows = read_rows(TABLE)
    played = [1, 2, 3, 4, 5]
    scale = np.array([1e-6, 1e-6, 1e-3, 1.0, 1.0])
    want = np.array([[float(r[c]) for c in played] for r in rows]) * scale
    times = np.array([float(r[0]) for r in rows])
    rate = round((len(times) - 1) / (times[-1] - times[0]))
    assert rate == 256
    events = [(k, r[6]) for k, r in enumerate(rows) if r[6] and r[6] != "0"]

    name = unique("csv-table")
    received = play(TABLE, name, "--chunk-size", "16", "--format", "float64",
                    streams=[name, f"{name}-markers"])
    rec = received[name]
    assert rec.info.nominal_srate() == 256.0
    assert [c[0] for c in desc_channels(rec.info)] == ["Fp1", "Cz", "ECG", "temperature", "Fp2, left"]
    np.testing.assert_array_equal(rec.values(), want)
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, 256.0)
    assert_never_early(rec)
    got = received[f"{name}-markers"]
    assert list(got.values()[:, 0]) == [t for _, t in events]
    for (row, _), t in zip(events, got.timestamps()):
        assert abs(t - stamps[row]) < 1e-6
