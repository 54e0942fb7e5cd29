"""MNE-LSL's tutorial on PlayerLSL ("Replaying a file in a separate process",
examples/00_player_separate_process.py of MNE-LSL 1.14) runs with only the import
changed, and without a single warning (``python -W error``).

The script below does what the tutorial does, step by step; the only changes are the
import lines (``from player_host import PlayerLSL``) and the file: the tutorial downloads
MNE-LSL's ``sample-ecg-raw.fif``, replaced here by a local stand-in of the same kind
(tests/mne_lsl_upstream/substitute.py).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "mne_lsl_upstream"))
from substitute import sample_ecg_raw, save

#: The tutorial's code with the import swapped; `FNAME` is the stand-in file.
TUTORIAL = textwrap.dedent(
    """
    import multiprocessing as mp
    import sys
    import time

    from mne.io import read_raw_fif

    from player_host import PlayerLSL as Player

    FNAME = sys.argv[1]

    raw = read_raw_fif(FNAME, preload=False)
    raw.crop(0, 3).load_data()
    player = Player(raw, chunk_size=200, n_repeat=1, name="example-process")
    print(repr(player))

    # scenario 1: give time to the player to run
    start = time.time()
    player.start()
    while player.running:
        time.sleep(0.5)
    stop = time.time()
    print(f"Elapsed time (free time): {stop - start:.2f} s")

    # scenario 2: hog all of the CPU resources
    start = time.time()
    player.start()
    while player.running:
        pass
    stop = time.time()
    print(f"Elapsed time (hogging): {stop - start:.2f} s")

    # clean-up resources
    del player


    def player_process(raw):
        \"\"\"Process which runs the player.\"\"\"
        from player_host import PlayerLSL

        player = PlayerLSL(raw, chunk_size=200, n_repeat=1, name="example-process-2")
        player.start()
        while player.running:
            pass


    process = mp.Process(target=player_process, args=(raw,))
    process.start()
    print("Player started in a separate process!")
    process.join()
    print(f"exit code {process.exitcode}")


    def player_process(raw, status):
        \"\"\"Process which runs the process.\"\"\"
        from player_host import PlayerLSL

        player = PlayerLSL(raw, chunk_size=200, name="example-process-3")
        player.start()
        status.value = 1
        while status.value:
            pass
        player.stop()


    manager = mp.Manager()
    # integer value, used to store 0 or 1 to turn off the player
    status = manager.Value("i", 0)
    process = mp.Process(target=player_process, args=(raw, status))
    process.start()
    while status.value != 1:
        pass  # wait for the player to actually start
    print("Player started in a separate process!")
    status.value = 0  # stops the player
    process.join()
    print(f"exit code {process.exitcode}")
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="the tutorial's processes start by "
                    "fork (its code has no `if __name__ == '__main__'` guard for spawn)")
def test_the_tutorial_runs_with_only_the_import_changed_and_no_warning(tmp_path: Path):
    fname = save(sample_ecg_raw(), tmp_path / "sample-ecg-raw.fif")
    script = tmp_path / "tutorial.py"
    # As the tutorial, with Linux's start method before Python 3.14 (fork).
    script.write_text(TUTORIAL.replace(
        "import time\n", "import time\n\nmp.set_start_method('fork', force=True)\n", 1))
    proc = subprocess.run([sys.executable, "-W", "error", str(script), str(fname)],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    out = proc.stdout.splitlines()
    assert f"<Player: example-process | OFF | {fname}>" in out
    elapsed = [float(line.split(": ")[1].split()[0]) for line in out
               if line.startswith("Elapsed time")]
    assert len(elapsed) == 2
    # 3 s of data, pushed never early: neither run can end sooner, busy loop or not.
    assert all(e >= 2.9 for e in elapsed), out
    assert out.count("Player started in a separate process!") == 2
    assert out.count("exit code 0") == 2, out
