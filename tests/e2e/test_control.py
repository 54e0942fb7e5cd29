"""Live control end to end: `player-host play --control SOCK` steered by `player-host ctl`,
by raw JSON lines and by keys typed on a pseudo-terminal, received by pylsl.

The values received are compared with soundfile's reading of the file: a seek shows as a
jump in the values, never in the timestamps.
"""

from __future__ import annotations

import json
import os
import pty
import socket
import stat
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from conftest import FIXTURES, Player, player_host, unique

TONE = FIXTURES / "wav" / "demo-tone-8k-mono.wav"


def ctl(sock: Path, *command: str) -> tuple[int, str, str]:
    """Runs `player-host ctl SOCK COMMAND...`.

    Parameters
    ----------
    sock : Path
        The control socket.
    *command : str
        The command and its argument (``"seek", "-5"``).

    Returns
    -------
    tuple[int, str, str]
        The exit status, stdout and stderr.
    """
    done = subprocess.run([player_host(), "ctl", str(sock), *command], capture_output=True,
                          text=True, timeout=30)
    return done.returncode, done.stdout, done.stderr


def ctl_json(sock: Path, *command: str) -> dict:
    """Runs `player-host ctl SOCK COMMAND... --json` and returns the answer.

    Parameters
    ----------
    sock : Path
        The control socket.
    *command : str
        The command and its argument.

    Returns
    -------
    dict
        The player's answer (``ok``, and ``status`` or ``error``).
    """
    code, out, err = ctl(sock, *command, "--json")
    answer = json.loads(out)
    assert (code == 0) == answer["ok"], (code, out, err)
    return answer


def wait_for(what: str, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Waits until ``done()`` is true; fails after ``timeout`` seconds (a safety net).

    Parameters
    ----------
    what : str
        What is awaited, for the failure message.
    done : Callable[[], bool]
        The condition, polled every 10 ms.
    timeout : float
        Seconds before failing.
    """
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what}")
        time.sleep(0.01)


def raw_exchange(sock: Path, payload: bytes) -> list[dict]:
    """Sends raw bytes on the control socket and returns every answer line until EOF.

    Parameters
    ----------
    sock : Path
        The control socket.
    payload : bytes
        What to send; the sending side is then closed.

    Returns
    -------
    list[dict]
        The answers, in order.
    """
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return [json.loads(line) for line in data.decode().splitlines()]


def test_ctl_pauses_seeks_and_resumes_a_replay_over_lsl(tmp_path):
    truth, rate = sf.read(TONE, dtype="float64", always_2d=True)
    name, sock = unique("ctl-e2e"), tmp_path / "player.sock"
    player = Player(["play", str(TONE), "--name", name, "--chunk-size", "80", "--format",
                     "float64", "--control", str(sock), "--wait-for-consumers", "30",
                     "--quiet"], [name])
    rec = player.received[name]
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    # Receive 0.2 s of data before steering.
    wait_for("0.2 s received", lambda: player.pull(0.01) >= 0 and len(rec.stamps) >= 1600)

    paused = ctl_json(sock, "pause")
    assert paused["status"]["state"] == "paused"
    # Bad requests change nothing: clap, ctl and the socket each refuse theirs.
    assert ctl(sock, "speed", "1000")[0] == 2
    assert ctl(sock, "jump")[0] == 2
    answers = raw_exchange(sock, b'{"cmd": "fly"}\n{not json\n{"cmd": "seek", "to": -1}\n'
                                 b'{"cmd": "status"}\n')
    assert [a["ok"] for a in answers] == [False, False, False, True]
    assert answers[3]["status"]["state"] == "paused"
    assert answers[3]["status"]["position"] == paused["status"]["position"]

    assert ctl_json(sock, "seek", "0")["status"]["position"] == 0.0
    code, out, _ = ctl(sock, "resume")
    assert code == 0 and out.startswith("playing"), out
    code, _, err = player.collect()
    assert code == 0, err
    assert not sock.exists(), "the socket file is removed at the end"

    got, stamps = rec.values(), rec.timestamps()
    played_before = len(got) - len(truth)
    assert 0 < played_before < len(truth)
    assert played_before % 80 == 0, "the pause took effect at a chunk boundary"
    # What played before the pause, then the whole file again from frame 0.
    np.testing.assert_array_equal(got[:played_before], truth[:played_before])
    np.testing.assert_array_equal(got[played_before:], truth)
    assert np.all(np.diff(stamps) > 0), "timestamps never go back, even across the seek"


def test_a_live_socket_or_a_file_is_refused_and_a_stale_socket_replaced(tmp_path):
    sock = tmp_path / "p.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(sock))
    stale.close()  # the file stays: a killed player's leftover
    live = subprocess.Popen([player_host(), "play", str(TONE), "--repeat", "forever", "--output",
                             "null", "--control", str(sock), "--quiet"],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("answering", lambda: ctl(sock, "status")[0] == 0)
        second = subprocess.run([player_host(), "play", str(TONE), "--output", "null",
                                 "--control", str(sock), "--quiet"], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert str(sock) in second.stderr and "listening there" in second.stderr, second.stderr
        assert ctl(sock, "stop")[0] == 0
        live.wait(timeout=30)
    finally:
        live.kill()
    regular = tmp_path / "notes.txt"
    regular.write_text("keep me")
    done = subprocess.run([player_host(), "play", str(TONE), "--output", "null", "--control",
                           str(regular), "--quiet"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert str(regular) in done.stderr and "not a socket" in done.stderr, done.stderr
    assert regular.read_text() == "keep me"


def lflags(fd: int) -> int:
    """The local mode flags of a terminal.

    Returns
    -------
    int
        ``c_lflag`` (``ICANON``, ``ECHO``, ...).
    """
    return termios.tcgetattr(fd)[3]


def test_keys_typed_on_a_terminal_steer_and_the_terminal_is_restored(tmp_path):
    sock = tmp_path / "keys.sock"
    master, slave = pty.openpty()
    try:
        assert lflags(slave) & termios.ICANON
        proc = subprocess.Popen([player_host(), "play", str(TONE), "--repeat", "forever",
                                 "--output", "null", "--control", str(sock), "--quiet"],
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            wait_for("answering", lambda: ctl(sock, "status")[0] == 0)
            wait_for("in raw mode", lambda: not lflags(slave) & (termios.ICANON | termios.ECHO))
            os.write(master, b" ")
            wait_for("paused", lambda: ctl_json(sock, "status")["status"]["state"] == "paused")
            os.write(master, b"+\x1b[C")
            wait_for("at speed 2", lambda: ctl_json(sock, "status")["status"]["speed"] == 2.0)
            os.write(master, b"q")
            proc.wait(timeout=30)
        finally:
            proc.kill()
        assert lflags(slave) & termios.ICANON and lflags(slave) & termios.ECHO, "restored"
    finally:
        os.close(master)
        os.close(slave)


def test_no_keys_are_read_without_a_terminal(tmp_path):
    sock = tmp_path / "nokeys.sock"
    proc = subprocess.Popen([player_host(), "play", str(TONE), "--repeat", "forever", "--output",
                             "null", "--control", str(sock), "--quiet"], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        wait_for("answering", lambda: ctl(sock, "status")[0] == 0)
        assert proc.stdin is not None
        proc.stdin.write(b" q\n")
        proc.stdin.flush()
        # Keys on a pipe are not read: still playing, and only `stop` ends it.
        assert ctl_json(sock, "status")["status"]["state"] == "playing"
        assert ctl(sock, "stop")[0] == 0
        proc.wait(timeout=30)
    finally:
        proc.kill()
