"""Ctrl-C (SIGINT) in a Python process that plays stops the player cleanly; the
`player-host` console script behaves as the binary."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

FIF = FIXTURES / "fif" / "short_raw.fif"

CHILD = textwrap.dedent(
    """
    import sys, numpy as np
    from player_host import Player
    player = Player.from_array(np.zeros((60 * 100, 1)), 100.0, ["a"], name=sys.argv[2],
                               output=sys.argv[3])
    player.start()
    try:
        print("started", flush=True)
        if sys.argv[1] == "wait":
            player.wait()
        else:  # the tutorial's busy loop: the interrupt comes from the interpreter
            while player.running:
                pass
    except KeyboardInterrupt:
        # wait() stopped and joined the player before raising; the busy loop did not.
        running = player.running
        if sys.argv[1] == "busy":
            player.stop()
        summary = player.wait(timeout=10)
        print("interrupted", summary.interrupted, running, player.running, flush=True)
        sys.exit(3)
    print("not interrupted", flush=True)
    """
)


def sigint_as_in_a_terminal() -> None:
    """Gives the child the default SIGINT disposition, as a shell in a terminal does.

    A test run started in the background by a non-interactive shell (``nohup ... &``, some
    CI runners) inherits SIGINT *ignored*; Python then installs no KeyboardInterrupt
    handler, and Ctrl-C would do nothing in the child whatever the player does.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("mode", ["wait", "busy"])
@pytest.mark.parametrize("output", ["null", "lsl"])
def test_sigint_stops_the_player_and_raises_keyboard_interrupt(mode, output):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, f"py-sigint-{os.getpid()}-{mode}", output],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(0.5)  # into wait() or the loop (an earlier Ctrl-C is the script's)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 3, err
    running_after_interrupt = "True" if mode == "busy" else "False"
    assert out.strip() == f"interrupted True {running_after_interrupt} False", err


def console_script() -> list[str]:
    exe = Path(sys.executable).with_name("player-host")
    assert exe.exists() or shutil.which("player-host"), "the wheel installs player-host"
    return [str(exe) if exe.exists() else "player-host"]


def test_console_script_runs_the_command_line():
    ok = subprocess.run([*console_script(), "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("player-host ")
    played = subprocess.run(
        [*console_script(), "play", str(FIF), "--output", "null", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )
    assert played.returncode == 0, played.stderr
    usage = subprocess.run([*console_script(), "play"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Usage: player-host play" in usage.stderr


def test_console_script_exits_130_on_ctrl_c():
    proc = subprocess.Popen(
        [*console_script(), "play", str(FIF), "--output", "null", "--repeat", "forever"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.5)  # playing by then
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "stopped in" in err and "Traceback" not in err
