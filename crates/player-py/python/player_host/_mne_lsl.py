"""A drop-in for MNE-LSL's ``mne_lsl.player.PlayerLSL`` over the native engine.

Built on MNE, as MNE-LSL's player is: the recording is an MNE Raw, the channel methods
are MNE's own (``ContainsMixin``, ``SetChannelsMixin``), and the arguments, messages,
warnings and published streams are MNE-LSL 1.14's. Only the pacing differs: it runs on
the engine's native threads (see the class's Notes).
"""

from __future__ import annotations

import math
import operator
import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Type, Union

import mne
import numpy as np
from mne._fiff.constants import FIFF, _ch_unit_mul_named
from mne._fiff.meas_info import ContainsMixin, SetChannelsMixin
from mne._fiff.pick import _picks_to_idx

from . import _mne, _options
from ._errors import StreamError
from ._native import MemoryStream, NativePlayer, open_memory
from ._results import warn_each

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from ._native import Channel

#: MNE-LSL's default stream name.
DEFAULT_NAME = "MNE-LSL-Player"
#: MNE-LSL's default source id.
DEFAULT_SOURCE_ID = "MNE-LSL"
#: The encodings of the annotation stream.
ENCODINGS = ("one-hot", "string")

#: Unit names ``set_channel_units`` knows, per FIFF unit: the unit multiplier.
_HUMAN_UNITS: Dict[int, Dict[str, int]] = {
    FIFF.FIFF_UNIT_V: {
        "v": 0,
        "volt": 0,
        "volts": 0,
        "mv": -3,
        "millivolt": -3,
        "millivolts": -3,
        "uv": -6,
        "microvolt": -6,
        "microvolts": -6,
    },
}


class PlayerLSL(ContainsMixin, SetChannelsMixin):  # type: ignore[misc]
    """Replay a file or an MNE Raw as an LSL stream: MNE-LSL's ``PlayerLSL``.

    Replacing ``from mne_lsl.player import PlayerLSL`` by ``from player_host import
    PlayerLSL`` keeps a script working: the same arguments, defaults, checks and
    messages, methods (``rename_channels``, ``set_channel_types``,
    ``set_channel_units``, ``get_channel_units``, ``anonymize``, ``set_meas_date``,
    and MNE's ``get_channel_types``, ``set_montage``, ``get_montage``,
    ``compensation_grade``, ``in``), properties, ``repr``, warnings and exceptions, and
    the same streams on the network: ``NAME`` (float64, with MNE-LSL's description of
    every channel, so that MNE-LSL's ``StreamLSL`` rebuilds the same ``info``) and
    ``NAME-annotations``. The pacing runs on native threads, so it stays exact in the
    same process as a busy interpreter (MNE-LSL's own thread needs the GIL and falls
    behind, which is why its tutorial runs it in a separate process).

    Parameters
    ----------
    fname : path-like | mne.io.BaseRaw
        The recording: a file MNE reads (``mne.io.read_raw``, loaded in memory), or a
        Raw object (used as it is: the methods below change it, as MNE-LSL's do).
    chunk_size : int
        Number of samples pushed at once (``>= 1``).
    n_repeat : int | float
        Number of times the recording is played; ``np.inf`` (default) until stopped.
    name : str | None
        Name of the LSL stream; ``None`` gives ``"MNE-LSL-Player"``.
    source_id : str
        The LSL source id, of both streams.
    annotations : bool | None
        ``None`` (default) publishes the annotations stream when the recording has
        annotations, ``True`` always (with a warning if there are none, then not),
        ``False`` never.
    annotations_encoding : str
        The annotations stream ``NAME-annotations`` (type ``annotations``, irregular):
        ``"one-hot"`` (default): one float64 channel per distinct description (sorted),
        each event carrying the annotation's duration on its channel (``-1`` when the
        duration is 0) and 0 elsewhere; ``"string"``: one string channel,
        ``description``.

    Raises
    ------
    FileNotFoundError
        ``fname`` does not exist.
    ValueError
        MNE cannot read the file ("Unsupported file type"), or a value is out of range
        (``chunk_size``, ``n_repeat``, ``annotations_encoding``).
    TypeError
        An argument has the wrong type.

    Warns
    -----
    RuntimeWarning
        As MNE-LSL: ``annotations=True`` on a recording without annotations,
        ``start()`` on a running player, ``anonymize()`` and ``set_meas_date()``
        (partially implemented). Warnings of a run (:class:`PlayerWarning`, a
        ``RuntimeWarning``): a consumer that had not taken the last chunks when the
        outlets closed, a stream that failed. Default use warns of nothing.

    Notes
    -----
    Where this player differs from MNE-LSL's, on purpose (MNE-LSL's behaviour is a
    defect here):

    - **Timing.** A chunk is pushed when its *last* sample is due, never before, and
      sample ``k`` carries the timestamp ``t0 + k / sfreq`` (computed, so it never
      drifts, continuous across repeats). MNE-LSL pushes each chunk up to one chunk
      early, stamped with the time it plans for its last sample, and falls behind when
      the interpreter is busy.
    - **Annotations** are pushed when due, never ahead of time, each stamped with its
      onset on the data's timeline (an annotation on sample ``k`` carries sample
      ``k``'s timestamp). MNE-LSL pushes them with the chunk that holds them, ahead of
      time, stamped one sample period before the sample they fall on.
    - **The stream's description** is written from :attr:`info` as it is at each
      :meth:`start` (a montage set meanwhile is published); MNE-LSL writes it when the
      player is created and then updates only names, types and units. The stream type
      is fixed at creation, as MNE-LSL's.
    - **Memory.** The recording is loaded in memory, as MNE-LSL does; while it plays,
      the engine holds its own float64 copy (about twice MNE-LSL's memory). For large
      files use :class:`Player`, which reads files from disk as it plays.
    - Small leniencies: ``n_repeat`` also takes ``float('inf')``, ``set_channel_units``
      unit names in any case (``"uV"``), and the "already started" message names the
      method correctly.
    - **Processes.** A replay belongs to the process that started it: in a child made
      by ``os.fork()`` while the parent plays, the player is not :attr:`running`, and
      :meth:`start` and :meth:`stop` raise :class:`PlayerError` (the replay goes on in
      the parent; garbage collection and exit do nothing); a player made, or first
      started, in the child plays there.

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
        self._native: Optional[NativePlayer] = None
        self._chunk_size = _ensure_int(chunk_size, "chunk_size")
        if self._chunk_size <= 0:
            raise ValueError(
                "The argument 'chunk_size' must be a strictly positive integer. "
                f"{self._chunk_size} is invalid."
            )
        self._n_repeat: Union[int, float] = (
            n_repeat
            if isinstance(n_repeat, float) and math.isinf(n_repeat) and n_repeat > 0
            else _ensure_int(n_repeat, "n_repeat")
        )
        if self._n_repeat <= 0:
            raise ValueError(
                "The argument 'n_repeat' must be a strictly positive integer or "
                f"'np.inf'. {self._n_repeat} is invalid."
            )
        self._fname: Optional[Path]
        if isinstance(fname, mne.io.BaseRaw):
            self._fname = _mne.raw_file(fname)
            self._raw = fname
        else:
            self._fname = _ensure_path(fname)
            self._raw = mne.io.read_raw(self._fname, preload=True)
        _check_type(name, (str, None), "name")
        _check_type(source_id, (str,), "source_id")
        _check_type(annotations, (bool, None), "annotations")
        _check_type(annotations_encoding, (str,), "annotations_encoding")
        _check_value(annotations_encoding, ENCODINGS, "annotations_encoding")
        self._annotations_encoding = annotations_encoding
        self._name: str = DEFAULT_NAME if name is None else name
        self._source_id: str = source_id
        has_annotations = len(self._raw.annotations) != 0
        if annotations and not has_annotations:
            warnings.warn(
                f"{self._name}: The raw file has no annotations. The annotations will be "
                "ignored.",
                RuntimeWarning,
                stacklevel=2,
            )
        self._annotations = has_annotations if annotations is None else annotations
        self._annotations = self._annotations and has_annotations
        self._stype = _mne.stream_type(self.info)
        self._events = (
            _mne.annotation_stream(self._raw, annotations_encoding)
            if self._annotations
            else None
        )

    # -- MNE-LSL's methods ---------------------------------------------------------------

    def anonymize(
        self,
        daysback: Optional[int] = None,
        keep_his: bool = False,
        *,
        verbose: Union[bool, str, int, None] = None,
    ) -> "PlayerLSL":
        """Anonymize the measurement information in-place (``mne.io.anonymize_info``).

        Parameters
        ----------
        daysback : int | None
            Number of days to subtract from all dates (``None``: back to 2000-01-01).
        keep_his : bool
            Keep ``his_id``, ``sex`` and ``hand`` of the subject info.
        verbose : bool | str | int | None
            MNE's verbosity for this call.

        Returns
        -------
        PlayerLSL
            The player, modified in place.

        Raises
        ------
        RuntimeError
            The player is started.

        Warns
        -----
        RuntimeWarning
            As MNE-LSL: partially implemented (the stream's description carries no
            subject information or date; it calls :meth:`set_meas_date`).
        """
        self._check_not_started("anonymize()")
        warnings.warn(
            "Player.anonymize() is partially implemented and does not impact the stream "
            "information yet. It will call Player.set_meas_date() internally.",
            RuntimeWarning,
            stacklevel=2,
        )
        super().anonymize(daysback=daysback, keep_his=keep_his, verbose=verbose)
        return self

    def get_channel_units(
        self, picks: Any = None, only_data_chs: bool = False
    ) -> List[Tuple[int, int]]:
        """The unit of each channel: (FIFF unit code, unit multiplier).

        Parameters
        ----------
        picks : str | list | slice | None
            Channels to include (MNE's picks); ``None``: all.
        only_data_chs : bool
            Whether to ignore non-data channels.

        Returns
        -------
        list of (int, int)
            E.g. ``(107, 0)`` (``FIFF_UNIT_V``, no multiplier) or ``(107, -6)``
            (microvolts).
        """
        _check_type(only_data_chs, (bool,), "only_data_chs")
        none = "data" if only_data_chs else "all"
        idx = _picks_to_idx(self.info, picks, none, (), allow_empty=False)
        return [(self.info["chs"][k]["unit"], self.info["chs"][k]["unit_mul"]) for k in idx]

    def rename_channels(
        self,
        mapping: Union[Dict[str, str], Callable[[str], str]],
        allow_duplicates: bool = False,
        *,
        verbose: Union[bool, str, int, None] = None,
    ) -> "PlayerLSL":
        """Rename channels (published under the new names at the next :meth:`start`).

        Parameters
        ----------
        mapping : dict | callable
            Old name to new name (``{'EEG061': 'EEG161'}``), or a function of the name.
        allow_duplicates : bool
            Allow duplicates, renamed with ``-N`` at the end.
        verbose : bool | str | int | None
            MNE's verbosity for this call.

        Returns
        -------
        PlayerLSL
            The player, modified in place.

        Raises
        ------
        RuntimeError
            The player is started.
        """
        self._check_not_started("rename_channels()")
        mne.rename_channels(self.info, mapping, allow_duplicates, verbose=verbose)
        return self

    def set_channel_types(
        self,
        mapping: Dict[str, str],
        *,
        on_unit_change: str = "warn",
        verbose: Union[bool, str, int, None] = None,
    ) -> "PlayerLSL":
        """Define the sensor type of channels (published at the next :meth:`start`).

        A type of another unit (``T/m`` to ``V``) resets the unit multiplier to 0; use
        :meth:`set_channel_units` to change it.

        Parameters
        ----------
        mapping : dict
            Channel to type, e.g. ``{'EEG061': 'eog'}``.
        on_unit_change : str
            ``"raise"``, ``"warn"`` or ``"ignore"``: what to do when the unit changes
            with the type.
        verbose : bool | str | int | None
            MNE's verbosity for this call.

        Returns
        -------
        PlayerLSL
            The player, modified in place.

        Raises
        ------
        RuntimeError
            The player is started.
        """
        self._check_not_started("set_channel_types()")
        super().set_channel_types(mapping=mapping, on_unit_change=on_unit_change, verbose=verbose)
        return self

    def set_channel_units(self, mapping: Dict[str, Union[str, int]]) -> "PlayerLSL":
        """Define the unit multiplier of channels and rescale their data.

        MNE holds data in SI units; a system that streams microvolts is mocked with
        ``{'Fz': 'microvolts'}`` (or ``-6``): the data are multiplied by 1e6 and the
        channel's unit in the stream's description becomes ``-6``, as MNE-LSL does.

        Parameters
        ----------
        mapping : dict
            Channel to unit: a name (``v``, ``mv``, ``uv``, ``volts``, ``millivolts``,
            ``microvolts``, ... for voltage channels) or a multiplier (``-6``).

        Returns
        -------
        PlayerLSL
            The player, modified in place.

        Raises
        ------
        RuntimeError
            The player is started.
        ValueError
            A channel, unit or multiplier is unknown, or the channel's type has no unit.
        """
        self._check_not_started("set_channel_units()")
        before = np.array([ch["unit_mul"] for ch in self.info["chs"]], dtype=np.int8)
        _set_channel_units(self.info, mapping)
        after = np.array([ch["unit_mul"] for ch in self.info["chs"]], dtype=np.int8)
        factors = before - after
        self._raw.apply_function(
            lambda x: (x.T * np.power(np.ones(factors.shape) * 10, factors)).T,
            channel_wise=False,
            picks="all",
        )
        return self

    def set_meas_date(
        self, meas_date: Union["datetime", float, Tuple[float, float], None]
    ) -> "PlayerLSL":
        """Set the measurement start date.

        Parameters
        ----------
        meas_date : datetime | float | tuple | None
            The new date: a timezone-aware UTC datetime, (seconds, microseconds), seconds
            (float), or ``None`` to remove it.

        Returns
        -------
        PlayerLSL
            The player, modified in place.

        Raises
        ------
        RuntimeError
            The player is started.

        Warns
        -----
        RuntimeWarning
            As MNE-LSL: partially implemented (the stream's description carries no
            date).
        """
        self._check_not_started(f"{type(self).__name__}.set_meas_date()")
        warnings.warn(
            "Player.set_meas_date() is partially implemented and does not impact the "
            "stream information yet.",
            RuntimeWarning,
            stacklevel=2,
        )
        super().set_meas_date(meas_date)
        return self

    # -- playing -------------------------------------------------------------------------

    def start(self) -> "PlayerLSL":
        """Start streaming; returns once the streams are announced on the network.

        Plays from the first sample, with the channels, types and units of :attr:`info`
        as they are now.

        Returns
        -------
        PlayerLSL
            The player.

        Raises
        ------
        StreamError
            An outlet could not be created.
        PlayerError
            In a child made by ``os.fork()`` while the parent played it (its replay goes
            on in the parent; create a new player in the child).

        Warns
        -----
        RuntimeWarning
            The player is already started (nothing changes).
        """
        native = self._native
        if native is not None and not native.in_owner_process:
            native.check_owner("start the player")
        if self.running:
            warnings.warn(
                f"{self._name}: The player is already started. Use Player.stop() to stop "
                "streaming.",
                RuntimeWarning,
                stacklevel=2,
            )
            return self
        native = self._open()
        native.start()
        self._native = native
        return self

    def stop(self) -> "PlayerLSL":
        """Stop streaming; returns once the streams are gone from the network.

        Returns
        -------
        PlayerLSL
            The player; :meth:`start` plays again from the first sample.

        Raises
        ------
        RuntimeError
            The player is not started (or it played to its end, ``n_repeat`` times).
        PlayerError
            In a child made by ``os.fork()``: the player plays in the parent.
        """
        native = self._native
        if native is not None and not native.in_owner_process:
            native.check_owner("stop the player")
        if not self.running:
            raise RuntimeError(
                "The player is not started. Use Player.start() to begin streaming."
            )
        self._join(stacklevel=3)
        return self

    @property
    def running(self) -> bool:
        """bool: whether the player is streaming (``False`` once it played
        ``n_repeat`` times, and in a forked child)."""
        native = self._native
        if native is None or not native.in_owner_process:
            return False
        if native.running:
            return True
        self._join(stacklevel=4)  # it ended by itself: the streams are released now
        return False

    def _open(self) -> NativePlayer:
        """The native player of the recording as it is now."""
        raw = self._raw
        data = raw._data if raw.preload else raw.get_data()
        info = self.info
        channels: List[Channel] = [
            (ch["ch_name"], kind, str(int(ch["unit_mul"])), [])
            for ch, kind in zip(info["chs"], info.get_channel_types(unique=False))
        ]
        streams = [
            MemoryStream.regular(
                self._name,
                np.asarray(data, dtype=np.float64).T,
                float(info["sfreq"]),
                self._stype,
                channels,
                [],
                _mne.mne_lsl_desc(info),
            )
        ]
        entries = [self._entry(streams[0], self._name, self._chunk_size, self._stype)]
        if self._events is not None:
            events = self._events
            text = self._annotations_encoding == "string"
            streams.append(
                MemoryStream.events(
                    f"{self._name}-annotations",
                    events.stamps,
                    "annotations",
                    [(c, "annotations", "none", []) for c in events.channels],
                    events.duration,
                    values=None if text else np.asarray(events.values, dtype=np.float64),
                    texts=list(events.values) if text else None,
                )
            )
            entries.append(
                self._entry(streams[1], f"{self._name}-annotations", 1, "annotations")
            )
        scenario = {
            "repeat": "forever" if math.isinf(self._n_repeat) else self._n_repeat,
            "format": "float64",
            "streams": entries,
        }
        return open_memory(_options.to_json(scenario), streams, "lsl")

    def _entry(
        self, stream: MemoryStream, name: str, chunk_size: int, content_type: str
    ) -> Dict[str, Any]:
        return _options.entry(
            stream.path,
            name=name,
            chunk_size=chunk_size,
            picks=None,
            annotations="none",
            reader="memory",
            source_id=self._source_id,
            content_type=content_type,
        )

    def _join(self, stacklevel: int) -> None:
        """Stop the run and wait until its streams are released; warn of what it says."""
        native, self._native = self._native, None
        if native is None:
            return
        native.stop()
        try:
            summary = native.wait()
        except StreamError as e:
            warn_each([str(e)], stacklevel=stacklevel + 1)
            summary = e.summary
        if summary is not None:
            warn_each(summary.warnings, stacklevel=stacklevel + 1)

    def _check_not_started(self, name: str) -> None:
        if self.running:
            raise RuntimeError(
                "The player is already started. Please stop the streaming before using "
                f"{type(self).__name__}.{name.removeprefix(type(self).__name__ + '.')}."
            )

    # -- protocol ------------------------------------------------------------------------

    def __enter__(self) -> "PlayerLSL":
        """Start the player and return it."""
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        exc_traceback: Optional[TracebackType],
    ) -> None:
        """Stop the player, if it still plays."""
        if self.running:
            self.stop()

    def __del__(self) -> None:
        """Stop the player when it is garbage-collected (not in a forked child)."""
        try:
            native = getattr(self, "_native", None)
            if native is not None and native.in_owner_process:
                self._join(stacklevel=2)
        except Exception:
            pass

    def __repr__(self) -> str:
        status = "ON" if self.running else "OFF"
        if self._fname is not None:
            return f"<Player: {self._name} | {status} | {self._fname}>"
        return f"<Player: {self._name} | {status}>"

    # -- properties ----------------------------------------------------------------------

    @property
    def annotations(self) -> "mne.Annotations":
        """mne.Annotations: the annotations of the recording, if streamed (else empty)."""
        if self._annotations:
            return self._raw.annotations
        from mne.annotations import _handle_meas_date

        return mne.Annotations([], [], [], _handle_meas_date(self.info["meas_date"]))

    @property
    def ch_names(self) -> List[str]:
        """list of str: the channel names."""
        return list(self.info.ch_names)

    @property
    def chunk_size(self) -> int:
        """int: samples pushed at once."""
        return self._chunk_size

    @property
    def fname(self) -> Optional[Path]:
        """Path | None: the file played (``None`` for a Raw not read from a file)."""
        return self._fname

    @property
    def info(self) -> "mne.Info":
        """mne.Info: the measurement info of the stream (the Raw's)."""
        return self._raw.info

    @property
    def n_repeat(self) -> Union[int, float]:
        """int | float: how many times the recording is played (``np.inf``: forever)."""
        return self._n_repeat

    @property
    def name(self) -> str:
        """str: the name of the LSL stream."""
        return self._name

    @property
    def source_id(self) -> str:
        """str: the LSL source id."""
        return self._source_id


# -- MNE-LSL's checks, with its messages ---------------------------------------------------


def _ensure_int(item: Any, item_name: str) -> int:
    try:
        if isinstance(item, bool):
            raise TypeError
        return int(operator.index(item))
    except TypeError:
        raise TypeError(
            f"'{item_name}' must be an integer, got {type(item)} instead."
        ) from None


def _ensure_path(item: Any) -> Path:
    try:
        path = Path(item)
    except TypeError:
        raise TypeError(
            f"The provided path '{item}' is invalid and can not be converted. Please "
            f"provide a str, an os.PathLike or a pathlib.Path object, not {type(item)}."
        ) from None
    if not path.exists():
        raise FileNotFoundError(f"The provided path '{path}' does not exist.")
    return path


def _check_type(item: Any, types: Tuple[Optional[type], ...], item_name: str) -> None:
    classes = tuple(type(None) if t is None else t for t in types)
    if isinstance(item, classes):
        return
    names = ["None" if t is None else t.__name__ for t in types]
    if len(names) == 1:
        wanted = names[0]
    elif len(names) == 2:
        wanted = " or ".join(names)
    else:
        wanted = ", ".join(names[:-1]) + ", or " + names[-1]
    raise TypeError(f"'{item_name}' must be an instance of {wanted}, got {type(item)} instead.")


def _check_value(item: Any, allowed: Tuple[Any, ...], item_name: str) -> None:
    if item in allowed:
        return
    if len(allowed) == 1:
        options = f"The only allowed value is {allowed[0]!r}"
    elif len(allowed) == 2:
        options = f"Allowed values are {allowed[0]!r} and {allowed[1]!r}"
    else:
        options = (
            "Allowed values are "
            + ", ".join(repr(v) for v in allowed[:-1])
            + f", and {allowed[-1]!r}"
        )
    raise ValueError(
        f"Invalid value for the '{item_name}' parameter. {options}, but got {item!r} instead."
    )


def _set_channel_units(info: Any, mapping: Dict[str, Union[str, int]]) -> None:
    """Set the unit multiplier of channels (MNE-LSL's ``_set_channel_units``)."""
    _check_type(mapping, (dict,), "mapping")
    chosen: Dict[int, int] = {}
    for ch, unit in mapping.items():
        _check_type(ch, (str,), "ch")
        _check_value(ch, tuple(info.ch_names), "ch")
        idx = info.ch_names.index(ch)
        fiff_unit = info["chs"][idx]["unit"]
        if fiff_unit == FIFF.FIFF_UNIT_NONE:
            raise ValueError(
                f"The channel {ch} type unit is N/A. If you want to set the unit of this "
                "channel, first change its type to one which supports a unit."
            )
        if isinstance(unit, str):
            known = _HUMAN_UNITS.get(fiff_unit, {})
            if unit.strip().lower() not in known:
                raise ValueError(
                    f"The human-readable unit {unit} for the channel {ch} ({fiff_unit}) "
                    "is unknown to MNE-LSL. Please contact the developers on GitHub if "
                    "you want to add support for this unit."
                )
            chosen[idx] = known[unit.strip().lower()]
        else:
            try:
                multiplier = _ensure_int(unit, "unit")
            except TypeError:
                raise TypeError(
                    f"'unit' must be an instance of str or int-like, got {type(unit)} "
                    "instead."
                ) from None
            _check_value(multiplier, tuple(_ch_unit_mul_named), "unit")
            chosen[idx] = multiplier
    for idx, multiplier in chosen.items():
        info["chs"][idx]["unit_mul"] = _ch_unit_mul_named[multiplier]
