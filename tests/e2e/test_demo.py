"""The demo's receiver (`scripts/demo --receive`): it runs in an environment made from
examples/requirements.txt alone, without the tests' heavy packages, and receives what
`player-host` plays."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO, player_host, unique

HEAVY = {"mne", "mne-lsl", "mne_lsl", "scipy", "matplotlib", "pyedflib", "soundfile"}


def _size_mb(path: Path) -> float:
    """Disk use of a directory tree.

    Parameters
    ----------
    path : Path
        The directory.

    Returns
    -------
    float
        The size of every file under it, in MB.
    """
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _demo_venv(root: Path) -> Path:
    """Creates a virtual environment with examples/requirements.txt installed.

    Parameters
    ----------
    root : Path
        The directory to create it in (as ``root / "venv"``).

    Returns
    -------
    Path
        The environment's python.
    """
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(REPO / "examples" / "requirements.txt")],
        check=True,
        timeout=600,
    )
    return python


def test_demo_receiver_runs_from_examples_requirements_alone(tmp_path: Path) -> None:
    """No MNE, SciPy, ... in the demo's environment, and its receiver gets every sample."""
    python = _demo_venv(tmp_path)
    listing = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m, json; "
         "print(json.dumps(sorted(d.metadata['Name'].lower() for d in m.distributions())))"],
        check=True, capture_output=True, text=True,
    )
    installed = set(json.loads(listing.stdout))
    assert "pylsl" in installed
    assert not installed & HEAVY, f"the demo environment holds {installed & HEAVY}"
    print(f"demo environment: {sorted(installed)}, {_size_mb(tmp_path / 'venv'):.0f} MB")

    name = unique("receive-test")
    receiver = subprocess.Popen(
        [str(python), str(REPO / "examples" / "receive.py"), "--seconds", "10", "--names", name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        played = subprocess.run(
            [player_host(), "play", str(FIXTURES / "wav" / "pcm16-mono-22050.wav"), "--name", name,
             "--wait-for-consumers", "30", "--quiet"],
            capture_output=True, text=True, timeout=60,
        )
        out, err = receiver.communicate(timeout=30)
    finally:
        receiver.kill()
    assert played.returncode == 0, played.stderr
    assert receiver.returncode == 0, err
    assert f"{name}: first sample at 0.000000 s after the earliest, 1000 samples" in out, out
