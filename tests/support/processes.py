"""Process helpers shared by the test suites and the benchmarks (tests/e2e, bench): a
consumer that connects and then takes nothing, and the resident memory of a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
