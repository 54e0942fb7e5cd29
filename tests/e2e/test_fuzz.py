"""The mutation runner (tests/fuzz/mutate.py) on a few hundred mutants per reader: no
crash, no hang, no huge allocation, no unclear error, no wrong-length output. The full run
(3000 per reader) is `python tests/fuzz/mutate.py --per-reader 3000 ...` (docs/reliability.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, player_host


def brainvision_plugin_dir(trusted: Path) -> Path:
    """A directory under `trusted` holding a copy of the BrainVision plugin library.

    Parameters
    ----------
    trusted : Path
        A directory that passes the plugin trust rule (the ``trusted_tmp`` fixture).

    Returns
    -------
    Path
        The plugin directory.
    """
    for profile in ("release", "debug"):
        lib = REPO / "target" / profile / "libplayer_brainvision.so"
        if lib.exists():
            d = trusted / "plugins"
            d.mkdir()
            d.chmod(0o755)
            shutil.copy(lib, d)
            (d / lib.name).chmod(0o755)
            return d
    raise AssertionError("libplayer_brainvision.so not built: run `cargo build --workspace`")


def test_mutants_of_every_reader_fail_cleanly_or_play_exactly(
    tmp_path: Path, trusted_tmp: Path
) -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "tests" / "fuzz" / "mutate.py"), "--per-reader", "200",
         "--readers", "wav,edf,fif,xdf,csv,eeglab,gdf,brainvision", "--host", player_host(),
         "--plugin-dir", str(brainvision_plugin_dir(trusted_tmp)), "--keep", str(tmp_path / "bad")],
        capture_output=True, text=True, timeout=1800,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
