"""Python's `faults=` and `Summary.faults` (docs/faults.md): the documented example (a toy
consumer surviving a disconnect), the typed records, and refusals naming the key."""

from __future__ import annotations

import pickle

import numpy as np
import pylsl
import pytest
import soundfile as sf
from conftest import unique

import player_host


def test_a_consumer_detects_a_disconnect_and_resumes(tmp_path):
    rate = 1000
    k = np.arange(6 * rate, dtype=np.float32)
    path = tmp_path / "index.wav"
    sf.write(path, np.stack([k, -k], axis=1), rate, subtype="FLOAT")
    name = unique("faulted-eeg")
    player = player_host.Player(
        path, name=name, format="float64", wait_for_consumers=True,
        faults={"disconnect": [{"at": 2, "for": 1.5}]},
    )
    player.start()
    [info] = pylsl.resolve_byprop("name", name, timeout=10)
    inlet = pylsl.StreamInlet(info, recover=True)
    inlet.open_stream(timeout=10)

    # The toy consumer: a gap is a jump in the sample index; it resumes when data flows.
    last, gaps = -1, []
    while player.running or inlet.samples_available():
        chunk, _ = inlet.pull_chunk(timeout=0.2)
        for sample in chunk:
            index = int(sample[0])
            if index != last + 1:
                gaps.append((last, index))
            last = index
    summary = player.wait()

    [outage] = [f for f in summary.faults if f.fault == "disconnect"]
    assert (outage.first_sample, outage.samples) == (2000, 1500)
    [(before, after)] = gaps
    assert before < 2000 and after >= 3500, "the outage is inside the gap it saw"
    assert after - 3500 < 3 * rate, "back within the inlet's reconnection time"
    assert last == len(k) - 1, "it resumed and read to the end"


def test_summary_faults_are_typed_records_that_repeat_with_the_seed(tmp_path):
    k = np.arange(2000, dtype=np.float32)
    path = tmp_path / "index.wav"
    sf.write(path, np.stack([k], axis=1), 1000, subtype="FLOAT")

    def faults_of_a_run() -> list[player_host.FaultRecord]:
        with player_host.Player(path, name="f", output="null", faults={
            "seed": 11, "drop": {"probability": 0.1, "length": 15}, "clock_offset": 0.5,
        }) as player:
            return player.wait().faults

    records = faults_of_a_run()
    assert all(isinstance(r, player_host.FaultRecord) for r in records)
    kinds = {r.fault for r in records}
    assert kinds == {"drop", "clock_offset"}
    drops = [r for r in records if r.fault == "drop"]
    assert all(r.samples == 15 and r.stream == "f" and r.channels is None for r in drops[:-1])
    [offset] = [r for r in records if r.fault == "clock_offset"]
    assert (offset.first_sample, offset.samples, offset.by) == (0, 0, 0.5)
    again = faults_of_a_run()
    strip = lambda rs: [(r.fault, r.first_sample, r.samples) for r in rs]  # noqa: E731
    assert strip(again) == strip(records)
    assert pickle.loads(pickle.dumps(records[0])) == records[0]


@pytest.mark.parametrize("faults, words", [
    ({"drop": {"probability": 1.5}}, "faults.drop.probability"),
    ({"disconnect": [{"at": 1, "for": -2}]}, "faults.disconnect[0].for"),
    ({"dorp": {}}, "unknown key `dorp`"),
    ({"channels": [{"picks": ["nope"], "kind": "flat"}]}, "faults.channels[0].picks"),
])
def test_bad_faults_raise_naming_the_key(tmp_path, faults, words):
    path = tmp_path / "x.wav"
    sf.write(path, np.zeros((100, 1), dtype=np.float32), 1000, subtype="FLOAT")
    with pytest.raises(player_host.ScenarioError, match=None) as e:
        player_host.Player(path, output="null", faults=faults)
    assert words in str(e.value)
