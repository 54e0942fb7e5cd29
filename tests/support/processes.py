"""Process helpers shared by the test suites and the benchmarks (tests/e2e, bench): a
consumer that connects and then takes nothing, consumers that keep stalling, and the
resident memory of a process (now, and its peak over a whole run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

# An inlet in its own process that connects, says "ready", then sleeps. Frozen with SIGSTOP
# it takes nothing at all (an inlet that merely never pulls still receives: pylsl's inlet
# reads in a background thread).
_FROZEN = r"""
import sys, time, pylsl
infos = pylsl.resolve_byprop("name", sys.argv[1], timeout=30)
inlet = pylsl.StreamInlet(infos[0], max_buflen=360)
inlet.open_stream(timeout=10)
print("ready", flush=True)
time.sleep(3600)
"""


def frozen_consumer(name: str) -> subprocess.Popen:
    """Starts a consumer of stream `name` and freezes it (SIGSTOP) once it is connected.

    Parameters
    ----------
    name : str
        The stream to connect to.

    Returns
    -------
    subprocess.Popen
        The stopped consumer; ``kill()`` ends it (SIGKILL works on a stopped process, and
        its sockets close).

    Raises
    ------
    RuntimeError
        When it did not connect (it is killed first).
    """
    consumer = subprocess.Popen([sys.executable, "-c", _FROZEN, name], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    assert consumer.stdout is not None
    if consumer.stdout.readline().strip() != "ready":
        consumer.kill()
        consumer.wait()
        raise RuntimeError(f"the consumer of {name!r} did not connect")
    os.kill(consumer.pid, signal.SIGSTOP)
    return consumer


# An inlet that connects with a buffer of `max_buflen` seconds, says "ready", and never
# pulls: its liblsl keeps receiving in the background (and drops what overflows its buffer).
_IDLE = r"""
import sys, time, pylsl
infos = pylsl.resolve_byprop("name", sys.argv[1], timeout=30)
inlet = pylsl.StreamInlet(infos[0], max_buflen=int(sys.argv[2]))
inlet.open_stream(timeout=10)
print("ready", flush=True)
time.sleep(3600)
"""


class StallingConsumers:
    """`count` inlets of one stream that never pull and keep stalling: each is frozen
    (SIGSTOP) for `stall` seconds, then runs for `run` seconds, over and over, in step.

    While frozen an inlet takes nothing, and the outlet queues the stream for it; when it
    runs again it takes data as fast as it can while the outlet is still dropping the
    oldest samples of its full queue: what slow consumers on a busy machine do. Use as a
    context manager; leaving it (or `close()`) kills them all.

    Parameters
    ----------
    name : str
        The stream to connect to.
    count : int
        How many inlets.
    stall, run : float
        Seconds frozen, then running, in each cycle.
    max_buflen : int
        Each inlet's buffer in seconds (what it asks the outlet to keep for it).
    """

    def __init__(self, name: str, count: int, stall: float, run: float,
                 max_buflen: int = 1) -> None:
        self.procs: list[subprocess.Popen] = []
        self._stop = threading.Event()
        self._cycle = (stall, run)
        for _ in range(count):
            self.procs.append(subprocess.Popen(
                [sys.executable, "-c", _IDLE, name, str(max_buflen)], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True))
        for proc in self.procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                self.close()
                raise RuntimeError(f"a consumer of {name!r} did not connect")
        self._thread = threading.Thread(target=self._toggle, daemon=True)
        self._thread.start()

    def _signal(self, sig: int) -> None:
        for proc in self.procs:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass

    def _toggle(self) -> None:
        stall, run = self._cycle
        while not self._stop.is_set():
            self._signal(signal.SIGSTOP)
            self._stop.wait(stall)
            self._signal(signal.SIGCONT)
            self._stop.wait(run)

    def close(self) -> None:
        """Stops the cycle and kills every inlet (their connections close)."""
        self._stop.set()
        if hasattr(self, "_thread"):
            self._thread.join()
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()

    def __enter__(self) -> StallingConsumers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def peak_rss_mb(proc: subprocess.Popen, timeout: float) -> float:
    """Waits for `proc` to end and returns its peak resident memory (VmHWM) in MB.

    The peak is read every 20 ms while the process runs (it only grows), so a peak
    reached in the last 20 ms of a process's life may be missed.

    Parameters
    ----------
    proc : subprocess.Popen
        A running process.
    timeout : float
        Seconds to wait before killing it (it then raises).

    Returns
    -------
    float
        The largest VmHWM seen, in MB (10^6 bytes).

    Raises
    ------
    subprocess.TimeoutExpired
        When it did not end in time.
    """
    import time

    peak = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise subprocess.TimeoutExpired(proc.args, timeout)
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.02)
    return peak * 1024 / 1e6


def rss_kib(pid: int) -> int | None:
    """The resident memory (VmRSS) of process `pid`, in KiB.

    Parameters
    ----------
    pid : int
        The process.

    Returns
    -------
    int or None
        VmRSS in KiB, or None once the process is gone.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
