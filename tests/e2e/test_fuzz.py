"""The mutation runner (tests/fuzz/mutate.py) on a few hundred mutants per reader: no
crash, no hang, no huge allocation, no unclear error, no wrong-length output. The full run
(3000 per reader) is `python tests/fuzz/mutate.py --per-reader 3000 ...` (README)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import REPO, player_host


def brainvision_plugin_dir(tmp_path):
    for profile in ("release", "debug"):
        lib = REPO / "target" / profile / "libplayer_brainvision.so"
        if lib.exists():
            d = tmp_path / "plugins"
            d.mkdir()
            shutil.copy(lib, d)
            return d
    raise AssertionError("libplayer_brainvision.so not built: run `cargo build --workspace`")


def test_mutants_of_every_reader_fail_cleanly_or_play_exactly(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "tests" / "fuzz" / "mutate.py"), "--per-reader", "200",
         "--readers", "wav,edf,fif,xdf,brainvision", "--host", player_host(),
         "--plugin-dir", str(brainvision_plugin_dir(tmp_path)), "--keep", str(tmp_path / "bad")],
        capture_output=True, text=True, timeout=1800,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
