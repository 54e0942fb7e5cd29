"""Memory of player-host with a consumer that stops taking data.

    python bench/slow_consumer.py [--seconds 60] [--rate 10000] [--channels 64]
                                  [--run LABEL=HOST[@LIBLSL]] ...

A pylsl inlet connects to one stream (a 16-bit WAV, float32 on the wire), then its process
is frozen (SIGSTOP) for the whole replay: it takes nothing, its TCP connection fills up and
the player's liblsl queues the rest for it. (A pylsl inlet that merely never calls pull
takes everything anyway: its liblsl receives in a background thread.) The player's
resident memory (VmRSS) is sampled every second; with a bounded outlet buffer it grows
until the bound is reached and then stays flat. Each ``--run`` plays the same file with
the binary HOST (default: target/release/player-host) and ``PLAYER_LIBLSL=LIBLSL`` (default:
unset); the default runs are this tree's binary on the bundled liblsl and on pylsl's.
Prints a markdown table (RSS in MB at each time).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "support"))
import gen  # noqa: E402
from processes import frozen_consumer, rss_kib  # noqa: E402  (shared with tests/e2e)

def one_run(wav: Path, host: str, liblsl: str | None, seconds: int) -> list[float | None]:
    """Plays `wav` to a frozen consumer; returns the player's RSS (MB) at each second.

    Parameters
    ----------
    wav : Path
        The file.
    host : str
        The player-host binary.
    liblsl : str or None
        ``PLAYER_LIBLSL`` for the player (None: unset).
    seconds : int
        The file's duration.

    Returns
    -------
    list of float or None
        RSS at 0, 1, ..., `seconds` s after the consumer was frozen.
    """
    env = dict(os.environ)
    env.pop("PLAYER_LIBLSL", None)
    if liblsl:
        env["PLAYER_LIBLSL"] = liblsl
    name = f"bench-slow-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen([host, "play", str(wav), "--name", name, "--wait-for-consumers",
                               "30", "--quiet"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        consumer = frozen_consumer(name)
    except RuntimeError:
        player.kill()
        player.wait()
        raise
    try:
        start = time.monotonic()
        samples = []
        for k in range(seconds + 1):
            time.sleep(max(0.0, start + k - time.monotonic()))
            kib = rss_kib(player.pid)
            samples.append(None if kib is None else kib * 1024 / 1e6)
        return samples
    finally:
        consumer.kill()  # SIGKILL works on a stopped process; its sockets close
        try:
            player.wait(timeout=30)
        except subprocess.TimeoutExpired:
            player.kill()
        consumer.wait()


def main() -> int:
    """Runs every configuration and prints the table.

    Returns
    -------
    int
        The exit status.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--run", action="append", default=[],
                    help="LABEL=HOST[@LIBLSL], repeatable")
    args = ap.parse_args()
    host = os.environ.get("PLAYER_HOST") or str(REPO / "target" / "release" / "player-host")
    runs = []
    for spec in args.run:
        label, _, rest = spec.partition("=")
        exe, _, lib = rest.partition("@")
        runs.append((label, exe or host, lib or None))
    if not runs:
        import pylsl.lib

        runs = [("bundled 1.13", host, "bundled"), ("pylsl's 1.18", host, pylsl.lib.lib._name)]
    with tempfile.TemporaryDirectory() as tmp:
        wav = gen.wav(Path(tmp) / "slow.wav", args.rate, args.channels, args.seconds)
        marks = [t for t in (0, 5, 10, 15, 20, 25, 30, 40, 50, 60, 90, 120) if t <= args.seconds]
        print(f"{args.channels} channels at {args.rate} Hz, float32 on the wire "
              f"({args.channels * 4 * args.rate / 1e6:.2f} MB/s), consumer frozen "
              f"for {args.seconds} s; player RSS in MB:\n")
        print("| run | " + " | ".join(f"{t} s" for t in marks) + " | max |")
        print("|---" * (len(marks) + 2) + "|")
        for label, exe, lib in runs:
            rss = one_run(wav, exe, lib, args.seconds)
            got = [r for r in rss if r is not None]
            cells = [f"{rss[t]:.0f}" if rss[t] is not None else "–" for t in marks]
            print(f"| {label} | " + " | ".join(cells) + f" | {max(got):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
