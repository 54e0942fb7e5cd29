"""Many streams in one scenario: threads, memory, CPU and the engine's lateness.

    python bench/many_streams.py [--counts 256,1000] [--seconds 10] [--rate 250]
                                 [--liblsl bundled,current] [--nofile 40000]
                                 [--null-only] [--builds LABEL=PATH,...] [--reps N]
                                 [--lsl-config PATH]

Plays N copies of a small mono WAV (RATE Hz, chunk 10) in one scenario, once with
`--output null` (the engine alone: pacing, prefetch, scheduling) and once with LSL
outlets (no consumer connected) per liblsl of `--liblsl` (as in `bench/run.py`: `bundled`,
`current` = pylsl's, or a path), and samples the player's /proc status every 100 ms:
peak threads, peak RSS (VmHWM), CPU seconds per replayed second, time to the first
push (start-up: opening files and creating outlets), and the engine's own lateness
(`--stats-json`: push time minus due time, worst stream's p99 and max). Numbers and
conditions are in bench/README.md. `--nofile N` raises the player's limit of open files
to N (root may raise the hard limit too): liblsl 1.13 needs about 34 per outlet.
`--builds` runs several player-host binaries side by side (interleaved, `--reps` times
each): a change's effect, measured in one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import soundfile as sf

from run import liblsl_label, liblsl_setting, parse_builds

REPO = Path(__file__).resolve().parents[1]


def player_host() -> str:
    """The binary under test."""
    return os.environ.get("PLAYER_HOST", str(REPO / "target" / "release" / "player-host"))


def proc_status(pid: int) -> dict[str, int]:
    """Threads and VmHWM (kB) of a process, from /proc."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Threads", "VmHWM"):
                out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def raise_nofile(limit: int | None):
    """A `preexec_fn` that sets the child's open-file limit to `limit` (soft and hard)."""
    if not limit:
        return None

    def apply() -> None:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, max(limit, hard)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))

    return apply


def trial(tmp: Path, wav: Path, count: int, output: str, seconds: float, liblsl: str = "",
          nofile: int | None = None, exe: str | None = None,
          lsl_config: str | None = None) -> dict:
    """One run of `count` streams to `output` (`liblsl`: a `--liblsl` choice for LSL
    output, `nofile`: the open-file limit to set, `exe`: the binary); what it cost.

    Parameters
    ----------
    tmp : Path
        Where to write the scenario and the statistics.
    wav : Path
        The recording every stream plays.
    count : int
        Streams in the scenario.
    output : str
        ``"null"`` or ``"lsl"``.
    seconds : float
        The recording's duration.
    liblsl : str
        For LSL output: ``"bundled"``, ``"current"`` or a path (empty: the environment's).
    nofile : int or None
        The player's open-file limit, or None to inherit it.
    exe : str or None
        The player-host binary (None: `PLAYER_HOST`, else this checkout's release build).
    lsl_config : str or None
        For LSL output: liblsl's configuration file (`--lsl-config`), or None for none.

    Returns
    -------
    dict
        Exit status, peak threads and RSS, start-up, CPU and the engine's lateness.
    """
    tag = uuid.uuid4().hex[:6]
    scenario = tmp / f"many-{count}-{output}.yaml"
    lines = ["streams:"]
    for i in range(count):
        lines += [f"  - file: {wav}", f"    name: many-{tag}-{i}", "    chunk_size: 10"]
    scenario.write_text("\n".join(lines) + "\n")
    stats = tmp / f"many-{count}-{output}.json"
    started = time.monotonic()
    env = dict(os.environ)
    if output == "lsl" and liblsl:
        env["PLAYER_LIBLSL"] = liblsl_setting(liblsl)
    config = ["--lsl-config", lsl_config] if lsl_config and output == "lsl" else []
    proc = subprocess.Popen([exe or player_host(), "run", str(scenario), "--output", output, "--quiet",
                             "--stats-json", str(stats), *config], stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=raise_nofile(nofile))
    threads, rss, cpu_end = 0, 0, None
    while proc.poll() is None:
        st = proc_status(proc.pid)
        threads = max(threads, st.get("Threads", 0))
        rss = max(rss, st.get("VmHWM", 0))
        cpu_end = cpu_seconds(proc.pid) or cpu_end
        time.sleep(0.1)
    wall = time.monotonic() - started
    err = proc.stderr.read() if proc.stderr else ""
    label = output if output == "null" or not liblsl else liblsl_label(liblsl).replace(
        "player-host (", "lsl (")
    result = {"count": count, "output": label, "exit": proc.returncode, "threads": threads,
              "rss_mb": rss / 1024, "wall": wall, "cpu": cpu_end, "error": err.strip()[-300:]}
    if stats.exists():
        s = json.loads(stats.read_text())
        result["samples"] = sum(x["samples"] for x in s["streams"])
        result["expected"] = count * int(seconds * RATE[0])
        result["p99_ms"] = max(x["lateness_p99"] for x in s["streams"]) * 1e3
        result["max_ms"] = max(x["lateness_max"] for x in s["streams"]) * 1e3
        result["startup"] = wall - s["wall_seconds"]
        result["cpu_per_s"] = (cpu_end or 0) / max(s["wall_seconds"], 1e-9)
    return result


RATE = [250]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counts", default="256,1000")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=int, default=250)
    ap.add_argument("--liblsl", default="",
                    help="comma-separated liblsl builds for the LSL runs: bundled, current "
                         "(pylsl's liblsl) or a path (default: the environment's)")
    ap.add_argument("--nofile", type=int, default=None,
                    help="the player's open-file limit (default: inherited)")
    ap.add_argument("--null-only", action="store_true",
                    help="only the runs with --output null (the engine alone)")
    ap.add_argument("--builds", default="",
                    help="comma-separated LABEL=PATH player-host binaries, run side by side "
                         "(default: PLAYER_HOST or this checkout's release build)")
    ap.add_argument("--reps", type=int, default=1, help="runs of each case and build")
    ap.add_argument("--lsl-config", default=None,
                    help="liblsl's configuration file for the LSL runs (e.g. IPv4 only, "
                         "machine scope: fewer descriptors per outlet)")
    args = ap.parse_args()
    try:
        builds = parse_builds(args.builds)
    except ValueError as e:
        ap.error(str(e))
    RATE[0] = args.rate
    with tempfile.TemporaryDirectory(prefix="player-bench-many-") as t:
        tmp = Path(t)
        wav = tmp / "small.wav"
        n = int(args.seconds * args.rate)
        sf.write(wav, (np.sin(np.arange(n) / 10.0) * 0.5).astype(np.float32), args.rate,
                 subtype="FLOAT")
        runs = [("null", "")]
        if not args.null_only:
            runs += [("lsl", lib) for lib in args.liblsl.split(",")]
        results = []
        for _ in range(args.reps):
            for c in args.counts.split(","):
                for out, lib in runs:
                    for label, exe in builds:
                        r = trial(tmp, wav, int(c), out, args.seconds, lib, args.nofile,
                                  exe or None, args.lsl_config)
                        results.append({"build": label, **r})
                        print(f"{label} {c} {r['output']}: p99 {r.get('p99_ms', float('nan')):.2f} ms",
                              file=sys.stderr)
    print("| build | streams | output | samples | peak threads | peak RSS (MB) | start-up (s) | "
          "start to exit (s) | CPU s/s | engine worst p99 (ms) | worst max (ms) | exit |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['build']} | {r['count']} | {r['output']} | {r.get('samples', '–')}/{r.get('expected', '–')} "
              f"| {r['threads']} | {r['rss_mb']:.0f} | {r.get('startup', float('nan')):.2f} "
              f"| {r['wall']:.2f} | {r.get('cpu_per_s', float('nan')):.2f} | {r.get('p99_ms', float('nan')):.2f} "
              f"| {r.get('max_ms', float('nan')):.2f} | {r['exit']} |")
        if r["exit"] != 0:
            print(f"  error: {r['error']}", file=sys.stderr)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
