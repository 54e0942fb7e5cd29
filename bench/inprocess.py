"""In-process players side by side: player_host.Player vs MNE-LSL's PlayerLSL.

    python bench/inprocess.py [--chunks 1,10] [--loads busy,idle] [--players player_host,mne-lsl]
                              [--out-dir DIR]

The seed case of bench/run.py (3 s, 376 channels, 600.615 Hz FIF), played from inside a
Python process whose main thread hogs the CPU (``start()`` then ``while player.running:
pass``, MNE-LSL's tutorial scenario 2), with every core busy or idle, received by the
independent receiver of bench/run.py. Needs the ``player_host`` package installed in the
interpreter running this (``pip install crates/player-py``, or the wheel). See
bench/README.md, "In-process (Python)".
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402
import run  # noqa: E402

N = 1802  # 3 s at 600.615 Hz


def ours(fif: Path, name: str, chunk: int, stats: Path) -> list:
    return [run.PY, HERE / "py_player.py", "--main", "hog", "--stats", stats, fif, name, chunk]


def measure_one(tmp: Path, who: str, chunk: int, busy: bool, cap: float) -> list:
    fif = tmp / "seed_raw.fif"
    name = run.uname("inproc")
    stats = tmp / f"{name}.json"
    cmd = ours(fif, name, chunk, stats) if who == "player_host" else run.mne_inproc(
        [(fif, name, chunk)], 1, "hog")
    with run.BusyLoad(busy):
        r = run.measure(tmp, cmd, [name], [N], max_seconds=cap, idle=3.0, chunks=[chunk])
    s = r["streams"][0] if r.get("streams") else {}
    engine = None
    if stats.exists():
        engine = json.loads(stats.read_text())["streams"][0]["lateness_p99"]
    capped = r.get("meta", {}).get("reason") == "max-seconds"
    row = [who, chunk, "busy" if busy else "idle",
           f"{s.get('n', 0)}/{N}" + (f" (stopped at {cap:g} s)" if capped else ""),
           run.sec(s.get("wall_t0")), run.ms(s.get("late_p50")), run.ms(s.get("late_p99")),
           run.ms(s.get("late_max")),
           f"{s.get('early', '–')}" + (f" (≤{run.ms(s.get('most_early'))} ms)" if s.get("early") else ""),
           run.sec(s.get("cpu_per_s"), 2), run.ms(engine, 3)]
    if r.get("error"):
        row[3] = "ERROR: " + r["error"][:80]
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", default="1,10")
    ap.add_argument("--loads", default="busy,idle")
    ap.add_argument("--players", default="player_host,mne-lsl")
    ap.add_argument("--cap", type=float, default=90.0, help="stop MNE-LSL runs after this many seconds")
    ap.add_argument("--out-dir", default=str(HERE / "results"))
    args = ap.parse_args()
    import player_host
    from player_host import _native

    started = datetime.datetime.now(datetime.timezone.utc)
    # The package as installed (wheel or source build) and the liblsl it publishes with.
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC; {run.machine()}; "
              f"player_host {player_host.__version__} ({Path(_native.__file__).name}, "
              f"{_native.liblsl_description()})")
    print(header, flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="player-inproc-"))
    rows = []
    try:
        gen.seed_fif(tmp / "seed_raw.fif")
        for load in args.loads.split(","):
            for chunk in (int(c) for c in args.chunks.split(",")):
                for who in args.players.split(","):
                    row = measure_one(tmp, who, chunk, load == "busy", args.cap)
                    print("  " + " ".join(str(c) for c in row), flush=True)
                    rows.append(row)
    finally:
        run.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    md = run.table(["player (in-process, main thread hogging)", "chunk", "other cores", "samples",
                    "wall t0→last (s)", "sample lateness p50 (ms)", "p99 (ms)", "max (ms)",
                    "early samples", "Python process CPU s/s", "engine p99 (ms)"], rows)
    text = f"_{header}_\n\n{md}\n"
    print("\n" + text)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{started:%Y%m%d-%H%M}-inprocess.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
