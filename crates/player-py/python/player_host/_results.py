"""Results of a replay: :class:`Summary`, :class:`StreamStats`, :class:`PlayStatus`,
:class:`FaultRecord`.

They are native classes (frozen: read-only attributes; comparable; picklable) that the
engine fills directly, documented in their docstrings. This module adds how their
messages reach the user: as :class:`PlayerWarning`, once.
"""

from __future__ import annotations

import warnings
from typing import Iterable

from ._errors import PlayerWarning
from ._native import FaultRecord, PlayStatus, StreamStats, Summary

__all__ = ["FaultRecord", "PlayStatus", "StreamStats", "Summary", "warn_each"]


def warn_each(messages: Iterable[str], stacklevel: int) -> None:
    """Emit each message as a :class:`PlayerWarning` (``stacklevel`` counts from the
    caller of this function, as :func:`warnings.warn` does)."""
    for message in messages:
        warnings.warn(message, PlayerWarning, stacklevel=stacklevel + 1)
