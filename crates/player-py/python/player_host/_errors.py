"""The exceptions and the warning class of :mod:`player_host`.

Every message is the one line the ``player-host`` command prints after ``error:``, except
that a setting is named by its Python keyword (``chunk_size: ...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ._native import Summary


class PlayerError(Exception):
    """Base class of every error raised by :mod:`player_host`.

    Also raised on its own for a player used out of order (waited for before it was
    started, started twice), and for a player used in a child process made by
    ``os.fork()`` after the parent created it (its threads and outlets stay in the
    parent).
    """


class FileFormatError(PlayerError):
    """A recording cannot be read: missing, unreadable, malformed, or of no known format.

    The message names the file and what is wrong with it.
    """


class ScenarioError(PlayerError, ValueError):
    """A scenario or a setting is invalid (bad YAML, unknown key, chunk size of 0, ...).

    The message names the setting (the keyword argument, or in a scenario file the key
    with its line and column) and what it allows.
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


class PlayerWarning(RuntimeWarning):
    """Something the user should know that does not stop the replay.

    Emitted when a player opens (a plugin library refused, annotations outside the
    recording left out), and once per run when its end is first observed, for each of
    :attr:`Summary.warnings` (e.g. outlets closed before a consumer that lagged had taken
    the last chunks). A subclass of :class:`RuntimeWarning`, so that filters of
    ``RuntimeWarning`` (and MNE-LSL's ``pytest.warns(RuntimeWarning)``) see it.
    """
