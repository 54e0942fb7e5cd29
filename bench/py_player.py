"""player_host's in-process Player, as a Python user runs it (started by bench/inprocess.py).

    python bench/py_player.py --main hog|sleep --stats OUT.json PATH NAME CHUNK

Plays PATH once as the stream NAME with chunk size CHUNK from this interpreter
(``player_host.Player``, waiting for the receiver), then the main thread either hogs the
CPU (``while player.running: pass``, the MNE-LSL tutorial's scenario 2) or polls with
sleeps, and writes the engine's own statistics (summary) to OUT.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time


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
    with open(args.stats, "w") as f:
        json.dump(dataclasses.asdict(summary), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
