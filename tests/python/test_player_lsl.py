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
    # Three passes (6 s): time for the receivers to connect on a loaded machine.
    player = PlayerLSL(FIF if source == "file" else raw, chunk_size=5, n_repeat=3, name=name,
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


PUBLIC_DUNDERS = ("__contains__", "__del__", "__enter__", "__exit__", "__repr__")


def test_every_public_member_of_mne_lsls_player_is_here_with_its_signature():
    """Methods, properties and protocol of MNE-LSL's PlayerLSL (its own and those of MNE's
    ContainsMixin/SetChannelsMixin), by name, kind and signature."""
    names = [n for n in dir(MnePlayerLSL) if not n.startswith("_") or n in PUBLIC_DUNDERS]
    assert len(names) > 25
    for name in names:
        theirs, ours = getattr(MnePlayerLSL, name), getattr(PlayerLSL, name, None)
        assert ours is not None, f"PlayerLSL.{name} is missing"
        assert isinstance(ours, property) == isinstance(theirs, property), name
        if callable(theirs) and not isinstance(theirs, property):
            want = [(p.name, p.kind, p.default)
                    for p in inspect.signature(theirs).parameters.values()]
            got = [(p.name, p.kind, p.default)
                   for p in inspect.signature(ours).parameters.values()]
            assert got == want, name


def samples_raw(seconds: float = 4.0, sfreq: float = 100.0) -> mne.io.RawArray:
    """Channel `k` holds the sample number (0, 1, ...), then two EEG channels."""
    n = int(seconds * sfreq)
    info = mne.create_info(["k", "Fz", "Cz"], sfreq, ["misc", "eeg", "eeg"])
    data = np.vstack([np.arange(n, dtype=np.float64), np.sin(np.arange(2 * n)).reshape(2, n)])
    return mne.io.RawArray(data * [[1.0], [1e-5], [1e-5]], info, verbose="error")


def xml_tree(element) -> tuple:
    """(tag, text, children) of an XML element, for comparing descriptions."""
    return (element.tag, (element.text or "").strip(), [xml_tree(c) for c in element])


def test_the_stream_description_is_the_one_mne_lsl_writes():
    """The desc of the data stream, received by MNE-LSL's inlet, equals the one MNE-LSL's
    own StreamInfo.set_channel_info writes for the same info (channels with units as
    multipliers, FIFF codes, locations; filters; projectors; digitization), and MNE-LSL's
    StreamLSL rebuilds the same channels from it."""
    import xml.etree.ElementTree as ET

    from mne_lsl.lsl import StreamInfo, StreamInlet, resolve_streams

    raw = samples_raw()
    raw.set_channel_types({"Fz": "eeg"})
    raw.set_montage(mne.channels.make_dig_montage(
        ch_pos={"Fz": [0.0, 0.06, 0.08], "Cz": [0.0, 0.0, 0.1]}, nasion=[0.0, 0.1, 0.0],
        lpa=[-0.08, 0.0, 0.0], rpa=[0.08, 0.0, 0.0], coord_frame="head"))
    names = ["Fz", "Cz"]
    raw.add_proj(mne.Projection(
        data=dict(nrow=1, ncol=2, row_names=None, col_names=names,
                  data=np.array([[0.5, -0.5]])),
        kind=1, desc="a projector", active=False), remove_existing=True)
    name = unique("py-lsl-desc")
    player = PlayerLSL(raw, chunk_size=20, name=name, source_id="sid-" + name)
    player.set_channel_units({"Fz": "microvolts"})
    expected = StreamInfo(name, "", 3, 100.0, np.float64, "sid-" + name)
    expected.set_channel_info(raw.info)
    with player:
        found = [s for s in resolve_streams(timeout=5) if s.name == name]
        assert len(found) == 1
        inlet = StreamInlet(found[0])
        inlet.open_stream(timeout=10)
        sinfo = inlet.get_sinfo(timeout=10)
        got = ET.fromstring(sinfo.as_xml).find("desc")
        want = ET.fromstring(expected.as_xml).find("desc")
        got.remove(got.find("player"))  # ours only: provenance
        assert xml_tree(got) == xml_tree(want)
        assert sinfo.get_channel_units() == ["0", "-6", "0"]
        assert (sinfo.stype, sinfo.sfreq, sinfo.source_id) == ("", 100.0, "sid-" + name)
        stream = StreamLSL(bufsize=1, name=name).connect(timeout=10)
        assert stream.ch_names == raw.ch_names
        assert stream.get_channel_types() == raw.get_channel_types()
        assert [c["unit_mul"] for c in stream.info["chs"]] == [0, -6, 0]
        np.testing.assert_allclose(stream.info["chs"][1]["loc"], raw.info["chs"][1]["loc"])
        stream.disconnect()
        del inlet


def receive_for(names, seconds: float):
    from received import Received, pull_into

    opened = inlets(names)
    received = {n: Received(i.info(timeout=10)) for n, i in opened.items()}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pull_into(opened, received, 0.01)
    for inlet in opened.values():
        inlet.close_stream()
    return received


@pytest.mark.parametrize("encoding", ["one-hot", "string"])
def test_annotations_are_stamped_on_their_sample_and_never_early(encoding):
    """Each annotation event carries the timestamp of the data sample it falls on (as
    MNE places it: raw.time_as_index) and arrives no earlier than that timestamp; one-hot
    events carry the duration (-1 for 0) on their description's channel."""
    from conftest import assert_never_early

    raw = samples_raw()
    raw.set_annotations(mne.Annotations([0.5, 1.25, 2.0, 3.99], [0.0, 0.1, 0.25, 0.0],
                                        ["go", "stop", "go", "late"]))
    name = unique("py-lsl-ann")
    player = PlayerLSL(raw, chunk_size=10, n_repeat=3, name=name,
                       annotations_encoding=encoding)
    with warnings_as_errors():
        player.start()
    try:
        got = receive_for([name, f"{name}-annotations"], 8.0)
    finally:
        if player.running:
            player.stop()
    data, events = got[name], got[f"{name}-annotations"]
    assert events.info.type() == "annotations" and events.info.nominal_srate() == 0
    assert events.info.source_id() == "MNE-LSL"
    stamps = data.timestamps()
    sample_of = dict(zip(np.round(stamps, 9), data.values()[:, 0]))
    onsets = {"go": {50.0, 200.0}, "stop": {125.0}, "late": {399.0}}
    values = events.values()
    assert len(events.timestamps()) >= 4
    for stamp, row in zip(events.timestamps(), values):
        if not stamps[0] <= stamp <= stamps[-1]:
            continue  # before the inlet connected, or after it stopped pulling
        sample = sample_of[round(stamp, 9)]  # the stamp of a data sample, exactly
        if encoding == "string":
            assert sample in onsets[row[0]], (row, sample)
        else:
            channels = ["go", "late", "stop"]  # sorted descriptions
            (col,) = np.flatnonzero(row)
            duration = {"go": {-1.0, 0.25}, "stop": {0.1}, "late": {-1.0}}[channels[col]]
            assert sample in onsets[channels[col]] and row[col] in duration, (row, sample)
    assert_never_early(events)
    assert_never_early(data)


class warnings_as_errors:
    """A context in which any warning fails the test."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def test_default_use_warns_of_nothing():
    """A file with annotations, default arguments: no warning from creating, starting,
    stopping, a context manager, or a run that ends by itself."""
    with warnings_as_errors():
        player = PlayerLSL(FIF, name=unique("py-lsl-quiet"))
        assert len(player.annotations) == 3
        player.start()
        assert player.running and "| ON |" in repr(player)
        player.stop()
        with PlayerLSL(FIF, chunk_size=50, n_repeat=1, name=unique("py-lsl-quiet")) as p:
            while p.running:
                time.sleep(0.05)
        assert "| OFF |" in repr(p)


def test_channel_edits_are_published_at_the_next_start():
    """rename_channels, set_channel_types and set_channel_units change what a consumer
    receives after a restart (refused while started), as MNE-LSL's (whose own tests of
    this read its private _sinfo)."""
    raw = samples_raw()
    name = unique("py-lsl-edit")
    player = PlayerLSL(raw, chunk_size=10, name=name, annotations=False).start()
    for call in (lambda: player.rename_channels({"Fz": "F1"}),
                 lambda: player.set_channel_types({"Fz": "eog"}),
                 lambda: player.set_channel_units({"Fz": "uv"}),
                 lambda: player.set_meas_date(None),
                 lambda: player.anonymize()):
        with pytest.raises(RuntimeError, match="player is already started"):
            call()
    player.stop()
    assert player.rename_channels({"Fz": "F1"}) is player
    player.set_channel_types({"Cz": "eog"})
    player.set_channel_units({"F1": -3})
    assert player.ch_names == ["k", "F1", "Cz"]
    assert player.get_channel_types() == ["misc", "eeg", "eog"]
    assert player.get_channel_types(picks="eeg") == ["eeg"]
    assert player.get_channel_types(unique=True) == ["misc", "eeg", "eog"]
    assert "eog" in player and "grad" not in player
    assert player.get_channel_units(picks=["F1"]) == [(107, -3)]
    player.start()
    try:
        rec = receive_for([name], 1.0)[name]
    finally:
        player.stop()
    from conftest import desc_channels

    assert desc_channels(rec.info) == [("k", "misc", "0"), ("F1", "eeg", "-3"),
                                       ("Cz", "eog", "0")]
    values = rec.values()
    k = values[:, 0].astype(int) % raw.n_times
    np.testing.assert_array_equal(values[:, 1], raw.get_data()[1, k])  # rescaled in the Raw
    np.testing.assert_allclose(values[:, 1], np.sin(np.arange(2 * 400))[:400][k] * 1e-2)


def test_n_repeat_plays_that_many_passes_then_releases_the_stream():
    raw = samples_raw(seconds=1.0)
    name = unique("py-lsl-repeat")
    player = PlayerLSL(raw, chunk_size=10, n_repeat=2, name=name).start()
    rec = receive_for([name], 0.1)  # connect early: the passes are 1 s each
    assert player.n_repeat == 2
    deadline = time.monotonic() + 10
    while player.running:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    import pylsl

    assert not pylsl.resolve_byprop("name", name, timeout=0.5), "released at the end"
    with pytest.raises(RuntimeError, match="The player is not started"):
        player.stop()
    assert rec[name].info.nominal_srate() == 100.0


def test_argument_checks_speak_as_mne_lsl(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        PlayerLSL(tmp_path / "missing.fif")
    text = tmp_path / "script.py"
    text.write_text("not a recording")
    with pytest.raises(ValueError, match="Unsupported file type"):
        PlayerLSL(text)
    with pytest.raises(TypeError, match="'name' must be an instance of str or None"):
        PlayerLSL(FIF, name=101)
    with pytest.raises(TypeError, match="'chunk_size' must be an integer"):
        PlayerLSL(FIF, chunk_size=10.0)
    with pytest.raises(TypeError, match="'n_repeat' must be an integer"):
        PlayerLSL(FIF, n_repeat="1")
    with pytest.raises(TypeError, match="'annotations_encoding' must be an instance of str"):
        PlayerLSL(FIF, annotations_encoding=1)
    with pytest.raises(ValueError, match="Invalid value for the 'annotations_encoding'"):
        PlayerLSL(FIF, annotations_encoding="bits")
    with pytest.raises(RuntimeError, match="The player is not started"):
        PlayerLSL(FIF).stop()
    with pytest.warns(RuntimeWarning, match="raw file has no annotations"):
        PlayerLSL(FIF, annotations=False)  # no warning: asked for none
        raw = samples_raw()
        PlayerLSL(raw, annotations=True)
    player = PlayerLSL(FIF, name=unique("py-lsl-twice")).start()
    with pytest.warns(RuntimeWarning, match="player is already started"):
        player.start()
    player.stop()


def test_the_package_works_without_mne_and_says_what_playerlsl_needs():
    import subprocess
    import sys

    script = (
        "import sys\n"
        "sys.modules['mne'] = None  # as if MNE were not installed\n"
        "import numpy as np\n"
        "from player_host import Player\n"
        "s = Player.from_array(np.zeros((5, 1)), 10.0, ['a'], output='null').start().wait()\n"
        "assert s.streams[0].samples == 5\n"
        "try:\n"
        "    from player_host import PlayerLSL\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "player_host.PlayerLSL is built on MNE" in done.stdout
    assert "pip install 'player-host[mne]'" in done.stdout
