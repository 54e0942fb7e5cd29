"""A drop-in for MNE-LSL's ``mne_lsl.player.PlayerLSL`` over the native engine."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, List, Optional, Type, Union

import numpy as np

from ._errors import FileFormatError
from ._player import Player

if TYPE_CHECKING:  # pragma: no cover
    import mne

#: MNE-LSL's default stream name.
DEFAULT_NAME = "MNE-LSL-Player"
#: MNE-LSL's default source id.
DEFAULT_SOURCE_ID = "MNE-LSL"


class PlayerLSL:
    """Replay a file or an MNE Raw as an LSL stream, with MNE-LSL's ``PlayerLSL`` API.

    Replacing ``from mne_lsl.player import PlayerLSL`` by ``from player_host import
    PlayerLSL`` keeps a script working: same arguments and defaults, same ``start()``,
    ``stop()``, ``running``, ``info``, ``fname``, ``name``, ``source_id``,
    ``chunk_size`` and ``n_repeat``, float64 samples on the wire. The pacing runs on
    native threads, so it stays exact in the same process as a busy interpreter
    (MNE-LSL's own thread needs the GIL and falls behind, which is why its tutorial
    runs it in a separate process).

    Parameters
    ----------
    fname : path-like | mne.io.BaseRaw
        The recording: a file (read from disk as it plays by the native readers: FIF,
        EDF/BDF, WAV, XDF, plugins; other formats MNE reads are loaded with
        ``mne.io.read_raw`` when MNE is installed), or a Raw object.
    chunk_size : int
        Number of samples pushed at once (``>= 1``).
    n_repeat : int | float
        Number of times the recording is played; ``np.inf`` (default) until stopped.
    name : str | None
        Name of the LSL stream; ``None`` gives ``"MNE-LSL-Player"``.
    source_id : str
        The LSL source id.
    annotations : bool | None
        ``None`` (default) publishes the annotations when the recording has any,
        ``True`` always, ``False`` never.
    annotations_encoding : str
        ``"one-hot"`` or ``"string"``; accepted for compatibility, see Notes.

    Notes
    -----
    Where this player differs from MNE-LSL's, on purpose:

    - **Timing.** A chunk is pushed when its *last* sample is due, never before, and
      sample ``k`` carries the timestamp ``t0 + k / sfreq`` (computed, so it never
      drifts, and continuous across repeats). MNE-LSL stamps each chunk with the time
      of its push and may push up to a chunk early.
    - **Annotations.** They are published as the string stream ``NAME-markers`` (one
      channel, the description; type ``Markers``), each marker pushed on its sample's
      timestamp when due, whatever ``annotations_encoding``. MNE-LSL publishes
      ``NAME-annotations``, one-hot encoded by default, and may push it ahead of time.
    - **Files** are streamed from disk, not loaded whole (the native readers).
    - **Restarting** after ``stop()`` starts a new run from the first sample.
    - The ``info``-editing methods of MNE-LSL's player (``rename_channels``,
      ``set_channel_types``, ``set_montage``, ...) are not offered: edit a Raw and pass
      it instead.

    Examples
    --------
    >>> from player_host import PlayerLSL as Player  # was: from mne_lsl.player import ...
    >>> player = Player("sample_raw.fif", chunk_size=200, name="mock")  # doctest: +SKIP
    >>> player.start()  # doctest: +SKIP
    """

    def __init__(
        self,
        fname: Union[str, "os.PathLike[str]", "mne.io.BaseRaw"],
        chunk_size: int = 10,
        n_repeat: Union[int, float] = np.inf,
        *,
        name: Optional[str] = None,
        source_id: str = DEFAULT_SOURCE_ID,
        annotations: Optional[bool] = None,
        annotations_encoding: str = "one-hot",
    ) -> None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
            raise TypeError(f"chunk_size must be an integer, not {chunk_size!r}")
        if chunk_size <= 0:
            raise ValueError(
                "The argument 'chunk_size' must be a strictly positive integer. "
                f"{chunk_size} is invalid."
            )
        if not (n_repeat == np.inf or (isinstance(n_repeat, (int, np.integer)) and n_repeat > 0)):
            raise ValueError(
                "The argument 'n_repeat' must be a strictly positive integer or "
                f"'np.inf'. {n_repeat} is invalid."
            )
        if annotations not in (None, True, False):
            raise TypeError(f"annotations must be a bool or None, not {annotations!r}")
        if annotations_encoding not in ("one-hot", "string"):
            raise ValueError(
                f"annotations_encoding must be 'one-hot' or 'string', not {annotations_encoding!r}"
            )
        self._chunk_size = int(chunk_size)
        self._n_repeat = n_repeat if n_repeat == np.inf else int(n_repeat)
        self._name = DEFAULT_NAME if name is None else str(name)
        self._source_id = str(source_id)
        self._annotations = annotations
        self._annotations_encoding = annotations_encoding
        self._raw: Optional["mne.io.BaseRaw"] = None
        self._fname: Optional[Path]
        if isinstance(fname, (str, os.PathLike)):
            self._fname = Path(os.fspath(fname))
            if not self._fname.exists():
                raise FileNotFoundError(f"{self._fname} does not exist")
        else:
            self._raw = fname
            files = [f for f in (getattr(fname, "filenames", None) or []) if f is not None]
            self._fname = Path(files[0]) if files else None
        self._info: Optional["mne.Info"] = None
        self._player: Optional[Player] = None
        self._make()  # opens now, so that errors show at construction, as MNE-LSL's

    def _make(self) -> Player:
        mode = {None: "auto", True: "markers", False: "none"}[self._annotations]
        common: Any = dict(
            name=self._name,
            chunk_size=self._chunk_size,
            repeat="forever" if self._n_repeat == np.inf else self._n_repeat,
            format="float64",
            source_id=self._source_id,
            annotations=mode,
        )
        if self._raw is None and self._fname is not None:
            try:
                return Player(self._fname, **common)
            except FileFormatError:
                self._raw = _read_raw(self._fname)  # a format only MNE reads
        assert self._raw is not None
        return Player.from_raw(self._raw, **common)

    def start(self) -> "PlayerLSL":
        """Start streaming; returns once the stream is announced.

        Returns
        -------
        PlayerLSL
            ``self``.
        """
        if self.running:
            warnings.warn(f"{self._name}: the player is already started", RuntimeWarning,
                          stacklevel=2)
            return self
        if self._player is None:
            self._player = self._make()
        self._player.start()
        if self._player.stream_names[1:] and self._annotations_encoding == "one-hot":
            warnings.warn(
                f"{self._name}: annotations are published as strings on "
                f"{self._name}-markers (annotations_encoding='one-hot' is MNE-LSL's)",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def stop(self) -> "PlayerLSL":
        """Stop streaming and release the stream; ``start()`` plays again from the start.

        Returns
        -------
        PlayerLSL
            ``self``.
        """
        player, self._player = self._player, None
        if player is not None:
            player.stop()
            try:
                player.wait()
            except Exception:  # stream failures were the run's; stopping does not raise
                pass
        return self

    @property
    def running(self) -> bool:
        """bool: whether the player is streaming."""
        return self._player is not None and self._player.running

    @property
    def info(self) -> "mne.Info":
        """mne.Info: the measurement info of the recording (needs MNE)."""
        if self._info is None:
            raw = self._raw if self._raw is not None else _read_raw(self._fname, preload=False)
            self._info = raw.info
        return self._info

    @property
    def ch_names(self) -> List[str]:
        """list of str: the channel names."""
        return list(self.info["ch_names"])

    def get_channel_types(self) -> List[str]:
        """Return the channel types, as MNE names them.

        Returns
        -------
        list of str
            One type per channel.
        """
        return list(self.info.get_channel_types())

    @property
    def annotations(self) -> "mne.Annotations":
        """mne.Annotations: the annotations of the recording (needs MNE)."""
        raw = self._raw if self._raw is not None else _read_raw(self._fname, preload=False)
        return raw.annotations

    @property
    def fname(self) -> Optional[Path]:
        """Path | None: the file played (``None`` for a Raw not read from a file)."""
        return self._fname

    @property
    def name(self) -> str:
        """str: the name of the LSL stream."""
        return self._name

    @property
    def source_id(self) -> str:
        """str: the LSL source id."""
        return self._source_id

    @property
    def chunk_size(self) -> int:
        """int: samples pushed at once."""
        return self._chunk_size

    @property
    def n_repeat(self) -> Union[int, float]:
        """int | float: how many times the recording is played (``np.inf``: forever)."""
        return self._n_repeat

    def __enter__(self) -> "PlayerLSL":
        """Start and return the player."""
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        """Stop the player."""
        self.stop()

    def __del__(self) -> None:
        """Stop the player when it is garbage-collected."""
        try:
            self.stop()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "ON" if self.running else "OFF"
        return f"<Player: {self._name} | {state} | {self._fname}>"


def _read_raw(fname: Optional[Path], preload: bool = True) -> "mne.io.BaseRaw":
    if fname is None:
        raise FileFormatError("no file to read")
    try:
        import mne
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise FileFormatError(f"{fname}: reading it needs MNE ({e})") from e
    return mne.io.read_raw(fname, preload=preload, verbose="error")

