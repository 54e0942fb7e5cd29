"""The exceptions of :mod:`player_host`.

Every message is the one line the ``player-host`` command prints after ``error:``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ._player import Summary


class PlayerError(Exception):
    """Base class of every error raised by :mod:`player_host`.

    Also raised on its own for a player used out of order (waited for before it was
    started, started twice).
    """


class FileFormatError(PlayerError):
    """A recording cannot be read: missing, unreadable, malformed, or of no known format.

    The message names the file and what is wrong with it.
    """


class ScenarioError(PlayerError, ValueError):
    """A scenario or a setting is invalid (bad YAML, unknown key, chunk size of 0, ...).

    The message says where (the file, line and column) when known.
    """


class StreamError(PlayerError):
    """Playing failed: an outlet could not be created, nobody connected in time, or a
    stream failed while playing (a read error, a reader that stalled).

    Attributes
    ----------
    summary : Summary | None
        The summary of the run, when it ended (streams that failed carry their
        ``error``); ``None`` when the run could not start.
    """

    def __init__(self, message: str, summary: Optional["Summary"] = None) -> None:
        super().__init__(message)
        self.summary = summary
