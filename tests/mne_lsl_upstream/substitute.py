"""Local stand-ins for the MNE-LSL datasets that its tests and tutorials download.

MNE-LSL's player tests read ``sample-eeg-ant-raw.fif`` from its *testing* dataset and its
tutorial ``sample-ecg-raw.fif`` from its *sample* dataset, both downloaded from the
internet, which CI here cannot reach. These functions generate recordings of the same
kind with MNE, as far as the tests and the tutorial depend on them:

``sample_eeg_ant_raw``
    67 channels of an ANT Neuro (eego) EEG cap: the 64 EEG channels of the waveguard
    layout (``Fp1`` first; ``F7``, ``Fpz``, ``Fp2``, ``M1`` and ``M2`` among them), then
    ``hEOG`` and ``vEOG`` (EOG) and ``ECG``: every channel measured in volts, no unit
    multiplier (the tests check ``get_channel_units`` against exactly that);
    1024 Hz, 2049 samples (2 s); no measurement date (``test_player_set_meas_date``
    expects none); no annotations (the tests add their own); the standard 10-05
    positions. The values are seeded noise of EEG amplitude (tens of microvolts): the
    tests compare what is received with the file, never with fixed numbers.
``sample_ecg_raw``
    An ECG recording: a single channel of type ``misc`` holding a bipolar ECG (as
    MNE-LSL's examples describe theirs), 512 Hz, 10 s; the tutorial crops 3 s of it and
    plays them with ``chunk_size=200``.

Nothing of MNE-LSL is copied here; the file names are theirs so that messages match.
"""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np

#: The 64 EEG channels of ANT Neuro's waveguard layout, in the amplifier's order.
WAVEGUARD_64 = (
    "Fp1 Fpz Fp2 F7 F3 Fz F4 F8 FC5 FC1 FC2 FC6 M1 T7 C3 Cz C4 T8 M2 CP5 CP1 CP2 CP6 P7 P3 "
    "Pz P4 P8 POz O1 Oz O2 AF7 AF3 AF4 AF8 F5 F1 F2 F6 FC3 FCz FC4 C5 C1 C2 C6 CP3 CP4 P5 "
    "P1 P2 P6 PO5 PO3 PO4 PO6 FT7 FT8 TP7 TP8 PO7 PO8 CPz"
).split()


def sample_eeg_ant_raw(seed: int = 0) -> mne.io.RawArray:
    """The stand-in for MNE-LSL's ``sample-eeg-ant-raw.fif`` (see the module docs)."""
    assert len(WAVEGUARD_64) == 64
    names = [*WAVEGUARD_64, "hEOG", "vEOG", "ECG"]
    types = ["eeg"] * 64 + ["eog", "eog", "ecg"]
    info = mne.create_info(names, 1024.0, types)
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((len(names), 2049)) * 20e-6
    raw = mne.io.RawArray(data, info, verbose="error")
    # MNE renamed its 10-05 template (standard_1005 is deprecated since MNE 1.13).
    montage = "colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages() else (
        "standard_1005")
    raw.set_montage(montage, on_missing="ignore", verbose="error")
    return raw


def sample_ecg_raw(seed: int = 1) -> mne.io.RawArray:
    """The stand-in for MNE-LSL's ``sample-ecg-raw.fif`` (see the module docs)."""
    sfreq, seconds = 512.0, 10
    times = np.arange(int(sfreq * seconds)) / sfreq
    beat = np.exp(-(((times % 0.8) - 0.2) ** 2) / (2 * 0.01**2)) * 1e-3  # ~75 beats/min
    rng = np.random.default_rng(seed)
    ecg = beat + rng.standard_normal(times.size) * 2e-5
    info = mne.create_info(["ECG"], sfreq, ["misc"])
    return mne.io.RawArray(ecg[np.newaxis], info, verbose="error")


def save(raw: mne.io.BaseRaw, path: Path) -> Path:
    """Writes `raw` as FIF (as MNE does by default: single precision) and returns the path."""
    raw.save(path, overwrite=True, verbose="error")
    return path
