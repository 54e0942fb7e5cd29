"""Fork safety: after os.fork() in a process that plays, the child's copy of the player is
inert (clear PlayerError or nothing; never a panic, never a hang), the parent's replay
goes on, and a player made in the child plays from the child.

Each scenario runs in a fresh interpreter under a timeout, and every call in the child
under an alarm, so that a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import inlets, unique

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.fork() is POSIX")

#: Runs in a fresh interpreter: starts a player (LSL output: liblsl's threads too), forks,
#: and in the child tries each call of the parent's player, then exits normally (no
#: os._exit: interpreter shutdown drops the copy, which must not join absent threads).
CHILD_CALLS = textwrap.dedent(
    """
    import json, os, signal, sys, time
    import numpy as np
    from player_host import Player, PlayerError
    from player_host import PlayerLSL

    name = sys.argv[1]
    player = Player.from_array(np.zeros((6000, 2)), 100.0, ["a", "b"], name=name,
                               repeat="forever").start()
    wrapped = PlayerLSL(__import__("mne").io.RawArray(
        np.zeros((1, 3000)), __import__("mne").create_info(["x"], 100.0, ["eeg"]),
        verbose="error"), name=name + "-lsl").start()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.alarm(10)  # a hang in the child ends it with SIGALRM: the test fails
        out = {}
        def attempt(label, call):
            try:
                value = call()
                out[label] = ["ok", repr(value)]
            except PlayerError as e:
                out[label] = ["PlayerError", str(e)]
            except BaseException as e:
                out[label] = [type(e).__name__, str(e)]
        attempt("running", lambda: player.running)
        attempt("stop", player.stop)
        attempt("wait", player.wait)
        attempt("wait_timeout", lambda: player.wait(timeout=0.1))
        attempt("start", player.start)
        attempt("status", lambda: player.status)
        attempt("stats", lambda: player.stats)
        attempt("pause", player.pause)
        def leave_with():
            with player:
                pass
        attempt("with", leave_with)
        attempt("lsl_running", lambda: wrapped.running)
        attempt("lsl_stop", wrapped.stop)
        attempt("lsl_start", wrapped.start)
        attempt("lsl_repr", lambda: repr(wrapped))
        def drop():
            global player, wrapped
            del player, wrapped
        attempt("del", drop)
        os.write(w, json.dumps(out).encode())
        os.close(w)
        sys.exit(0)  # normal interpreter exit
    os.close(w)
    report = b""
    while chunk := os.read(r, 65536):
        report += chunk
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"child": json.loads(report or b"{}"), "status": status,
                      "parent_running": player.running, "lsl_running": wrapped.running}))
    sys.stdout.flush()
    time.sleep(float(sys.argv[2]))  # the test receives from the parent meanwhile
    player.stop()
    summary = player.wait(timeout=10)
    wrapped.stop()
    print(json.dumps({"interrupted": summary.interrupted,
                      "samples": summary.streams[0].samples}))
    """
)


def test_a_forked_child_finds_the_players_inert_and_the_parent_plays_on():
    name = unique("py-fork")
    proc = subprocess.Popen([sys.executable, "-c", CHILD_CALLS, name, "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        inlet = inlets([name])[name]  # the parent's replay, after the fork
        chunk, stamps = inlet.pull_chunk(timeout=2.0, max_samples=50)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "PanicException" not in stderr and "panicked" not in stderr, stderr
    child = first["child"]
    assert first["status"] == 0, (first, stderr)  # exited normally, not by SIGALRM
    # Inert: nothing plays here, stop() and leaving `with` do nothing, `del` is quiet.
    assert child["running"] == ["ok", "False"]
    assert child["stop"] == ["ok", "None"]
    assert child["with"] == ["ok", "None"]
    assert child["del"] == ["ok", "None"]
    assert child["lsl_running"] == ["ok", "False"]
    assert child["lsl_repr"][0] == "ok" and "| OFF" in child["lsl_repr"][1]
    # What cannot be done raises a PlayerError that says why.
    for call in ("wait", "wait_timeout", "start", "status", "stats", "pause", "lsl_stop",
                 "lsl_start"):
        kind, message = child[call]
        assert kind == "PlayerError", (call, child[call])
        assert "a child made by os.fork()" in message and "create a new player" in message
    # The parent's replay was not disturbed: it plays, a consumer receives, it stops.
    assert first["parent_running"] and first["lsl_running"]
    assert len(stamps) > 0
    last = json.loads(stdout.strip().splitlines()[-1])
    assert last["interrupted"] and last["samples"] > 300


def test_a_player_made_in_a_forked_child_plays_from_the_child():
    """As MNE-LSL's tutorial does with multiprocessing (fork start method): a new player
    in the child, while the parent's own plays."""
    name = unique("py-fork-new")
    script = textwrap.dedent(
        """
        import os, sys
        import numpy as np
        from player_host import Player
        parent = Player.from_array(np.zeros((6000, 1)), 100.0, ["a"], name=sys.argv[1] + "-p",
                                   repeat="forever").start()
        pid = os.fork()
        if pid == 0:
            values = np.arange(300.0).reshape(-1, 1)
            child = Player.from_array(values, 100.0, ["k"], name=sys.argv[1], format="float64",
                                      wait_for_consumers=30).start()
            summary = child.wait()
            sys.exit(0 if summary.streams[0].samples == 300 else 3)
        _, status = os.waitpid(pid, 0)
        parent.stop()
        parent.wait()
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script, name], stderr=subprocess.PIPE,
                            text=True)
    try:
        inlet = inlets([name])[name]
        values = []
        while len(values) < 300:
            chunk, _ = inlet.pull_chunk(timeout=5.0)
            assert chunk, f"received {len(values)} of 300 values"
            values += [v[0] for v in chunk]
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert values == list(range(300))
