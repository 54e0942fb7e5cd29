"""player_host: replay recordings as Lab Streaming Layer streams, in-process and on time.

The engine is native (Rust): its pacing threads never need the Python interpreter, so a
replay is exact even while this process is busy. See :class:`Player` (files, scenarios,
arrays, MNE Raw objects) and :class:`PlayerLSL` (a drop-in for MNE-LSL's player).
The ``player-host`` command comes with the package.
"""

from ._errors import FileFormatError, PlayerError, ScenarioError, StreamError
from ._liblsl import provide as _provide_liblsl
from ._native import __version__
from ._lsl import PlayerLSL
from ._player import PlayStatus, Player, StreamStats, Summary

_provide_liblsl()  # pylsl's liblsl, handed to the engine before anything plays

__all__ = [
    "FileFormatError",
    "Player",
    "PlayerError",
    "PlayerLSL",
    "PlayStatus",
    "ScenarioError",
    "StreamError",
    "StreamStats",
    "Summary",
    "__version__",
]
