"""What the test suites (tests/e2e, tests/python) share on the receiving side: unique
stream names, and what an independent pylsl inlet received."""

from __future__ import annotations

import uuid
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
