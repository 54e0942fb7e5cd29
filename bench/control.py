"""Live control latency: from a control-socket request to its effect on the wire.

    python bench/control.py [--seeks 60] [--chunks 1,10,80]

Plays a 60 s, 8 kHz float32 ramp (frame k holds k / 16384, so every received value says
which frame it is) with `player-host play --control SOCK`, receives it with pylsl in this
process, and sends `seek` requests to random positions over the socket. For each request:

* **applied**: the request's send time (``pylsl.local_clock()``) to the timestamp of the
  first sample of the new position: how soon the stream's data changes on its own
  timeline (the timing thread applies a request between two pushes);
* **arrived**: the send time to the arrival of that sample at the receiver. A chunk goes
  out when its last sample is due, so this includes one chunk's duration by design
  (chunk 80 at 8 kHz: 10 ms), plus LSL's transfer.

Prints p50/p99/max per chunk size (and a JSON line); numbers and conditions are in
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pylsl
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
RATE = 8000
SECONDS = 60


def player_host() -> str:
    """The binary under test."""
    return os.environ.get("PLAYER_HOST", str(REPO / "target" / "release" / "player-host"))


def ramp(path: Path) -> None:
    """Writes the ramp WAV."""
    k = np.arange(RATE * SECONDS, dtype=np.float64)
    sf.write(path, (k / 16384.0).astype(np.float32), RATE, subtype="FLOAT")


def request(sock_path: Path, obj: dict) -> dict:
    """Sends one JSON line and returns the answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(sock_path))
        s.sendall((json.dumps(obj) + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            part = s.recv(4096)
            if not part:
                break
            answer += part
    return json.loads(answer)


def trial(tmp: Path, wav: Path, chunk: int, seeks: int) -> dict:
    """One run at `chunk` frames per push; the latencies in seconds."""
    name = f"ctl-{uuid.uuid4().hex[:8]}"
    sock_path = tmp / f"{name}.sock"
    proc = subprocess.Popen(
        [player_host(), "play", str(wav), "--name", name, "--chunk-size", str(chunk),
         "--control", str(sock_path), "--wait-for-consumers", "data,30", "--quiet"],
        stdin=subprocess.DEVNULL,
    )
    try:
        infos = pylsl.resolve_byprop("name", name, timeout=20)
        inlet = pylsl.StreamInlet(infos[0], max_buflen=60)
        inlet.open_stream(timeout=10)
        while not sock_path.exists():
            time.sleep(0.01)
        rng = random.Random(chunk)
        applied, arrived = [], []
        pull_for(inlet, 0.5)
        for _ in range(seeks):
            target = rng.uniform(1.0, SECONDS - 5.0)
            want = int(np.ceil(target * RATE - 1e-9))
            sent = pylsl.local_clock()
            answer = request(sock_path, {"cmd": "seek", "to": target})
            assert answer.get("ok"), answer
            hit = wait_for_frame(inlet, want, sent + 2.0)
            if hit is None:
                continue
            stamp, arrival = hit
            applied.append(stamp - sent)
            arrived.append(arrival - sent)
            pull_for(inlet, rng.uniform(0.05, 0.2))
        request(sock_path, {"cmd": "stop"})
    finally:
        proc.wait(timeout=20) if proc.poll() is None else None
        if proc.poll() is None:
            proc.kill()
    return {"chunk": chunk, "applied": applied, "arrived": arrived}


def pull_for(inlet: pylsl.StreamInlet, seconds: float) -> None:
    """Drains the inlet for `seconds`."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not inlet.pull_chunk(timeout=0.0, max_samples=8192)[1]:
            time.sleep(0.001)


def wait_for_frame(inlet: pylsl.StreamInlet, frame: int, deadline: float):
    """The (timestamp, arrival) of the first received sample of `frame`, or None."""
    while pylsl.local_clock() < deadline:
        # timeout 0: return what is there at once (a timeout makes liblsl wait for a full
        # buffer); poll every 0.2 ms, as bench/receiver.py does with several streams.
        data, stamps = inlet.pull_chunk(timeout=0.0, max_samples=8192)
        now = pylsl.local_clock()
        if not stamps:
            time.sleep(0.0002)
        for value, stamp in zip(data, stamps):
            if round(value[0] * 16384) == frame:
                return stamp, now
    return None


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    return float(np.quantile(np.asarray(values), q) * 1e3) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeks", type=int, default=60)
    ap.add_argument("--chunks", default="1,10,80")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="player-bench-control-") as t:
        tmp = Path(t)
        wav = tmp / "ramp.wav"
        ramp(wav)
        results = [trial(tmp, wav, int(c), args.seeks) for c in args.chunks.split(",")]
    print(f"{'chunk':>6} {'ms of data':>10} {'n':>4} {'applied p50':>12} {'p99':>8} "
          f"{'max':>8} {'arrived p50':>12} {'p99':>8} {'max':>8}")
    for r in results:
        c = r["chunk"]
        print(f"{c:>6} {c / RATE * 1e3:>10.3f} {len(r['applied']):>4} "
              f"{pct(r['applied'], 0.5):>12.3f} {pct(r['applied'], 0.99):>8.3f} "
              f"{pct(r['applied'], 1.0):>8.3f} {pct(r['arrived'], 0.5):>12.3f} "
              f"{pct(r['arrived'], 0.99):>8.3f} {pct(r['arrived'], 1.0):>8.3f}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
