"""Live control end to end: `player-host play --control SOCK` steered by `player-host ctl`,
by raw JSON lines and by keys typed on a pseudo-terminal, received by pylsl.

The values received are compared with soundfile's reading of the file: a seek shows as a
jump in the values, never in the timestamps.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import socket
import stat
import subprocess
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pylsl
import pytest
import soundfile as sf

from conftest import (FIXTURES, Player, Received, assert_never_early, assert_regular_stamps,
                      player_host, pull_into, receive_while, unique)

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


def with_keys(sock: Path, steer: Callable[[subprocess.Popen, int, int], None]) -> None:
    """Plays the tone forever with a pseudo-terminal on stdin (keys are read), runs
    ``steer(player, master, slave)``, then checks that the terminal was restored.

    Parameters
    ----------
    sock : Path
        The player's control socket.
    steer : Callable[[subprocess.Popen, int, int], None]
        What the test does: types on ``master``, looks at ``slave``'s settings.
    """
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
            steer(proc, master, slave)
        finally:
            proc.kill()
        assert lflags(slave) & termios.ICANON and lflags(slave) & termios.ECHO, "restored"
    finally:
        os.close(master)
        os.close(slave)


def test_keys_typed_on_a_terminal_steer_and_the_terminal_is_restored(tmp_path):
    sock = tmp_path / "keys.sock"

    def steer(proc: subprocess.Popen, master: int, slave: int) -> None:
        os.write(master, b" ")
        wait_for("paused", lambda: ctl_json(sock, "status")["status"]["state"] == "paused")
        os.write(master, b"+\x1b[C")
        wait_for("at speed 2", lambda: ctl_json(sock, "status")["status"]["speed"] == 2.0)
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0, "q is a stop by request: a success"

    with_keys(sock, steer)


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
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_a_stop_by_request_exits_0_and_the_summary_says_so(tmp_path):
    sock = tmp_path / "stop.sock"
    proc = subprocess.Popen([player_host(), "play", str(TONE), "--repeat", "forever", "--output",
                             "null", "--control", str(sock)], stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for("answering", lambda: ctl(sock, "status")[0] == 0)
        code, out, err = ctl(sock, "stop")
        assert code == 0 and out.startswith("finished"), (out, err)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "by request" in err and "error" not in err, err


def ramp_wav(path: Path, rate: int, seconds: float) -> np.ndarray:
    """Writes a float32 WAV whose frame k holds k / 16384 (exact), so that every value
    received says which frame it is.

    Parameters
    ----------
    path : Path
        Where to write it.
    rate : int
        Samples per second.
    seconds : float
        Its duration.

    Returns
    -------
    numpy.ndarray
        The values written.
    """
    values = (np.arange(int(rate * seconds)) / 16384.0).astype(np.float32)
    sf.write(path, values, rate, subtype="FLOAT")
    return values


def burst(rng: np.random.Generator, seeks: bool) -> list[dict]:
    """Random requests: up to 60 pauses, resumes and speeds from 0.01 to 8 in a random
    order; or (``seeks``) one seek to a position, or a seek by a few tenths of a second
    and its opposite (so that the flood does not walk to the end of the file).

    Parameters
    ----------
    rng : numpy.random.Generator
        The random choices.
    seeks : bool
        Whether to make a seek instead.

    Returns
    -------
    list[dict]
        The requests.
    """
    if seeks:
        if rng.integers(2):
            return [{"cmd": "seek", "to": float(rng.uniform(0, 10))}]
        by = float(rng.uniform(0, 0.3))
        return [{"cmd": "seek", "by": by}, {"cmd": "seek", "by": -by}]
    requests: list[dict] = []
    for _ in range(int(rng.integers(1, 60))):
        kind = rng.integers(7)
        if kind < 3:
            requests.append({"cmd": "pause" if kind == 0 else "resume"})
        else:
            speed = float(rng.choice([0.01, 0.25, 0.5, 1, 2, 4, 8], p=[.04, .16, .16, .16, .16, .16, .16]))
            requests.append({"cmd": "speed", "value": speed})
    return requests


def flood(sock: Path, until: float, seed: int) -> tuple[int, list[str]]:
    """Sends random requests on one connection as fast as answers come, until `until`:
    bursts of pauses, resumes and speeds, or (seed 0) a seek every 0.2 s.

    Parameters
    ----------
    sock : Path
        The control socket.
    until : float
        When to stop (`time.monotonic()`).
    seed : int
        Seeds the choice of requests; 0 makes the seeks.

    Returns
    -------
    tuple[int, list[str]]
        How many requests were answered, and the refusals' messages.
    """
    rng = np.random.default_rng(seed)
    answered, refusals = 0, []
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock))
        reader = s.makefile("r")
        while time.monotonic() < until:
            requests = burst(rng, seeks=seed == 0)
            if seed == 0:
                time.sleep(0.2)
            s.sendall("".join(json.dumps(r) + "\n" for r in requests).encode())
            for _ in requests:
                answer = json.loads(reader.readline())
                answered += 1
                if not answer["ok"]:
                    refusals.append(answer["error"])
    return answered, refusals


def test_a_flood_of_requests_keeps_every_timestamp_promise(tmp_path):
    """Thousands of requests from four clients, bursts of dozens inside each 100 ms chunk:
    what an independent inlet receives keeps every promise of the timing model. (The file
    is long enough that the flood does not reach its end; then it plays to the end at
    speed 100.)"""
    rate = 8000
    truth = ramp_wav(tmp_path / "ramp.wav", rate, 20.0)
    name, sock = unique("flood"), tmp_path / "flood.sock"
    player = Player(["play", str(tmp_path / "ramp.wav"), "--name", name, "--chunk-size", "800",
                     "--format", "float64", "--control", str(sock), "--wait-for-consumers",
                     "30", "--quiet"], [name])
    rec = player.received[name]
    wait_for("playing", lambda: player.pull(0.01) >= 0 and len(rec.stamps) >= 1600)
    until = time.monotonic() + 2.0
    results: list[tuple[int, list[str]]] = []
    clients = [threading.Thread(target=lambda i=i: results.append(flood(sock, until, i)))
               for i in range(4)]
    for client in clients:
        client.start()
    while time.monotonic() < until:
        player.pull(0.002)
    for client in clients:
        client.join(timeout=30)
    # To the end, quickly.
    assert ctl(sock, "resume")[0] == 0 and ctl(sock, "speed", "100")[0] == 0
    code, _, err = player.collect()
    assert code == 0, err

    answered = sum(n for n, _ in results)
    refusals = [r for _, rs in results for r in rs]
    print(f"{answered} requests answered in 2 s")
    assert len(results) == 4 and answered > 1000, answered
    assert not refusals, refusals[:3]
    stamps = rec.timestamps()
    gaps = np.diff(stamps)
    assert np.all(gaps > 0), f"timestamps go back by up to {-gaps.min()} s"
    assert gaps.min() >= 1 / (rate * 100) - 1e-9, f"{gaps.min()} s apart"
    assert_never_early(rec)
    frames = np.rint(rec.values()[:, 0] * 16384).astype(np.int64)
    assert frames.min() >= 0 and frames.max() < len(truth)
    np.testing.assert_array_equal(rec.values()[:, 0], truth[frames])
    # A seek takes effect at a chunk boundary: every run of consecutive frames is whole
    # chunks of 800, but where it reaches the end of the file; the last plays to the end.
    runs = np.split(frames, np.flatnonzero(np.diff(frames) != 1) + 1)
    cut = [(r[0], len(r)) for r in runs if len(r) % 800 and r[-1] != len(truth) - 1]
    assert not cut, f"runs cut inside a chunk (first frame, length): {cut[:5]}"
    assert runs[-1][-1] == len(truth) - 1


def test_requests_while_waiting_for_consumers_are_answered_at_once_and_hold(tmp_path):
    """Issue 23: `ctl pause` and `ctl seek` while waiting for consumers said "did not
    answer" (exit 1) and were applied when a consumer came. Now they are answered at once
    from the waiting state, and the replay starts as they said."""
    rate = 8000
    truth = ramp_wav(tmp_path / "ramp.wav", rate, 3.0)
    name, sock = unique("waiting"), tmp_path / "wait.sock"
    proc = subprocess.Popen([player_host(), "play", str(tmp_path / "ramp.wav"), "--name", name,
                             "--chunk-size", "80", "--format", "float64", "--control", str(sock),
                             "--wait-for-consumers", "30", "--quiet"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for("answering", lambda: ctl(sock, "status")[0] == 0)
        assert ctl_json(sock, "status")["status"]["state"] == "waiting"
        paused = ctl_json(sock, "pause")
        assert paused["status"]["state"] == "paused", paused
        sought = ctl_json(sock, "seek", "1.5")
        assert sought["status"]["position"] == 1.5 and sought["status"]["state"] == "paused"
        infos = pylsl.resolve_byprop("name", name, timeout=20)
        inlet = pylsl.StreamInlet(infos[0], max_buflen=360)
        inlet.open_stream(timeout=10)
        rec = Received(inlet.info(timeout=10))
        time.sleep(0.5)
        assert pull_into({name: inlet}, {name: rec}, 0.1) == 0, "started paused"
        assert ctl_json(sock, "status")["status"]["position"] == 1.5
        resumed_at = pylsl.local_clock()
        assert ctl_json(sock, "resume")["status"]["state"] == "playing"
        receive_while(lambda: proc.poll() is None, {name: inlet}, {name: rec}, 60, quiet=1.0)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    values = rec.values()[:, 0]
    np.testing.assert_array_equal(values, truth[int(1.5 * rate):])
    stamps = rec.timestamps()
    assert stamps[0] >= resumed_at - 0.01, "from the resume, not from t0"
    assert_regular_stamps(stamps, rate)


def test_keys_survive_job_control(tmp_path):
    """Issue 23: after Ctrl-Z and `fg` the terminal came back in canonical mode with echo
    (the shell's settings) and the keys were dead. On SIGCONT the key mode is set again."""
    sock = tmp_path / "job.sock"

    def stop_and_continue(proc: subprocess.Popen, master: int, slave: int) -> None:
        proc.send_signal(signal.SIGSTOP)
        # What a shell does when it takes the terminal back from a stopped job.
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ICANON | termios.ECHO
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc.send_signal(signal.SIGCONT)
        wait_for("in raw mode again", lambda: not lflags(slave) & (termios.ICANON | termios.ECHO))
        os.write(master, b" ")
        wait_for("paused", lambda: ctl_json(sock, "status")["status"]["state"] == "paused")
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0, "q is a stop by request"

    with_keys(sock, stop_and_continue)
