"""End-to-end helpers: run the real `player-host` binary, receive with pylsl.

The receiving side is independent of the code under test: pylsl ships its own liblsl,
and the expected values come from independent readers (soundfile, MNE, pyedflib).

The player runs on the liblsl that `PLAYER_LIBLSL` names, as it would for a user: run
the suite with `PLAYER_LIBLSL=bundled` for the built-in 1.13, and with
`PLAYER_LIBLSL=$(python -c 'import pylsl.lib as l; print(l.lib._name)')` for the current
one in pylsl's wheel (`scripts/test` does both). Unset, the player looks for a system
liblsl >= 1.16 and falls back to the bundled one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pylsl
import pytest

REPO = Path(__file__).resolve().parents[2]

import sys  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "support"))
from received import (  # noqa: E402,F401  (shared by tests/e2e and tests/python)
    Received,
    assert_never_early,
    assert_regular_stamps,
    desc_channels,
    pull_into,
    receive_while,
    unique,
)
FIXTURES = REPO / "examples" / "fixtures"


def player_host() -> str:
    exe = os.environ.get("PLAYER_HOST") or str(REPO / "target" / "release" / "player-host")
    if not Path(exe).exists():
        pytest.fail(f"{exe} not found: build it with `cargo build --release -p player-host`")
    return exe


def pylsl_liblsl() -> Path:
    """The liblsl shared library inside pylsl's wheel (a current liblsl).

    Returns
    -------
    Path
        The library file pylsl loaded.
    """
    import pylsl.lib

    return Path(pylsl.lib.lib._name).resolve()


def player_desc(info: pylsl.StreamInfo, key: str) -> str:
    """The value of ``desc/player/KEY`` in a stream's info (empty when absent).

    Parameters
    ----------
    info : pylsl.StreamInfo
        A full stream info (from ``inlet.info()``).
    key : str
        The element under ``desc/player``.

    Returns
    -------
    str
        Its text.
    """
    return info.desc().child("player").child_value(key)


class Player:
    """A running `player-host` and the inlets on its streams."""

    @staticmethod
    def command() -> list[str]:
        return [player_host()]

    def __init__(self, args: list[str], stream_names: list[str], resolve_timeout: float = 20.0):
        self.proc = subprocess.Popen(
            [*self.command(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.inlets: dict[str, pylsl.StreamInlet] = {}
        self.received: dict[str, Received] = {}
        try:
            for name in stream_names:
                infos = pylsl.resolve_byprop("name", name, timeout=resolve_timeout)
                if not infos:
                    raise AssertionError(f"stream {name!r} not found; player stderr: {self._stderr_now()}")
                inlet = pylsl.StreamInlet(infos[0], max_buflen=360, recover=True)
                full = inlet.info(timeout=10)
                inlet.open_stream(timeout=10)
                self.inlets[name] = inlet
                self.received[name] = Received(full)
        except BaseException:
            self.proc.kill()
            raise

    def _stderr_now(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read() if self.proc.stderr else ""

    def pull(self, wait: float) -> int:
        """Pulls what every inlet holds now (waiting at most `wait` s on each); the frames."""
        return pull_into(self.inlets, self.received, wait)

    def collect(self, timeout: float = 120.0) -> tuple[int, str, str]:
        """Receives until the player exits and inlets are drained; returns (code, out, err)."""
        try:
            receive_while(lambda: self.proc.poll() is None, self.inlets, self.received,
                          timeout, quiet=1.0)
        except AssertionError:
            self.proc.kill()
            raise
        out, err = self.proc.communicate(timeout=10)
        for inlet in self.inlets.values():
            inlet.close_stream()
        return self.proc.returncode, out, err


def play(path, name: str, *options: str, streams: list[str] | None = None,
         timeout: float = 120.0) -> dict[str, Received]:
    """Runs `player-host play PATH --name NAME OPTIONS`, waiting for its consumers, receives
    `streams` (default: just NAME) with pylsl, asserts a clean exit and returns what came."""
    player = Player(
        ["play", str(path), "--name", name, *options, "--wait-for-consumers", "all,30", "--quiet"],
        streams or [name],
    )
    code, _, err = player.collect(timeout=timeout)
    assert code == 0, err
    return player.received


@pytest.fixture
def trusted_tmp() -> Iterator[Path]:
    """A fresh directory for plugin libraries, removed after the test.

    Plugin libraries must pass the trust rule (docs/reliability.md): pytest's ``tmp_path``
    lies under ``/tmp``, which every user can write, so plugins there are refused. This
    directory lies under ``$PLAYER_TEST_TRUSTED_DIR`` (what ``scripts/test`` chooses: the
    repository's ``target/``, or a private directory under ``$HOME`` when the checkout
    lies under a directory others can write), else under the repository's ``target/``.

    Yields
    ------
    Path
        The directory.
    """
    base = Path(os.environ.get("PLAYER_TEST_TRUSTED_DIR", REPO / "target")) / "e2e-trusted"
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    d = base / uuid.uuid4().hex
    d.mkdir()
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
