"""MNE conversion: channels, units, annotations and stream descriptions from MNE objects.

Two layouts of a stream's metadata are written from an MNE ``Info``:

- the FIF reader's (:func:`fif_channels`), for :meth:`Player.from_raw`: SI unit names
  and the FIF fields of each channel, as a FIF file played by ``player-host`` has them;
- MNE-LSL's (:func:`mne_lsl_desc`), for :class:`PlayerLSL`: the ``<desc>`` element that
  ``mne_lsl.lsl.StreamInfo.set_channel_info`` writes (units as the unit multiplier,
  ``"0"`` or ``"-6"``; filters, projectors, digitization), so that MNE-LSL's
  ``StreamLSL`` rebuilds the same ``Info``.

MNE is imported by the callers, never by this module: every object here is passed in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

#: The SI unit of the values MNE holds for each channel type (``raw.get_data()``).
UNIT_OF_TYPE = {
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
FIFF_UNITS = {
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

#: The names of the 12 values of a channel's ``loc``, as MNE-LSL writes them.
LOC_NAMES = ("R0x", "R0y", "R0z", "Exx", "Exy", "Exz", "Eyx", "Eyy", "Eyz", "Ezx", "Ezy", "Ezz")

#: Annotation events: (seconds from the first sample, one row of values or one text).
Events = Tuple[List[float], Union[npt.NDArray[np.float64], List[str]]]


def stem(path: Union[str, "os.PathLike[str]"]) -> str:
    """The name of a recording without its extension (``rec.fif.gz`` gives ``rec``)."""
    name = Path(os.fspath(path)).name
    for suffix in (".fif.gz", ".fif", ".edf", ".bdf", ".vhdr", ".set", ".gdf"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def raw_file(raw: Any) -> Optional[Path]:
    """The file a Raw was read from, if any."""
    files = [f for f in (getattr(raw, "filenames", None) or []) if f is not None]
    return Path(files[0]) if files else None


# -- the FIF reader's layout (Player.from_raw) --------------------------------------------


def fif_units(info: Any) -> List[str]:
    """The SI unit name of each channel of an MNE ``Info``."""
    return [FIFF_UNITS.get(int(ch["unit"]), "") for ch in info["chs"]]


def fif_extras(ch: Dict[str, Any]) -> Dict[str, str]:
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
    for key, v in zip(LOC_NAMES, ch["loc"]):
        extras[f"loc/{key}"] = "nan" if np.isnan(v) else repr(float(np.float32(v)))
    return extras


def raw_annotations(raw: Any) -> List[Tuple[float, float, str]]:
    """``raw.annotations`` with onsets in seconds from the Raw's first sample, each on the
    sample MNE places it on (``raw.time_as_index(..., use_rounding=True)``), as the FIF
    reader does for files."""
    ann = raw.annotations
    # MNE keeps onsets on the time axis where sample 0 (not first_samp) lies, with or
    # without an orig_time (set_annotations shifts those without one by first_time):
    # the first sample is first_time later.
    sfreq = float(raw.info["sfreq"])
    samples = np.round((np.asarray(ann.onset, dtype=np.float64) - raw.first_time) * sfreq)
    return [
        (float(k) / sfreq, float(d), str(t))
        for k, d, t in zip(samples, ann.duration, ann.description)
    ]


# -- MNE-LSL's layout (PlayerLSL) ----------------------------------------------------------


def _text(value: Any) -> str:
    """A value as MNE-LSL writes it into a description (integers as integers)."""
    return str(int(value)) if isinstance(value, int) else str(value)


def _node(name: str, children: Union[str, Sequence[str]]) -> str:
    body = escape(children) if isinstance(children, str) else "".join(children)
    return f"<{name}>{body}</{name}>"


def mne_lsl_desc(info: Any) -> str:
    """The ``<desc>`` element MNE-LSL writes for ``info``
    (``StreamInfo.set_channel_info``): per channel its label, type, unit multiplier,
    FIFF kind, coil type, coordinate frame, ``range * cal`` and location; then the
    filters, the SSP projectors and the digitization points."""
    types = info.get_channel_types(unique=False)
    channels = []
    for ch, kind in zip(info["chs"], types):
        loc = [_node(k, _text(v)) for k, v in zip(LOC_NAMES, ch["loc"])]
        fields = [
            _node("label", ch["ch_name"]),
            _node("type", kind),
            _node("unit", _text(ch["unit_mul"])),
            _node("kind", str(int(ch["kind"]))),
            _node("coil_type", str(int(ch["coil_type"]))),
            _node("coord_frame", str(int(ch["coord_frame"]))),
            _node("range_cal", str(ch["range"] * ch["cal"])),
            _node("loc", loc),
        ]
        channels.append(_node("channel", fields))
    parts = [
        _node("channels", channels),
        _node(
            "filters",
            [_node(k, _text(info[k])) for k in ("highpass", "lowpass")],
        ),
    ]
    if len(info["projs"]) != 0:
        parts.append(_node("projectors", [_projector(p) for p in info["projs"]]))
    if info["dig"] is not None:
        parts.append(_node("dig", [_dig_point(d) for d in info["dig"]]))
    return _node("desc", parts)


def _projector(proj: Any) -> str:
    data = proj["data"]
    channels = [
        _node("channel", [_node("label", name), _node("data", _text(value))])
        for name, value in zip(data["col_names"], np.squeeze(data["data"]))
    ]
    return _node(
        "projector",
        [_node("desc", _text(proj["desc"])), _node("kind", _text(proj["kind"])),
         _node("data", channels)],
    )


def _dig_point(point: Any) -> str:
    loc = [_node(k, _text(v)) for k, v in zip(("X", "Y", "Z"), point["r"])]
    return _node(
        "point",
        [_node("kind", _text(point["kind"])), _node("ident", _text(point["ident"])),
         _node("loc", loc)],
    )


def stream_type(info: Any) -> str:
    """The LSL type MNE-LSL gives a stream: the channels' one type, else ``""``."""
    types = info.get_channel_types(unique=True)
    return str(types[0]) if len(types) == 1 else ""


class AnnotationStream(NamedTuple):
    """The ``{name}-annotations`` stream of a Raw, as MNE-LSL publishes it."""

    #: Channel names: each distinct description, sorted (one-hot), or ``description``.
    channels: List[str]
    #: Seconds from the first sample of each event, in order.
    stamps: List[float]
    #: One-hot rows (the annotation's duration, -1 for 0), or the descriptions.
    values: Union[npt.NDArray[np.float64], List[str]]
    #: The duration of one pass of the Raw, in seconds.
    duration: float


def annotation_stream(raw: Any, encoding: str) -> AnnotationStream:
    """The annotation events of ``raw`` that MNE-LSL would push: those on a sample of the
    recording (``raw.time_as_index(onset) - first_samp`` from 0 to ``n_times - 1``), each
    at its onset's time from the first sample. ``encoding`` is ``"one-hot"`` (one
    float64 channel per distinct description, sorted; the value is the duration, -1 when
    it is 0) or ``"string"`` (one channel, ``description``)."""
    ann = raw.annotations
    sfreq = float(raw.info["sfreq"])
    duration = raw.n_times / sfreq
    onsets = np.asarray(ann.onset, dtype=np.float64)
    index = raw.time_as_index(onsets) - raw.first_samp
    keep = np.flatnonzero((index >= 0) & (index < raw.n_times))
    stamps = np.clip(onsets[keep] - raw.first_samp / sfreq, 0.0, np.nextafter(duration, 0))
    order = np.argsort(stamps, kind="stable")
    keep, stamps = keep[order], stamps[order]
    descriptions = [str(d) for d in np.asarray(ann.description)[keep]]
    if encoding == "string":
        return AnnotationStream(["description"], stamps.tolist(), descriptions, duration)
    names = sorted({str(d) for d in ann.description})
    durations = np.asarray(ann.duration, dtype=np.float64)[keep].copy()
    durations[durations == 0] = -1
    values = np.zeros((len(keep), len(names)))
    columns = [names.index(d) for d in descriptions]
    values[np.arange(len(keep)), columns] = durations
    return AnnotationStream(names, stamps.tolist(), values, duration)
