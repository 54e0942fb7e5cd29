"""Benchmarks: player-host side by side with MNE-LSL's PlayerLSL.

    python bench/run.py [--quick] [--cases seed,long,throughput,streams,memory] [--long-minutes M]
                        [--hour] [--out-dir DIR]

Run it with the Python of an environment that has tests/requirements.txt installed (the
project's .venv or any other): every helper process (receiver, MNE-LSL players, busy loops)
is started with this same interpreter. See bench/README.md for what each case measures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pylsl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402

PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHILDREN: list[subprocess.Popen] = []


# ---------------------------------------------------------------------------------------
# processes


def player_host() -> str:
    exe = os.environ.get("PLAYER_HOST") or str(REPO / "target" / "release" / "player-host")
    if not Path(exe).exists():
        sys.exit(f"{exe} not found: build it with `cargo build --release -p player-host`")
    return exe


def spawn(cmd: list[str], log: Path | None = None) -> subprocess.Popen:
    out = open(log, "wb") if log else subprocess.DEVNULL
    p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    if log:
        out.close()
    CHILDREN.append(p)
    return p


def stop(p: subprocess.Popen, grace: float = 3.0, sig: int = signal.SIGTERM) -> None:
    """Stops a child (and its process group): `sig`, then SIGKILL after `grace` s."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    if p in CHILDREN:
        CHILDREN.remove(p)


def stop_all() -> None:
    for p in list(CHILDREN):
        stop(p, grace=1.0)


class BusyLoad:
    """One busy-loop process per core while active (`enabled`), always stopped after."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        if self.enabled:
            for _ in range(os.cpu_count() or 1):
                self.procs.append(spawn([PY, "-c", "while True: pass"]))
            time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            stop(p, grace=1.0, sig=signal.SIGKILL)
        self.procs.clear()
        return False


class Monitor(threading.Thread):
    """Samples a process's CPU time (/proc/PID/stat) and peak RSS (VmHWM) every 20 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []  # (local_clock, cpu seconds)
        self.hwm_kb = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                with open(f"/proc/{self.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
                self.samples.append((pylsl.local_clock(), cpu))
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                break
            time.sleep(0.02)

    def cpu_between(self, a: float, b: float) -> float | None:
        if len(self.samples) < 2:
            return None
        t = np.array([s[0] for s in self.samples])
        c = np.array([s[1] for s in self.samples])
        return float(np.interp(b, t, c) - np.interp(a, t, c))

    def cpu_total(self) -> float | None:
        return self.samples[-1][1] if self.samples else None


# ---------------------------------------------------------------------------------------
# one measurement: receiver first, then the player


def measure(
    tmp: Path,
    player_cmd: list[str],
    names: list[str],
    expect: list[int],
    max_seconds: float,
    idle: float = 3.0,
    resolve_timeout: float = 60.0,
    stop_player_when_done: bool = False,
    chunks: list[int] | None = None,
    pass_lens: list[int | None] | None = None,
) -> dict:
    chunks = chunks or [1] * len(names)
    pass_lens = pass_lens or [None] * len(names)
    tag = uuid.uuid4().hex[:8]
    out = tmp / f"recv-{tag}.npz"
    rlog, plog = tmp / f"recv-{tag}.log", tmp / f"player-{tag}.log"
    rcmd = [PY, HERE / "receiver.py", "--out", out, "--max-seconds", max_seconds, "--idle", idle,
            "--resolve-timeout", resolve_timeout]
    for n in names:
        rcmd += ["--stream", n]
    for e in expect:
        rcmd += ["--expect", e]
    recv = spawn(rcmd, rlog)
    player = None
    mon = None
    try:
        # Let the receiver import pylsl and start resolving before the player starts.
        time.sleep(0.7)
        t_launch = pylsl.local_clock()
        player = spawn(player_cmd, plog)
        mon = Monitor(player.pid)
        mon.start()
        limit = time.monotonic() + resolve_timeout + max_seconds + 30
        while recv.poll() is None:
            if time.monotonic() > limit:
                break
            if player.poll() is not None and player.returncode != 0 and not Path(str(out) + ".ready").exists():
                break  # the player failed before anything was received
            time.sleep(0.05)
        stop(recv, grace=5.0)
        if stop_player_when_done or player.poll() is None:
            # a finished player-host lingers 0.5 s, the mne-lsl command polls every 1 s
            try:
                player.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                pass
        stop(player, grace=5.0)
        mon.done.set()
        mon.join(timeout=2)
    finally:
        stop(recv, grace=1.0)
        if player is not None:
            stop(player, grace=1.0)
        if mon is not None:
            mon.done.set()
    res = {"player_rc": player.returncode, "t_launch": t_launch, "hwm_mb": mon.hwm_kb / 1024,
           "cpu_total": mon.cpu_total(), "streams": []}
    if not out.exists():
        res["error"] = (f"receiver wrote nothing ({rlog.read_text(errors='replace')[-200:].strip()}); "
                        f"player exit {player.returncode}: "
                        + plog.read_text(errors="replace")[-300:].strip().replace("\n", " | "))
        return res
    z = np.load(out)
    meta = json.loads(str(z["meta"]))
    res["meta"] = {k: meta.get(k) for k in ("reason", "counts", "error")}
    if meta.get("error"):
        res["error"] = meta["error"] + "; player: " + plog.read_text(errors="replace")[-300:].strip()
        return res
    for i, name in enumerate(names):
        s = stream_metrics(z[f"ts_{i}"], z[f"arr_{i}"], meta["rate"][i], expect[i], chunks[i], pass_lens[i])
        s["name"] = name
        s["t_resolved"] = meta["t_resolved"][i] - t_launch
        s["t_open"] = meta["t_open"][i] - t_launch
        if s["n"]:
            s["launch_to_first"] = s["arr_first"] - t_launch
            s["launch_to_last"] = s["arr_last"] - t_launch
            s["open_to_first"] = s["arr_first"] - meta["t_open"][i]
            cpu = mon.cpu_between(s["arr_first"], s["arr_last"])
            s["cpu_per_s"] = cpu / s["wall"] if cpu is not None and s["wall"] > 0 else None
        res["streams"].append(s)
    keep = os.environ.get("BENCH_KEEP")  # a directory: keep the receiver's raw data there
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / f"{names[0]}.npz")
    for f in (out, rlog, Path(str(out) + ".ready")):
        f.unlink(missing_ok=True)
    res["player_log"] = plog.read_text(errors="replace")[-2000:]
    plog.unlink(missing_ok=True)
    return res


def stream_metrics(ts: np.ndarray, arr: np.ndarray, rate: float, expect: int, chunk: int,
                   pass_len: int | None) -> dict:
    """Arrival metrics of one stream.

    Sample lateness: arrival − own timestamp, for every sample. Chunk lateness: arrival −
    timestamp of each chunk's LAST sample (a chunk is due when its last sample is): what
    the engine calls lateness, seen from the receiver. Samples missed before the receiver
    connected (MNE-LSL starts without waiting) are assumed to be the first ones, so the
    index of a received sample is (expect − received) + i. `pass_len`: chunks restart at
    every pass (player-host); None: chunks run on across passes (MNE-LSL).
    """
    n = len(ts)
    m = {"n": n, "expect": expect, "rate": rate, "chunk": chunk}
    if n == 0:
        return m
    late = arr - ts
    missed = max(0, expect - n) if expect else 0
    if missed and chunk > 1:
        # Which received samples end a chunk is not known when some were missed (at the
        # start, and MNE-LSL may also lose its last chunk): take the chunk phase at which
        # the most chunk ends are followed by a later arrival (a new push).
        gap = np.append(arr[1:] > arr[:-1], True)
        idx = np.arange(n)
        phase = max(range(chunk), key=lambda p: int(gap[(idx + p + 1) % chunk == 0].sum()))
        k = phase + idx
        last = ((k + 1) % chunk == 0) | (idx == n - 1)
    else:
        k = missed + np.arange(n)
        kk = k % pass_len if pass_len else k
        last = ((kk + 1) % chunk == 0) | (k == (expect or n) - 1)
        if pass_len:
            last |= kk == pass_len - 1
    chunk_late = late[last] if last.any() else late
    ts0 = ts[0] - missed / rate if rate > 0 else ts[0]
    m.update(
        missed=missed,
        arr_first=float(arr[0]),
        arr_last=float(arr[-1]),
        wall=float(arr[-1] - arr[0]),
        wall_t0=float(arr[-1] - ts0),
        nominal=float(ts[-1] - ts[0]),
        late_p50=float(np.percentile(late, 50)),
        late_p99=float(np.percentile(late, 99)),
        late_max=float(late.max()),
        chunk_p50=float(np.percentile(chunk_late, 50)),
        chunk_p99=float(np.percentile(chunk_late, 99)),
        chunk_max=float(chunk_late.max()),
        early=int((late < 0).sum()),
        most_early=float(-late.min()) if late.min() < 0 else 0.0,
    )
    m["excess"] = m["wall"] - m["nominal"]
    if rate > 0 and n > 1:
        # samples missing between the first and the last received one
        m["gaps"] = int(round((ts[-1] - ts[0]) * rate)) - (n - 1)
        m["drift_samples"] = float((ts[-1] - ts[0]) * rate - (n - 1))
        m["ts_maxdev"] = float(np.abs(ts - (ts[0] + np.arange(n) / rate)).max())
        # wall clock vs timestamps: chunk lateness over the first and the last 10 s
        t_rel = ts[last] - ts[0]
        span = float(ts[-1] - ts[0])
        w = min(10.0, span / 4)
        if w > 0 and last.any():
            m["lag_start"] = float(np.median(chunk_late[t_rel <= w]))
            m["lag_end"] = float(np.median(chunk_late[t_rel >= span - w]))
            m["lag_change"] = m["lag_end"] - m["lag_start"]
    return m


# ---------------------------------------------------------------------------------------
# players


def ph_play(path: Path, name: str, chunk: int, repeat: int, stats: Path) -> list[str]:
    return [player_host(), "play", path, "--name", name, "--chunk-size", chunk, "--repeat", repeat,
            "--wait-for-consumers", "60", "--annotations", "none", "--quiet", "--stats-json", stats]


def mne_cli(path: Path, name: str, chunk: int, repeat: int) -> list[str]:
    # `mne-lsl player FILE -c K --n-repeat N -n NAME`, with this interpreter
    return [PY, "-c", "from mne_lsl._commands.main import run; run()", "player", path, "-c", chunk,
            "--n-repeat", repeat, "-n", name, "--verbose", "WARNING"]


def mne_inproc(plays: list[tuple[Path, str, int]], repeat: int, main: str) -> list[str]:
    cmd = [PY, HERE / "mne_player.py", "--main", main, "--n-repeat", repeat]
    for path, name, chunk in plays:
        cmd += ["--play", path, name, chunk]
    return cmd


PLAYERS = {
    "player-host": "player-host play (native, own process)",
    "mne-cli": "mne-lsl player command (separate process, main thread sleeping)",
    "mne-inproc": "PlayerLSL in-process, main thread busy (`while player.running: pass`)",
}


def engine_stats(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def uname(prefix: str) -> str:
    return f"bench-{prefix}-{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------------------
# formatting


def ms(x, digits=2):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{1e3 * x:.{digits}f}"


def sec(x, digits=3):
    return "–" if x is None else f"{x:.{digits}f}"


def table(headers: list[str], rows: list[list]) -> str:
    def cell(c) -> str:
        return " ".join(str(c).split()).replace("|", "/")

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# cases


def liblsl_setting(choice: str) -> str:
    """The `PLAYER_LIBLSL` value for a `--liblsl` choice: `current` is pylsl's liblsl."""
    if choice == "current":
        import pylsl.lib

        return str(Path(pylsl.lib.lib._name).resolve())
    return choice


def liblsl_label(choice: str) -> str:
    """`player-host` followed by the liblsl version it runs on, for the tables."""
    if not choice:
        return "player-host"
    if choice == "bundled":
        return "player-host (liblsl 1.13)"
    v = pylsl.library_version() if choice == "current" else None
    return f"player-host (liblsl {v // 100}.{v % 100})" if v else f"player-host ({choice})"


def case_seed(tmp: Path, quick: bool, log, smoke: bool = False,
              players: tuple[str, ...] = ("player-host", "mne-cli", "mne-inproc"),
              liblsls: tuple[str, ...] = ("",)) -> dict:
    fif = gen.seed_fif(tmp / "seed_raw.fif")
    n = 1802  # 3 s at 600.615 Hz
    cap = 25.0 if quick else 90.0
    rows, raw = [], []
    runs = [(p, lib) for p in (("player-host", "mne-cli") if smoke else players)
            for lib in (liblsls if p == "player-host" else ("",))]
    for busy in (False,) if smoke else (False, True):
        for chunk in (10,) if smoke else (1, 10, 200):
            for who, lib in runs:
                if lib:
                    os.environ["PLAYER_LIBLSL"] = liblsl_setting(lib)
                else:
                    os.environ.pop("PLAYER_LIBLSL", None)
                name = uname("seed")
                stats = tmp / f"{name}.json"
                if who == "player-host":
                    cmd = ph_play(fif, name, chunk, 1, stats)
                elif who == "mne-cli":
                    cmd = mne_cli(fif, name, chunk, 1)
                else:
                    cmd = mne_inproc([(fif, name, chunk)], 1, "hog")
                with BusyLoad(busy):
                    r = measure(tmp, cmd, [name], [n], max_seconds=cap, idle=3.0, chunks=[chunk])
                r.update(case="seed", player=liblsl_label(lib) if who == "player-host" else who,
                         chunk=chunk, load="busy" if busy else "idle")
                eng = engine_stats(stats) if who == "player-host" else None
                if eng and eng.get("streams"):
                    r["engine_p99"] = eng["streams"][0]["lateness_p99"]
                    r["engine_max"] = eng["streams"][0]["lateness_max"]
                raw.append(r)
                s = r["streams"][0] if r.get("streams") else {}
                capped = r.get("meta", {}).get("reason") == "max-seconds"
                row = [r["player"], chunk, r["load"], f"{s.get('n', 0)}/{n}" + (f" (stopped at {cap:g} s)" if capped else ""),
                       sec(s.get("wall")), sec(s.get("wall_t0")), ms(s.get("late_p50")), ms(s.get("late_p99")),
                       ms(s.get("late_max")), ms(s.get("chunk_p99")), ms(s.get("chunk_max")),
                       f"{s.get('early', '–')}" + (f" (≤{ms(s.get('most_early'))} ms)" if s.get("early") else ""),
                       sec(s.get("cpu_per_s"), 2), ms(r.get("engine_p99"), 3)]
                if r.get("error"):
                    row[3] = "ERROR: " + r["error"][:80]
                rows.append(row)
                log(f"seed {r['player']:11s} chunk {chunk:3d} {r['load']}: " + " ".join(str(c) for c in row[3:]))
    md = table(["player", "chunk", "CPU", "samples", "wall first→last (s)", "wall t0→last (s)",
                "sample lateness p50 (ms)", "p99 (ms)", "max (ms)", "chunk lateness p99 (ms)", "chunk max (ms)", "early samples",
                "CPU s/s", "engine p99 (ms)"], rows)
    return {"md": md, "raw": raw}


def case_long(tmp: Path, minutes: float, log, players=("player-host", "mne-cli")) -> dict:
    fif = tmp / "seed_raw.fif"
    if not fif.exists():
        gen.seed_fif(fif)
    passes = max(1, int(round(minutes * 60 / 3.0)))
    n = 1802 * passes
    rows, raw = [], []
    for who in players:
        name = uname("long")
        stats = tmp / f"{name}.json"
        cmd = ph_play(fif, name, 10, passes, stats) if who == "player-host" else mne_cli(fif, name, 10, passes)
        r = measure(tmp, cmd, [name], [n], max_seconds=passes * 3.0 * 1.5 + 30, idle=5.0, chunks=[10],
                    pass_lens=[1802 if who == "player-host" else None])
        r.update(case="long", player=who, minutes=minutes)
        raw.append(r)
        s = r["streams"][0] if r.get("streams") else {}
        row = [who, f"{minutes:g} min", f"{s.get('n', 0)}/{n}", sec(s.get("drift_samples"), 6),
               f"{1e6 * s['ts_maxdev']:.2f}" if "ts_maxdev" in s else "–",
               ms(s.get("excess"), 3), ms(s.get("lag_start"), 3), ms(s.get("lag_end"), 3), ms(s.get("lag_change"), 3),
               ms(s.get("late_p99")), s.get("early", "–"), sec(s.get("cpu_per_s"), 3)]
        if r.get("error"):
            row[2] = "ERROR: " + r["error"][:80]
        rows.append(row)
        log(f"long {who}: " + " ".join(str(c) for c in row[2:]))
    md = table(["player", "duration", "samples", "drift (samples)", "ts max dev from t0+k/rate (µs)",
                "wall − timestamps span (ms)", "arrival lag first 10 s (ms)", "last 10 s (ms)", "change (ms)",
                "lateness p99 (ms)", "early", "CPU s/s"], rows)
    return {"md": md, "raw": raw}


def tp_trial(tmp: Path, who: str, rate: int, channels: int, chunk: int, seconds: float, repeat: int) -> dict:
    wav = gen.wav(tmp / f"tp-{rate}-{channels}.wav", rate, channels, seconds)
    name = uname("tp")
    stats = tmp / f"{name}.json"
    n = int(round(rate * seconds)) * repeat
    if who == "player-host":
        cmd = ph_play(wav, name, chunk, repeat, stats)
    else:
        cmd = mne_inproc([(wav, name, chunk)], repeat, "sleep")
    r = measure(tmp, cmd, [name], [n], max_seconds=seconds * repeat * 3 + 20, idle=2.0, resolve_timeout=120,
                chunks=[chunk], pass_lens=[int(round(rate * seconds)) if who == "player-host" else None])
    wav.unlink(missing_ok=True)
    s = r["streams"][0] if r.get("streams") else {}
    ok = complete(s, n) and s.get("chunk_p99", 1) < 0.002
    eng = engine_stats(stats)
    return {"ok": ok, "channels": channels, "s": s, "error": r.get("error"), "hwm_mb": r["hwm_mb"],
            "engine_p99": eng["streams"][0]["lateness_p99"] if eng and eng.get("streams") else None}


def complete(s: dict, n: int) -> bool:
    """Every sample arrived from the first received one on (MNE-LSL, which does not wait for
    consumers, loses the first ones before the receiver connects: up to 1 s of them allowed)."""
    rate = s.get("rate") or 0
    return bool(s.get("n", 0) >= n - rate * 1.0 and s.get("gaps", 1) == 0)


def sustained(s: dict, n: int) -> bool:
    """Kept up: complete and, at the end, chunks arrived < 20 ms after they were due (a
    start-up delay that is caught up does not count; a growing backlog does)."""
    return complete(s, n) and s.get("lag_end", 1) < 0.02


def bisect_channels(trial, pred, steps: int, start: int = 256, cap: int = 16384) -> tuple[int, int | None]:
    """Largest channel count (multiple of 16 above 16) passing `pred`, and the first failing one."""
    lo, hi, c = 0, None, start
    while c <= cap:
        if pred(trial(c)):
            lo, c = c, c * 2
        else:
            hi = c
            break
    if hi is not None and lo == 0:
        c = hi // 2
        while c >= 1:
            if pred(trial(c)):
                lo = c
                break
            hi, c = c, c // 2
    for _ in range(steps if hi is not None and lo > 0 else 0):
        mid = (lo + hi) // 2
        if mid > 64:
            mid = mid // 16 * 16
        if mid <= lo or mid >= hi:
            break
        if pred(trial(mid)):
            lo = mid
        else:
            hi = mid
    return lo, hi


def case_throughput(tmp: Path, quick: bool, log) -> dict:
    rows, raw = [], []
    # one pass of a 3 s file (MNE-LSL's n_repeat > 1 pushes extra passes and steps its timestamps back)
    seconds, repeat = (2.0 if quick else 3.0), 1
    n = int(30000 * seconds) * repeat
    for who in ("player-host", "mne-inproc"):
        trials: dict[int, dict] = {}

        def trial(c):
            if c not in trials:
                t = tp_trial(tmp, who, 30000, c, 30, seconds, repeat)
                trials[c] = t
                s = t["s"]
                log(f"throughput {who} 30 kHz x {c} ch: n={s.get('n')} chunk p99={ms(s.get('chunk_p99'))} ms "
                    f"excess={ms(s.get('excess'))} ms engine p99={ms(t['engine_p99'], 3)} ms {t['error'] or ''}")
            return trials[c]

        steps = 2 if quick else 4
        lo2, hi2 = bisect_channels(trial, lambda t: t["ok"], steps)
        lo_s, hi_s = bisect_channels(trial, lambda t: sustained(t["s"], n), steps, start=max(256, lo2 or 256))
        for label, lo, hi in (("chunk lateness p99 < 2 ms", lo2, hi2), ("sustained (all samples, lag at the end < 20 ms)", lo_s, hi_s)):
            s = trials[lo]["s"] if lo in trials else {}
            rows.append([who, "30 kHz int16, chunk 30", label,
                         f"**{lo}**" + (f" (fails at {hi})" if hi else " (cap, not reached)"),
                         f"{lo * 30000 / 1e6:.1f} M", ms(s.get("chunk_p99")), ms(s.get("late_p99")),
                         s.get("early", "–"), sec(s.get("cpu_per_s"), 2),
                         ms(trials[lo]["engine_p99"], 3) if lo in trials else "–"])
        raw.append({"player": who, "trials": list(trials.values()), "max_channels": lo2, "fails_at": hi2,
                    "max_channels_sustained": lo_s, "sustained_fails_at": hi_s})
        # 48 kHz stereo audio at chunk_size 1
        t = tp_trial(tmp, who, 48000, 2, 1, 3.0 if quick else 10.0, 1)
        s = t["s"]
        rows.append([who, "48 kHz stereo int16, chunk 1", "chunk lateness p99 < 2 ms",
                     "yes" if t["ok"] else ("no; sustained" if sustained(s, 48000 * (3 if quick else 10)) else "no"),
                     "0.1 M", ms(s.get("chunk_p99")), ms(s.get("late_p99")), s.get("early", "–"),
                     sec(s.get("cpu_per_s"), 2), ms(t["engine_p99"], 3)])
        raw.append({"player": who, "audio": t})
        log(f"throughput {who} 48 kHz stereo chunk 1: ok={t['ok']} n={s.get('n')} chunk p99={ms(s.get('chunk_p99'))} "
            f"excess={ms(s.get('excess'))} engine p99={ms(t['engine_p99'], 3)} {t['error'] or ''}")
    md = table(["player", "stream", "criterion", "max channels", "values/s", "chunk p99 (ms)",
                "sample p99 (ms)", "early", "CPU s/s", "engine p99 (ms)"], rows)
    return {"md": md, "raw": raw}


def case_streams(tmp: Path, quick: bool, log) -> dict:
    secs = 5 if quick else 10
    files = {
        "fif": (gen.small_fif(tmp / "ms_eeg_raw.fif", 32, 1000.0, secs), 10, 1000 * secs),
        "wav": (gen.wav(tmp / "ms_audio.wav", 48000, 2, secs), 480, 48000 * secs),
        "edf": (gen.edf_pyedflib(tmp / "ms_eeg.edf", 16, 256, secs), 8, 256 * secs),
    }
    kinds = ["fif", "wav", "edf"]
    rows, raw = [], []
    for count in (8, 32, 64):
        plays = []
        for i in range(count):
            kind = kinds[i % 3]
            path, chunk, n = files[kind]
            plays.append((path, uname(f"{kind}{i}"), chunk, n, kind))
        names = [p[1] for p in plays]
        expect = [p[3] for p in plays]
        for who in ("player-host", "mne-inproc"):
            if who == "player-host":
                yaml = tmp / f"streams-{count}.yaml"
                lines = ["name: bench-many", "wait_for_consumers: 120", "repeat: 1", "streams:"]
                for path, name, chunk, _, _ in plays:
                    lines += [f"  - file: {path}", f"    name: {name}", f"    chunk_size: {chunk}", "    annotations: none"]
                yaml.write_text("\n".join(lines) + "\n")
                stats = tmp / f"streams-{count}.json"
                cmd = [player_host(), "run", yaml, "--quiet", "--stats-json", stats]
            else:
                cmd = mne_inproc([(p[0], p[1], p[2]) for p in plays], 1, "sleep")
            r = measure(tmp, cmd, names, expect, max_seconds=secs * 4 + 30, idle=3.0, resolve_timeout=120,
                        chunks=[p[2] for p in plays])
            r.update(case="streams", player=who, count=count)
            raw.append(r)
            ss = r.get("streams", [])
            if r.get("error") or not ss:
                rows.append([who, count, "ERROR: " + str(r.get("error"))[:80]] + ["–"] * 7)
                continue
            got = sum(s["n"] for s in ss)
            p99s = [s.get("chunk_p99", float("nan")) for s in ss]
            maxs = [s.get("chunk_max", float("nan")) for s in ss]
            early = sum(s.get("early", 0) for s in ss)
            cpu = r["cpu_total"]
            span = max(s.get("arr_last", 0) for s in ss) - min(s.get("arr_first", 1e18) for s in ss if s["n"])
            ontime = sum(1 for s in ss if s["n"] == s["expect"] and s.get("chunk_p99", 1) < 0.005)
            eng = engine_stats(stats) if who == "player-host" else None
            eng_p99 = max(x["lateness_p99"] for x in eng["streams"]) if eng and eng.get("streams") else None
            eng_max = max(x["lateness_max"] for x in eng["streams"]) if eng and eng.get("streams") else None
            rows.append([who, count, f"{got}/{sum(expect)}", f"{ontime}/{count}", ms(float(np.nanmedian(p99s))),
                         ms(float(np.nanmax(p99s))), ms(float(np.nanmax(maxs))), early,
                         sec(((r["cpu_total"] or 0) / span / count) if span > 0 else None, 4),
                         f"{ms(eng_p99, 3)} / {ms(eng_max, 2)}" if eng_p99 is not None else "–"])
            log(f"streams {who} x{count}: " + " ".join(str(c) for c in rows[-1][2:]))
    md = table(["player", "streams", "samples", "on time (all samples, chunk p99 < 5 ms)", "median stream chunk p99 (ms)",
                "worst stream chunk p99 (ms)", "worst chunk max (ms)", "early samples", "CPU s/s per stream (whole run)",
                "engine worst p99 / max (ms)"], rows)
    return {"md": md, "raw": raw}


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def case_memory(tmp: Path, quick: bool, log) -> dict:
    sizes = [100e6] if quick else [100e6, 1e9, 10e9]
    ch, rate = 128, 2048
    bps = ch * rate * 2
    rows, raw = [], []
    for size in sizes:
        label = f"{size / 1e9:g} GB" if size >= 1e9 else f"{size / 1e6:g} MB"
        free = shutil.disk_usage(tmp).free
        if free < size * 1.1 + 2e9:
            rows.append(["both", label, f"skipped: {free / 1e9:.1f} GB free on {tmp}"] + ["–"] * 5)
            log(f"memory {label}: skipped, {free / 1e9:.1f} GB free")
            continue
        t = time.monotonic()
        path = gen.edf(tmp / f"mem-{label.replace(' ', '')}.edf", ch, rate, int(size // bps))
        log(f"memory: wrote {path.name} ({path.stat().st_size / 1e9:.2f} GB) in {time.monotonic() - t:.1f} s")
        try:
            for who in ("player-host", "mne-cli"):
                need = path.stat().st_size * 4 * 1.3  # int16 -> float64, plus MNE's copies
                if who == "mne-cli" and need > mem_available() * 0.8:
                    rows.append([who, label, f"not run: loading needs ~{need / 1e9:.0f} GB RAM, "
                                 f"{mem_available() / 1e9:.0f} GB available"] + ["–"] * 5)
                    log(f"memory {label} {who}: not run (needs ~{need / 1e9:.0f} GB)")
                    continue
                name = uname("mem")
                play_s = 3.0
                cmd = ph_play(path, name, 10, 1, tmp / f"{name}.json") if who == "player-host" else mne_cli(path, name, 10, 1)
                r = measure(tmp, cmd, [name], [int(play_s * rate)], max_seconds=play_s + 60, idle=3.0,
                            resolve_timeout=600, stop_player_when_done=False, chunks=[10])
                r.update(case="memory", player=who, size=label)
                raw.append(r)
                s = r["streams"][0] if r.get("streams") else {}
                rows.append([who, label, f"{r['hwm_mb']:.0f}", sec(s.get("t_resolved"), 3), sec(s.get("open_to_first"), 3),
                             sec(s.get("launch_to_first"), 3), ms(s.get("late_p99")), s.get("early", "–")])
                if r.get("error"):
                    rows[-1][2] = "ERROR: " + r["error"][:80]
                log(f"memory {label} {who}: " + " ".join(str(c) for c in rows[-1][2:]))
        finally:
            path.unlink(missing_ok=True)
    md = table(["player", "file (EDF, 128 ch, 2048 Hz)", "peak RSS (MB)", "launch→stream visible (s)",
                "consumer connected→first sample (s)", "launch→first sample (s)", "lateness p99 (ms)", "early"], rows)
    return {"md": md, "raw": raw}


def targets_table(results: dict) -> str:
    """player-host against the issue's targets (measured, not asserted)."""
    rows = []

    def ph(case):
        return [r for r in results.get(case, {}).get("raw", []) if r.get("player") == "player-host" and r.get("streams")]

    def add(target, measured, ok):
        rows.append([target, measured, "met" if ok else ("**missed**" if ok is not None else "not measured")])

    seed = ph("seed")
    for load, limit in (("busy", 0.005), ("idle", 0.001)):
        r = next((r for r in seed if r["chunk"] == 1 and r["load"] == load), None)
        s = r["streams"][0] if r else {}
        if load == "busy":
            w = s.get("wall_t0")
            add("seed chunk 1, all cores busy: wall t0→last 3.00 s ± 5 ms", sec(w),
                None if w is None else abs(w - 3.0) <= 0.005)
        p = s.get("late_p99")
        add(f"seed chunk 1, {load}: sample lateness p99 < {limit * 1e3:g} ms",
            f"{ms(p)} ms (engine {ms(r.get('engine_p99') if r else None, 3)} ms)", None if p is None else p < limit)
    if seed:
        early = sum(r["streams"][0].get("early", 0) for r in seed)
        add("never early (every seed run)", f"{early} early samples in {len(seed)} runs", early == 0)
    for r in ph("long"):
        s = r["streams"][0]
        add(f"{r['minutes']:g} min: drift 0 samples", sec(s.get("drift_samples"), 9), abs(s.get("drift_samples", 1)) < 1e-6)
        lc = s.get("lag_change")
        add(f"{r['minutes']:g} min: wall vs timestamps < 1 ms" + ("" if r["minutes"] >= 10 else " (target is for 10 min)"),
            f"{ms(lc, 3)} ms change of arrival lag", None if lc is None else abs(lc) < 0.001)
    for r in ph("memory"):
        s = r["streams"][0]
        if r["size"] == "10 GB":
            add("10 GB file: peak RSS < 64 MB", f"{r['hwm_mb']:.0f} MB", r["hwm_mb"] < 64)
        t = s.get("launch_to_first")
        add(f"{r['size']} file: first sample < 100 ms after start", f"{ms(t, 0)} ms (launch→first arrival)",
            None if t is None else t < 0.1)
    for r in results.get("throughput", {}).get("raw", []):
        if r.get("player") == "player-host" and "max_channels" in r:
            add("throughput ≥ liblsl's ~2500 ch at 30 kHz, with chunk lateness p99 < 2 ms",
                f"{r['max_channels']} ch", r["max_channels"] >= 2500)
            add("throughput ≥ liblsl's ~2500 ch at 30 kHz, sustained (no growing lag)",
                f"{r['max_channels_sustained']} ch", r["max_channels_sustained"] >= 2500)
        if r.get("player") == "player-host" and "audio" in r:
            s = r["audio"]["s"]
            add("48 kHz stereo at chunk 1: chunk lateness p99 < 2 ms", f"{ms(s.get('chunk_p99'))} ms", r["audio"]["ok"])
    for r in ph("streams"):
        ss = r["streams"]
        ontime = sum(1 for s in ss if s["n"] == s["expect"] and s.get("chunk_p99", 1) < 0.005)
        add(f"{r['count']} streams on time (all samples, chunk p99 < 5 ms)", f"{ontime}/{r['count']}", ontime == r["count"])
    return table(["target (player-host)", "measured", "status"], rows)


def cpu_table(results: dict) -> str:
    rows = []
    for r in results.get("seed", {}).get("raw", []):
        if r["load"] == "idle" and r.get("streams") and r["streams"][0].get("cpu_per_s") is not None:
            rows.append([r["player"], f"seed FIF 376 ch @ 600 Hz, chunk {r['chunk']}", 1,
                         sec(r["streams"][0]["cpu_per_s"], 3)])
    for r in results.get("streams", {}).get("raw", []):
        ss = r.get("streams") or []
        if ss and r.get("cpu_total"):
            span = max(s.get("arr_last", 0) for s in ss) - min(s.get("arr_first", 1e18) for s in ss if s["n"])
            rows.append([r["player"], "mixed FIF/WAV/EDF (whole run, incl. start-up)", r["count"],
                         sec(r["cpu_total"] / span / r["count"], 4) if span > 0 else "–"])
    return table(["player", "stream(s)", "streams", "CPU s per replayed s, per stream"], rows)


# ---------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    import mne_lsl

    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem_available() / 1e9:.0f} GB RAM available, "
            f"Linux {platform.release()}, Python {platform.python_version()}, pylsl {pylsl.__version__}, "
            f"mne-lsl {mne_lsl.__version__}; load average at start {load[0]:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shorter runs, fewer sizes")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds-long check that the harness works (seed case, chunk 10, idle; for CI)")
    ap.add_argument("--cases", default="seed,long,throughput,streams,memory")
    ap.add_argument("--long-minutes", type=float, default=None,
                    help="long-run duration (default 2, --quick 1; e.g. 10 for the 10-minute target)")
    ap.add_argument("--hour", action="store_true", help="also run the 1-hour long run (player-host only)")
    ap.add_argument("--long-players", default="player-host,mne-cli",
                    help="players of the long run (default: player-host,mne-cli)")
    ap.add_argument("--seed-players", default="player-host,mne-cli,mne-inproc",
                    help="players of the seed case (default: player-host,mne-cli,mne-inproc)")
    ap.add_argument("--liblsl", default="",
                    help="run player-host's seed case once per PLAYER_LIBLSL value, comma-separated: "
                         "bundled, current (pylsl's liblsl) or a path (default: the environment's)")
    ap.add_argument("--out-dir", default=str(HERE / "results"))
    ap.add_argument("--tmp", default=None, help="where to write generated files (default: system temp)")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - {"seed", "long", "throughput", "streams", "memory"}
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    player_host()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = datetime.datetime.now(datetime.timezone.utc)
    header = f"Run {started:%Y-%m-%d %H:%M} UTC{' (--quick)' if args.quick else ''}; {machine()}"
    print(header, flush=True)

    def log(msg):
        print(f"  [{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)

    results: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="player-bench-", dir=args.tmp))
    try:
        def guarded(key, fn, *a, **kw):
            try:
                results[key] = fn(*a, **kw)
            except KeyboardInterrupt:
                raise
            except Exception:
                import traceback

                log(f"case {key} failed:\n{traceback.format_exc()}")

        if args.smoke:
            cases = []
            guarded("seed", case_seed, tmp, True, log, smoke=True)
        if "seed" in cases:
            guarded("seed", case_seed, tmp, args.quick, log,
                    players=tuple(p for p in args.seed_players.split(",") if p),
                    liblsls=tuple(args.liblsl.split(",")) if args.liblsl else ("",))
        if "long" in cases:
            minutes = args.long_minutes or (1.0 if args.quick else 2.0)
            guarded("long", case_long, tmp, minutes, log,
                    players=tuple(p for p in args.long_players.split(",") if p in ("player-host", "mne-cli")))
            if args.hour and "long" in results:
                h = case_long(tmp, 60.0, log, players=("player-host",))
                results["long"]["md"] += "\n" + "\n".join(h["md"].splitlines()[2:])
                results["long"]["raw"] += h["raw"]
        if "throughput" in cases:
            guarded("throughput", case_throughput, tmp, args.quick, log)
        if "streams" in cases:
            guarded("streams", case_streams, tmp, args.quick, log)
        if "memory" in cases:
            guarded("memory", case_memory, tmp, args.quick, log)
    except KeyboardInterrupt:
        print("interrupted: stopping every child process", file=sys.stderr)
    finally:
        stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    titles = {
        "seed": "1. Seed case: 3 s, 376 ch, 600.615 Hz FIF",
        "long": "2. Long run (seed file repeated, chunk 10, CPU idle)",
        "throughput": "3. Throughput (one stream, WAV int16)",
        "streams": "4. Many streams from one scenario (FIF 32 ch @ 1 kHz, WAV stereo @ 48 kHz, EDF 16 ch @ 256 Hz)",
        "memory": "5. Memory and start-up",
    }
    md = [f"_{header}; wall time {(datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60:.1f} min_", ""]
    for key, title in titles.items():
        if key in results:
            md += [f"### {title}", "", results[key]["md"], ""]
    if "seed" in results or "streams" in results:
        md += ["### 6. CPU cost per stream", "", cpu_table(results), ""]
    if results:
        md += ["### Targets", "", targets_table(results), ""]
    text = "\n".join(md)
    print("\n" + text)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M")
    kind = "-smoke" if args.smoke else "-quick" if args.quick else ""
    (out / f"{stamp}{kind}.md").write_text(text + "\n")
    (out / f"{stamp}{kind}.json").write_text(
        json.dumps({"header": header, "results": {k: v["raw"] for k, v in results.items()}}, indent=1, default=str))
    if args.smoke:
        bad = [r for r in results.get("seed", {"raw": [{}]})["raw"] if r.get("error") or not r.get("streams") or not r["streams"][0]["n"]]
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
