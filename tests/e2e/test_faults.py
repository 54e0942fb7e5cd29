"""Fault injection end to end (docs/faults.md): `player-host play --faults` received by an
independent pylsl inlet, on a float32 WAV written by soundfile whose first channel is the
sample index, so that every received sample says which one it is. The ground truth of
what was injected is `--faults-log`; each test checks that what arrived is exactly that."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pylsl
import pytest
import soundfile as sf

from conftest import Player, assert_never_early, player_host, unique
from test_control import ctl, ctl_json, wait_for

RATE = 1000
SECONDS = 8
FRAMES = RATE * SECONDS


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    """A 3-channel float32 WAV: channel 0 is the sample index, 1 is 10 × it, 2 is -it."""
    k = np.arange(FRAMES, dtype=np.float32)
    path = tmp_path_factory.mktemp("faults") / "indexed.wav"
    sf.write(path, np.stack([k, 10 * k, -k], axis=1), RATE, subtype="FLOAT")
    back, _ = sf.read(path, dtype="float32", always_2d=True)
    assert np.array_equal(back[:, 0], k), "soundfile keeps the indices exactly"
    return path


def labels(path: Path) -> list[str]:
    """The channel labels the player gives the file (`inspect --json`)."""
    out = subprocess.run([player_host(), "inspect", str(path), "--json"], check=True,
                         capture_output=True, text=True).stdout
    return [c["label"] for c in json.loads(out)["recording"]["streams"][0]["channels"]]


def play_faulted(path: Path, faults: str, tmp: Path, *more: str,
                 extra_streams: tuple[str, ...] = ()) -> tuple[dict, list[dict], dict]:
    """Plays `path` with `--faults FAULTS`; returns what pylsl received (by stream), the
    log's records and the statistics (with t0)."""
    name = unique("faults")
    log, stats = tmp / f"{name}.jsonl", tmp / f"{name}.json"
    player = Player(
        ["play", str(path), "--name", name, "--chunk-size", "10", "--format", "float64",
         "--faults", faults, "--faults-log", str(log), "--stats-json", str(stats),
         "--wait-for-consumers", "all,30", "--quiet", *more],
        [name, *(f"{name}{s}" for s in extra_streams)],
    )
    code, _, err = player.collect(timeout=120)
    assert code == 0, err
    records = [json.loads(line) for line in log.read_text().splitlines()]
    received = {"data" if k == name else k[len(name):]: v for k, v in player.received.items()}
    return received, records, json.loads(stats.read_text())


def counts(rec) -> np.ndarray:
    """How many times each sample index arrived."""
    idx = rec.values()[:, 0].astype(np.int64)
    return np.bincount(idx, minlength=FRAMES)


def of(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r["fault"] == kind]


def samples(records: list[dict]) -> set[int]:
    return {k for r in records for k in range(r["first_sample"], r["first_sample"] + r["samples"])}


def without_clock_times(records: list[dict]) -> list[dict]:
    """The records without what depends on the run (its clock times, the unique name)."""
    return [{k: v for k, v in r.items() if k not in ("t", "at", "until", "stream")} for r in records]


def test_missing_samples_are_exactly_the_logged_drops_and_duplicates_arrive_twice(indexed, tmp_path):
    faults = "{seed: 5, drop: {probability: 0.05, length: 25}, duplicate: {probability: 0.03}}"
    received, records, _ = play_faulted(indexed, faults, tmp_path)
    drops, dups = of(records, "drop"), of(records, "duplicate")
    assert len(drops) > 5 and len(dups) > 5, records
    assert all(r["samples"] == 25 for r in drops[:-1])
    n = counts(received["data"])
    want = np.ones(FRAMES, dtype=np.int64)
    want[list(samples(dups))] = 2
    want[list(samples(drops))] = 0
    np.testing.assert_array_equal(n, want)
    # A duplicate carries the same timestamps both times.
    rec = received["data"]
    idx, stamps = rec.values()[:, 0].astype(np.int64), rec.timestamps()
    k = dups[0]["first_sample"]
    assert np.unique(stamps[idx == k]).size == 1
    assert stamps[idx == k][0] == pytest.approx(dups[0]["t"], abs=1e-9)
    # The same seed gives the same log (up to the clock times of the run).
    _, again, _ = play_faulted(indexed, faults, tmp_path)
    assert without_clock_times(again) == without_clock_times(records)


def test_drift_slope_clock_offset_and_jump_show_in_the_timestamps(indexed, tmp_path):
    ppm = 200.0
    faults = f"{{drift_ppm: {ppm}, clock_offset: 0.25, clock_jump: [{{at: 4, by: -0.1}}]}}"
    received, records, stats = play_faulted(indexed, faults, tmp_path)
    rec = received["data"]
    k, t = rec.values()[:, 0], rec.timestamps()
    assert np.array_equal(k, np.arange(FRAMES)), "every sample, once, in order"
    scale = 1 + ppm * 1e-6
    jump = of(records, "clock_jump")[0]
    before, after = k < jump["first_sample"], k >= jump["first_sample"]
    # Sample k is due at t0 + k / (rate × scale): the jump comes at 4 s of that time.
    assert jump["first_sample"] == int(np.ceil(4 * RATE * scale))
    for part in (before, after):
        slope = np.polyfit(k[part], t[part] - t[part][0], 1)[0]
        assert abs(slope * RATE * scale - 1) < 1e-9, slope
    t0 = stats["t0"]
    np.testing.assert_allclose(t[before] - (t0 + k[before] / (RATE * scale)), 0.25, atol=1e-7)
    np.testing.assert_allclose(t[after] - (t0 + k[after] / (RATE * scale)), 0.15, atol=1e-7)
    assert of(records, "clock_offset")[0]["by"] == 0.25
    assert rec.info.nominal_srate() == RATE, "the declared rate stays the file's"
    # Pushed when due (the drifted time), never before; the offset moves stamps only.
    late = [(arr, last) for arr, last in rec.arrivals if arr < last - 0.25]
    assert not late


def test_channel_faults_hit_exactly_the_logged_samples_and_channels(indexed, tmp_path):
    a, b, c = labels(indexed)
    faults = (f"{{seed: 9, channels: [{{picks: [{b}], kind: flat, at: 2, for: 1}},"
              f" {{picks: [{c}], kind: nan, at: 5, for: 0.1}},"
              f" {{picks: [{c}], kind: clip, max: 1000}},"
              f" {{picks: [{b}], kind: noise, sd: 0.5, at: 6, for: 1}}]}}")
    received, records, _ = play_faulted(indexed, faults, tmp_path)
    v = received["data"].values()
    k = v[:, 0].astype(np.int64)
    assert np.array_equal(k, np.arange(FRAMES))
    flat, nan, clip, noise = (of(records, x)[0] for x in ("flat", "nan", "clip", "noise"))
    assert (flat["first_sample"], flat["samples"], flat["channels"]) == (2000, 1000, [b])
    assert (nan["first_sample"], nan["samples"], nan["channels"]) == (5000, 100, [c])
    assert (clip["first_sample"], clip["samples"]) == (0, FRAMES)
    assert (noise["first_sample"], noise["samples"]) == (6000, 1000)
    hit_flat, hit_nan, hit_noise = (np.isin(k, sorted(samples([r]))) for r in (flat, nan, noise))
    # Flat holds the value before the window; elsewhere channel 1 is 10 k, untouched.
    assert np.all(v[hit_flat, 1] == 10 * 1999)
    untouched = ~hit_flat & ~hit_noise
    assert np.array_equal(v[untouched, 1], 10 * k[untouched])
    dev = v[hit_noise, 1] - 10 * k[hit_noise]
    assert np.all(dev != 0) and 0.4 < dev.std() < 0.6
    assert np.all(np.isnan(v[hit_nan, 2])) and not np.any(np.isnan(v[~hit_nan, 2]))
    want = np.maximum(-k[~hit_nan], -1000)
    assert np.array_equal(v[~hit_nan, 2], want), "channel 2 capped at |1000|"
    assert np.array_equal(v[:, 0], k), "channel 0 untouched"


def test_a_disconnect_loses_the_outage_and_the_inlet_recovers(indexed, tmp_path):
    received, records, _ = play_faulted(indexed, "{disconnect: [{at: 3, for: 1.5}]}", tmp_path)
    out = of(records, "disconnect")
    assert len(out) == 1
    out = out[0]
    assert (out["first_sample"], out["samples"]) == (3000, 1500)
    n = counts(received["data"])
    missing = np.flatnonzero(n == 0)
    assert np.all(n <= 1)
    # Everything before the outage arrived; the outage is missing; the inlet (recover=True)
    # found the outlet created again with the same source id and received the rest.
    assert missing.size > 0 and missing[0] >= 2900, missing[:5]
    lost_before = set(range(3000)) & set(missing.tolist())
    assert not lost_before or min(lost_before) >= 2900
    assert set(range(3000, 4500)) <= set(missing.tolist())
    recovered = np.flatnonzero(n[4500:])[0] + 4500
    assert n[recovered:].all(), "nothing missing once the inlet is back"
    reconnection = (recovered - 4500) / RATE
    print(f"inlet reconnection after the outage: {reconnection:.3f} s "
          f"({recovered - 4500} samples beyond the logged {out['samples']})")
    assert reconnection < 5.0, reconnection
    assert out["until"] >= out["t"] + 1.5 - 0.02


def test_drops_and_drift_under_pause_seek_and_speed(indexed, tmp_path):
    """Steered while faulted (pause, a seek forward, speed 2, a seek back): what arrives
    and the logged drops, in timestamp order, tile the frames one after the other with a
    break at each seek and nowhere else; the drift's spacing holds at both speeds."""
    ppm = 300.0
    faults = f"{{seed: 11, drop: {{probability: 0.05, length: 25}}, drift_ppm: {ppm}}}"
    sock = tmp_path / "player.sock"
    answers: list[dict] = []

    def playing() -> bool:
        code, out, _ = ctl(sock, "status", "--json")
        return code == 0 and json.loads(out)["status"]["state"] == "playing"

    def steer() -> None:
        wait_for("playing", playing)
        time.sleep(1.5)
        for command in (("pause",), ("seek", "4"), ("speed", "2"), ("resume",)):
            answers.append(ctl_json(sock, *command))
            time.sleep(0.2)
        time.sleep(0.8)
        answers.append(ctl_json(sock, "seek", "2"))

    thread = threading.Thread(target=steer, daemon=True)
    thread.start()
    received, records, _ = play_faulted(indexed, faults, tmp_path, "--control", str(sock))
    thread.join(timeout=30)
    assert len(answers) == 5 and all(a["ok"] for a in answers), answers
    rec = received["data"]
    k, t = rec.values()[:, 0].astype(np.int64), rec.timestamps()
    assert np.all(np.diff(t) > 0), "timestamps strictly increase"
    assert_never_early(rec)
    # Runs of consecutive frames received, and the drops, by their first timestamp.
    cuts = np.flatnonzero(np.diff(k) != 1) + 1
    runs = [(t[a], k[a], b - a) for a, b in zip([0, *cuts], [*cuts, len(k)])]
    drops = [(r["t"], r["first_sample"], r["samples"]) for r in of(records, "drop")]
    assert drops, records
    pieces = sorted(runs + drops)
    breaks = [(before, after) for before, after in zip(pieces, pieces[1:])
              if after[1] != before[1] + before[2]]
    assert pieces[0][1] == 0
    # The two seeks, and nothing else: no sample lost unlogged, none both logged and sent.
    assert len(breaks) == 2, breaks
    (_, _, _), (_, forward, _) = breaks[0]
    (_, _, _), (_, back, _) = breaks[1]
    scale = 1 + ppm * 1e-6
    assert abs(forward - 4 * RATE * scale) <= 1 and abs(back - 2 * RATE * scale) <= 1, breaks
    # Consecutive frames lie 1 / (rate x scale x speed) apart, at speed 1 and at speed 2
    # (a few gaps span the pause or the speed change).
    gaps = np.diff(t)[np.diff(k) == 1] * RATE * scale
    at_1, at_2 = np.abs(gaps - 1) < 1e-6, np.abs(gaps - 0.5) < 1e-6
    assert at_1.sum() > 1000 and at_2.sum() > 1000, (at_1.sum(), at_2.sum())
    assert (~(at_1 | at_2)).sum() <= 4, gaps[~(at_1 | at_2)]


def test_stalls_hold_pushes_and_jitter_only_delays(indexed, tmp_path):
    received, records, _ = play_faulted(
        indexed, "{seed: 4, jitter_ms: 3, stall: {every: 2, for: 0.4}}", tmp_path)
    rec = received["data"]
    assert np.array_equal(rec.values()[:, 0], np.arange(FRAMES)), "all there, in order"
    assert_never_early(rec)
    stalls, jitter = of(records, "stall"), of(records, "jitter")
    assert stalls and len(jitter) == FRAMES // 10
    assert all(r["delay"] >= 0 for r in jitter)
    k = rec.values()[:, 0].astype(np.int64)
    # Every sample a stall held arrived after the stall's end (chunks: the arrival of the
    # chunk holding its last sample).
    pulls = np.array([a for a, _ in rec.arrivals])
    ends = np.searchsorted(np.array([last for _, last in rec.arrivals]), rec.timestamps())
    for r in stalls:
        held = (k >= r["first_sample"]) & (k < r["first_sample"] + r["samples"])
        assert held.any()
        assert np.all(pulls[np.minimum(ends[held], len(pulls) - 1)] >= r["until"] - 1e-6)


def test_the_faults_stream_carries_the_log(indexed, tmp_path):
    received, records, _ = play_faulted(
        indexed, "{seed: 1, faults_stream: true, drop: {probability: 0.05}}", tmp_path,
        extra_streams=("-faults",))
    stream = received["-faults"]
    assert stream.info.channel_format() == pylsl.cf_string
    assert stream.info.nominal_srate() == 0
    got = [json.loads(x) for x in stream.values()[:, 0]]
    assert got == records and records


@pytest.mark.parametrize("faults, words", [
    ("{drop: {probability: 1.5}}", "faults.drop.probability must be a probability from 0 to 1"),
    ("{stall: {every: 3, for: -1}}", "faults.stall.for must be a number of seconds"),
    ("{jitter: 3}", "unknown key `jitter`"),
    ("{channels: [{picks: [nope], kind: nan}]}", "faults.channels[0].picks"),
])
def test_bad_faults_are_refused_naming_the_key(indexed, faults, words):
    done = subprocess.run([player_host(), "play", str(indexed), "--faults", faults,
                           "--output", "null"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert words in done.stderr, done.stderr


def test_run_takes_faults_from_the_scenario_and_the_flag_replaces_its_default(indexed, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"faults: {{channels: [{{picks: [nope], kind: nan}}]}}\n"
                        f"streams:\n  - file: {indexed}\n")
    bad = subprocess.run([player_host(), "validate", str(scenario)], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode != 0 and "faults.channels[0].picks" in bad.stderr, bad.stderr
    log = tmp_path / "run.jsonl"
    done = subprocess.run([player_host(), "run", str(scenario), "--output", "null", "--quiet",
                           "--faults", "{clock_offset: 0.5}", "--faults-log", str(log)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [json.loads(x)["fault"] for x in log.read_text().splitlines()] == ["clock_offset"]
