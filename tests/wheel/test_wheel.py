"""The wheel as a user installs it: `pip install player_host-*-abi3-manylinux_2_28*.whl`
into a fresh venv, with no Rust, cmake or C++ compiler anywhere.

scripts/test runs this file in fresh venvs of CPython 3.9 and 3.13 (tests/wheel/run)
whose PATH holds none of cargo, cmake, c++; the receivers are pylsl inlets (the same
pylsl whose liblsl the package publishes with), the ground truth of the file is
Python's own `wave` module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import wave
from pathlib import Path

import numpy as np
import player_host
import pylsl
import pytest
from player_host import Player, _native

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "support"))
from received import (  # noqa: E402
    Received,
    assert_never_early,
    assert_regular_stamps,
    receive_while,
    unique,
)

WAV = REPO / "examples" / "fixtures" / "wav" / "pcm16-stereo-44100.wav"
SCRIPTS = Path(sysconfig.get_path("scripts"))


def receive(player: Player, name: str) -> Received:
    """Start `player` (made with ``wait_for_consumers``), receive `name` with a pylsl
    inlet until the player ends and the inlet is drained, and wait for the player."""
    player.start()
    infos = pylsl.resolve_byprop("name", name, timeout=20)
    assert infos, f"stream {name!r} not found"
    inlet = pylsl.StreamInlet(infos[0], max_buflen=60)
    inlet.open_stream(timeout=10)
    received = {name: Received(inlet.info(timeout=10))}
    receive_while(lambda: player.running, {name: inlet}, received, 60, quiet=0.5)
    assert player.wait() is not None  # raises StreamError if the stream failed
    inlet.close_stream()
    return received[name]


def python(*code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run this venv's Python with ``-W error`` (any warning fails) and ``code``."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", "\n".join(code)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_no_toolchain_is_reachable():
    """What the wheel must do without: every tool a source build needs is absent."""
    found = {tool: shutil.which(tool) for tool in ("cargo", "rustc", "cmake", "c++", "g++", "cc")}
    assert not any(found.values()), f"a build tool is on PATH: {found}"


def test_the_installed_package_is_the_abi3_wheel_without_a_bundled_liblsl():
    native = Path(_native.__file__).name
    assert native == "_native.abi3.so", native
    here = Path(player_host.__file__).resolve()
    assert "site-packages" in here.parts, f"not the installed package: {here}"
    # Built without the bundled liblsl: asking for it is an error that says so.
    r = python(
        "from player_host import _native",
        "print(_native.liblsl_description())",
        PLAYER_LIBLSL="bundled",
    )
    assert r.returncode == 0, r.stderr
    assert "this build has no bundled liblsl" in r.stdout, r.stdout


def test_import_warns_nothing_and_uses_pylsls_liblsl():
    r = python(
        "import player_host, pylsl.lib",
        "from player_host import _native",
        "print(_native.liblsl_description())",
        "print(pylsl.lib.lib._name)",
        "print(pylsl.library_version())",
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    description, pylsl_path, version = r.stdout.splitlines()
    assert description.startswith(f"liblsl {int(version) // 100}.{int(version) % 100} ("), description
    assert f"({os.path.realpath(pylsl_path)}; from pylsl " in description, description


def test_a_file_replays_every_sample_to_pylsl():
    with wave.open(str(WAV)) as w:
        rate, channels, frames = w.getframerate(), w.getnchannels(), w.getnframes()
        assert w.getsampwidth() == 2
        ints = np.frombuffer(w.readframes(frames), dtype="<i2").reshape(frames, channels)
    truth = ints / 32768.0
    name = unique("wheel-file")
    player = Player(WAV, name=name, chunk_size=16, format="float64", wait_for_consumers=30)
    rec = receive(player, name)
    assert rec.info.nominal_srate() == rate
    assert rec.info.channel_count() == channels
    got = rec.values()
    assert got.shape == truth.shape, "every frame, no more, no less"
    np.testing.assert_array_equal(got, truth)
    assert_regular_stamps(rec.timestamps(), rate)
    assert_never_early(rec)


def test_an_array_replays_every_sample_to_pylsl():
    rng = np.random.default_rng(25)
    data = rng.standard_normal((1200, 3)) * 1e-5
    name = unique("wheel-array")
    player = Player.from_array(
        data,
        sfreq=600.0,
        ch_names=["C3", "Cz", "C4"],
        ch_types="eeg",
        name=name,
        chunk_size=8,
        format="float64",
        wait_for_consumers=30,
    )
    rec = receive(player, name)
    assert rec.info.channel_count() == 3
    np.testing.assert_array_equal(rec.values(), data)
    assert_regular_stamps(rec.timestamps(), 600.0)
    assert_never_early(rec)


def test_the_console_script_plays():
    exe = SCRIPTS / "player-host"
    version = subprocess.run([exe, "--version"], check=False, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("player-host "), version.stdout
    assert "from pylsl" in version.stdout, version.stdout
    play = subprocess.run(
        [exe, "play", WAV, "--output", "null", "--quiet"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert play.returncode == 0, play.stderr


def test_without_any_liblsl_the_error_says_what_to_install():
    """pylsl and mne-lsl hidden (as if absent): importing still works, a run without LSL
    output still plays, and an LSL outlet fails with what to install."""
    import ctypes.util

    if ctypes.util.find_library("lsl"):
        pytest.skip("a system liblsl is installed: the engine would use it")
    r = python(
        "import sys",
        "sys.modules['pylsl'] = sys.modules['mne_lsl'] = None",
        "import numpy as np",
        "from player_host import Player, PlayerError",
        "data = np.zeros((100, 1))",
        "Player.from_array(data, 1000.0, ['x'], output='null').start().wait()",
        "try:",
        "    Player.from_array(data, 1000.0, ['x']).start().wait()",
        "except PlayerError as e:",
        "    print(e)",
        "else:",
        "    print('no error')",
    )
    assert r.returncode == 0, r.stderr
    assert "no liblsl found: install pylsl (`pip install pylsl`" in r.stdout, r.stdout
    assert "PLAYER_LIBLSL" in r.stdout, r.stdout
