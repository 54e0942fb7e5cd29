"""The BrainVision plugin end to end: a shared library found by `player-host` through
`--plugin-dir`, `PLAYER_PLUGIN_PATH` or a scenario's `plugins:`, replayed over real LSL
and received by pylsl; every value equals what MNE-Python reads (as float32 on the wire),
every marker carries the timestamp of its sample.

The plugin library is built by cargo (`cargo build -p player-brainvision`, or
`--release`); it is looked up in $PLAYER_PLUGIN_LIB_DIR, else in target/release and
target/debug (the newest wins). A missing library fails the test, it never skips.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import mne
import numpy as np
import pytest

from conftest import FIXTURES, REPO, Player, assert_never_early, assert_regular_stamps, desc_channels, unique

BV = FIXTURES / "brainvision"
LIB_NAME = {"linux": "libplayer_brainvision.so", "darwin": "libplayer_brainvision.dylib"}.get(
    sys.platform, "player_brainvision.dll"
)


def plugin_library() -> Path:
    env = os.environ.get("PLAYER_PLUGIN_LIB_DIR")
    candidates = [Path(env) / LIB_NAME] if env else [
        REPO / "target" / kind / LIB_NAME for kind in ("release", "debug")
    ]
    found = [p for p in candidates if p.is_file()]
    if not found:
        pytest.fail(
            f"{LIB_NAME} not found in {[str(c.parent) for c in candidates]}: build it with "
            "`cargo build --release -p player-brainvision` (or set PLAYER_PLUGIN_LIB_DIR)"
        )
    return max(found, key=lambda p: p.stat().st_mtime)


@pytest.fixture
def plugin_dir(trusted_tmp: Path) -> Path:
    """A directory holding a copy of the plugin library, which passes the trust rule."""
    d = trusted_tmp / "plugins"
    d.mkdir()
    d.chmod(0o755)
    shutil.copy(plugin_library(), d / LIB_NAME)
    (d / LIB_NAME).chmod(0o755)
    return d


def mne_truth(vhdr: Path):
    raw = mne.io.read_raw_brainvision(vhdr, preload=True, verbose="error")
    return raw, raw.get_data().T  # frames x channels


def check_stream(player: Player, name: str, vhdr: Path) -> None:
    raw, truth = mne_truth(vhdr)
    rate = raw.info["sfreq"]
    rec = player.received[name]
    assert rec.info.nominal_srate() == rate
    assert [c[0] for c in desc_channels(rec.info)] == raw.ch_names
    got = rec.values()
    assert got.shape == truth.shape, "every sample, no more, no less"
    np.testing.assert_array_equal(got.astype(np.float32), truth.astype(np.float32))
    stamps = rec.timestamps()
    assert_regular_stamps(stamps, rate)
    assert_never_early(rec)
    # Markers: MNE's descriptions, each on the timestamp of its sample.
    markers = player.received[f"{name}-markers"]
    want = [(round(o * rate), d) for o, d in zip(raw.annotations.onset, raw.annotations.description)]
    texts = [row[0] for row in markers.values()]
    assert texts == [d for _, d in want]
    for (sample, _), ts in zip(want, markers.timestamps()):
        assert abs(ts - stamps[sample]) < 1e-9, f"marker at {ts}, its sample at {stamps[sample]}"


@pytest.mark.parametrize("fixture", ["int16_mux", "float32_vec"])
def test_plugin_dir_replays_the_fixture_exactly(plugin_dir, fixture):
    vhdr = BV / f"{fixture}.vhdr"
    name = unique(f"bv-{fixture}")
    player = Player(
        ["--plugin-dir", str(plugin_dir), "play", str(vhdr), "--name", name,
         "--chunk-size", "16", "--wait-for-consumers", "all,30", "--quiet"],
        [name, f"{name}-markers"],
    )
    code, _, err = player.collect()
    assert code == 0, err
    check_stream(player, name, vhdr)


def test_environment_variable_finds_the_plugin(plugin_dir, monkeypatch):
    monkeypatch.setenv("PLAYER_PLUGIN_PATH", str(plugin_dir))
    vhdr = BV / "float32_mux.vhdr"
    name = unique("bv-env")
    player = Player(
        ["play", str(vhdr), "--name", name, "--chunk-size", "50",
         "--wait-for-consumers", "all,30", "--quiet"],
        [name, f"{name}-markers"],
    )
    code, _, err = player.collect()
    assert code == 0, err
    check_stream(player, name, vhdr)


def test_scenario_plugins_entry_plays_with_wav_on_one_clock(plugin_dir, trusted_tmp, monkeypatch):
    monkeypatch.delenv("PLAYER_PLUGIN_PATH", raising=False)
    vhdr = BV / "int32_vec.vhdr"
    wav = FIXTURES / "wav" / "demo-tone-8k-mono.wav"
    eeg, tone = unique("bv-scn"), unique("tone-scn")
    scenario = trusted_tmp / "mixed.yaml"
    scenario.write_text(
        f"""
plugins: [plugins]          # relative to this file
wait_for_consumers: all,30
start_delay: 0.5
streams:
  - file: {vhdr}
    name: {eeg}
    chunk_size: 10
  - file: {wav}
    name: {tone}
    chunk_size: 80
"""
    )
    player = Player(["run", str(scenario), "--quiet"], [eeg, f"{eeg}-markers", tone])
    code, _, err = player.collect()
    assert code == 0, err
    check_stream(player, eeg, vhdr)
    te, tt = player.received[eeg].timestamps(), player.received[tone].timestamps()
    assert len(tt) == 16000
    assert abs(te[0] - tt[0]) < 1e-9, "both streams start on the same t0"
