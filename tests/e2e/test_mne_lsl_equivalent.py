"""docs/mne-lsl.md, "Coming from MNE-LSL": its `player-host play` command publishes what
`mne-lsl player FILE -c 10` publishes (MNE-LSL's own player, run side by side): the same
channels, rate, float64 samples, no annotation stream, and it loops until stopped."""

from __future__ import annotations

import re
import signal
import subprocess

import pylsl
from mne_lsl.player import PlayerLSL

from conftest import FIXTURES, REPO, player_host, unique

FILE = FIXTURES / "fif" / "short_raw.fif"  # 510 frames at 250 Hz, with annotations


def readme_command() -> list[str]:
    """The `player-host play` line of docs/mne-lsl.md ("Coming from MNE-LSL").

    Returns
    -------
    list of str
        Its arguments after ``player-host``.
    """
    section = (REPO / "docs" / "mne-lsl.md").read_text()
    line = re.search(r"^player-host (play .*)$", section, re.MULTILINE)
    assert line, "no `player-host play` line in docs/mne-lsl.md"
    return line.group(1).split()


def resolve(name: str, timeout: float) -> pylsl.StreamInfo | None:
    """The info of the stream named `name`, or None when none appears in time.

    Parameters
    ----------
    name : str
        The stream name.
    timeout : float
        Seconds to wait for it.

    Returns
    -------
    pylsl.StreamInfo or None
        Its info as resolved (without its description).
    """
    found = pylsl.resolve_byprop("name", name, timeout=timeout)
    return found[0] if found else None


def test_readme_command_publishes_what_mne_lsl_player_publishes() -> None:
    ours, theirs = unique("as-mne-lsl"), unique("mne-lsl")
    args = [str(FILE) if a == "sample_raw.fif" else ours if a == "MNE-LSL-Player" else a
            for a in readme_command()]
    assert args[:2] == ["play", str(FILE)] and ours in args, args
    # MNE-LSL's command line: PlayerLSL with annotations off and n_repeat infinite.
    mne_player = PlayerLSL(FILE, chunk_size=10, name=theirs, annotations=False)
    mne_player.start()
    proc = subprocess.Popen([player_host(), *args, "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        want, got = resolve(theirs, 20), resolve(ours, 20)
        assert want is not None and got is not None
        assert got.channel_format() == want.channel_format() == pylsl.cf_double64
        assert got.channel_count() == want.channel_count()
        assert got.nominal_srate() == want.nominal_srate()
        # Neither publishes an annotation stream, although the file has annotations.
        assert resolve(f"{ours}-markers", 2) is None
        assert resolve(f"{theirs}-annotations", 0.5) is None
        # It loops: more than one pass of the file arrives.
        inlet = pylsl.StreamInlet(got)
        inlet.open_stream(timeout=10)
        count = 0
        while count <= 510:
            _, stamps = inlet.pull_chunk(timeout=5.0)
            assert stamps or proc.poll() is None, "the player stopped"
            count += len(stamps)
        assert proc.poll() is None, "the player stopped after one pass"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 128 + signal.SIGTERM, err
    finally:
        proc.kill()
        mne_player.stop()
