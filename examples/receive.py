"""A tiny LSL receiver for the demo: prints what arrives from the demo's streams.

Usage: python examples/receive.py [--seconds 8] [--names a,b,...]

Needs pylsl only (examples/requirements.txt).
"""

import argparse
import time

import pylsl

DEMO_STREAMS = "demo-tone,demo-chirp,demo-meg,demo-meg-markers,demo-eeg,demo-eeg-markers"

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--seconds", type=float, default=8.0, help="how long to listen")
parser.add_argument(
    "--names", default=DEMO_STREAMS, help="comma-separated names of the streams to receive (default: the demo's)"
)
args = parser.parse_args()

wanted = set(args.names.split(","))
deadline = time.monotonic() + args.seconds
inlets = {}
# Short resolve waves, so that the streams are subscribed to within ~0.1 s of appearing
# (the demo starts its clock 1 s after announcing them).
while time.monotonic() < deadline and set(inlets) != wanted:
    for info in pylsl.resolve_streams(wait_time=0.1):
        if info.name() in wanted and info.name() not in inlets:
            inlets[info.name()] = pylsl.StreamInlet(info)
for inlet in inlets.values():
    inlet.open_stream(timeout=5)  # subscribe now: data pushed before that is not received
print(f"receiving {sorted(inlets)}")
count = {n: 0 for n in inlets}
first = {}
last_print = 0.0
while time.monotonic() < deadline:
    for name, inlet in inlets.items():
        _, stamps = inlet.pull_chunk(timeout=0.01)
        if stamps:
            first.setdefault(name, stamps[0])
            count[name] += len(stamps)
    if time.monotonic() - last_print > 1.0:
        last_print = time.monotonic()
        print("  ".join(f"{n}: {count[n]} samples" for n in sorted(count)))
t0 = min(first.values()) if first else 0.0
for name in sorted(first):
    print(f"{name}: first sample at {first[name] - t0:.6f} s after the earliest, {count[name]} samples")
