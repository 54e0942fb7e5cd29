"""MNE-LSL's PlayerLSL run in-process, as in its tutorial (run by bench/run.py).

    python bench/mne_player.py --main hog|sleep --n-repeat N --play PATH NAME CHUNK [--play ...]

Each `--play` starts one PlayerLSL(PATH, chunk_size=CHUNK, n_repeat=N, name=NAME) in this
process (PlayerLSL reads FIF/EDF itself; WAV files, which MNE cannot read, are loaded here
into a RawArray of `misc` channels and handed to PlayerLSL as a Raw, which it accepts). Then the main thread either hogs the CPU (`while player.running: pass`, the
tutorial's scenario 2) or polls with sleeps (`time.sleep(0.05)`, scenario 1 and what the
`mne-lsl player` command does with 1 s sleeps), until every player has finished.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def read_wav(path: str) -> tuple[np.ndarray, float]:
    """16-bit PCM WAV (plain or EXTENSIBLE) as float (frames x channels) in [-1, 1).

    soundfile (libsndfile) refuses more than 1024 channels, and the throughput case goes
    beyond: the benchmark's own WAV files are simple enough to read directly."""
    import struct

    with open(path, "rb") as f:
        head = f.read(12)
        assert head[:4] == b"RIFF" and head[8:12] == b"WAVE", path
        channels = rate = None
        while True:
            hdr = f.read(8)
            if len(hdr) < 8:
                raise ValueError(f"{path}: no data chunk")
            cid, size = hdr[:4], struct.unpack("<I", hdr[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(size)
                _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
                assert bits == 16, f"{path}: {bits}-bit (only 16-bit here)"
            elif cid == b"data":
                data = np.fromfile(f, dtype="<i2", count=size // 2)
                return data.reshape(-1, channels).astype(np.float32) / 32768.0, float(rate)
            else:
                f.seek(size + (size & 1), 1)


def load(path: str):
    if path.lower().endswith(".wav"):
        import mne

        data, rate = read_wav(path)
        info = mne.create_info([f"ch{i}" for i in range(data.shape[1])], rate, "misc")
        return mne.io.RawArray(data.T.astype(np.float64), info, verbose="error")
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--main", choices=["hog", "sleep"], default="hog")
    ap.add_argument("--n-repeat", type=int, default=1)
    ap.add_argument("--play", nargs=3, action="append", metavar=("PATH", "NAME", "CHUNK"), required=True)
    args = ap.parse_args()

    from mne_lsl import set_log_level
    from mne_lsl.player import PlayerLSL

    set_log_level("WARNING")
    players = [
        PlayerLSL(load(path), chunk_size=int(chunk), n_repeat=args.n_repeat, name=name)
        for path, name, chunk in args.play
    ]
    for p in players:
        p.start()
    if args.main == "hog":
        while any(p.running for p in players):
            pass
    else:
        while any(p.running for p in players):
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
