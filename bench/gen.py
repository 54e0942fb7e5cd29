"""Test-file generators for the benchmarks. Large files are written in pieces, never held
in memory. Every generator is deterministic (seeded)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def seed_fif(out: Path) -> Path:
    """The seed case: 3 s, 376 channels, 600.615 Hz, written by MNE."""
    subprocess.run(
        [sys.executable, str(REPO / "examples/fixtures/fif/make_meg_eeg.py"), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def _block(rng, frames: int, channels: int, start: int, rate: float) -> np.ndarray:
    """int16 frames: a per-channel sine plus noise (frames x channels)."""
    t = (start + np.arange(frames, dtype=np.float64)) / rate
    freqs = 5.0 + (np.arange(channels) % 40)
    x = 8000.0 * np.sin(2 * np.pi * t[:, None] * freqs[None, :])
    x += rng.normal(0, 500.0, size=x.shape)
    return np.clip(x, -32767, 32767).astype("<i2")


def wav(out: Path, rate: int, channels: int, seconds: float, seed: int = 0) -> Path:
    """16-bit PCM WAV (WAVE_FORMAT_EXTENSIBLE above 2 channels), written in pieces."""
    frames = int(round(rate * seconds))
    block_align = 2 * channels
    data_bytes = frames * block_align
    if data_bytes + 80 >= 2**32:
        raise ValueError(f"{out}: {data_bytes} bytes do not fit a RIFF WAV")
    ext = channels > 2
    if ext:
        fmt = struct.pack(
            "<HHIIHHHHI16s", 0xFFFE, channels, rate, rate * block_align, block_align, 16, 22, 16, 0,
            bytes.fromhex("0100000000001000800000aa00389b71"),
        )
    else:
        fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block_align, block_align, 16)
    rng = np.random.default_rng(seed)
    with open(out, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", data_bytes))
        step = max(1, min(frames, int(2e6 // channels)))
        # a few distinct blocks, cycled: fast to write however large the file
        pool = [_block(rng, step, channels, k * step, rate).tobytes() for k in range(3)]
        done, k = 0, 0
        while done < frames:
            n = min(step, frames - done)
            f.write(pool[k % 3][: n * block_align])
            done += n
            k += 1
    return out


def _field(value, width: int) -> bytes:
    s = str(value).encode("ascii")[:width]
    return s + b" " * (width - len(s))


def edf(out: Path, channels: int, rate: int, seconds: int, seed: int = 0) -> Path:
    """Plain EDF (16-bit), 1-second records, written record by record."""
    ns = channels
    hdr = b"".join(
        [
            _field("0", 8),
            _field("X X X X", 80),
            _field("Startdate X X X X", 80),
            _field("01.01.20", 8),
            _field("00.00.00", 8),
            _field(256 * (ns + 1), 8),
            _field("", 44),
            _field(seconds, 8),
            _field("1", 8),
            _field(ns, 4),
        ]
    )
    per = [
        [_field(f"EEG{i:03d}", 16) for i in range(ns)],
        [_field("AgAgCl electrode", 80)] * ns,
        [_field("uV", 8)] * ns,
        [_field("-3276.8", 8)] * ns,
        [_field("3276.7", 8)] * ns,
        [_field("-32768", 8)] * ns,
        [_field("32767", 8)] * ns,
        [_field("HP:0.1Hz", 80)] * ns,
        [_field(rate, 8)] * ns,
        [_field("", 32)] * ns,
    ]
    hdr += b"".join(b"".join(col) for col in per)
    assert len(hdr) == 256 * (ns + 1)
    rng = np.random.default_rng(seed)
    # A few distinct records, cycled: realistic values without generating 10 GB of noise.
    pool = [np.ascontiguousarray(_block(rng, rate, ns, k * rate, rate).T).tobytes() for k in range(7)]
    with open(out, "wb") as f:
        f.write(hdr)
        for r in range(seconds):
            f.write(pool[r % len(pool)])
    return out


def edf_pyedflib(out: Path, channels: int, rate: int, seconds: int, seed: int = 0) -> Path:
    """A small EDF written by pyedflib (an independent writer)."""
    import pyedflib

    rng = np.random.default_rng(seed)
    n = rate * seconds
    t = np.arange(n) / rate
    data = [50 * np.sin(2 * np.pi * (5 + i) * t) + rng.normal(0, 5, n) for i in range(channels)]
    headers = [
        {
            "label": f"EEG{i:03d}",
            "dimension": "uV",
            "sample_frequency": rate,
            "physical_min": -500.0,
            "physical_max": 500.0,
            "digital_min": -32768,
            "digital_max": 32767,
        }
        for i in range(channels)
    ]
    w = pyedflib.EdfWriter(str(out), channels, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        w.setSignalHeaders(headers)
        w.writeSamples(data)
    finally:
        w.close()
    return out


def small_fif(out: Path, channels: int, rate: float, seconds: float, seed: int = 0) -> Path:
    """An EEG FIF written by MNE."""
    import mne

    rng = np.random.default_rng(seed)
    n = int(round(rate * seconds))
    t = np.arange(n) / rate
    data = 2e-5 * np.sin(2 * np.pi * (5 + np.arange(channels))[:, None] * t) + rng.normal(0, 2e-6, (channels, n))
    info = mne.create_info([f"EEG{i:03d}" for i in range(channels)], rate, "eeg")
    mne.io.RawArray(data, info, verbose="error").save(out, fmt="single", overwrite=True, verbose="error")
    return out
