"""Time from SIGINT (or SIGTERM) to the exit of a playing `player-host` (issue target:
within 100 ms, summary printed, exit 130/143).

    python bench/shutdown.py [--runs 20] [--output lsl|null]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--output", default="lsl", choices=["lsl", "null"])
    args = parser.parse_args()
    host = os.environ.get("PLAYER_HOST", str(REPO / "target" / "release" / "player-host"))
    wav = REPO / "examples" / "fixtures" / "wav" / "demo-tone-8k-mono.wav"
    rows = []
    for sig, expected in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        times = []
        for i in range(args.runs):
            proc = subprocess.Popen(
                [host, "play", str(wav), "--name", f"shutdown-bench-{os.getpid()}-{i}",
                 "--repeat", "forever", "--output", args.output],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )
            time.sleep(0.5)
            start = time.monotonic()
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=10)
            times.append(time.monotonic() - start)
            if proc.returncode != expected or "stopped in" not in err:
                print(f"{sig.name}: exit {proc.returncode}, stderr: {err}", file=sys.stderr)
                return 1
        rows.append((sig.name, statistics.median(times), max(times)))
    print(f"| signal | runs | median (ms) | max (ms) |  output: {args.output}")
    print("|---|---|---|---|")
    for name, med, mx in rows:
        print(f"| {name} | {args.runs} | {med * 1e3:.1f} | {mx * 1e3:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
