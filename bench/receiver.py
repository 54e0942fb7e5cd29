"""Independent LSL receiver for the benchmarks (run as its own process by bench/run.py).

    python bench/receiver.py --out OUT.npz --stream NAME [--stream NAME ...] [--expect N ...]

Resolves each stream by name (short, repeated resolve waves so discovery is fast; with
several streams one wave asks for every stream still missing, by name),
opens an inlet, writes `OUT.npz.ready` (JSON: when each stream was found and connected),
then pulls until every stream has delivered its expected sample count, or nothing arrived
for --idle seconds (after data started), or --max-seconds passed, or SIGTERM/SIGINT.

Every pull is stamped with pylsl.local_clock() right after it returns; each sample of the
pull gets that arrival time (an upper bound on its true arrival: samples that arrived
earlier in the same pull look slightly later, never earlier). With one stream the pull
blocks inside liblsl until the first sample comes (min_samples=1) and then drains what is
there; with several streams the inlets are polled round-robin (0.2 ms sleep when all
were empty).

The output holds, per stream i: `ts_i` (every sample's timestamp), `arr_i` (its arrival
time), `pull_i` (for each pull: arrival, newest timestamp, samples), plus `meta` (JSON).
Values are pulled into a reused numpy buffer and not kept.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time

import numpy as np
import pylsl
from pylsl.util import LostError

STOP = False


def _stop(*_):
    global STOP
    STOP = True


def name_predicate(names: list[str]) -> str:
    """An XPath predicate matching any of these stream names (they hold no quotes).

    Parameters
    ----------
    names : list of str
        Stream names (the benchmark's own: letters, digits and dashes).

    Returns
    -------
    str
        e.g. `name='a' or name='b'`, for `pylsl.resolve_bypred`.
    """
    return " or ".join(f"name='{n}'" for n in names)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--stream", action="append", required=True)
    ap.add_argument("--expect", action="append", type=int, default=[])
    ap.add_argument("--resolve-timeout", type=float, default=60.0)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--idle", type=float, default=3.0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    names = args.stream
    expect = args.expect or [0] * len(names)
    if len(expect) == 1 and len(names) > 1:
        expect = expect * len(names)
    t_begin = pylsl.local_clock()
    meta = {"names": names, "expect": expect, "t_begin": t_begin, "t_resolved": [], "t_open": []}
    inlets = []
    infos: dict[str, pylsl.StreamInfo] = {}
    found_at: dict[str, float] = {}
    deadline = time.monotonic() + args.resolve_timeout
    while len(infos) < len(names) and not STOP and time.monotonic() < deadline:
        if len(names) == 1:
            found = pylsl.resolve_byprop("name", names[0], minimum=1, timeout=0.05)
        else:
            # one resolve wave for every stream still missing, asked by name: only those
            # outlets answer (with hundreds of streams split over several receivers, a wave
            # that every outlet answers loses replies)
            missing = [n for n in names if n not in infos]
            found = pylsl.resolve_bypred(name_predicate(missing), minimum=len(missing), timeout=0.2)
        for info in found:
            if info.name() in names and info.name() not in infos:
                infos[info.name()] = info
                found_at[info.name()] = pylsl.local_clock()
    missing = [n for n in names if n not in infos]
    if missing:
        meta["error"] = f"stream(s) not found: {', '.join(missing[:3])}" + (" ..." if len(missing) > 3 else "")
        np.savez(args.out, meta=json.dumps(meta))
        return 1
    failed_open: set[int] = set()
    for name in names:
        meta["t_resolved"].append(found_at[name])
        rate = infos[name].nominal_srate()
        # liblsl allocates the inlet queue up front (max_buflen x rate samples): bound it
        buflen = int(max(10, min(360, 2e6 / rate))) if rate > 0 else 360
        inlet = pylsl.StreamInlet(infos[name], max_buflen=buflen, max_chunklen=0, recover=False)
        try:
            inlet.open_stream(timeout=30)
        except (LostError, TimeoutError) as e:  # gone before we connected (MNE-LSL does not wait)
            meta.setdefault("not_opened", []).append(f"{name}: {e!r}")
            failed_open.add(len(inlets))
        meta["t_open"].append(pylsl.local_clock())
        inlets.append(inlet)
    full = [inl.info() for inl in inlets]
    meta["rate"] = [i.nominal_srate() for i in full]
    # player-host names its liblsl in each stream's desc/player (empty for other players)
    meta["player_liblsl"] = [i.desc().child("player").child_value("liblsl_version") for i in full]
    meta["channels"] = [inl.channel_count for inl in inlets]
    with open(args.out + ".ready", "w") as f:
        json.dump(meta, f)

    budget = 8e6 if len(inlets) == 1 else 2e6  # values per pull buffer
    max_samples = [max(1, min(100_000, int(budget // max(1, inl.channel_count)))) for inl in inlets]
    dtypes = [inl.np_dtype or np.float32 for inl in inlets]
    bufs = [np.empty(m * inl.channel_count, dtype=dt) for m, inl, dt in zip(max_samples, inlets, dtypes)]
    ts_parts = [[] for _ in inlets]
    pulls = [[] for _ in inlets]
    counts = [0] * len(inlets)
    last_data = None
    t_end = time.monotonic() + args.max_seconds
    reason = "max-seconds"
    single = len(inlets) == 1
    clock = pylsl.local_clock
    lost: set[int] = set(failed_open)
    try:
        while True:
            if STOP:
                reason = "terminated"
                break
            if time.monotonic() > t_end:
                break
            got_any = False
            for i, inlet in enumerate(inlets):
                if i in lost:
                    continue
                if not single and not inlet.samples_available():
                    continue
                try:
                    _, ts = inlet.pull_chunk(
                        timeout=0.05 if single else 0.0,
                        max_samples=max_samples[i],
                        dest_obj=bufs[i],
                        min_samples=1,
                        as_numpy=True,
                    )
                except LostError:
                    lost.add(i)
                    continue
                arrival = clock()
                if len(ts):
                    got_any = True
                    ts_parts[i].append(np.array(ts, dtype=np.float64))
                    pulls[i].append((arrival, float(ts[-1]), len(ts)))
                    counts[i] += len(ts)
            now = time.monotonic()
            if got_any:
                last_data = now
                if all(e and c >= e for c, e in zip(counts, expect)):
                    reason = "complete"
                    break
            elif len(lost) == len(inlets):
                reason = "lost"  # every outlet is gone and its inlet drained
                break
            elif last_data is not None and now - last_data > args.idle:
                reason = "idle"
                break
            elif not single:
                time.sleep(0.0002)
    except Exception as e:  # keep what was received
        reason = f"receiver error: {e!r}"
    meta["reason"] = reason
    meta["counts"] = counts
    meta["t_finish"] = clock()
    meta["cpu_s"] = time.process_time()  # this receiver's user+sys seconds (liblsl's threads too)
    out = {"meta": json.dumps(meta)}
    for i in range(len(inlets)):
        ts = np.concatenate(ts_parts[i]) if ts_parts[i] else np.empty(0)
        p = np.array(pulls[i], dtype=np.float64).reshape(-1, 3)
        out[f"ts_{i}"] = ts
        out[f"arr_{i}"] = np.repeat(p[:, 0], p[:, 2].astype(np.int64)) if len(p) else np.empty(0)
        out[f"pull_{i}"] = p
    np.savez(args.out, **out)
    for inlet in inlets:
        try:
            inlet.close_stream()
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
