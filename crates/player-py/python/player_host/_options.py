"""Keyword arguments to a scenario: the options of :class:`Player` as a scenario's JSON.

Nothing is checked here: the native side parses the scenario with the same rules as a
scenario file and names the keyword in its errors (``chunk_size: must be a whole number
of frames, at least 1, not 0``). This module only spells the Python values the scenario
way: ``float('inf')`` passes become ``"forever"``, ``crop=(tmin, tmax)`` becomes
``from``/``to``, NumPy scalars become plain numbers. The one check here is the shape of ``crop``, a
Python pair.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._errors import ScenarioError

PathLike = Union[str, "os.PathLike[str]"]
Crop = Optional[Tuple[Optional[float], Optional[float]]]

#: The defaults of the run-wide and per-recording keyword arguments of :class:`Player`.
DEFAULTS: Dict[str, Any] = dict(
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
    faults=None,
)


def _plain(value: object) -> object:
    """A value JSON can hold: NumPy scalars as numbers, anything else as its text (which
    the native side then refuses, naming the keyword)."""
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def to_json(scenario: Dict[str, Any]) -> str:
    """The scenario as JSON text (which is YAML, the scenario files' language)."""
    return json.dumps(scenario, default=_plain)


def settings(
    *,
    repeat: Union[int, float, str],
    start_delay: float,
    wait_for_consumers: Union[bool, float, str],
    format: str,
    crop: Crop = None,
) -> Dict[str, Any]:
    """The run-wide settings, as in a scenario file."""
    out: Dict[str, Any] = {
        "repeat": "forever" if _is_inf(repeat) else repeat,
        "start_delay": start_delay,
        "wait_for_consumers": True if _is_inf(wait_for_consumers) else wait_for_consumers,
        "format": format,
    }
    out.update(_crop(crop))
    return out


def entry(
    file: str,
    *,
    name: Optional[str],
    chunk_size: int,
    picks: Optional[Union[str, Sequence[str]]],
    annotations: str,
    reader: Optional[str] = None,
    source_id: Optional[str] = None,
    content_type: Optional[str] = None,
) -> Dict[str, Any]:
    """One ``streams:`` entry, as in a scenario file."""
    out: Dict[str, Any] = {"file": file, "chunk_size": chunk_size, "annotations": annotations}
    optional = dict(
        name=name, reader=reader, source_id=source_id, type=content_type, picks=picks
    )
    out.update({k: v for k, v in optional.items() if v is not None})
    if isinstance(picks, (list, tuple)):
        out["picks"] = list(picks)
    return out


def changed_from_defaults(given: Dict[str, Any]) -> List[str]:
    """The keyword arguments of ``given`` that differ from :data:`DEFAULTS`."""
    return [k for k, v in given.items() if k in DEFAULTS and v != DEFAULTS[k]]


def _is_inf(value: object) -> bool:
    return bool(isinstance(value, (float, np.floating)) and math.isinf(value) and value > 0)


def _crop(crop: Crop) -> Dict[str, Any]:
    if crop is None:
        return {}
    if not (isinstance(crop, (tuple, list)) and len(crop) == 2):
        # The one check of this module: the shape of a Python argument.
        raise ScenarioError(
            f"crop: must be (tmin, tmax), seconds or None for either end, not {crop!r}"
        )
    tmin, tmax = crop
    out: Dict[str, Any] = {}
    if tmin is not None:
        out["from"] = tmin
    if tmax is not None:
        out["to"] = tmax
    return out
