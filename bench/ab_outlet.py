"""A/B: player-host against a plain liblsl outlet, same liblsl, same receiver.

    python bench/ab_outlet.py [--reps 3] [--seconds 10] [--chunks 10,1]
                              [--liblsl bundled,current] [--senders player,plain]
                              [--player-env NAME=VALUE ...]

48 kHz stereo, float32 on the wire, chunk 10 (4800 pushes/s) and chunk 1 (48 000 pushes/s).
Each sender publishes one stream to one independent receiver (bench/receiver.py), which
stamps every arrival; the figures are the chunk lateness (arrival of a chunk's last sample
minus its timestamp) and, for player-host, its own push lateness (`--stats-json`):

* `player`: `player-host play WAV --chunk-size K` (a 16-bit WAV, float32 on the wire);
* `plain`: bench/plain_outlet.c, liblsl's C API with its defaults, built here against the
  bundled liblsl 1.13 (the static archive cargo built) or the current one (pylsl's
  `liblsl.so`), pushing each chunk when its last sample is due from an ordinary thread.

Runs are interleaved (every configuration once, then again) so that the machine's load
falls on all alike; `uptime` is printed before and after. `--player-env` adds variables
to player-host's environment (e.g. `PLAYER_REALTIME=0`) as an extra sender `player+ENV`.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402
from run import engine_stats, liblsl_setting, measure, ph_play, player_env, uname  # noqa: E402

RATE, CHANNELS = 48000, 2


def build_plain(tmp: Path, lib: str) -> Path:
    """Compiles bench/plain_outlet.c against `lib` (`bundled` or a liblsl.so path).

    Parameters
    ----------
    tmp : Path
        Where the executable goes.
    lib : str
        `bundled`: cargo's liblsl 1.13 static archive (`target/release/build/lsl-sys-*`);
        else the path of a liblsl shared library.

    Returns
    -------
    Path
        The executable.
    """
    outs = sorted(glob.glob(str(REPO / "target/release/build/lsl-sys-*/out")),
                  key=lambda p: os.path.getmtime(p))
    if not outs:
        sys.exit("no liblsl build under target/release: run `cargo build --release -p player-host`")
    include = Path(outs[-1]) / "include"
    exe = tmp / f"plain-{'bundled' if lib == 'bundled' else 'current'}"
    if lib == "bundled":
        link = [str(Path(outs[-1]) / "lib" / "liblsl-static.a"), "-lstdc++", "-lpthread", "-lm"]
    else:
        path = Path(lib).resolve()
        link = [str(path), f"-Wl,-rpath,{path.parent}"]
    subprocess.run(["cc", "-O2", "-I", str(include), str(HERE / "plain_outlet.c"), "-o", str(exe)]
                   + link, check=True)
    return exe


def trial(tmp: Path, wav: Path, sender: str, lib: str, chunk: int, seconds: float,
          plain: Path, extra_env: dict[str, str]) -> dict:
    """One run of one sender; the receiver's chunk lateness and the player's own."""
    name = uname("ab")
    n = int(RATE * seconds)
    stats = tmp / f"{name}.json"
    if sender == "plain":
        cmd: list = [plain, name, RATE, CHANNELS, seconds, chunk]
        env = None
    else:
        cmd = ph_play(wav, name, chunk, 1, stats)
        env = {**(player_env(lib) or dict(os.environ)), **extra_env}
    r = measure(tmp, cmd, [name], [n], max_seconds=seconds * 4 + 20, idle=3.0,
                chunks=[chunk], pass_lens=[n], player_env=env)
    s = r["streams"][0] if r.get("streams") else {}
    eng = engine_stats(stats) if sender != "plain" else None
    return {"n": s.get("n", 0), "expect": n, "p50": s.get("chunk_p50"), "p99": s.get("chunk_p99"),
            "max": s.get("chunk_max"), "cpu": s.get("cpu_per_s"), "error": r.get("error"),
            "engine_p99": eng["streams"][0]["lateness_p99"] if eng and eng.get("streams") else None}


def fmt_ms(x: float | None) -> str:
    return "–" if x is None else f"{x * 1e3:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--chunks", default="10,1")
    ap.add_argument("--liblsl", default="bundled,current")
    ap.add_argument("--senders", default="player,plain")
    ap.add_argument("--player-env", action="append", default=[],
                    help="NAME=VALUE for an extra player-host sender, repeatable")
    args = ap.parse_args()
    print("uptime before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    extra = dict(kv.split("=", 1) for kv in args.player_env)
    senders = args.senders.split(",") + (["player+env"] if extra else [])
    rows: dict[tuple, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="player-bench-ab-") as t:
        tmp = Path(t)
        wav = gen.wav(tmp / "ab.wav", RATE, CHANNELS, args.seconds)
        libs = args.liblsl.split(",")
        plains = {lib: build_plain(tmp, "bundled" if lib == "bundled" else liblsl_setting(lib))
                  for lib in libs}
        for rep in range(args.reps):
            for chunk in (int(c) for c in args.chunks.split(",")):
                for lib in libs:
                    for sender in senders:
                        r = trial(tmp, wav, sender, lib, chunk, args.seconds, plains[lib],
                                  extra if sender == "player+env" else {})
                        rows.setdefault((lib, chunk, sender), []).append(r)
                        print(f"rep {rep} {lib} chunk {chunk} {sender}: {r['n']}/{r['expect']} "
                              f"p50 {fmt_ms(r['p50'])} p99 {fmt_ms(r['p99'])} max {fmt_ms(r['max'])} "
                              f"engine p99 {fmt_ms(r['engine_p99'])} {r['error'] or ''}", flush=True)
    print("uptime after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    env_label = " ".join(f"{k}={v}" for k, v in extra.items())
    print("\n| liblsl | chunk | sender | samples (every run) | chunk p50 (ms) | chunk p99 (ms), "
          "each run | median p99 (ms) | engine p99 (ms) |")
    print("|---|---:|---|---|---:|---|---:|---:|")
    for (lib, chunk, sender), rs in rows.items():
        p99s = [r["p99"] for r in rs if r["p99"] is not None]
        eng = [r["engine_p99"] for r in rs if r["engine_p99"] is not None]
        label = f"player-host {env_label}" if sender == "player+env" else (
            "player-host" if sender == "player" else "plain outlet")
        print(f"| {lib} | {chunk} | {label} | "
              f"{', '.join(str(r['n']) + '/' + str(r['expect']) for r in rs)} | "
              f"{fmt_ms(float(np.median([r['p50'] for r in rs if r['p50'] is not None])) if p99s else None)} | "
              f"{', '.join(fmt_ms(p) for p in p99s)} | "
              f"{fmt_ms(float(np.median(p99s)) if p99s else None)} | "
              f"{fmt_ms(max(eng)) if eng else '–'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
