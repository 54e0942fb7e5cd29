"""MNE-LSL's own player tests against player_host.PlayerLSL (tests/mne_lsl_upstream/run.py).

They are MNE-LSL's code, never committed here: they run when an MNE-LSL source is given
(``MNE_LSL_SOURCE``, a tree or a git clone, pinned tag 1.14.0) or found beside the
checkout (``shared/reference/mne-lsl``), and this test is skipped, with that reason,
when none is.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

RUNNER = REPO / "tests" / "mne_lsl_upstream" / "run.py"
SKIPPED = 77


def test_mne_lsls_player_tests_pass_except_the_private_attribute_ones():
    proc = subprocess.run([sys.executable, str(RUNNER)], capture_output=True, text=True,
                          timeout=2400)
    if proc.returncode == SKIPPED:
        pytest.skip(proc.stderr.strip().splitlines()[-1])
    report = proc.stdout[proc.stdout.find("MNE-LSL's player tests against"):]
    assert proc.returncode == 0, report or proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "0 failed" in report and "EXCLUDED" in report


def test_mne_lsls_tutorials_from_pypi_run_with_only_the_import_changed():
    """MNE-LSL's tutorials ship in its source distribution on PyPI (its tests do not):
    those that use PlayerLSL and need no downloaded dataset run to their end with the
    import swapped, under ``python -W error``."""
    proc = subprocess.run([sys.executable, str(RUNNER), "--tutorials-from-pypi"],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS      tutorials/20_player_annotations.py" in proc.stdout, proc.stdout
