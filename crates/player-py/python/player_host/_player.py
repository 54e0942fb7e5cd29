"""The :class:`Player`: replay recordings, scenarios, arrays and MNE Raw objects."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

import numpy as np
import numpy.typing as npt

from . import _mne, _options
from ._errors import ScenarioError, StreamError
from ._native import (
    MemoryStream,
    NativePlayer,
    open_memory,
    open_scenario_file,
    open_scenario_json,
)
from ._options import Crop, PathLike
from ._results import PlayStatus, StreamStats, Summary, warn_each

if TYPE_CHECKING:  # pragma: no cover
    import mne

#: Accepted values of ``layout`` (:meth:`Player.from_array`).
LAYOUTS = ("frames_channels", "channels_frames")

Picks = Optional[Union[str, Sequence[str]]]


class Player:
    """Replay recordings as Lab Streaming Layer streams, in this process, on time.

    The pacing runs on native threads that never need the Python interpreter: a busy
    main thread (``while player.running: pass``) does not delay a single push. Every
    chunk is pushed when its **last** sample is due, never before, with timestamps
    ``t0 + k / sfreq``. Blocking calls release the GIL; Ctrl-C during :meth:`wait`
    stops the player and raises :class:`KeyboardInterrupt`.

    Parameters
    ----------
    source : path-like | sequence of path-like
        A recording (FIF, EDF/BDF, WAV, XDF, or a format of a plugin found through
        ``PLAYER_PLUGIN_PATH``), or several, played together on one clock. A path ending
        in ``.yaml``/``.yml`` is a scenario file (as :meth:`from_scenario`; the other
        arguments, except ``output``, must then keep their defaults).
    name : str | None
        The LSL stream name (default: the file's stem). A recording with several streams
        publishes ``NAME-<stream>``, its annotations ``NAME-markers``. Only for one file.
    chunk_size : int
        Frames per push (at least 1).
    repeat : int | float | str
        Number of passes; ``float('inf')`` or ``"forever"`` plays until stopped.
        Timestamps continue across passes.
    start_delay : float
        Seconds between :meth:`start` and the first sample's timestamp.
    wait_for_consumers : bool | float | str
        Wait for a consumer on every data stream (marker streams never hold the start
        back) before the clock starts; a number is a timeout in seconds (then
        :meth:`wait` raises :class:`StreamError`); ``"all"``, ``"any"`` or ``"all,10"``
        as for the command line's ``--wait-for-consumers``.
    picks : str | sequence of str | None
        Publish only these channels (labels or kinds such as ``"eeg"``).
    annotations : str
        ``"auto"`` publishes the annotations as ``NAME-markers`` when there are any,
        ``"markers"`` always, ``"none"`` never.
    format : str
        The sample type on the wire: ``"float32"``, ``"float64"`` or ``"native"``.
    output : str
        ``"lsl"`` publishes LSL outlets; ``"null"`` paces exactly but publishes nothing
        (for checking files and timing).
    source_id : str | None
        The LSL source id (default: ``player-host:<stream name>``).
    crop : (float | None, float | None) | None
        Play only this section of the recordings, in seconds from their first sample
        (``(tmin, tmax)``; ``None`` for the start or the end). Timestamps start at t0
        with the section's first sample.
    faults : dict | None
        Faults to inject into every recording's data streams, the map a scenario's
        ``faults:`` takes (``{"drop": {"probability": 0.01}, "seed": 3}``; see
        docs/faults.md); what was injected is in :attr:`Summary.faults`.

    Raises
    ------
    FileFormatError
        A recording cannot be read.
    ScenarioError
        A setting is invalid; the message names the keyword (``chunk_size: must be a
        whole number of frames, at least 1, not 0``). Settings are checked by the same
        rules as a scenario file's, in one place (the native side).

    Warns
    -----
    PlayerWarning
        When opening: a plugin library was refused, annotations lie outside the
        recording. At the end of a run (once, when :meth:`wait` first sees it): each of
        :attr:`Summary.warnings`.

    See Also
    --------
    Player.from_scenario, Player.from_array, Player.from_raw, PlayerLSL

    Notes
    -----
    While it plays, :meth:`pause`, :meth:`resume`, :meth:`seek` and :attr:`speed` steer
    the replay, as the command line's keys and control socket do; :attr:`status` says
    where it stands.

    A player belongs to the process that created it. In a child made by ``os.fork()``
    it is inert: :attr:`running` is ``False``, :meth:`stop` and leaving a ``with``
    block do nothing (the replay goes on in the parent), and :meth:`start`,
    :meth:`wait`, :attr:`status`, :attr:`stats` and the steering methods raise
    :class:`PlayerError`; the child exits normally. Create a new player in the child
    to play from it.

    Examples
    --------
    >>> from player_host import Player
    >>> with Player("recording.fif", chunk_size=10) as player:  # doctest: +SKIP
    ...     summary = player.wait()
    """

    def __init__(
        self,
        source: Union[PathLike, Sequence[PathLike]],
        *,
        name: Optional[str] = None,
        chunk_size: int = 10,
        repeat: Union[int, float, str] = 1,
        start_delay: float = 0.0,
        wait_for_consumers: Union[bool, float, str] = False,
        picks: Picks = None,
        annotations: str = "auto",
        format: str = "float32",
        output: str = "lsl",
        source_id: Optional[str] = None,
        crop: Crop = None,
        faults: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if isinstance(source, (str, os.PathLike)):
            paths = [os.fspath(source)]
        else:
            paths = [os.fspath(p) for p in source]
        if not paths:
            raise ScenarioError("source: names no recording")
        if len(paths) == 1 and Path(paths[0]).suffix.lower() in (".yaml", ".yml"):
            changed = _options.changed_from_defaults(
                dict(
                    name=name,
                    chunk_size=chunk_size,
                    repeat=repeat,
                    start_delay=start_delay,
                    wait_for_consumers=wait_for_consumers,
                    picks=picks,
                    annotations=annotations,
                    format=format,
                    source_id=source_id,
                    crop=crop,
                    faults=faults,
                )
            )
            if changed:
                raise ScenarioError(
                    f"{paths[0]} is a scenario: set {', '.join(changed)} in the file"
                )
            self._init(open_scenario_file(paths[0], output))
            return
        if name is not None and len(paths) > 1:
            raise ScenarioError("name: is for one recording, several are named by their stems")
        scenario = _options.settings(
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            format=format,
            crop=crop,
        )
        scenario["streams"] = [
            _options.entry(
                p,
                name=name,
                chunk_size=chunk_size,
                picks=picks,
                annotations=annotations,
                source_id=source_id,
            )
            for p in paths
        ]
        if faults is not None:
            scenario["faults"] = dict(faults)
        self._init(open_scenario_json(_options.to_json(scenario), output))

    def _init(self, native: NativePlayer, stacklevel: int = 3) -> None:
        self._native = native
        self._summary: Optional[Summary] = None
        self._run_warned = False
        warn_each(native.warnings, stacklevel=stacklevel)

    @classmethod
    def _opened(cls, native: NativePlayer, stacklevel: int = 4) -> "Player":
        player = cls.__new__(cls)
        player._init(native, stacklevel=stacklevel)
        return player

    @classmethod
    def from_scenario(cls, path: PathLike, *, output: str = "lsl") -> "Player":
        """Open every recording of a scenario file.

        Parameters
        ----------
        path : path-like
            The scenario (YAML, as for ``player-host run``); relative paths in it are
            relative to it.
        output : str
            ``"lsl"`` or ``"null"`` (see :class:`Player`).

        Returns
        -------
        Player
            The player, ready to :meth:`start`.

        Raises
        ------
        ScenarioError
            The scenario is invalid (the message gives the line and column).
        FileFormatError
            A recording cannot be read.
        """
        return cls._opened(open_scenario_file(os.fspath(path), output))

    @classmethod
    def from_array(
        cls,
        data: npt.ArrayLike,
        sfreq: float,
        ch_names: Sequence[str],
        ch_types: Optional[Union[str, Sequence[str]]] = None,
        units: Optional[Union[str, Sequence[str]]] = None,
        name: str = "array",
        annotations: Optional[Any] = None,
        layout: str = "frames_channels",
        *,
        chunk_size: int = 10,
        repeat: Union[int, float, str] = 1,
        start_delay: float = 0.0,
        wait_for_consumers: Union[bool, float, str] = False,
        picks: Picks = None,
        format: str = "float32",
        output: str = "lsl",
        content_type: Optional[str] = None,
        extras: Optional[Sequence[Dict[str, str]]] = None,
        source_id: Optional[str] = None,
        crop: Crop = None,
    ) -> "Player":
        """Replay a NumPy array, without writing a file.

        Parameters
        ----------
        data : array-like, shape (n_frames, n_channels) or (n_channels, n_frames)
            The samples, in physical units (volts, tesla, ...). Copied once (as float64),
            so the array may change afterwards.
        sfreq : float
            The sampling frequency in Hz.
        ch_names : sequence of str
            The channel labels.
        ch_types : str | sequence of str | None
            The channel types as MNE names them (``"eeg"``, ``"mag"``, ``"grad"``,
            ``"stim"``, ...), published as each channel's LSL ``type``; one string for
            all; ``None`` for ``"misc"``.
        units : str | sequence of str | None
            The SI unit of each channel (``"V"``, ``"T"``, ``"T/m"``, ``""``); one string
            for all; ``None`` for the unit MNE uses for the channel's type.
        name : str
            The LSL stream name (annotations go to ``NAME-markers``).
        annotations : mne.Annotations | sequence of (float, float, str) | None
            Events published as markers, each on its sample's timestamp: objects with
            ``onset``, ``duration`` and ``description`` (onsets in seconds from the first
            frame), or (onset, duration, description) tuples.
        layout : str
            ``"frames_channels"`` (the default: one row per frame) or
            ``"channels_frames"`` (one row per channel, as MNE's ``get_data()``).
        chunk_size, repeat, start_delay, wait_for_consumers, picks, format, output, source_id, crop
            As for :class:`Player`.
        content_type : str | None
            The LSL content type (default: ``MEG`` with MEG channels, else ``EEG`` with
            EEG channels, else ``Misc``).
        extras : sequence of dict | None
            Extra per-channel metadata published under each channel's ``desc`` entry
            (keys with ``/`` make nested elements).

        Returns
        -------
        Player
            The player, ready to :meth:`start`.

        Raises
        ------
        ValueError
            The data and the channel lists do not match, or the rate is not positive.
        ScenarioError
            A setting is invalid (the message names the keyword).
        """
        stream = _array_stream(
            name, data, sfreq, ch_names, ch_types, units, annotations, layout, content_type,
            extras,
        )
        return cls._from_memory(
            stream,
            output,
            name=name,
            chunk_size=chunk_size,
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            picks=picks,
            annotations="auto",
            format=format,
            source_id=source_id,
            crop=crop,
        )

    @classmethod
    def _from_memory(
        cls,
        stream: MemoryStream,
        output: str,
        *,
        name: Optional[str],
        chunk_size: int,
        repeat: Union[int, float, str],
        start_delay: float,
        wait_for_consumers: Union[bool, float, str],
        picks: Picks,
        annotations: str,
        format: str,
        source_id: Optional[str],
        crop: Crop,
    ) -> "Player":
        """A player of one in-memory recording, with the options of :class:`Player`."""
        scenario = _options.settings(
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            format=format,
            crop=crop,
        )
        scenario["streams"] = [
            _options.entry(
                stream.path,
                name=name,
                chunk_size=chunk_size,
                picks=picks,
                annotations=annotations,
                reader="memory",
                source_id=source_id,
            )
        ]
        return cls._opened(open_memory(_options.to_json(scenario), [stream], output), 5)

    @classmethod
    def from_raw(
        cls,
        raw: "mne.io.BaseRaw",
        *,
        name: Optional[str] = None,
        chunk_size: int = 10,
        repeat: Union[int, float, str] = 1,
        start_delay: float = 0.0,
        wait_for_consumers: Union[bool, float, str] = False,
        picks: Picks = None,
        annotations: str = "auto",
        format: str = "float32",
        output: str = "lsl",
        source_id: Optional[str] = None,
        crop: Crop = None,
    ) -> "Player":
        """Replay an MNE Raw object, without writing a file.

        The values are MNE's (``raw.get_data()``, in SI units); each channel keeps its
        name, type, unit and FIF metadata (``kind``, ``coil_type``, ``coord_frame``,
        ``range_cal``, ``loc``) as the FIF reader publishes them, so that
        ``mne_lsl.stream.StreamLSL`` rebuilds the same ``info``. ``raw.annotations`` are
        published as ``NAME-markers``, each on the timestamp of the sample MNE places it
        on (rounded as ``raw.time_as_index`` does), counted from the first sample
        (``first_samp`` respected).

        Parameters
        ----------
        raw : mne.io.BaseRaw
            The recording (its data are loaded if they are not).
        name : str | None
            The LSL stream name (default: the stem of the file it was read from, else
            ``"raw"``).
        chunk_size, repeat, start_delay, wait_for_consumers, picks, format, output, source_id, crop
            As for :class:`Player`.
        annotations : str
            ``"auto"`` publishes ``raw.annotations`` as ``NAME-markers`` when there are
            any, ``"markers"`` always (an empty stream when there are none), ``"none"``
            never (as for files, see :class:`Player`).

        Returns
        -------
        Player
            The player, ready to :meth:`start`.
        """
        if name is None:
            file = _mne.raw_file(raw)
            name = _mne.stem(file) if file is not None else "raw"
        stream = _array_stream(
            name,
            raw.get_data(),
            raw.info["sfreq"],
            raw.ch_names,
            raw.get_channel_types(),
            _mne.fif_units(raw.info),
            _mne.raw_annotations(raw) if annotations != "none" else None,
            "channels_frames",
            None,
            [_mne.fif_extras(ch) for ch in raw.info["chs"]],
        )
        return cls._from_memory(
            stream,
            output,
            name=name,
            chunk_size=chunk_size,
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            picks=picks,
            annotations=annotations,
            format=format,
            source_id=source_id,
            crop=crop,
        )

    # -- playing -----------------------------------------------------------------------

    def start(self) -> "Player":
        """Create the outlets and start playing in the background.

        Returns once every stream is announced on the network (receivers can resolve
        it); the first sample is due ``start_delay`` seconds later (after consumers
        connected, with ``wait_for_consumers``).

        Returns
        -------
        Player
            ``self``, for chaining.

        Raises
        ------
        PlayerError
            The player was already started (a player plays once: make a new one to play
            again), or it was created by the parent of this forked process.
        StreamError
            An outlet could not be created (:meth:`wait` raises the same error).
        """
        self._native.start()
        return self

    def stop(self) -> None:
        """Ask the player to stop; returns at once (use :meth:`wait` to join it).

        Does nothing if it is not playing, or in a forked child (the replay plays on in
        the parent).
        """
        self._native.stop()

    @property
    def running(self) -> bool:
        """bool: whether the player is playing (or waiting to start); ``False`` in a
        forked child."""
        return self._native.running

    # -- live control ------------------------------------------------------------------

    @property
    def status(self) -> PlayStatus:
        """PlayStatus: where the replay stands (state, position, pass, speed)."""
        return self._native.status()

    def pause(self) -> PlayStatus:
        """Pause the replay: nothing is pushed and the position stands still.

        Returns
        -------
        PlayStatus
            The status after the request.

        Raises
        ------
        PlayerError
            The request was refused (the player is not playing), with the reason.
        """
        return self._native.pause()

    def resume(self) -> PlayStatus:
        """Resume a paused replay; timestamps go on from the wall clock.

        Returns
        -------
        PlayStatus
            The status after the request.

        Raises
        ------
        PlayerError
            The request was refused, with the reason.
        """
        return self._native.resume()

    def seek(self, seconds: float) -> PlayStatus:
        """Move the replay position (clamped to the section: 0 to the duration).

        Parameters
        ----------
        seconds : float
            The new position, in seconds on the replay's timeline (within the crop).

        Returns
        -------
        PlayStatus
            The status after the request.

        Raises
        ------
        PlayerError
            The request was refused, with the reason.
        """
        return self._native.seek(float(seconds))

    @property
    def speed(self) -> float:
        """float: the replay speed (1 = real time; settable from 0.01 to 100 while it
        plays, a refused value raises :class:`PlayerError`)."""
        return self.status.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._native.set_speed(float(value))

    @property
    def stream_names(self) -> List[str]:
        """list of str: the names of the published streams, in order."""
        return list(self._native.stream_names)

    @property
    def stats(self) -> List[StreamStats]:
        """list of StreamStats: live per-stream statistics (refreshed about every 100 ms
        while playing; final once :meth:`wait` returned the summary)."""
        if self._summary is not None:
            return self._summary.streams
        return self._native.stats()

    def wait(self, timeout: Optional[float] = None) -> Optional[Summary]:
        """Wait for the end of the run and return its summary.

        The GIL is released while waiting; signals are checked every 20 ms, and Ctrl-C
        (:class:`KeyboardInterrupt`) stops the player before it is re-raised. Once the
        run ended, every call returns the same summary, or raises the same error.

        Parameters
        ----------
        timeout : float | None
            Seconds to wait at most; ``None`` waits as long as it takes.

        Returns
        -------
        Summary | None
            The summary, or ``None`` if the timeout expired first (the player plays on).

        Raises
        ------
        PlayerError
            The player was not started, or it was created by the parent of this forked
            process.
        StreamError
            The run could not happen (nobody connected within the ``wait_for_consumers``
            timeout), or a stream failed while playing (``error.summary`` holds the
            summary; the other streams played on).

        Warns
        -----
        PlayerWarning
            Each of :attr:`Summary.warnings`, the first time the end is seen.
        """
        try:
            summary = self._native.wait(timeout)
        except StreamError as e:
            self._ended(e.summary)
            raise
        self._ended(summary)
        return summary

    def _ended(self, summary: Optional[Summary]) -> None:
        """Keep the summary of a run that ended, and warn once of what it says."""
        if summary is None or self._run_warned:
            return
        self._summary = summary
        self._run_warned = True
        warn_each(summary.warnings, stacklevel=4)

    def __enter__(self) -> "Player":
        """Start (if not started yet) and return the player."""
        if not self._native.started:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        """Stop the player and wait for it; stream failures raise :class:`StreamError`
        unless another exception is already on its way. Does nothing in a forked child."""
        if not self._native.in_owner_process:
            return
        self.stop()
        try:
            self.wait()
        except StreamError:
            if exc_type is None:
                raise

    def __repr__(self) -> str:
        if self.running:
            state = "running"
        else:
            state = "finished" if self._native.started else "ready"
        return f"<Player {', '.join(self.stream_names)} ({state})>"


def _array_stream(
    name: Optional[str],
    data: npt.ArrayLike,
    sfreq: float,
    ch_names: Sequence[str],
    ch_types: Optional[Union[str, Sequence[str]]],
    units: Optional[Union[str, Sequence[str]]],
    annotations: Optional[Any],
    layout: str,
    content_type: Optional[str],
    extras: Optional[Sequence[Dict[str, str]]],
) -> MemoryStream:
    """An array and its channels as one in-memory recording (see
    :meth:`Player.from_array`)."""
    if layout not in LAYOUTS:
        raise ScenarioError(f"layout: must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    array = np.asarray(data, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"data must be 2-D, not {array.ndim}-D")
    if layout == "channels_frames":
        array = array.T  # a view: the native side copies it once, frames-major
    n = array.shape[1]
    names = [str(c) for c in ch_names]
    if len(names) != n:
        raise ValueError(f"the data has {n} channels but {len(names)} ch_names were given")
    types = _per_channel(ch_types, n, "ch_types", "misc")
    unit_list = (
        [_mne.UNIT_OF_TYPE.get(t, "") for t in types]
        if units is None
        else _per_channel(units, n, "units", "")
    )
    extra_list = [dict(e) for e in extras] if extras is not None else [{}] * n
    if len(extra_list) != n:
        raise ValueError(f"extras has {len(extra_list)} entries for {n} channels")
    channels = [
        (names[i], types[i], unit_list[i], sorted(extra_list[i].items())) for i in range(n)
    ]
    return MemoryStream.regular(
        str(name),
        array,
        float(sfreq),
        content_type or _content_type(types),
        channels,
        _annotation_list(annotations),
    )


def _per_channel(
    value: Optional[Union[str, Sequence[str]]], n: int, what: str, default: str
) -> List[str]:
    if value is None:
        return [default] * n
    if isinstance(value, str):
        return [value] * n
    values = [str(v) for v in value]
    if len(values) != n:
        raise ValueError(f"{what} has {len(values)} entries for {n} channels")
    return values


def _content_type(types: Sequence[str]) -> str:
    if any(t in ("grad", "mag", "ref_meg") for t in types):
        return "MEG"
    if "eeg" in types:
        return "EEG"
    return "Misc"


def _annotation_list(annotations: Optional[Any]) -> List[Tuple[float, float, str]]:
    if annotations is None:
        return []
    if all(hasattr(annotations, a) for a in ("onset", "duration", "description")):
        return [
            (float(o), float(d), str(t))
            for o, d, t in zip(
                annotations.onset, annotations.duration, annotations.description
            )
        ]
    return [(float(o), float(d), str(t)) for o, d, t in annotations]
