"""What the test suites (tests/e2e, tests/python) share on the receiving side: unique
stream names, what independent pylsl inlets received (and the loop that pulls it), and
the checks made on it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pylsl


def unique(prefix: str) -> str:
    """A stream name no other test (or machine user) will publish.

    Parameters
    ----------
    prefix : str
        The start of the name.

    Returns
    -------
    str
        ``prefix`` and 8 random hex digits.
    """
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Received:
    """Everything one inlet received, with each chunk's arrival time."""

    info: pylsl.StreamInfo
    data: list = field(default_factory=list)
    stamps: list = field(default_factory=list)
    # (arrival local_clock, last timestamp of the chunk) per pulled chunk
    arrivals: list = field(default_factory=list)

    def values(self) -> np.ndarray:
        """The values, frames × channels (objects for string streams)."""
        n = self.info.channel_count()
        if self.info.channel_format() == pylsl.cf_string:
            return np.array(self.data, dtype=object).reshape(-1, n)
        return np.asarray(self.data, dtype=np.float64).reshape(-1, n)

    def timestamps(self) -> np.ndarray:
        """The timestamps, one per frame."""
        return np.asarray(self.stamps, dtype=np.float64)


def pull_into(inlets: dict[str, pylsl.StreamInlet], received: dict[str, Received],
              wait: float) -> int:
    """Pulls what each inlet holds into its `Received`, with the chunk's arrival time.

    Parameters
    ----------
    inlets : dict of str to pylsl.StreamInlet
        The open inlets, by stream name.
    received : dict of str to Received
        Where each stream's data goes, by the same names.
    wait : float
        How long to wait for data on each inlet, in seconds.

    Returns
    -------
    int
        The frames pulled.
    """
    got = 0
    for name, inlet in inlets.items():
        data, stamps = inlet.pull_chunk(timeout=wait, max_samples=100000)
        if stamps:
            rec = received[name]
            rec.arrivals.append((pylsl.local_clock(), max(stamps)))
            rec.data.extend(data)
            rec.stamps.extend(stamps)
            got += len(stamps)
    return got


def receive_while(running: Callable[[], bool], inlets: dict[str, pylsl.StreamInlet],
                  received: dict[str, Received], timeout: float, quiet: float) -> None:
    """Pulls while the player runs, then drains what is still in flight.

    Parameters
    ----------
    running : callable
        Whether the player still plays.
    inlets, received
        As for `pull_into`.
    timeout : float
        How long the player may play, in seconds.
    quiet : float
        Draining ends once nothing came for this long, in seconds.

    Raises
    ------
    AssertionError
        When the player still plays after `timeout`.
    """
    deadline = time.monotonic() + timeout
    while running():
        if time.monotonic() > deadline:
            raise AssertionError("the player did not finish in time")
        pull_into(inlets, received, 0.002)
    last = time.monotonic()
    while time.monotonic() - last < quiet:
        if pull_into(inlets, received, quiet / 10):
            last = time.monotonic()


def desc_channels(info: pylsl.StreamInfo) -> list[tuple[str, str, str]]:
    """(label, type, unit) of every channel in an LSL stream's desc.

    Parameters
    ----------
    info : pylsl.StreamInfo
        A full stream info (from ``inlet.info()``).

    Returns
    -------
    list of tuple of str
        One (label, type, unit) per channel.
    """
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append((ch.child_value("label"), ch.child_value("type"), ch.child_value("unit")))
        ch = ch.next_sibling("channel")
    return out


def assert_regular_stamps(stamps: np.ndarray, rate: float, first: float | None = None) -> None:
    """Every timestamp is first + k / rate (computed, never accumulated).

    Parameters
    ----------
    stamps : numpy.ndarray
        The timestamps received.
    rate : float
        The nominal rate, in Hz.
    first : float, optional
        The expected first timestamp (default: the first received).
    """
    k = np.arange(len(stamps), dtype=np.float64)
    t0 = stamps[0] if first is None else first
    err = np.abs(stamps - (t0 + k / rate)).max()
    # Timestamps are ~1e5 s (time since boot): the last bits are rounding, nothing more.
    assert err < 1e-7, f"timestamps deviate from t0 + k/rate by up to {err} s"


def assert_never_early(rec: Received) -> None:
    """No chunk arrived before its last sample's timestamp (it was pushed when due).

    Parameters
    ----------
    rec : Received
        What one inlet received.
    """
    early = [(arr, last) for arr, last in rec.arrivals if arr < last]
    assert not early, f"{len(early)} chunks arrived before their timestamp, e.g. {early[:3]}"
