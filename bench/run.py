"""Benchmarks: player-host side by side with MNE-LSL's PlayerLSL.

    python bench/run.py [--quick] [--cases seed,long,throughput,streams,memory] [--long-minutes M]
                        [--hour] [--liblsl bundled,current] [--stream-counts 8,32,64,256]
                        [--streams-per-receiver 32] [--max-channels 8192] [--out-dir DIR]

What issue 16 asks for, both liblsl builds side by side (see bench/README.md for the time):

    python bench/run.py --cases seed,throughput,streams --seed-players player-host,mne-cli,mne-inproc \
                        --liblsl bundled,current

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
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

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


def spawn(cmd: list, log: Path | None = None, env: dict[str, str] | None = None,
          preexec: Callable[[], None] | None = None) -> subprocess.Popen:
    """Start a child in its own session (so that `stop` can end its whole group).

    Parameters
    ----------
    cmd : list
        The command; every item is converted with `str`.
    log : Path or None
        Where its stdout and stderr go (None: discarded).
    env : dict or None
        Its whole environment (None: this process's).
    preexec : callable or None
        Run in the child before `exec` (e.g. to raise a resource limit).

    Returns
    -------
    subprocess.Popen
        The child, also registered in `CHILDREN` until it is stopped.
    """
    out = open(log, "wb") if log else subprocess.DEVNULL
    p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                         env=env, preexec_fn=preexec)
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


def start_receivers(tmp: Path, names: list[str], expect: list[int], max_seconds: float, idle: float,
                    resolve_timeout: float, per_receiver: int) -> list[dict]:
    """Start the receiver process(es): one per group of at most `per_receiver` streams.

    Parameters
    ----------
    tmp : Path
        Where each receiver writes its `.npz` and log.
    names, expect : list
        The streams to receive and how many samples each should deliver.
    max_seconds, idle, resolve_timeout : float
        Passed on to `bench/receiver.py`.
    per_receiver : int
        Most streams one receiver process takes (0: all in one).

    Returns
    -------
    list of dict
        Per receiver: `proc`, `out` (its `.npz`), `log` and `idx` (indices into `names`).
    """
    per = per_receiver if per_receiver > 0 else len(names)
    groups = []
    for first in range(0, len(names), per):
        idx = list(range(first, min(first + per, len(names))))
        tag = uuid.uuid4().hex[:8]
        out, rlog = tmp / f"recv-{tag}.npz", tmp / f"recv-{tag}.log"
        rcmd = [PY, HERE / "receiver.py", "--out", out, "--max-seconds", max_seconds, "--idle", idle,
                "--resolve-timeout", resolve_timeout]
        for i in idx:
            rcmd += ["--stream", names[i], "--expect", expect[i]]
        groups.append({"proc": spawn(rcmd, rlog), "out": out, "log": rlog, "idx": idx})
    return groups


def wait_receivers(groups: list[dict], player: subprocess.Popen, limit_s: float) -> None:
    """Wait until every receiver has finished, the time limit passed, or the player failed
    before any receiver was ready; then stop the receivers (SIGTERM: they save what they got).

    Parameters
    ----------
    groups : list of dict
        From `start_receivers`.
    player : subprocess.Popen
        The player under test.
    limit_s : float
        Most seconds to wait.
    """
    limit = time.monotonic() + limit_s
    while any(g["proc"].poll() is None for g in groups):
        if time.monotonic() > limit:
            break
        ready = any(Path(str(g["out"]) + ".ready").exists() for g in groups)
        if player.poll() is not None and player.returncode != 0 and not ready:
            break  # the player failed before anything was received
        time.sleep(0.05)
    for g in groups:
        stop(g["proc"], grace=5.0)


def read_receivers(groups: list[dict], plog: Path) -> tuple[dict, dict[int, tuple], str | None]:
    """Load what the receivers saved.

    Returns
    -------
    meta : dict
        Merged `reason` (distinct reasons, comma-separated), `counts` and `error`.
    per_stream : dict
        Stream index -> (timestamps, arrivals, rate, t_resolved, t_open).
    error : str or None
        The first receiver's failure (with the player's log tail), if any.
    """
    meta: dict = {"reason": [], "counts": [], "error": None, "receivers": len(groups), "receivers_cpu_s": 0.0,
                  "player_liblsl": []}
    per_stream: dict[int, tuple] = {}
    for g in groups:
        out = g["out"]
        if not out.exists():
            return meta, per_stream, (f"receiver wrote nothing ({g['log'].read_text(errors='replace')[-200:].strip()}); "
                                      "player: " + plog.read_text(errors="replace")[-300:].strip().replace("\n", " | "))
        z = np.load(out)
        m = json.loads(str(z["meta"]))
        if m.get("error"):
            meta["error"] = m["error"]
            return meta, per_stream, m["error"] + "; player: " + plog.read_text(errors="replace")[-300:].strip()
        if m.get("reason") not in meta["reason"]:
            meta["reason"].append(m.get("reason"))
        meta["counts"] += m.get("counts", [])
        meta["receivers_cpu_s"] += m.get("cpu_s", 0.0)
        for v in m.get("player_liblsl", []):
            if v and v not in meta["player_liblsl"]:
                meta["player_liblsl"].append(v)
        for j, i in enumerate(g["idx"]):
            per_stream[i] = (z[f"ts_{j}"], z[f"arr_{j}"], m["rate"][j], m["t_resolved"][j], m["t_open"][j])
    meta["reason"] = ",".join(str(r) for r in meta["reason"])
    return meta, per_stream, None


def cleanup_receivers(groups: list[dict], key: str) -> None:
    """Delete the receivers' files; with `BENCH_KEEP=DIR`, copy their raw data there first.

    Parameters
    ----------
    groups : list of dict
        From `start_receivers`.
    key : str
        Name of the kept file(s) (`KEY.npz`, or `KEY-rN.npz` with several receivers).
    """
    keep = os.environ.get("BENCH_KEEP")  # a directory: keep the receivers' raw data there
    for k, g in enumerate(groups):
        out = g["out"]
        if keep and out.exists():
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(out, Path(keep) / (f"{key}.npz" if len(groups) == 1 else f"{key}-r{k}.npz"))
        for f in (out, g["log"], Path(str(out) + ".ready")):
            f.unlink(missing_ok=True)


def measure(
    tmp: Path,
    player_cmd: list,
    names: list[str],
    expect: list[int],
    max_seconds: float,
    idle: float = 3.0,
    resolve_timeout: float = 60.0,
    stop_player_when_done: bool = False,
    chunks: list[int] | None = None,
    pass_lens: list[int | None] | None = None,
    player_env: dict[str, str] | None = None,
    player_preexec: Callable[[], None] | None = None,
    per_receiver: int = 0,
    exit_wait: float = 12.0,
) -> dict:
    """Receiver(s) first, then the player; the arrival metrics of every stream.

    `player_env` is the player's whole environment (None: this process's), so that a
    `PLAYER_LIBLSL` applies to that one player only; `player_preexec` runs in the player's
    process before it starts; `per_receiver` > 0 splits the streams over receiver processes
    of at most that many streams each (0: one receiver takes them all); `exit_wait` is how
    long a player still running after the receivers finished may take to end by itself
    (`player_exit_s` in the result: from then to its exit, None if it had to be stopped).
    """
    chunks = chunks or [1] * len(names)
    pass_lens = pass_lens or [None] * len(names)
    plog = tmp / f"player-{uuid.uuid4().hex[:8]}.log"
    groups = start_receivers(tmp, names, expect, max_seconds, idle, resolve_timeout, per_receiver)
    player = None
    mon = None
    try:
        # Let the receivers import pylsl and start resolving before the player starts.
        time.sleep(0.7 + 0.1 * (len(groups) - 1))
        t_launch = pylsl.local_clock()
        player = spawn(player_cmd, plog, env=player_env, preexec=player_preexec)
        mon = Monitor(player.pid)
        mon.start()
        wait_receivers(groups, player, resolve_timeout + max_seconds + 30)
        t_done, exit_s = time.monotonic(), None
        if stop_player_when_done or player.poll() is None:
            # a finished player-host lingers until its consumers have the data (bounded by
            # 10 s), the mne-lsl command polls every 1 s: let it end by itself (and write
            # its --stats-json) before stopping it
            try:
                player.wait(timeout=exit_wait)
                exit_s = time.monotonic() - t_done
            except subprocess.TimeoutExpired:
                pass
        else:
            exit_s = 0.0
        stop(player, grace=5.0)
        mon.done.set()
        mon.join(timeout=2)
    finally:
        for g in groups:
            stop(g["proc"], grace=1.0)
        if player is not None:
            stop(player, grace=1.0)
        if mon is not None:
            mon.done.set()
    res = {"player_rc": player.returncode, "t_launch": t_launch, "hwm_mb": mon.hwm_kb / 1024,
           "cpu_total": mon.cpu_total(), "streams": [], "receivers": len(groups), "player_exit_s": exit_s}
    meta, per_stream, error = read_receivers(groups, plog)
    res["meta"] = meta
    if error:
        res["error"] = error
        return res
    for i, name in enumerate(names):
        ts, arr, rate, t_resolved, t_open = per_stream[i]
        s = stream_metrics(ts, arr, rate, expect[i], chunks[i], pass_lens[i])
        s["name"] = name
        s["t_resolved"] = t_resolved - t_launch
        s["t_open"] = t_open - t_launch
        if s["n"]:
            s["launch_to_first"] = s["arr_first"] - t_launch
            s["launch_to_last"] = s["arr_last"] - t_launch
            s["open_to_first"] = s["arr_first"] - t_open
            cpu = mon.cpu_between(s["arr_first"], s["arr_last"])
            s["cpu_per_s"] = cpu / s["wall"] if cpu is not None and s["wall"] > 0 else None
        res["streams"].append(s)
    cleanup_receivers(groups, names[0])
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


def ph_play(path: Path, name: str, chunk: int, repeat: int, stats: Path, exe: str = "") -> list:
    return [exe or player_host(), "play", path, "--name", name, "--chunk-size", chunk, "--repeat", repeat,
            "--wait-for-consumers", "60", "--annotations", "none", "--quiet", "--stats-json", stats]


def mne_cli(path: Path, name: str, chunk: int, repeat: int) -> list:
    # `mne-lsl player FILE -c K --n-repeat N -n NAME`, with this interpreter
    return [PY, "-c", "from mne_lsl._commands.main import run; run()", "player", path, "-c", chunk,
            "--n-repeat", repeat, "-n", name, "--verbose", "WARNING"]


def mne_inproc(plays: list[tuple[Path, str, int]], repeat: int, main: str) -> list:
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


def parse_builds(text: str) -> tuple[tuple[str, str], ...]:
    """The binaries of a `--builds` option (``LABEL=PATH,...``), shared by the benchmarks.

    Parameters
    ----------
    text : str
        The option's value (empty: none given).

    Returns
    -------
    tuple of (str, str)
        (label, path) of each build; ``(("", ""),)`` when none is given (the binary of
        `PLAYER_HOST` or this checkout's release build).

    Raises
    ------
    ValueError
        When an item is not LABEL=PATH of an existing file.
    """
    builds = tuple(tuple(b.strip().split("=", 1)) for b in text.split(",") if b.strip())
    for build in builds:
        if len(build) != 2 or not build[0] or not Path(build[1]).is_file():
            raise ValueError(f"--builds: {'='.join(build)} is not LABEL=PATH of an existing binary")
    return builds or (("", ""),)


def liblsl_setting(choice: str) -> str:
    """The `PLAYER_LIBLSL` value for a `--liblsl` choice: `current` is pylsl's liblsl."""
    if choice == "current":
        import pylsl.lib

        return str(Path(pylsl.lib.lib._name).resolve())
    return choice


def player_env(choice: str) -> dict[str, str] | None:
    """The environment of one player-host process for a `--liblsl` choice.

    Parameters
    ----------
    choice : str
        `bundled`, `current` (pylsl's liblsl), a path, or "" (this process's environment,
        whatever `PLAYER_LIBLSL` it has or not).

    Returns
    -------
    dict or None
        A copy of `os.environ` with `PLAYER_LIBLSL` set for this one child (None for "").
        This process's own environment is never changed, so nothing leaks into later rows.
    """
    if not choice:
        return None
    return {**os.environ, "PLAYER_LIBLSL": liblsl_setting(choice)}


LIBLSL_SEEN: dict[str, str] = {}


def liblsl_in_use(choice: str) -> str:
    """What player-host reports with this choice (`--version`'s liblsl line), cached.

    Parameters
    ----------
    choice : str
        A `--liblsl` choice ("" = the environment's).

    Returns
    -------
    str
        e.g. `liblsl 1.18 (/path/liblsl.so; from PLAYER_LIBLSL)`, or why it failed.
    """
    if choice not in LIBLSL_SEEN:
        try:
            p = subprocess.run([player_host(), "--version"], env=player_env(choice), capture_output=True,
                               text=True, timeout=30)
            line = next((x for x in p.stdout.splitlines() if x.startswith("liblsl")), None)
            if line and ";" in line:  # "liblsl 1.13 (bundled; why no other was taken)": keep the first part
                line = line.split(";")[0] + ")"
            LIBLSL_SEEN[choice] = line or f"unknown (exit {p.returncode}: {p.stderr.strip()[-200:]})"
        except (OSError, subprocess.TimeoutExpired) as e:
            LIBLSL_SEEN[choice] = f"unknown ({e})"
    return LIBLSL_SEEN[choice]


def liblsl_label(choice: str) -> str:
    """`player-host` followed by the liblsl version it runs on with this choice, for the tables.

    The version is what the binary itself reports (`player-host --version`), so a path or
    the environment's default are labelled as truly as `bundled` and `current`.
    """
    words = liblsl_in_use(choice).split()
    if len(words) >= 2 and words[0] == "liblsl" and words[1][:1].isdigit():
        return f"player-host (liblsl {words[1]})"
    return f"player-host ({choice or 'default liblsl'})"


def is_player_host(player: str) -> bool:
    """Whether a row's player is player-host (whatever liblsl its label names)."""
    return player.startswith("player-host")


def liblsl_mismatch(r: dict, label: str) -> str | None:
    """Whether the streams say another liblsl than the row's label (their desc/player).

    Parameters
    ----------
    r : dict
        A `measure` result (its `meta.player_liblsl`: the versions the streams named).
    label : str
        The row's player label, e.g. `player-host (liblsl 1.18)`.

    Returns
    -------
    str or None
        A warning for the log and the raw results, or None when they agree (or nothing to check).
    """
    seen = r.get("meta", {}).get("player_liblsl") or []
    if not is_player_host(label) or not seen or "(liblsl " not in label:
        return None
    want = label.split("(liblsl ", 1)[1].split(")", 1)[0]
    return None if seen == [want] else f"{label}: its streams say liblsl {', '.join(seen)}"


def ph_runs(liblsls: tuple[str, ...], others: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (player, liblsl choice) pairs of a case: player-host once per liblsl, the others once."""
    return [("player-host", lib) for lib in liblsls] + [(o, "") for o in others]


FDS_PER_OUTLET = 34  # liblsl 1.13's file descriptors per outlet (sockets, eventfds, epoll)


def fd_limit_for(outlets: int) -> tuple[Callable[[], None] | None, str]:
    """What the player needs to open `outlets` outlets: a soft `RLIMIT_NOFILE` raise, if any.

    Parameters
    ----------
    outlets : int
        How many LSL outlets the player creates.

    Returns
    -------
    preexec : callable or None
        Raises the child's soft limit to the hard one (None when the soft one suffices).
    note : str
        The limits and the estimated need, for the table.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = outlets * FDS_PER_OUTLET + 64
    inf = resource.RLIM_INFINITY
    if soft == inf or soft >= need:
        return None, f"{soft} (needs ~{need})"
    new = need if hard == inf else hard

    def raise_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))

    short = "" if new >= need else ", not enough: raise the hard limit"
    return raise_limit, f"raised {soft} → {new} (needs ~{need}{short})"


def case_seed(tmp: Path, quick: bool, log, smoke: bool = False,
              players: tuple[str, ...] = ("player-host", "mne-cli", "mne-inproc"),
              liblsls: tuple[str, ...] = ("",),
              builds: tuple[tuple[str, str], ...] = (("", ""),)) -> dict:
    """Case 1: the seed FIF at chunk 1, 10 and 200, CPU idle and busy.

    Parameters
    ----------
    smoke : bool
        Only chunk 10, CPU idle, player-host and `mne-cli` (for CI).
    players : tuple of str
        Which players (`player-host`, `mne-cli`, `mne-inproc`).
    liblsls : tuple of str
        player-host runs once per `--liblsl` choice ("" = the environment's).
    builds : tuple of (str, str)
        player-host runs once per `--builds` (label, binary) in turn, each condition
        side by side (("", ""): `PLAYER_HOST` or target/release, unlabelled).
    """
    fif = gen.seed_fif(tmp / "seed_raw.fif")
    n = 1802  # 3 s at 600.615 Hz
    cap = 25.0 if quick else 90.0
    rows, raw = [], []
    runs = [(p, lib, build) for p in (("player-host", "mne-cli") if smoke else players)
            for lib in (liblsls if p == "player-host" else ("",))
            for build in (builds if p == "player-host" else (("", ""),))]
    for busy in (False,) if smoke else (False, True):
        for chunk in (10,) if smoke else (1, 10, 200):
            for who, lib, (build, exe) in runs:
                name = uname("seed")
                stats = tmp / f"{name}.json"
                if who == "player-host":
                    cmd = ph_play(fif, name, chunk, 1, stats, exe)
                elif who == "mne-cli":
                    cmd = mne_cli(fif, name, chunk, 1)
                else:
                    cmd = mne_inproc([(fif, name, chunk)], 1, "hog")
                with BusyLoad(busy):
                    r = measure(tmp, cmd, [name], [n], max_seconds=cap, idle=3.0, chunks=[chunk],
                                player_env=player_env(lib) if who == "player-host" else None)
                label = liblsl_label(lib) + (f" {build}" if build else "")
                r.update(case="seed", player=label if who == "player-host" else who,
                         chunk=chunk, load="busy" if busy else "idle")
                r["liblsl_mismatch"] = liblsl_mismatch(r, r["player"])
                if r["liblsl_mismatch"]:
                    log("WARNING " + r["liblsl_mismatch"])
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
        r.update(case="long", player=liblsl_label("") if who == "player-host" else who, minutes=minutes)
        raw.append(r)
        s = r["streams"][0] if r.get("streams") else {}
        row = [r["player"], f"{minutes:g} min", f"{s.get('n', 0)}/{n}", sec(s.get("drift_samples"), 6),
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


def tp_trial(tmp: Path, who: str, rate: int, channels: int, chunk: int, seconds: float, repeat: int,
             lib: str = "") -> dict:
    """One throughput run: a `channels`-wide int16 WAV at `rate` Hz, played once in chunks of `chunk`.

    Parameters
    ----------
    who : str
        `player-host` or `mne-inproc`.
    lib : str
        player-host's `--liblsl` choice ("" = the environment's).

    Returns
    -------
    dict
        `ok` (every sample and chunk p99 < 2 ms), `sustained`, `channels`, `s` (the
        stream's metrics), `error`, `hwm_mb`, `engine_p99`.
    """
    wav = gen.wav(tmp / f"tp-{rate}-{channels}.wav", rate, channels, seconds)
    name = uname("tp")
    stats = tmp / f"{name}.json"
    n = int(round(rate * seconds)) * repeat
    ph = who == "player-host"
    if ph:
        cmd = ph_play(wav, name, chunk, repeat, stats)
    else:
        cmd = mne_inproc([(wav, name, chunk)], repeat, "sleep")
    r = measure(tmp, cmd, [name], [n], max_seconds=seconds * repeat * 3 + 20, idle=2.0, resolve_timeout=120,
                chunks=[chunk], pass_lens=[int(round(rate * seconds)) if ph else None],
                player_env=player_env(lib) if ph else None)
    wav.unlink(missing_ok=True)
    s = r["streams"][0] if r.get("streams") else {}
    ok = complete(s, n, strict=ph) and s.get("chunk_p99", 1) < 0.002
    eng = engine_stats(stats)
    return {"ok": ok, "sustained": sustained(s, n, strict=ph), "channels": channels, "s": s,
            "error": r.get("error"), "hwm_mb": r["hwm_mb"], "meta": r.get("meta"),
            "liblsl_mismatch": liblsl_mismatch(r, liblsl_label(lib)) if ph else None,
            "engine_p99": eng["streams"][0]["lateness_p99"] if eng and eng.get("streams") else None}


def complete(s: dict, n: int, strict: bool = False) -> bool:
    """Every sample arrived from the first received one on.

    With `strict` (a player that waits for its consumers: player-host), exactly `n` samples;
    otherwise (MNE-LSL, which does not wait for consumers and loses the first ones before
    the receiver connects) up to 1 s of them may be missing at the start.
    """
    rate = s.get("rate") or 0
    enough = s.get("n", 0) == n if strict else s.get("n", 0) >= n - rate * 1.0
    return bool(enough and s.get("gaps", 1) == 0)


def sustained(s: dict, n: int, strict: bool = False) -> bool:
    """Kept up: complete and, at the end, chunks arrived < 20 ms after they were due (a
    start-up delay that is caught up does not count; a growing backlog does)."""
    return complete(s, n, strict) and s.get("lag_end", 1) < 0.02


def bisect_channels(trial, pred, steps: int, start: int = 256, cap: int = 8192) -> tuple[int, int | None]:
    """Largest channel count passing `pred` (multiple of 16 above 64), and the first failing one.

    Doubles from `start` up to `cap` (the cap itself is tried), then bisects `steps` times.
    A failing count of None means the cap passed ("cap, not reached").
    """
    lo, hi, c = 0, None, min(start, cap)
    while True:
        if pred(trial(c)):
            lo = c
            if c >= cap:
                break
            c = min(c * 2, cap)
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
        assert hi is not None
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


def short_error(err: str, width: int = 120) -> str:
    """A failure for a table cell: the player's own `error:` line when there is one.

    Parameters
    ----------
    err : str
        A `measure` error (receiver's part, then `player: ` and the player's log tail).
    width : int
        Most characters kept.

    Returns
    -------
    str
    """
    i = err.find("player: error:")
    return (err[i + len("player: "):] if i >= 0 else err)[:width]


TP_HEADERS = ["player", "stream", "criterion", "result", "samples", "values/s", "chunk p99 (ms)",
              "sample p99 (ms)", "lag at the end (ms)", "early", "CPU s/s", "engine p99 (ms)"]
SUSTAINED = "sustained (every sample, lag at the end < 20 ms)"
FIXED_CHANNELS = 4096  # issue 16: 4096 channels at 30 kHz sustained


def tp_row(label: str, stream: str, criterion: str, result: str, t: dict | None, n: int) -> list:
    """One row of the throughput table from a trial.

    Parameters
    ----------
    label, stream, criterion, result : str
        The first four cells.
    t : dict or None
        The trial (`tp_trial`), None if there was none.
    n : int
        Samples expected.

    Returns
    -------
    list
        The cells, in `TP_HEADERS` order.
    """
    s = t["s"] if t else {}
    vals = t["channels"] * (s.get("rate") or 0) if t else 0
    return [label, stream, criterion, result, f"{s.get('n', 0)}/{n}" if t else "–",
            f"{vals / 1e6:.1f} M" if vals else "–", ms(s.get("chunk_p99")), ms(s.get("late_p99")),
            ms(s.get("lag_end")), s.get("early", "–"), sec(s.get("cpu_per_s"), 2),
            ms(t["engine_p99"], 3) if t else "–"]


def tp_bisections(tmp: Path, who: str, lib: str, label: str, quick: bool, cap: int, log) -> tuple[list, dict]:
    """The 30 kHz chunk-30 rows of one player: both bisections and the fixed 4096-channel trial.

    Parameters
    ----------
    who : str
        `player-host` or `mne-inproc`.
    lib : str
        player-host's `--liblsl` choice.
    label : str
        The rows' player label.
    quick : bool
        2 s files and 2 bisection steps instead of 3 s and 4.
    cap : int
        Largest channel count tried.
    log : callable
        Progress lines.

    Returns
    -------
    rows : list
        Three table rows.
    raw : dict
        Every trial, both results and the fixed trial, for the JSON and the targets.
    """
    seconds = 2.0 if quick else 3.0  # one pass (MNE-LSL's n_repeat > 1 steps its timestamps back)
    n = int(30000 * seconds)
    trials: dict[int, dict] = {}

    def trial(c: int) -> dict:
        if c not in trials:
            t = tp_trial(tmp, who, 30000, c, 30, seconds, 1, lib)
            trials[c] = t
            s = t["s"]
            log(f"throughput {label} 30 kHz x {c} ch: n={s.get('n')} chunk p99={ms(s.get('chunk_p99'))} ms "
                f"lag end={ms(s.get('lag_end'))} ms engine p99={ms(t['engine_p99'], 3)} ms {t['error'] or ''}"
                + (f" WARNING {t['liblsl_mismatch']}" if t["liblsl_mismatch"] else ""))
        return trials[c]

    steps = 2 if quick else 4
    lo2, hi2 = bisect_channels(trial, lambda t: t["ok"], steps, cap=cap)
    lo_s, hi_s = bisect_channels(trial, lambda t: t["sustained"], steps, start=max(256, lo2 or 256), cap=cap)
    stream, rows = "30 kHz int16, chunk 30", []
    for crit, lo, hi in (("chunk lateness p99 < 2 ms", lo2, hi2), (SUSTAINED, lo_s, hi_s)):
        result = f"**{lo}** ch" + (f" (fails at {hi})" if hi else f" (cap {cap}, not reached)")
        rows.append(tp_row(label, stream, crit, result, trials.get(lo), n))
    fixed = trial(FIXED_CHANNELS)
    rows.append(tp_row(label, stream, f"{FIXED_CHANNELS} ch {SUSTAINED}",
                       ("yes" if fixed["sustained"] else "no") + (f": {short_error(fixed['error'])}" if fixed["error"] else ""),
                       fixed, n))
    raw = {"player": label, "lib": lib, "trials": list(trials.values()), "max_channels": lo2, "fails_at": hi2,
           "max_channels_sustained": lo_s, "sustained_fails_at": hi_s, "cap": cap, "fixed": fixed}
    return rows, raw


def tp_audio(tmp: Path, who: str, lib: str, label: str, quick: bool, log) -> tuple[list, dict]:
    """48 kHz stereo at chunk 1 (48 000 pushes/s): every sample? chunk p99 < 2 ms?

    Parameters are those of `tp_bisections`.

    Returns
    -------
    rows : list
        One table row.
    raw : dict
        The trial (`audio`) and whether every sample arrived (`every_sample`).
    """
    secs = 3 if quick else 10
    t = tp_trial(tmp, who, 48000, 2, 1, float(secs), 1, lib)
    s, n = t["s"], 48000 * secs
    every = complete(s, n, strict=who == "player-host")
    result = ("yes" if t["ok"] else "no") + ("; every sample" if every else "; samples missing") \
        + ("; sustained" if t["sustained"] else "")
    log(f"throughput {label} 48 kHz stereo chunk 1: {result} n={s.get('n')} chunk p99={ms(s.get('chunk_p99'))} "
        f"lag end={ms(s.get('lag_end'))} engine p99={ms(t['engine_p99'], 3)} {t['error'] or ''}")
    row = tp_row(label, "48 kHz stereo int16, chunk 1", "every sample and chunk p99 < 2 ms", result, t, n)
    return [row], {"player": label, "lib": lib, "audio": t, "every_sample": every}


def case_throughput(tmp: Path, quick: bool, log, liblsls: tuple[str, ...] = ("",),
                    cap: int = 8192) -> dict:
    """Case 3: one wide stream at 30 kHz (bisected, plus 4096 ch) and 48 kHz stereo at chunk 1.

    Parameters
    ----------
    liblsls : tuple of str
        player-host runs once per `--liblsl` choice; MNE-LSL (`mne-inproc`) once.
    cap : int
        Largest channel count the bisections try.
    """
    rows, raw = [], []
    for who, lib in ph_runs(liblsls, ("mne-inproc",)):
        label = liblsl_label(lib) if who == "player-host" else who
        r1, raw1 = tp_bisections(tmp, who, lib, label, quick, cap, log)
        r2, raw2 = tp_audio(tmp, who, lib, label, quick, log)
        rows += r1 + r2
        raw += [raw1, raw2]
    return {"md": table(TP_HEADERS, rows), "raw": raw}


ONTIME_P99 = 0.005  # "on time": every sample and chunk lateness p99 < 5 ms, per stream
MNE_MAX_STREAMS = 64  # MNE-LSL's in-process players are not run above this (see case_streams)
STREAMS_HEADERS = ["player", "streams", "receiver processes", "samples",
                   "on time (every sample, chunk p99 < 5 ms)", "sustained (every sample, lag at the end < 20 ms)",
                   "median stream chunk p99 (ms)", "worst stream chunk p99 (ms)", "worst chunk max (ms)",
                   "worst lag at the end (ms)", "early samples", "CPU s/s per stream (whole run)",
                   "receivers' CPU s/s (all)", "engine worst p99 / max (ms)", "player exit after the receivers (s)",
                   "player's fd limit"]


def on_time(s: dict) -> bool:
    """A stream of the many-streams case on time: every sample, chunk lateness p99 < 5 ms.

    Parameters
    ----------
    s : dict
        One stream's metrics (`stream_metrics`).

    Returns
    -------
    bool
    """
    return s["n"] == s["expect"] and s.get("chunk_p99", 1) < ONTIME_P99


def stream_files(tmp: Path, secs: int) -> dict[str, tuple[Path, int, int]]:
    """The three sources of the many-streams case, written to `tmp`.

    Parameters
    ----------
    tmp : Path
        Where to write them.
    secs : int
        Their duration.

    Returns
    -------
    dict
        kind (`fif`, `wav`, `edf`) -> (file, chunk size, samples).
    """
    return {
        "fif": (gen.small_fif(tmp / "ms_eeg_raw.fif", 32, 1000.0, secs), 10, 1000 * secs),
        "wav": (gen.wav(tmp / "ms_audio.wav", 48000, 2, secs), 480, 48000 * secs),
        "edf": (gen.edf_pyedflib(tmp / "ms_eeg.edf", 16, 256, secs), 8, 256 * secs),
    }


def streams_scenario(tmp: Path, count: int, plays: list[tuple]) -> Path:
    """player-host's scenario for the many-streams case (every stream waits for its consumer).

    Parameters
    ----------
    tmp : Path
        Where to write it.
    count : int
        Number of streams (names the file).
    plays : list of tuple
        Per stream: (file, name, chunk, samples, kind).

    Returns
    -------
    Path
        The scenario file.
    """
    yaml = tmp / f"streams-{count}.yaml"
    lines = ["name: bench-many", "wait_for_consumers: 120", "repeat: 1", "streams:"]
    for path, name, chunk, _, _ in plays:
        lines += [f"  - file: {path}", f"    name: {name}", f"    chunk_size: {chunk}", "    annotations: none"]
    yaml.write_text("\n".join(lines) + "\n")
    return yaml


def streams_row(label: str, count: int, r: dict, expect: list[int], strict: bool, fds: str,
                stats: Path | None) -> list:
    """One row of the many-streams table from a measurement.

    Parameters
    ----------
    label : str
        The player's label.
    count : int
        Number of streams.
    r : dict
        The `measure` result.
    expect : list of int
        Samples expected per stream.
    strict : bool
        Every sample must arrive (a player that waits for its consumers).
    fds : str
        The fd-limit note (`fd_limit_for`).
    stats : Path or None
        player-host's `--stats-json` (None for other players).

    Returns
    -------
    list
        The cells, in `STREAMS_HEADERS` order.
    """
    ss = r.get("streams", [])
    if r.get("error") or not ss:
        return [label, count, r.get("receivers", "–"), "ERROR: " + str(r.get("error"))[:80]] + ["–"] * 11 + [fds]
    got = sum(s["n"] for s in ss)
    p99s = [s.get("chunk_p99", float("nan")) for s in ss]
    maxs = [s.get("chunk_max", float("nan")) for s in ss]
    lags = [s.get("lag_end", float("nan")) for s in ss]
    span = max(s.get("arr_last", 0) for s in ss) - min(s.get("arr_first", 1e18) for s in ss if s["n"])
    ontime = sum(1 for s in ss if on_time(s))
    kept = sum(1 for s in ss if sustained(s, s["expect"], strict))
    eng = engine_stats(stats) if stats else None
    es = eng.get("streams") if eng else None
    eng_cell = (f"{ms(max(x['lateness_p99'] for x in es), 3)} / {ms(max(x['lateness_max'] for x in es), 2)}"
                if es else "–")
    return [label, count, r["receivers"], f"{got}/{sum(expect)}", f"{ontime}/{count}", f"{kept}/{count}",
            ms(float(np.nanmedian(p99s))), ms(float(np.nanmax(p99s))), ms(float(np.nanmax(maxs))),
            ms(float(np.nanmax(lags))), sum(s.get("early", 0) for s in ss),
            sec(((r["cpu_total"] or 0) / span / count) if span > 0 else None, 4),
            sec(r["meta"]["receivers_cpu_s"] / span if span > 0 else None, 2), eng_cell,
            sec(r["player_exit_s"], 1) if r["player_exit_s"] is not None else "stopped (still running)", fds]


def case_streams(tmp: Path, quick: bool, log, counts: tuple[int, ...] = (8, 32, 64, 256),
                 liblsls: tuple[str, ...] = ("",), per_receiver: int = 32) -> dict:
    """Case 4: many mixed streams (FIF/WAV/EDF) from one scenario, 10 s (5 s with `quick`).

    Parameters
    ----------
    counts : tuple of int
        Stream counts to run.
    liblsls : tuple of str
        player-host runs once per `--liblsl` choice; MNE-LSL once, up to `MNE_MAX_STREAMS`.
    per_receiver : int
        Most streams per receiver process (0: one receiver for all).
    """
    secs = 5 if quick else 10
    files = stream_files(tmp, secs)
    kinds = ["fif", "wav", "edf"]
    rows, raw = [], []
    for count in counts:
        plays = []
        for i in range(count):
            path, chunk, n = files[kinds[i % 3]]
            plays.append((path, uname(f"{kinds[i % 3]}{i}"), chunk, n, kinds[i % 3]))
        names, expect = [p[1] for p in plays], [p[3] for p in plays]
        for who, lib in ph_runs(liblsls, ("mne-inproc",)):
            ph = who == "player-host"
            label = liblsl_label(lib) if ph else who
            if not ph and count > MNE_MAX_STREAMS:
                rows.append([label, count, "–", f"not run: one process with {count} PlayerLSL (it already falls "
                             f"behind by seconds at 32–64)"] + ["–"] * 12)
                continue
            preexec, fds = fd_limit_for(count)
            stats = tmp / f"streams-{count}.json"
            stats.unlink(missing_ok=True)
            if ph:
                cmd = [player_host(), "run", streams_scenario(tmp, count, plays), "--quiet", "--stats-json", stats]
            else:
                cmd = mne_inproc([(p[0], p[1], p[2]) for p in plays], 1, "sleep")
            r = measure(tmp, cmd, names, expect, max_seconds=secs * 4 + 30, idle=3.0, resolve_timeout=120,
                        chunks=[p[2] for p in plays], player_env=player_env(lib) if ph else None,
                        player_preexec=preexec, per_receiver=per_receiver, exit_wait=60.0)
            r.update(case="streams", player=label, lib=lib, count=count, fd_limit=fds,
                     liblsl_mismatch=liblsl_mismatch(r, label))
            if r["liblsl_mismatch"]:
                log("WARNING " + r["liblsl_mismatch"])
            raw.append(r)
            rows.append(streams_row(label, count, r, expect, ph, fds, stats if ph else None))
            log(f"streams {label} x{count}: " + " ".join(str(c) for c in rows[-1][2:]))
    return {"md": table(STREAMS_HEADERS, rows), "raw": raw}


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
                r.update(case="memory", player=liblsl_label("") if who == "player-host" else who, size=label)
                raw.append(r)
                s = r["streams"][0] if r.get("streams") else {}
                rows.append([r["player"], label, f"{r['hwm_mb']:.0f}", sec(s.get("t_resolved"), 3), sec(s.get("open_to_first"), 3),
                             sec(s.get("launch_to_first"), 3), ms(s.get("late_p99")), s.get("early", "–")])
                if r.get("error"):
                    rows[-1][2] = "ERROR: " + r["error"][:80]
                log(f"memory {label} {who}: " + " ".join(str(c) for c in rows[-1][2:]))
        finally:
            path.unlink(missing_ok=True)
    md = table(["player", "file (EDF, 128 ch, 2048 Hz)", "peak RSS (MB)", "launch→stream visible (s)",
                "consumer connected→first sample (s)", "launch→first sample (s)", "lateness p99 (ms)", "early"], rows)
    return {"md": md, "raw": raw}


class Targets:
    """Targets × player-host labels (one per liblsl): measured value and met/missed, side by side."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[str, tuple[str, bool | None]]] = {}
        self.source: dict[str, str] = {}
        self.labels: list[str] = []

    def add(self, target: str, label: str, measured: str, ok: bool | None, source: str = "earlier") -> None:
        """Record one measurement of a target.

        Parameters
        ----------
        target : str
            The target, as the table's first column says it.
        label : str
            The player-host label (one column pair per label).
        measured : str
            What was measured.
        ok : bool or None
            Met, missed, or None: not measured.
        source : str
            `issue 16`, `earlier` or `info` (sorts the rows).
        """
        if label not in self.labels:
            self.labels.append(label)
        self.cells.setdefault(target, {})[label] = (measured, ok)
        self.source.setdefault(target, source)

    def md(self) -> str:
        """The table: issue-16 targets first, then the earlier ones, then further figures ("info")."""
        def status(ok: bool | None) -> str:
            return "met" if ok else ("**missed**" if ok is not None else "not measured")

        headers = ["target", "from"]
        for label in self.labels:
            headers += [f"{label}: measured", "status"]
        rank = {"issue 16": 0, "earlier": 1}
        order = sorted(self.cells, key=lambda t: rank.get(self.source[t], 2))
        rows = []
        for target in order:
            row = [target, self.source[target]]
            for label in self.labels:
                measured, ok = self.cells[target].get(label, ("–", None))
                row += [measured, status(ok) if label in self.cells[target] else "–"]
            rows.append(row)
        return table(headers, rows)


def ph_raw(results: dict, case: str) -> list[dict]:
    """player-host's measurements of a case (any liblsl), with received streams.

    Parameters
    ----------
    results : dict
        Case name -> {"md", "raw"}.
    case : str
        The case.

    Returns
    -------
    list of dict
    """
    return [r for r in results.get(case, {}).get("raw", []) if is_player_host(r.get("player", "")) and r.get("streams")]


def seed_targets(t: Targets, results: dict) -> None:
    """Seed case at chunk 1: lateness p99 idle and busy, wall time, never early.

    Parameters
    ----------
    t : Targets
        Where the rows go.
    results : dict
        Case name -> {"md", "raw"}.
    """
    seed = ph_raw(results, "seed")
    for r in seed:
        if r["chunk"] != 1:
            continue
        s, label, load = r["streams"][0], r["player"], r["load"]
        p = s.get("late_p99")
        got = f"{ms(p)} ms (engine {ms(r.get('engine_p99'), 3)} ms)"
        for limit, src in (((0.0005, "issue 16"), (0.001, "earlier")) if load == "idle"
                           else ((0.002, "issue 16"), (0.005, "earlier"))):
            t.add(f"seed chunk 1, CPU {load}: receiver p99 < {limit * 1e3:g} ms", label, got,
                  None if p is None else p < limit, src)
        if load == "busy":
            w = s.get("wall_t0")
            t.add("seed chunk 1, CPU busy: wall t0→last 3.00 s ± 5 ms", label, sec(w),
                  None if w is None else abs(w - 3.0) <= 0.005)
    for label in dict.fromkeys(r["player"] for r in seed):
        mine = [r for r in seed if r["player"] == label]
        early = sum(r["streams"][0].get("early", 0) for r in mine)
        t.add("never early (every seed run)", label, f"{early} early samples in {len(mine)} runs", early == 0)


def long_memory_targets(t: Targets, results: dict) -> None:
    """Long run (drift, wall vs timestamps) and memory/start-up targets.

    Parameters
    ----------
    t : Targets
        Where the rows go.
    results : dict
        Case name -> {"md", "raw"}.
    """
    for r in ph_raw(results, "long"):
        s, m = r["streams"][0], r["minutes"]
        t.add(f"{m:g} min: drift 0 samples", r["player"], sec(s.get("drift_samples"), 9),
              abs(s.get("drift_samples", 1)) < 1e-6)
        lc = s.get("lag_change")
        t.add(f"{m:g} min: wall vs timestamps < 1 ms" + ("" if m >= 10 else " (target is for 10 min)"), r["player"],
              f"{ms(lc, 3)} ms change of arrival lag", None if lc is None else abs(lc) < 0.001)
    for r in ph_raw(results, "memory"):
        s = r["streams"][0]
        if r["size"] == "10 GB":
            t.add("10 GB file: peak RSS < 64 MB", r["player"], f"{r['hwm_mb']:.0f} MB", r["hwm_mb"] < 64)
        x = s.get("launch_to_first")
        t.add(f"{r['size']} file: first sample < 100 ms after start", r["player"],
              f"{ms(x, 0)} ms (launch→first arrival)", None if x is None else x < 0.1)


def throughput_targets(t: Targets, results: dict) -> None:
    """30 kHz bisections, 4096 channels sustained, 48 kHz stereo at chunk 1.

    Parameters
    ----------
    t : Targets
        Where the rows go.
    results : dict
        Case name -> {"md", "raw"}.
    """
    for r in results.get("throughput", {}).get("raw", []):
        label = r.get("player", "")
        if not is_player_host(label):
            continue
        if "max_channels" in r:
            for crit, lo, hi, src in (("with chunk p99 < 2 ms", r["max_channels"], r["fails_at"], "issue 16"),
                                      ("sustained (no growing lag)", r["max_channels_sustained"],
                                       r["sustained_fails_at"], "earlier")):
                capped = hi is None and lo < 2500  # the cap stopped the bisection below the target
                t.add(f"30 kHz int16, chunk 30: ≥ 2500 ch {crit}", label,
                      f"{lo} ch" + (f" (cap {r['cap']}, not reached)" if hi is None else ""),
                      None if capped else lo >= 2500, src)
            f, s = r["fixed"], r["fixed"]["s"]
            t.add(f"30 kHz int16, chunk 30: {FIXED_CHANNELS} ch sustained", label,
                  f"{s.get('n', 0)}/{s.get('expect', '?')} samples, lag at the end {ms(s.get('lag_end'))} ms"
                  if not f["error"] else short_error(f["error"]), f["sustained"], "issue 16")
        if "audio" in r:
            s = r["audio"]["s"]
            t.add("48 kHz stereo, chunk 1: every sample and chunk p99 < 2 ms", label,
                  f"{s.get('n', 0)}/{s.get('expect', '?')} samples, chunk p99 {ms(s.get('chunk_p99'))} ms "
                  f"(engine {ms(r['audio']['engine_p99'], 3)} ms)", r["audio"]["ok"], "issue 16")


def streams_targets(t: Targets, results: dict) -> None:
    """Many streams: on time at every count (64: issue 16), sustained from 64 on (256: issue 16).

    Parameters
    ----------
    t : Targets
        Where the rows go.
    results : dict
        Case name -> {"md", "raw"}.
    """
    for r in ph_raw(results, "streams"):
        ss, n = r["streams"], r["count"]
        ontime = sum(1 for s in ss if on_time(s))
        worst = max((s.get("chunk_p99", float("nan")) for s in ss), default=None)
        t.add(f"{n} mixed streams on time (every sample, chunk p99 < 5 ms)", r["player"],
              f"{ontime}/{n} (worst chunk p99 {ms(worst)} ms)", ontime == n,
              "issue 16" if n == 64 else "earlier" if n in (8, 32) else "info")
        if n >= 64:
            kept = sum(1 for s in ss if sustained(s, s["expect"], strict=True))
            lag = max((s.get("lag_end", float("nan")) for s in ss), default=None)
            t.add(f"{n} mixed streams sustained (every sample, lag at the end < 20 ms)", r["player"],
                  f"{kept}/{n} (worst lag at the end {ms(lag)} ms)", kept == n, "issue 16" if n == 256 else "info")


def targets_table(results: dict) -> str:
    """player-host against the targets, one column pair per liblsl (measured, not asserted)."""
    t = Targets()
    seed_targets(t, results)
    long_memory_targets(t, results)
    throughput_targets(t, results)
    streams_targets(t, results)
    return t.md()


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
                    help="run player-host's seed, throughput and streams cases once per PLAYER_LIBLSL value, "
                         "comma-separated: bundled, current (pylsl's liblsl) or a path (default: the environment's)")
    ap.add_argument("--builds", default="",
                    help="run player-host's rows of the seed case once per build, side by side: "
                         "comma-separated LABEL=PATH (e.g. before=/tmp/ph-old,after=target/release/player-host)")
    ap.add_argument("--stream-counts", default="8,32,64,256",
                    help="stream counts of the streams case (default 8,32,64,256)")
    ap.add_argument("--streams-per-receiver", type=int, default=32,
                    help="most streams one receiver process takes in the streams case (default 32; 0: one for all)")
    ap.add_argument("--max-channels", type=int, default=8192,
                    help="largest channel count the throughput bisections try (default 8192)")
    ap.add_argument("--out-dir", default=str(HERE / "results"))
    ap.add_argument("--tmp", default=None, help="where to write generated files (default: system temp)")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - {"seed", "long", "throughput", "streams", "memory"}
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    player_host()
    liblsls = tuple(x.strip() for x in args.liblsl.split(",") if x.strip()) or ("",)
    try:
        builds = parse_builds(args.builds)
    except ValueError as e:
        ap.error(str(e))
    try:
        counts = tuple(int(c) for c in args.stream_counts.split(",") if c.strip())
    except ValueError:
        ap.error(f"--stream-counts: not a comma-separated list of integers: {args.stream_counts}")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = datetime.datetime.now(datetime.timezone.utc)
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC{' (--quick)' if args.quick else ''}; {machine()}; "
              + "; ".join(f"{liblsl_label(lib)}: {liblsl_in_use(lib)}" for lib in liblsls)
              + "".join(f"; build {label}: {exe}" for label, exe in builds if label))
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
                    liblsls=liblsls, builds=builds)
        if "long" in cases:
            minutes = args.long_minutes or (1.0 if args.quick else 2.0)
            guarded("long", case_long, tmp, minutes, log,
                    players=tuple(p for p in args.long_players.split(",") if p in ("player-host", "mne-cli")))
            if args.hour and "long" in results:
                h = case_long(tmp, 60.0, log, players=("player-host",))
                results["long"]["md"] += "\n" + "\n".join(h["md"].splitlines()[2:])
                results["long"]["raw"] += h["raw"]
        if "throughput" in cases:
            guarded("throughput", case_throughput, tmp, args.quick, log, liblsls=liblsls, cap=args.max_channels)
        if "streams" in cases:
            guarded("streams", case_streams, tmp, args.quick, log, counts=counts, liblsls=liblsls,
                    per_receiver=args.streams_per_receiver)
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
        "streams": "4. Many streams from one scenario (FIF 32 ch @ 1 kHz, WAV stereo @ 48 kHz, EDF 16 ch @ 256 Hz; "
                   f"receivers: at most {args.streams_per_receiver or 'all'} streams per receiver process)",
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
