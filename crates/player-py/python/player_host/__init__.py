"""player_host: replay recordings as Lab Streaming Layer streams, in-process and on time.

The engine is native (Rust): its pacing threads never need the Python interpreter, so a
replay is exact even while this process is busy. See :class:`Player` (files, scenarios,
arrays, MNE Raw objects) and :class:`PlayerLSL` (a drop-in for MNE-LSL's player, which
needs MNE: it is imported on first use, ``from player_host import PlayerLSL``).
The ``player-host`` command comes with the package.
"""

from typing import TYPE_CHECKING, Any

from ._errors import FileFormatError, PlayerError, PlayerWarning, ScenarioError, StreamError
from ._liblsl import provide as _provide_liblsl
from ._native import __version__
from ._player import Player
from ._results import FaultRecord, PlayStatus, StreamStats, Summary

if TYPE_CHECKING:  # pragma: no cover
    from ._mne_lsl import PlayerLSL

_provide_liblsl()  # pylsl's liblsl, handed to the engine before anything plays

__all__ = [
    "FaultRecord",
    "FileFormatError",
    "Player",
    "PlayerError",
    "PlayerLSL",
    "PlayerWarning",
    "PlayStatus",
    "ScenarioError",
    "StreamError",
    "StreamStats",
    "Summary",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """``PlayerLSL`` is built on MNE: it is imported when first asked for, so that the
    rest of the package works without MNE."""
    if name == "PlayerLSL":
        try:
            from ._mne_lsl import PlayerLSL
        except ImportError as e:
            raise ImportError(
                f"player_host.PlayerLSL is built on MNE, which cannot be imported ({e}): "
                "pip install 'player-host[mne]'"
            ) from e
        return PlayerLSL
    raise AttributeError(f"module 'player_host' has no attribute {name!r}")
