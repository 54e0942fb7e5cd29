"""player_host.PlayerLSL: MNE-LSL's PlayerLSL signature and defaults, over the engine."""

from __future__ import annotations

import inspect
import time

import mne
import numpy as np
import pytest
from conftest import FIXTURES, inlets, unique
from mne_lsl.player import PlayerLSL as MnePlayerLSL
from mne_lsl.stream import StreamLSL

from player_host import PlayerLSL

FIF = FIXTURES / "fif" / "short_raw.fif"


def test_signature_and_defaults_match_mne_lsl():
    ours = inspect.signature(PlayerLSL.__init__).parameters
    theirs = inspect.signature(MnePlayerLSL.__init__).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        assert ours[name].kind == p.kind, name
        assert ours[name].default == p.default, name
    player = PlayerLSL(FIF)
    assert player.name == "MNE-LSL-Player" and player.source_id == "MNE-LSL"
    assert player.chunk_size == 10 and player.n_repeat == np.inf
    assert player.fname == FIF and not player.running
    assert isinstance(player.info, mne.Info)
    assert player.ch_names == mne.io.read_info(FIF, verbose="error")["ch_names"]


def test_argument_mistakes_raise_as_mne_lsl():
    for bad in (0, -3):
        with pytest.raises(ValueError, match="chunk_size"):
            PlayerLSL(FIF, chunk_size=bad)
    with pytest.raises(ValueError, match="n_repeat"):
        PlayerLSL(FIF, n_repeat=0)
    with pytest.raises(FileNotFoundError):
        PlayerLSL(FIXTURES / "nope.fif")


@pytest.mark.parametrize("source", ["file", "raw"])
def test_float64_on_the_wire_stream_lsl_gets_mne_data(source):
    raw = mne.io.read_raw_fif(FIF, preload=True, verbose="error")
    name = unique("py-playerlsl")
    player = PlayerLSL(FIF if source == "file" else raw, chunk_size=5, n_repeat=1, name=name,
                       source_id="sid-" + name, annotations=False)
    player.start()
    try:
        assert player.running
        info = inlets([name])[name].info(timeout=10)
        assert info.channel_format() == 2  # pylsl.cf_double64
        assert info.source_id() == "sid-" + name
        stream = StreamLSL(bufsize=1.5, name=name)
        stream.connect(acquisition_delay=0.01, timeout=20)
        assert stream.ch_names == raw.ch_names
        assert stream.get_channel_types() == raw.get_channel_types()
        deadline = time.monotonic() + 30
        while player.running and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        data, _ = stream.get_data()
        stream.disconnect()
    finally:
        if player.running:
            player.stop()
    assert not player.running
    with pytest.raises(RuntimeError, match="The player is not started"):
        player.stop()  # it played its one pass: as MNE-LSL's
    n = data.shape[1]
    np.testing.assert_array_equal(data, raw.get_data()[:, -n:])


def test_stop_then_start_plays_again():
    name = unique("py-playerlsl-restart")
    player = PlayerLSL(FIF, name=name, annotations=False)
    assert player.start() is player and player.running
    assert player.stop() is player and not player.running
    with player:
        assert player.running
    assert not player.running
