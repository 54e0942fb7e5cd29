"""Which liblsl the package publishes with: the one in pylsl's wheel, else mne-lsl's, unless
``PLAYER_LIBLSL`` names one; handed to the engine by absolute path only.

Each case runs in a fresh interpreter (the engine chooses its liblsl once per process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pylsl.lib
import pytest

PYLSL_LIB = Path(os.path.realpath(pylsl.lib.lib._name))


def describe(*setup: str, **env: str) -> str:
    """The engine's one-line liblsl description in a fresh interpreter after `setup`."""
    code = "\n".join([*setup, "from player_host import _native",
                      "print(_native.liblsl_description())"])
    r = subprocess.run([sys.executable, "-W", "error", "-c", code], check=False,
                       capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_pylsls_liblsl_by_default():
    assert f"({PYLSL_LIB}; from pylsl " in describe()


def test_mne_lsls_liblsl_without_pylsl():
    """pylsl's wheels for glibc < 2.35 have no liblsl; mne-lsl's do (for glibc >= 2.28)."""
    pytest.importorskip("mne_lsl")
    d = describe("import sys", "sys.modules['pylsl'] = None")
    assert "; from mne-lsl " in d, d
    assert "/mne_lsl/lsl/lib/liblsl" in d, d


def test_player_liblsl_comes_first():
    d = describe(PLAYER_LIBLSL=str(PYLSL_LIB))
    assert f"({PYLSL_LIB}; from PLAYER_LIBLSL)" in d, d


def test_only_an_absolute_path_is_handed_over():
    from player_host import _native

    for bad in ("liblsl.so", "lib/liblsl.so", "./liblsl.so"):
        with pytest.raises(ValueError, match="absolute path"):
            _native.use_liblsl(bad, "test")


def test_a_library_handed_over_once_liblsl_is_in_use_is_refused():
    code = """
from player_host import _native
_native.liblsl_description()
try:
    _native.use_liblsl('/somewhere/else/liblsl.so', 'test')
except ValueError as e:
    print(e)
"""
    r = subprocess.run([sys.executable, "-W", "error", "-c", code], check=False,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "cannot use /somewhere/else/liblsl.so" in r.stdout, r.stdout
