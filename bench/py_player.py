"""player_host's in-process Player, as a Python user runs it (started by bench/inprocess.py).

    python bench/py_player.py --main hog|sleep --stats OUT.json PATH NAME CHUNK

Plays PATH once as the stream NAME with chunk size CHUNK from this interpreter
(``player_host.Player``, waiting for the receiver), then the main thread either hogs the
CPU (``while player.running: pass``, the MNE-LSL tutorial's scenario 2) or polls with
sleeps, and writes the engine's own statistics (summary) to OUT.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


#: The attributes of player_host.StreamStats written to OUT.json.
STATS = ("name", "samples", "chunks", "late_chunks", "lateness_p50", "lateness_p99",
         "lateness_max", "position", "finished", "error")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--main", choices=["hog", "sleep"], default="hog")
    ap.add_argument("--stats", required=True)
    ap.add_argument("path")
    ap.add_argument("name")
    ap.add_argument("chunk", type=int)
    args = ap.parse_args()

    from player_host import Player

    player = Player(args.path, name=args.name, chunk_size=args.chunk, annotations="none",
                    wait_for_consumers=60)
    player.start()
    if args.main == "hog":
        while player.running:
            pass
    else:
        while player.running:
            time.sleep(0.05)
    summary = player.wait()
    streams = [{k: getattr(s, k) for k in STATS} for s in summary.streams]
    with open(args.stats, "w") as f:
        json.dump({"t0": summary.t0, "wall_seconds": summary.wall_seconds,
                   "interrupted": summary.interrupted, "streams": streams,
                   "warnings": summary.warnings}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
