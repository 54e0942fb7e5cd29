"""The ``player-host`` console script: the same command line as the Rust binary."""

from __future__ import annotations

import signal
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``player-host`` command line and exit with its status.

    Parameters
    ----------
    argv : sequence of str | None
        The arguments after the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status (the console script exits with it): 0 when everything played, 1 on an
        error or a failed stream, 2 for a command-line mistake, 128 + the signal when
        stopped by one (130 for Ctrl-C).

    Notes
    -----
    The command line runs in native code without the GIL. Python's own handlers of
    SIGINT, SIGTERM and SIGHUP are reset to the defaults first, so that the native
    handlers see the signals as they do in the binary (stop cleanly, print the summary,
    exit with 128 + the signal; a second signal exits at once). This is meant for the
    console script: in a program of your own, use :class:`player_host.Player`.
    """
    from ._native import cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_DFL)
    return cli_main(["player-host", *args])
