"""Which liblsl the native engine uses: the one in pylsl's wheel, by absolute path.

The wheel of this package has no liblsl of its own (it is built without a C++
compiler); a source build has liblsl 1.13 built in. Either way the engine prefers a
current liblsl, and the one a Python user has is the one in pylsl's wheel (a dependency
of this package; liblsl 1.18 on Linux with glibc >= 2.35, macOS and Windows), else the
one in mne-lsl's wheel (liblsl 1.17, also for older Linux). :func:`provide` finds that
file without importing either package and hands its absolute path to the engine before
anything plays. ``PLAYER_LIBLSL=/absolute/path/to/liblsl`` still comes first.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path

from . import _native

#: The file name of liblsl in pylsl's wheel (``pylsl/lib/``), per platform.
if sys.platform == "win32":
    _PYLSL_NAME = "lsl.dll"
    _MNE_LSL_PATTERN = "lsl*.dll"
elif sys.platform == "darwin":
    _PYLSL_NAME = "liblsl.dylib"
    _MNE_LSL_PATTERN = "liblsl*.dylib"
else:
    _PYLSL_NAME = "liblsl.so"
    _MNE_LSL_PATTERN = "liblsl*.so*"


def _package_dir(name: str) -> Path | None:
    """The directory of the installed package ``name``, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _version(distribution: str) -> str:
    """``"pylsl 1.18.6"``: the distribution and its version, for messages."""
    try:
        return f"{distribution} {importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return distribution


def find() -> tuple[Path, str] | None:
    """Find the liblsl of pylsl's wheel, else of mne-lsl's wheel.

    Returns
    -------
    tuple of (Path, str) | None
        The library's absolute, resolved path and where it comes from (``"pylsl
        1.18.6"``); ``None`` when neither package ships one here (pylsl's wheels for
        Linux older than glibc 2.35 have no liblsl).
    """
    candidates: list[tuple[Path, str]] = []
    pylsl = _package_dir("pylsl")
    if pylsl is not None:
        candidates.append((pylsl / "lib" / _PYLSL_NAME, "pylsl"))
    mne_lsl = _package_dir("mne_lsl")
    if mne_lsl is not None:
        found = sorted((mne_lsl / "lsl" / "lib").glob(_MNE_LSL_PATTERN))
        if len(found) == 1:
            candidates.append((found[0], "mne-lsl"))
    for path, distribution in candidates:
        if path.is_file():
            return Path(os.path.realpath(path)), _version(distribution)
    return None


def provide() -> Path | None:
    """Hand the engine the liblsl of :func:`find`, if any.

    Returns
    -------
    Path | None
        The library handed over; ``None`` when none was found (the engine then looks
        for a system liblsl, and a source build falls back to its own liblsl 1.13; the
        wheel's error names what to install).
    """
    found = find()
    if found is None:
        return None
    path, origin = found
    _native.use_liblsl(str(path), origin)
    return path
