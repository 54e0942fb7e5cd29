"""liblsl's configuration file: `--lsl-config PATH` names it, `--version` says which one is
in use (liblsl also reads `lsl_api.cfg` from the current directory, which `play` and `run`
announce), and a session id set there makes the streams visible only to receivers of the
same session."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pylsl

from conftest import FIXTURES, player_host, unique

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"


def session_config(path: Path) -> Path:
    """Writes a liblsl configuration with a session id of its own."""
    path.write_text(f"[lab]\nSessionID = player-test-{uuid.uuid4().hex}\n")
    return path


def test_version_names_the_config_file_in_use(tmp_path: Path) -> None:
    cfg = session_config(tmp_path / "lsl_api.cfg")
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    # liblsl's lookup reads lsl_api.cfg in the current directory: --version says so.
    here = subprocess.run([player_host(), "--version"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30)
    assert f"LSL config: {cfg.resolve()}" in here.stdout, here.stdout
    named = subprocess.run([player_host(), "--lsl-config", str(cfg), "--version"],
                           env=env, capture_output=True, text=True, timeout=30)
    assert f"LSL config: {cfg.resolve()}" in named.stdout, named.stdout
    missing = subprocess.run([player_host(), "--lsl-config", str(tmp_path / "no.cfg"),
                              "plugins"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "--lsl-config" in missing.stderr, missing.stderr


def test_a_session_id_hides_the_streams_from_other_sessions(tmp_path: Path) -> None:
    cfg = session_config(tmp_path / "session.cfg")
    name = unique("session")
    proc = subprocess.Popen(
        [player_host(), "--lsl-config", str(cfg), "play", str(TONE), "--name", name,
         "--repeat", "forever", "--quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # This process uses liblsl's defaults: another session, the stream is invisible.
        assert pylsl.resolve_byprop("name", name, timeout=3.0) == []
        # A receiver configured like the player finds it.
        probe = (
            "import pylsl, sys\n"
            f"sys.exit(0 if pylsl.resolve_byprop('name', {name!r}, timeout=10.0) else 1)\n"
        )
        found = subprocess.run([sys.executable, "-c", probe], timeout=60,
                               env={**os.environ, "LSLAPICFG": str(cfg)},
                               capture_output=True, text=True)
        assert found.returncode == 0, found.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_a_config_in_the_current_directory_is_announced_by_play_and_run(
        tmp_path: Path) -> None:
    """Issue 24.3: a run that opens outlets says that liblsl reads ./lsl_api.cfg."""
    cfg = session_config(tmp_path / "lsl_api.cfg")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"streams:\n  - file: {TONE}\n    name: {unique('cwd-cfg')}\n")
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    warning = f"warning: liblsl reads {cfg.resolve()} from the current directory"
    for args in (["play", str(TONE), "--name", unique("cwd-cfg")], ["run", "s.yaml"]):
        out = subprocess.run([player_host(), *args, "--quiet"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert warning in out.stderr and "--lsl-config PATH" in out.stderr, out.stderr
    named = subprocess.run([player_host(), "--lsl-config", str(cfg), "play", str(TONE),
                            "--name", unique("cwd-cfg"), "--quiet"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
    assert named.returncode == 0 and "warning" not in named.stderr, named.stderr
