"""The :class:`Player`: replay recordings, scenarios, arrays and MNE Raw objects."""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

import numpy as np

from ._errors import PlayerError, ScenarioError, StreamError
from ._native import NativePlayer

if TYPE_CHECKING:  # pragma: no cover
    import mne

PathLike = Union[str, "os.PathLike[str]"]

#: Accepted values of ``format``.
FORMATS = ("float32", "float64", "native")
#: Accepted values of ``annotations``.
ANNOTATION_MODES = ("auto", "markers", "none")
#: Accepted values of ``output``.
OUTPUTS = ("lsl", "null")
#: Accepted values of ``layout`` (:meth:`Player.from_array`).
LAYOUTS = ("frames_channels", "channels_frames")

#: The SI unit of the values MNE holds for each channel type (``raw.get_data()``).
_UNIT_OF_TYPE = {
    "eeg": "V",
    "eog": "V",
    "ecg": "V",
    "emg": "V",
    "seeg": "V",
    "ecog": "V",
    "dbs": "V",
    "bio": "V",
    "resp": "V",
    "mag": "T",
    "ref_meg": "T",
    "grad": "T/m",
    "hbo": "M",
    "hbr": "M",
    "temperature": "K",
}

#: FIFF unit codes to SI unit names (as the FIF reader publishes them).
_FIFF_UNITS = {
    1: "m",
    2: "kg",
    3: "s",
    4: "A",
    5: "K",
    6: "mol",
    7: "rad",
    8: "sr",
    9: "cd",
    10: "mol/m^3",
    101: "Hz",
    102: "N",
    103: "Pa",
    104: "J",
    105: "W",
    106: "C",
    107: "V",
    108: "F",
    109: "Ohm",
    110: "S",
    111: "Wb",
    112: "T",
    113: "H",
    114: "°C",
    115: "lm",
    116: "lx",
    117: "V/m^2",
    118: "s^2",
    201: "T/m",
    202: "Am",
    203: "Am/m^2",
    204: "Am/m^3",
    210: "px",
}

_LOC_NAMES = ("R0x", "R0y", "R0z", "Exx", "Exy", "Exz", "Eyx", "Eyy", "Eyz", "Ezx", "Ezy", "Ezz")


@dataclass(frozen=True)
class StreamStats:
    """What one stream has pushed so far, and how late.

    Attributes
    ----------
    name : str
        The LSL stream name.
    samples : int
        Frames pushed.
    chunks : int
        Chunks pushed.
    late_chunks : int
        Chunks pushed more than 1 ms after they were due.
    lateness_p50 : float
        Median lateness (push time minus due time) in seconds.
    lateness_p99 : float
        99th percentile of the lateness in seconds.
    lateness_max : float
        Largest lateness in seconds.
    position : float
        Seconds of the recording played (across passes).
    finished : bool
        Whether the stream played to its end.
    error : str | None
        Why the stream failed, if it did.
    """

    name: str
    samples: int = 0
    chunks: int = 0
    late_chunks: int = 0
    lateness_p50: float = 0.0
    lateness_p99: float = 0.0
    lateness_max: float = 0.0
    position: float = 0.0
    finished: bool = False
    error: Optional[str] = None

    @classmethod
    def _from_dict(cls, d: Dict[str, Any]) -> "StreamStats":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class Summary:
    """What a finished (or stopped) run did.

    Attributes
    ----------
    t0 : float | None
        The LSL clock time (``pylsl.local_clock()``) of every stream's first sample
        (before offsets), if the run got that far.
    wall_seconds : float
        Seconds from ``t0`` to the end of the run.
    interrupted : bool
        Whether the run was stopped before its end.
    streams : list of StreamStats
        Per-stream statistics, in scenario order.
    """

    t0: Optional[float]
    wall_seconds: float
    interrupted: bool
    streams: List[StreamStats] = field(default_factory=list)

    @property
    def failures(self) -> List[Tuple[str, str]]:
        """list of (str, str): the streams that failed, with their error messages."""
        return [(s.name, s.error) for s in self.streams if s.error is not None]

    @classmethod
    def _from_json(cls, text: str) -> "Summary":
        d = json.loads(text)
        return cls(
            t0=d.get("t0"),
            wall_seconds=float(d.get("wall_seconds", 0.0)),
            interrupted=bool(d.get("interrupted", False)),
            streams=[StreamStats._from_dict(s) for s in d.get("streams", [])],
        )


@dataclass(frozen=True)
class PlayStatus:
    """Where a replay stands (see :attr:`Player.status`).

    Attributes
    ----------
    state : str
        ``"starting"``, ``"waiting"`` (for consumers or for t0), ``"playing"``,
        ``"paused"`` or ``"finished"``.
    position : float
        Seconds into the replay's timeline (0 at t0; within the crop), in this pass.
    duration : float | None
        The duration of one pass, when known.
    pass_number : int
        The pass being played (1-based).
    passes : int | None
        How many passes (``None``: forever).
    speed : float
        The replay speed (1 = real time).
    """

    state: str
    position: float
    duration: Optional[float]
    pass_number: int
    passes: Optional[int]
    speed: float

    @classmethod
    def _from_json(cls, text: str) -> "PlayStatus":
        d = json.loads(text)
        number, total = d.get("pass", [1, None])
        return cls(
            state=str(d["state"]),
            position=float(d["position"]),
            duration=d.get("duration"),
            pass_number=int(number),
            passes=total,
            speed=float(d["speed"]),
        )


def _choice(value: str, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ScenarioError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _repeat(repeat: Union[int, float, str]) -> Union[int, str]:
    if isinstance(repeat, str) and repeat == "forever":
        return "forever"
    if isinstance(repeat, float) and math.isinf(repeat) and repeat > 0:
        return "forever"
    if isinstance(repeat, (int, np.integer)) and not isinstance(repeat, bool) and repeat >= 1:
        return int(repeat)
    raise ScenarioError(
        f"repeat must be a count of at least 1, float('inf') or 'forever', not {repeat!r}"
    )


def _wait_for_consumers(wait: Union[bool, float]) -> Union[bool, float]:
    if isinstance(wait, bool):
        return wait
    if isinstance(wait, (int, float)) and wait > 0:
        return True if math.isinf(wait) else float(wait)
    raise ScenarioError(
        f"wait_for_consumers must be True, False or a timeout in seconds > 0, not {wait!r}"
    )


def _settings(
    *,
    repeat: Union[int, float, str],
    start_delay: float,
    wait_for_consumers: Union[bool, float],
    format: str,
    crop: Optional[Tuple[Optional[float], Optional[float]]] = None,
) -> Dict[str, Any]:
    """The scenario-wide settings, as in a scenario file."""
    settings: Dict[str, Any] = {
        "repeat": _repeat(repeat),
        "start_delay": float(start_delay),
        "wait_for_consumers": _wait_for_consumers(wait_for_consumers),
        "format": _choice(format, "format", FORMATS),
    }
    if crop is not None:
        tmin, tmax = crop
        if tmin is not None:
            settings["from"] = float(tmin)
        if tmax is not None:
            settings["to"] = float(tmax)
    return settings


def _entry(
    file: str,
    *,
    name: Optional[str],
    chunk_size: int,
    picks: Optional[Union[str, Sequence[str]]],
    annotations: str,
    reader: Optional[str] = None,
    source_id: Optional[str] = None,
) -> Dict[str, Any]:
    """One ``streams:`` entry, as in a scenario file."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise ScenarioError(f"chunk_size must be an integer >= 1, not {chunk_size!r}")
    entry: Dict[str, Any] = {
        "file": file,
        "chunk_size": int(chunk_size),
        "annotations": _choice(annotations, "annotations", ANNOTATION_MODES),
    }
    if name is not None:
        entry["name"] = str(name)
    if picks is not None:
        entry["picks"] = [picks] if isinstance(picks, str) else [str(p) for p in picks]
    if reader is not None:
        entry["reader"] = reader
    if source_id is not None:
        entry["source_id"] = str(source_id)
    return entry


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
        Frames per push.
    repeat : int | float | str
        Number of passes; ``float('inf')`` or ``"forever"`` plays until stopped.
        Timestamps continue across passes.
    start_delay : float
        Seconds between :meth:`start` and the first sample's timestamp.
    wait_for_consumers : bool | float
        Wait for a consumer on every data stream (marker streams never hold the start
        back) before the clock starts; a number is a timeout in seconds (then
        :meth:`wait` raises :class:`StreamError`).
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

    Raises
    ------
    FileFormatError
        A recording cannot be read.
    ScenarioError
        A setting is invalid.

    See Also
    --------
    Player.from_scenario, Player.from_array, Player.from_raw, PlayerLSL

    Notes
    -----
    While it plays, :meth:`pause`, :meth:`resume`, :meth:`seek` and :attr:`speed` steer
    the replay, as the command line's keys and control socket do; :attr:`status` says
    where it stands.

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
        wait_for_consumers: Union[bool, float] = False,
        picks: Optional[Union[str, Sequence[str]]] = None,
        annotations: str = "auto",
        format: str = "float32",
        output: str = "lsl",
        source_id: Optional[str] = None,
        crop: Optional[Tuple[Optional[float], Optional[float]]] = None,
    ) -> None:
        output = _choice(output, "output", OUTPUTS)
        if isinstance(source, (str, os.PathLike)):
            paths = [os.fspath(source)]
        else:
            paths = [os.fspath(p) for p in source]
        if not paths:
            raise ScenarioError("source names no recording")
        if len(paths) == 1 and Path(paths[0]).suffix.lower() in (".yaml", ".yml"):
            given = dict(
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
            defaults = dict(
                name=None,
                chunk_size=10,
                repeat=1,
                start_delay=0.0,
                wait_for_consumers=False,
                picks=None,
                annotations="auto",
                format="float32",
                source_id=None,
                crop=None,
            )
            changed = [k for k, v in given.items() if v != defaults[k]]
            if changed:
                raise ScenarioError(
                    f"{paths[0]} is a scenario: set {', '.join(changed)} in the file"
                )
            self._init(NativePlayer.from_scenario_file(paths[0], output))
            return
        if name is not None and len(paths) > 1:
            raise ScenarioError("name is for one recording: several are named by their stems")
        scenario = _settings(
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            format=format,
            crop=crop,
        )
        scenario["streams"] = [
            _entry(
                p,
                name=name,
                chunk_size=chunk_size,
                picks=picks,
                annotations=annotations,
                source_id=source_id,
            )
            for p in paths
        ]
        self._init(NativePlayer.from_scenario_json(json.dumps(scenario), output))

    def _init(self, native: NativePlayer) -> None:
        self._native = native
        self._started = False
        self._summary: Optional[Summary] = None
        for message in native.warnings:
            warnings.warn(message, RuntimeWarning, stacklevel=3)

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
        player = cls.__new__(cls)
        player._init(
            NativePlayer.from_scenario_file(os.fspath(path), _choice(output, "output", OUTPUTS))
        )
        return player

    @classmethod
    def from_array(
        cls,
        data: "np.typing.ArrayLike",
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
        wait_for_consumers: Union[bool, float] = False,
        picks: Optional[Union[str, Sequence[str]]] = None,
        format: str = "float32",
        output: str = "lsl",
        content_type: Optional[str] = None,
        extras: Optional[Sequence[Dict[str, str]]] = None,
        source_id: Optional[str] = None,
        crop: Optional[Tuple[Optional[float], Optional[float]]] = None,
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
        """
        _choice(layout, "layout", LAYOUTS)
        array = np.asarray(data, dtype=np.float64)
        if array.ndim != 2:
            raise ValueError(f"data must be 2-D, not {array.ndim}-D")
        if layout == "channels_frames":
            array = array.T  # a view: the native side copies it once, frames-major
        n = array.shape[1]
        names = [str(c) for c in ch_names]
        types = _per_channel(ch_types, n, "ch_types", "misc")
        unit_list = (
            [_UNIT_OF_TYPE.get(t, "") for t in types]
            if units is None
            else _per_channel(units, n, "units", "")
        )
        if len(names) != n:
            raise ValueError(f"the data has {n} channels but {len(names)} ch_names were given")
        extra_list = [dict(e) for e in extras] if extras is not None else [{}] * n
        if len(extra_list) != n:
            raise ValueError(f"extras has {len(extra_list)} entries for {n} channels")
        channels = [
            (names[i], types[i], unit_list[i], sorted(extra_list[i].items())) for i in range(n)
        ]
        scenario = _settings(
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            format=format,
            crop=crop,
        )
        scenario["streams"] = [
            _entry(
                f"memory:{name}",
                name=name,
                chunk_size=chunk_size,
                picks=picks,
                annotations="auto",
                reader="memory",
                source_id=source_id,
            )
        ]
        player = cls.__new__(cls)
        player._init(
            NativePlayer.from_memory(
                json.dumps(scenario),
                array,
                float(sfreq),
                content_type or _content_type(types),
                channels,
                _annotation_list(annotations),
                _choice(output, "output", OUTPUTS),
            )
        )
        return player

    @classmethod
    def from_raw(
        cls,
        raw: "mne.io.BaseRaw",
        *,
        name: Optional[str] = None,
        chunk_size: int = 10,
        repeat: Union[int, float, str] = 1,
        start_delay: float = 0.0,
        wait_for_consumers: Union[bool, float] = False,
        picks: Optional[Union[str, Sequence[str]]] = None,
        annotations: str = "auto",
        format: str = "float32",
        output: str = "lsl",
        source_id: Optional[str] = None,
        crop: Optional[Tuple[Optional[float], Optional[float]]] = None,
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
            ``"auto"``, ``"markers"`` or ``"none"`` (see :class:`Player`).

        Returns
        -------
        Player
            The player, ready to :meth:`start`.
        """
        mode = _choice(annotations, "annotations", ANNOTATION_MODES)
        if name is None:
            files = [f for f in (getattr(raw, "filenames", None) or []) if f is not None]
            name = _stem(files[0]) if files else "raw"
        chs = raw.info["chs"]
        types = raw.get_channel_types()
        extras = [_fif_extras(ch) for ch in chs]
        units = [_FIFF_UNITS.get(int(ch["unit"]), "") for ch in chs]
        events: List[Tuple[float, float, str]] = []
        if mode != "none" and len(raw.annotations):
            events = _raw_annotations(raw)
        player = cls.from_array(
            raw.get_data(),
            raw.info["sfreq"],
            raw.ch_names,
            ch_types=types,
            units=units,
            name=name,
            annotations=events if mode != "none" else None,
            layout="channels_frames",
            chunk_size=chunk_size,
            repeat=repeat,
            start_delay=start_delay,
            wait_for_consumers=wait_for_consumers,
            picks=picks,
            format=format,
            output=output,
            extras=extras,
            source_id=source_id,
            crop=crop,
        )
        if mode == "markers" and not events:
            warnings.warn(
                "annotations='markers': the Raw has no annotations, no marker stream",
                RuntimeWarning,
                stacklevel=2,
            )
        return player

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
            The player was already started.
        StreamError
            An outlet could not be created.
        """
        if self._started:
            raise PlayerError("the player was already started")
        self._native.start()
        self._started = True
        return self

    def stop(self) -> None:
        """Ask the player to stop; returns at once (use :meth:`wait` to join it).

        Does nothing if it is not playing.
        """
        self._native.stop()

    @property
    def running(self) -> bool:
        """bool: whether the player is playing (or waiting to start)."""
        return self._native.running

    # -- live control ------------------------------------------------------------------

    @property
    def status(self) -> PlayStatus:
        """PlayStatus: where the replay stands (state, position, pass, speed)."""
        return PlayStatus._from_json(self._native.status())

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
        return PlayStatus._from_json(self._native.pause())

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
        return PlayStatus._from_json(self._native.resume())

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
        return PlayStatus._from_json(self._native.seek(float(seconds)))

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
        while playing; final once the run ended)."""
        if self._summary is not None:
            return list(self._summary.streams)
        return [StreamStats._from_dict(d) for d in json.loads(self._native.stats())]

    def wait(self, timeout: Optional[float] = None) -> Optional[Summary]:
        """Wait for the end of the run and return its summary.

        The GIL is released while waiting; signals are checked every 20 ms, and Ctrl-C
        (:class:`KeyboardInterrupt`) stops the player before it is re-raised.

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
            The player was not started.
        StreamError
            The run could not happen (nobody connected within the ``wait_for_consumers``
            timeout), or a stream failed while playing (``error.summary`` holds the
            summary; the other streams played on).
        """
        if self._summary is not None:
            return self._summary
        if not self._started:
            raise PlayerError("the player was not started")
        text = self._native.wait(timeout)
        if text is None:
            return None
        summary = Summary._from_json(text)
        self._summary = summary
        failures = summary.failures
        if failures:
            message = "; ".join(f"stream {name!r}: {error}" for name, error in failures)
            raise StreamError(message, summary)
        return summary

    def __enter__(self) -> "Player":
        """Start (if not started yet) and return the player."""
        if not self._started:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        """Stop the player and wait for it; stream failures raise :class:`StreamError`
        unless another exception is already on its way."""
        self.stop()
        try:
            self.wait()
        except StreamError:
            if exc_type is None:
                raise

    def __repr__(self) -> str:
        state = "running" if self.running else ("finished" if self._started else "ready")
        return f"<Player {', '.join(self.stream_names)} ({state})>"


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


def _raw_annotations(raw: "mne.io.BaseRaw") -> List[Tuple[float, float, str]]:
    """``raw.annotations`` with onsets in seconds from the Raw's first sample."""
    ann = raw.annotations
    # MNE keeps onsets on the time axis where sample 0 (not first_samp) lies, with or
    # without an orig_time (set_annotations shifts those without one by first_time):
    # the first sample is first_time later. Each marker goes on the sample MNE places
    # the annotation on (``raw.time_as_index(..., use_rounding=True)``), as the FIF reader
    # does for files.
    sfreq = float(raw.info["sfreq"])
    samples = np.round((np.asarray(ann.onset, dtype=np.float64) - raw.first_time) * sfreq)
    return [
        (float(k) / sfreq, float(d), str(t))
        for k, d, t in zip(samples, ann.duration, ann.description)
    ]


def _fif_extras(ch: Dict[str, Any]) -> Dict[str, str]:
    """The per-channel metadata the FIF reader publishes, from an MNE ``info['chs']``."""
    extras = {
        "kind": str(int(ch["kind"])),
        "coil_type": str(int(ch["coil_type"])),
        "coord_frame": str(int(ch["coord_frame"])),
        "range_cal": repr(float(ch["range"]) * float(ch["cal"])),
        "unit_mul": str(int(ch["unit_mul"])),
        "fiff_unit": str(int(ch["unit"])),
        "scanno": str(int(ch["scanno"])),
        "logno": str(int(ch["logno"])),
    }
    for key, v in zip(_LOC_NAMES, ch["loc"]):
        extras[f"loc/{key}"] = "nan" if np.isnan(v) else repr(float(np.float32(v)))
    return extras


def _stem(path: PathLike) -> str:
    name = Path(os.fspath(path)).name
    for suffix in (".fif.gz", ".fif", ".edf", ".bdf", ".vhdr", ".set", ".gdf"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem
