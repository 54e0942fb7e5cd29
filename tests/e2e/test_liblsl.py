"""Which liblsl the player runs on: a current one (pylsl's, through `PLAYER_LIBLSL`) or
the bundled 1.13, said in each stream's ``desc/player`` and received exactly by pylsl; and
the trust rule of plugins for every liblsl (issue 24.3)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pylsl
import pytest
import soundfile as sf

from conftest import FIXTURES, player_desc, play, player_host, pylsl_liblsl, unique

CHIRP = FIXTURES / "wav" / "demo-chirp-16k-stereo.wav"


def _play_chirp() -> pylsl.StreamInfo:
    """Plays the chirp, checks every value arrived, returns the stream's full info."""
    truth, _ = sf.read(CHIRP, dtype="float32", always_2d=True)
    name = unique("liblsl-e2e")
    rec = play(CHIRP, name, "--chunk-size", "16")[name]
    np.testing.assert_array_equal(rec.values().astype(np.float32), truth)
    return rec.info


def test_current_liblsl_from_player_liblsl(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = pylsl_liblsl()
    monkeypatch.setenv("PLAYER_LIBLSL", str(lib))
    info = _play_chirp()
    version = pylsl.library_version()
    assert player_desc(info, "liblsl_version") == f"{version // 100}.{version % 100}"
    assert player_desc(info, "liblsl") == str(lib)


def test_bundled_liblsl_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYER_LIBLSL", "bundled")
    info = _play_chirp()
    assert player_desc(info, "liblsl_version") == "1.13"
    assert player_desc(info, "liblsl") == "bundled"


def test_the_liblsl_this_suite_runs_on_is_the_one_named() -> None:
    """Under `PLAYER_LIBLSL` (the suite's second run in scripts/test), that library."""
    setting = os.environ.get("PLAYER_LIBLSL", "")
    info = _play_chirp()
    if setting in ("", "bundled"):
        # Unset: a system liblsl >= 1.16 if one is installed, else the bundled one.
        assert player_desc(info, "liblsl_version") != ""
    else:
        assert player_desc(info, "liblsl") == os.path.realpath(setting)


def test_too_old_or_missing_player_liblsl_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYER_LIBLSL", "/nonexistent/liblsl.so")
    out = subprocess.run([player_host(), "play", str(CHIRP), "--name", unique("liblsl-bad"),
                          "--quiet"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr
    assert "PLAYER_LIBLSL=/nonexistent/liblsl.so" in out.stderr
    assert "Traceback" not in out.stderr and "panicked" not in out.stderr


def _play_status(env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`play` of the chirp, over LSL, with `env` added to the environment."""
    return subprocess.run([player_host(), "play", str(CHIRP), "--name", unique("liblsl-trust"),
                           "--quiet"], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **env})


def test_a_current_liblsl_in_a_directory_every_user_can_write_is_refused(
        tmp_path: Path) -> None:
    """pylsl's real liblsl, copied where anyone could replace it, is not loaded."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    lib = Path(shutil.copy(pylsl_liblsl(), shared / "liblsl.so"))
    out = _play_status({"PLAYER_LIBLSL": str(lib)})
    assert out.returncode == 1, out.stderr
    line = out.stderr.strip()
    assert line.startswith(f"error: LSL: PLAYER_LIBLSL={lib}: untrusted: "), line
    assert "writable by" in line and "chmod go-w" in line, line
    assert len(out.stderr.splitlines()) == 1, out.stderr


def test_a_current_liblsl_in_a_trusted_directory_plays(trusted_tmp: Path) -> None:
    lib = Path(shutil.copy(pylsl_liblsl(), trusted_tmp / "liblsl.so"))
    os.chmod(lib, 0o755)
    out = _play_status({"PLAYER_LIBLSL": str(lib)})
    assert out.returncode == 0, out.stderr


def test_discovery_never_loads_the_liblsl_of_the_current_directory(tmp_path: Path) -> None:
    """A current liblsl in the current directory, reachable through an empty entry of
    LD_LIBRARY_PATH, is not what the player finds."""
    shutil.copy(pylsl_liblsl(), tmp_path / "liblsl.so")
    env = {k: v for k, v in os.environ.items() if k != "PLAYER_LIBLSL"}
    for search in (":", "."):
        out = subprocess.run([player_host(), "--version"], capture_output=True, text=True,
                             timeout=30, cwd=tmp_path, env={**env, "LD_LIBRARY_PATH": search})
        assert out.returncode == 0, out.stderr
        assert str(tmp_path) not in out.stdout, out.stdout
