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
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pylsl
import pytest

REPO = Path(__file__).resolve().parents[2]

import sys  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "support"))
from received import Received, unique  # noqa: E402,F401  (shared by tests/e2e and tests/python)
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

    def _pull_all(self, timeout: float) -> int:
        got = 0
        for name, inlet in self.inlets.items():
            rec = self.received[name]
            data, stamps = inlet.pull_chunk(timeout=timeout, max_samples=100000)
            if stamps:
                rec.arrivals.append((pylsl.local_clock(), max(stamps)))
                rec.data.extend(data)
                rec.stamps.extend(stamps)
                got += len(stamps)
        return got

    def collect(self, timeout: float = 120.0) -> tuple[int, str, str]:
        """Receives until the player exits and inlets are drained; returns (code, out, err)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("player-host did not finish in time")
            self._pull_all(0.002)
        # Drain what is still in flight.
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 1.0:
            if self._pull_all(0.1):
                quiet_since = time.monotonic()
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


def desc_channels(info: pylsl.StreamInfo) -> list[tuple[str, str, str]]:
    """(label, type, unit) of every channel in an LSL stream's desc."""
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append((ch.child_value("label"), ch.child_value("type"), ch.child_value("unit")))
        ch = ch.next_sibling("channel")
    return out


def assert_regular_stamps(stamps: np.ndarray, rate: float, first: float | None = None) -> None:
    """Every timestamp is first + k / rate (computed, never accumulated)."""
    k = np.arange(len(stamps), dtype=np.float64)
    t0 = stamps[0] if first is None else first
    expected = t0 + k / rate
    err = np.abs(stamps - expected).max()
    # Timestamps are ~1e5 s (time since boot): the last bits are rounding, nothing more.
    assert err < 1e-7, f"timestamps deviate from t0 + k/rate by up to {err} s"


def assert_never_early(rec: Received) -> None:
    """No chunk arrived before its last sample's timestamp (it was pushed when due)."""
    early = [(arr, last) for arr, last in rec.arrivals if arr < last]
    assert not early, f"{len(early)} chunks arrived before their timestamp, e.g. {early[:3]}"


@pytest.fixture
def trusted_tmp() -> Iterator[Path]:
    """A fresh directory for plugin libraries, removed after the test.

    Plugin libraries must pass the trust rule (README, Reliability): pytest's ``tmp_path``
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
