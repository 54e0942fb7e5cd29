"""Deterministic mutation runner: malformed inputs for every reader, through the real
`player-host` binary.

Starting from the valid fixtures, it writes seeded mutants (truncations at structural
boundaries and at random points, bit flips, header fields set to 0, -1, huge and negative
values, pointers outside the file or to themselves, duplicated and reordered chunks), runs
`player-host inspect` and a fast `player-host play --output null` on each with a time
limit, and counts per reader:

    clean    non-zero exit with `error:` lines naming the file (one, or one per failed stream)
    accepted exit 0, and the play pushed exactly the frames `inspect` announced
    unclear  non-zero exit without such a message
    wrong    accepted but with a different frame count than announced
    crash    a panic (exit 101, `panicked at`), an abort or a signal
    hang     the time limit was hit
    bigmem   peak RSS above the limit (256 MiB)

A sample of the mutants (`--lsl-sample`, 5 per reader by default) is also played paced
over real LSL outlets, so that memory driven by a header through liblsl's preallocation
is caught too. The last five must be 0. Usage:

    python tests/fuzz/mutate.py [--per-reader N] [--seed S] [--readers wav,edf,fif]

Each reader is one entry of READERS (its fixtures and structure); an unknown reader id is
an error.
                                [--plugin-dir DIR] [--keep DIR] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "examples" / "fixtures"
LIMIT_SECONDS = 20.0
LIMIT_RSS_KIB = 256 * 1024
CATEGORIES = ["clean", "accepted", "unclear", "wrong", "crash", "hang", "bigmem"]

# ---------------------------------------------------------------------------------------
# Structure walkers: byte ranges of the format's units (chunks, tags, header fields).


def wav_chunks(data: bytes) -> list[tuple[int, int]]:
    """(offset, total size incl. 8-byte header and pad) of each RIFF sub-chunk."""
    out, pos = [], 12
    while pos + 8 <= len(data):
        size = struct.unpack_from("<I", data, pos + 4)[0]
        total = 8 + size + (size & 1)
        out.append((pos, total))
        if total <= 0:
            break
        pos += total
    return out


def wav_fields(data: bytes) -> list[tuple[int, str]]:
    """(offset, struct format) of integer header fields: RIFF size, chunk sizes, fmt."""
    fields = [(4, "<I")]
    for off, _ in wav_chunks(data):
        fields.append((off + 4, "<I"))
        if data[off:off + 4] == b"fmt ":
            base = off + 8
            fields += [(base, "<H"), (base + 2, "<H"), (base + 4, "<I"), (base + 8, "<I"),
                       (base + 12, "<H"), (base + 14, "<H")]
    return fields


def fif_tags(data: bytes) -> list[tuple[int, int]]:
    """(offset, total size) of each tag of the sequential tag stream."""
    out, pos = [], 0
    while pos + 16 <= len(data) and len(out) < 100000:
        _kind, _type, size, nxt = struct.unpack_from(">iiii", data, pos)
        if size < 0:
            break
        out.append((pos, 16 + size))
        pos = nxt if nxt > 0 else pos + 16 + size
    return out


def fif_fields(data: bytes) -> list[tuple[int, str]]:
    fields = []
    for off, _ in fif_tags(data):
        fields += [(off, ">i"), (off + 4, ">i"), (off + 8, ">i"), (off + 12, ">i")]
    return fields


def xdf_chunks(data: bytes) -> list[tuple[int, int]]:
    """(offset, total size incl. its length field) of each XDF chunk."""
    out, pos = [], 4
    while pos < len(data) and len(out) < 100000:
        nbytes = data[pos]
        if nbytes not in (1, 4, 8) or pos + 1 + nbytes > len(data):
            break
        size = int.from_bytes(data[pos + 1:pos + 1 + nbytes], "little")
        total = 1 + nbytes + size
        out.append((pos, total))
        pos += total
    return out


def xdf_fields(data: bytes) -> list[tuple[int, str]]:
    """Chunk length fields and tags, as (offset, struct format)."""
    fields = []
    for off, _ in xdf_chunks(data):
        nbytes = data[off]
        fmt = {1: "<B", 4: "<I", 8: "<Q"}[nbytes]
        fields += [(off, "<B"), (off + 1, fmt), (off + 1 + nbytes, "<H")]
    return fields


def edf_layout(data: bytes) -> tuple[int, int]:
    """(header bytes, signals) read leniently from an EDF/BDF header."""
    try:
        ns = int(data[252:256].decode("ascii").strip())
        return 256 * (ns + 1), ns
    except (ValueError, UnicodeDecodeError):
        return 256, 0


def edf_fields(data: bytes) -> list[tuple[int, str]]:
    """(offset, "<width>a") of ASCII numeric fields of the EDF header."""
    header, ns = edf_layout(data)
    fields = [(184, 8), (236, 8), (244, 8), (252, 4)]
    base = 256
    # label 16, transducer 80, dimension 8, pmin 8, pmax 8, dmin 8, dmax 8, prefilter 80,
    # samples 8, reserved 32 (each times ns)
    widths = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32]
    numeric = {3, 4, 5, 6, 8}
    for k, w in enumerate(widths):
        if k in numeric:
            for i in range(ns):
                fields.append((base + i * w, w))
        base += w * ns
    return [(o, f"{w}a") for o, w in fields if o + w <= min(header, len(data))]


def wav_cuts(data: bytes) -> list[int]:
    cuts = [0, 4, 8, 12]
    for off, total in wav_chunks(data):
        cuts += [off, off + 4, off + 8, off + total - 1]
    return cuts


def fif_cuts(data: bytes) -> list[int]:
    cuts = []
    for off, total in fif_tags(data):
        cuts += [off, off + 8, off + 16, off + total - 1]
    return cuts


def xdf_cuts(data: bytes) -> list[int]:
    cuts = [0, 4]
    for off, total in xdf_chunks(data):
        cuts += [off, off + 1, off + total - 1]
    return cuts


def edf_cuts(data: bytes) -> list[int]:
    header, ns = edf_layout(data)
    return [0, 8, 168, 184, 236, 244, 252, 256, header - 1, header, header + 1] + [
        256 + 16 * ns, 256 * (ns + 1) - 32 * ns
    ]


def edf_units(data: bytes) -> list[tuple[int, int]]:
    """The data records as four blocks (EDF has no chunks to duplicate or swap)."""
    header = edf_layout(data)[0]
    return [(header, max(1, (len(data) - header) // 4))]


def text_lines(data: bytes) -> list[tuple[int, int]]:
    """(offset, length with its line end) of each line of a text format (CSV, OpenBCI)."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data) and len(out) < 100000:
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        out.append((pos, end - pos))
        pos = end
    return out


def text_cuts(data: bytes) -> list[int]:
    """Line starts and the points inside the first lines (headers)."""
    lines = text_lines(data)
    return [o for o, _ in lines[:2000]] + [o + t // 2 for o, t in lines[:20]]


def text_numbers(data: bytes) -> list[tuple[int, str]]:
    """The numbers of the first 64 KiB as ASCII fields ("<width>a"): header values (the
    OpenBCI sample rate and channel count) and cells."""
    import re

    pattern = rb"-?\d+(\.\d+)?([eE][-+]?\d+)?"
    return [(m.start(), f"{m.end() - m.start()}a") for m in re.finditer(pattern, data[:65536])]


def mat_elements(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, total size, depth) of the data elements of a level 5 MAT-file: the
    top-level variables (depth 0) and, inside uncompressed matrices, every sub-element."""
    out: list[tuple[int, int, int]] = []

    def walk(pos: int, end: int, depth: int, padded: bool) -> None:
        while pos + 8 <= end and len(out) < 20000:
            ty, size = struct.unpack_from("<II", data, pos)
            if ty >> 16:  # small element: 2 bytes of size, 2 of type, 4 of data
                out.append((pos, 8, depth))
                pos += 8
                continue
            total = 8 + size
            if padded:
                total += -total % 8
            if pos + total > end or total <= 0:
                return
            out.append((pos, total, depth))
            if ty == 14 and depth < 8:
                walk(pos + 8, pos + 8 + size, depth + 1, True)
            pos += total

    walk(128, len(data), 0, False)
    return out


def mat_units(data: bytes) -> list[tuple[int, int]]:
    """The top-level variables, for duplication and swaps."""
    return [(o, t) for o, t, d in mat_elements(data) if d == 0]


def mat_cuts(data: bytes) -> list[int]:
    cuts = [0, 64, 124, 126, 128]
    for o, t, _ in mat_elements(data)[:500]:
        cuts += [o, o + 4, o + 8, o + t - 1]
    return cuts


def mat_fields(data: bytes) -> list[tuple[int, str]]:
    """Every element's type and size words, and the header's version and byte order."""
    fields = [(124, "<H"), (126, "<H")]
    for o, t, _ in mat_elements(data)[:2000]:
        fields += [(o, "<I")] if t == 8 else [(o, "<I"), (o + 4, "<I")]
    return fields


def mutate_eeglab(set_path: Path, rng: random.Random, tmpdir: Path) -> tuple[str, Path]:
    """Copies an EEGLAB dataset (.set, and its .fdt when it has one) into tmpdir and
    mutates the .set (mostly) or the .fdt."""
    stem = set_path.stem
    fdt = set_path.with_suffix(".fdt")
    (tmpdir / f"{stem}.set").write_bytes(set_path.read_bytes())
    if fdt.exists():
        (tmpdir / f"{stem}.fdt").write_bytes(fdt.read_bytes())
    if fdt.exists() and rng.random() < 0.15:
        data = fdt.read_bytes()
        cut = rng.randrange(len(data) + 1)
        (tmpdir / f"{stem}.fdt").write_bytes(data[:cut])
        return f"fdt truncate@{cut}", tmpdir / f"{stem}.set"
    fmt = Binary(lambda: [], mat_units, mat_cuts, mat_fields)
    what, data = mutate(fmt, set_path.read_bytes(), rng)
    (tmpdir / f"{stem}.set").write_bytes(data)
    return f"set {what}", tmpdir / f"{stem}.set"


def gdf_layout(data: bytes) -> tuple[int, int, bool]:
    """(header bytes, channels, version 2) read leniently from a GDF header."""
    if len(data) < 256:
        return 256, 0, False
    v2 = data[4:5] == b"2"
    if v2:
        return struct.unpack_from("<H", data, 184)[0] * 256, struct.unpack_from("<H", data, 252)[0], True
    return struct.unpack_from("<q", data, 184)[0], struct.unpack_from("<I", data, 252)[0], False


def gdf_fields(data: bytes) -> list[tuple[int, str]]:
    """The fixed header's numbers, each channel's ranges, samples per record and type,
    and the event table's header."""
    header, ns, v2 = gdf_layout(data)
    fields = [(184, "<H" if v2 else "<q"), (236, "<q"), (244, "<I"), (248, "<I"),
              (252, "<H" if v2 else "<I")]
    if not 0 < ns < 512:
        return fields
    if v2:
        ranges = [(256 + ns * 104 + ns * 8 * k, "<d") for k in range(4)]
        tail = [(256 + ns * 216 + 4 * i, "<I") for i in range(2 * ns)]
    else:
        ranges = [(256 + ns * 104 + ns * 8 * k, "<d" if k < 2 else "<q") for k in range(4)]
        tail = [(256 + ns * 216 + 4 * i, "<I") for i in range(2 * ns)]
    fields += [(o + 8 * i, f) for o, f in ranges for i in range(ns)] + tail
    return [(o, f) for o, f in fields if o + struct.calcsize(f) <= min(len(data), max(header, 256))]


def gdf_units(data: bytes) -> list[tuple[int, int]]:
    """The data records as four blocks, and the event table."""
    header = gdf_layout(data)[0]
    body = max(1, (len(data) - header) // 4)
    return [(header + i * body, body) for i in range(4)]


def gdf_cuts(data: bytes) -> list[int]:
    header, ns, _ = gdf_layout(data)
    return [0, 8, 184, 236, 244, 252, 256, 256 + 16 * ns, header - 1, header, header + 1,
            len(data) - 1, len(data) - 8]


# ---------------------------------------------------------------------------------------
# Mutations


def set_field(b: bytearray, data: bytes, off: int, fmt: str, rng: random.Random) -> str:
    """Sets the field at `off` to an extreme: ASCII fields ("<width>a") to texts, binary
    ones (struct formats) to numbers."""
    if fmt.endswith("a"):
        width = int(fmt[:-1])
        text = rng.choice(["0", "-1", "99999999", "-99999", "1e308", "nan", "abc", ""])
        b[off:off + width] = text.encode().ljust(width)[:width]
        return f"field@{off}={text!r}"
    size = struct.calcsize(fmt)
    signed = fmt[-1].islower()
    choices = [0, -1, len(data), len(data) + 1000, off, 2**31 - 1, -(2**31)]
    if not signed:
        choices = [c % (1 << (8 * size)) for c in choices] + [(1 << (8 * size)) - 1]
    value = rng.choice(choices)
    try:
        struct.pack_into(fmt, b, off, value)
    except struct.error:
        struct.pack_into(fmt, b, off, 0)
    return f"field@{off}={value}"


def mutate(fmt: Binary, data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One mutation of a single-file binary format, chosen by `rng`."""
    kind = rng.choice(["cut_boundary", "cut_random", "flip", "field", "field", "dup", "swap"])
    b = bytearray(data)
    if kind == "cut_boundary":
        cut = rng.choice(fmt.cuts(data))
        return f"truncate@{cut}", bytes(b[:max(0, min(cut, len(b)))])
    if kind == "cut_random":
        cut = rng.randrange(len(b))
        return f"truncate@{cut}", bytes(b[:cut])
    if kind == "flip":
        # Mostly in the first KiB (headers), sometimes anywhere.
        span = min(len(b), 1024) if rng.random() < 0.7 else len(b)
        n = rng.choice([1, 1, 2, 8])
        where = []
        for _ in range(n):
            pos = rng.randrange(span)
            b[pos] ^= 1 << rng.randrange(8)
            where.append(pos)
        return f"flip@{where}", bytes(b)
    if kind == "field":
        fields = fmt.fields(data)
        if not fields:
            return mutate(fmt, data, rng)
        off, field = rng.choice(fields)
        return set_field(b, data, off, field, rng), bytes(b)
    units = [(o, t) for o, t in fmt.units(data) if 0 < t < len(data) and o + t <= len(data)]
    if not units:
        return mutate(fmt, data, rng)
    if kind == "dup":
        off, total = rng.choice(units)
        return f"dup@{off}+{total}", bytes(b[:off + total] + b[off:off + total] + b[off + total:])
    (o1, t1), (o2, t2) = sorted(rng.sample(units, 2)) if len(units) > 1 else (units[0], units[0])
    if o1 + t1 > o2:
        return mutate(fmt, data, rng)
    return f"swap@{o1},{o2}", bytes(b[:o1] + b[o2:o2 + t2] + b[o1 + t1:o2] + b[o1:o1 + t1] + b[o2 + t2:])


def mutate_text_numbers(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Replaces one number of a text header (BrainVision .vhdr/.vmrk) by an extreme."""
    import re

    numbers = list(re.finditer(rb"-?\d+(\.\d+)?", data))
    if not numbers:
        return "flip", data
    m = rng.choice(numbers)
    value = rng.choice([b"0", b"-1", b"99999999999", b"-5", b"1e308", b"nan", b""])
    return f"number@{m.start()}={value!r}", data[:m.start()] + value + data[m.end():]


def mutate_brainvision(vhdr: Path, rng: random.Random, tmpdir: Path) -> tuple[str, Path]:
    """Copies a BrainVision set (.vhdr, .vmrk, .eeg) into tmpdir and mutates one file."""
    stem = vhdr.stem
    for ext in (".vhdr", ".vmrk", ".eeg"):
        (tmpdir / f"{stem}{ext}").write_bytes(vhdr.with_suffix(ext).read_bytes())
    target = tmpdir / f"{stem}{rng.choice(['.vhdr', '.vhdr', '.vmrk', '.eeg'])}"
    data = target.read_bytes()
    kind = rng.choice(["cut", "flip", "number", "number"])
    if kind == "number" and target.suffix != ".eeg":
        what, data = mutate_text_numbers(data, rng)
    elif kind == "cut" or target.suffix == ".eeg" and kind == "number":
        cut = rng.randrange(len(data) + 1)
        what, data = f"truncate@{cut}", data[:cut]
    else:
        pos = rng.randrange(len(data))
        b = bytearray(data)
        b[pos] ^= 1 << rng.randrange(8)
        what, data = f"flip@{pos}", bytes(b)
    target.write_bytes(data)
    return f"{target.suffix[1:]} {what}", tmpdir / f"{stem}.vhdr"


# ---------------------------------------------------------------------------------------
# The readers: one entry each. A new reader registers here (its fixtures and structure);
# an unknown reader id is an error.


@dataclass(frozen=True)
class Binary:
    """A single-file binary format: its fixtures and structure."""

    fixtures: Callable[[], list[Path]]
    #: (offset, size) of its structural units (chunks, tags), for duplication and swaps
    units: Callable[[bytes], list[tuple[int, int]]]
    #: structural truncation points
    cuts: Callable[[bytes], list[int]]
    #: (offset, struct format, or "<width>a" for ASCII) of its numeric header fields
    fields: Callable[[bytes], list[tuple[int, str]]]

    def mutant(self, src: Path, rng: random.Random, tmpdir: Path, i: int) -> tuple[str, Path]:
        what, data = mutate(self, src.read_bytes(), rng)
        path = tmpdir / f"m{i}{src.suffix}"
        path.write_bytes(data)
        return what, path


@dataclass(frozen=True)
class FileSet:
    """A format of several files that name each other (BrainVision)."""

    fixtures: Callable[[], list[Path]]
    mutate_set: Callable[[Path, random.Random, Path], tuple[str, Path]]

    def mutant(self, src: Path, rng: random.Random, tmpdir: Path, i: int) -> tuple[str, Path]:
        return self.mutate_set(src, rng, tmpdir)


def fixtures(folder: str, *patterns: str, keep: Callable[[Path], bool] = lambda p: True):
    """The fixtures of `folder` matching `patterns`, sorted (a function: read on use)."""
    return lambda: sorted(p for pat in patterns for p in (FIXTURES / folder).glob(pat) if keep(p))


READERS: dict[str, Binary | FileSet] = {
    "wav": Binary(fixtures("wav", "*.wav", keep=lambda p: not p.name.startswith("bad-")),
                  wav_chunks, wav_cuts, wav_fields),
    "edf": Binary(fixtures("edf", "*.edf", "*.bdf"), edf_units, edf_cuts, edf_fields),
    "fif": Binary(fixtures("fif", "*.fif", keep=lambda p: "-" not in p.stem),
                  fif_tags, fif_cuts, fif_fields),
    "xdf": Binary(fixtures("xdf", "*.xdf"), xdf_chunks, xdf_cuts, xdf_fields),
    "brainvision": FileSet(fixtures("brainvision", "*.vhdr"), mutate_brainvision),
    "eeglab": FileSet(fixtures("eeglab", "*.set"), mutate_eeglab),
    "gdf": Binary(fixtures("gdf", "*.gdf"), gdf_units, gdf_cuts, gdf_fields),
    # The tables that need no reader option (a rate): OpenBCI recordings, time columns.
    "csv": Binary(fixtures("csv", "*.csv", "*.txt",
                           keep=lambda p: p.name not in ("no_header.csv",)),
                  text_lines, text_cuts, text_numbers),
}


# ---------------------------------------------------------------------------------------
# Running


def run(cmd: list[str], tmpdir: Path) -> tuple[str, int | None, str, str, int]:
    """Runs cmd with the time limit: (status, exit code, stdout, stderr, peak RSS KiB).
    Output goes to files, so a chatty child can never block on a full pipe."""
    out_path, err_path = tmpdir / "stdout", tmpdir / "stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        start = time.monotonic()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > LIMIT_SECONDS:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return "hang", None, "", "", usage.ru_maxrss
            time.sleep(0.002)
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = lambda p: p.read_text(encoding="utf-8", errors="replace")  # noqa: E731
    return "done", proc.returncode, text(out_path), text(err_path), usage.ru_maxrss


def verdict_of(status: str, code: int | None, err: str, rss: int, path: Path) -> str | None:
    """The verdict of a finished command, or None when it succeeded."""
    if status == "hang":
        return "hang"
    if rss > LIMIT_RSS_KIB:
        return "bigmem"
    if code is not None and (code == 101 or code < 0 or code == 134) or "panicked at" in err:
        return "crash"
    if code != 0:
        return clean_or_unclear(err, path)
    return None


def classify(host: str, reader: str, path: Path, extra: list[str], tmpdir: Path,
             lsl: bool = False) -> str:
    """The verdict of one mutant: inspect, then play as fast as possible with no output,
    then, when `lsl`, play it once more paced over real LSL outlets (liblsl preallocates
    per outlet: a header that claims an absurd rate or width shows there as bigmem)."""
    args = ["--reader", reader, *extra]
    status, code, out, err, rss = run([host, "inspect", str(path), "--json", *args], tmpdir)
    verdict = verdict_of(status, code, err, rss, path)
    if verdict:
        return verdict
    try:
        lengths = [s["length"] for s in json.loads(out)["recording"]["streams"]]
    except (ValueError, KeyError, TypeError):
        return "unclear"
    stats = tmpdir / "stats.json"
    status, code, out, err, rss = run(
        [host, "play", str(path), "--output", "null", "--unpaced", "--quiet",
         "--annotations", "none", "--stats-json", str(stats), *args],
        tmpdir,
    )
    verdict = verdict_of(status, code, err, rss, path)
    if verdict:
        return verdict
    played = [s["samples"] for s in json.loads(stats.read_text())["streams"]]
    if sorted(played) != sorted(lengths):
        return "wrong"
    if lsl:
        status, code, out, err, rss = run(
            # The first 3 s (some fixtures last 40 s: paced, they would pass the limit).
            [host, "play", str(path), "--quiet", "--annotations", "none", "--to", "3",
             "--name", f"mutant-{os.getpid()}-{path.stem}", *args],
            tmpdir,
        )
        # A clean refusal here is the crop's (a stream that starts after 3 s): what this
        # replay looks for is a crash, a hang, memory, or an unclear error.
        verdict = verdict_of(status, code, err, rss, path)
        if verdict and verdict != "clean":
            return verdict
    return "accepted"


def clean_or_unclear(err: str, path: Path) -> str:
    """A clean error is an `error:` line naming the file, or a file of its set (a
    BrainVision header's marker or data file, a FIF file's next part): one line, or one
    per stream that failed while playing."""
    lines = [l for l in err.strip().splitlines() if l.startswith("error:")]
    return "clean" if lines and all(path.stem in l for l in lines) else "unclear"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-reader", type=int, default=300, help="mutants per reader")
    parser.add_argument("--seed", type=int, default=1, help="random seed (deterministic)")
    parser.add_argument("--readers", default="wav,edf,fif,xdf,csv,eeglab,gdf",
                        help="comma-separated reader ids (brainvision needs --plugin-dir)")
    parser.add_argument("--host", default=os.environ.get("PLAYER_HOST", str(REPO / "target/release/player-host")))
    parser.add_argument("--plugin-dir", action="append", default=[], help="passed to player-host")
    parser.add_argument("--keep", type=Path, help="copy every non-clean, non-accepted mutant here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--lsl-sample", type=int, default=5,
                        help="per reader, also play this many mutants paced over LSL outlets")
    args = parser.parse_args()

    readers = args.readers.split(",")
    unknown = [r for r in readers if r not in READERS]
    if unknown:
        print(f"unknown reader(s) {', '.join(unknown)} (known: {', '.join(READERS)})", file=sys.stderr)
        return 2
    extra = [a for d in args.plugin_dir for a in ("--plugin-dir", d)]
    table: dict[str, Counter] = {}
    bad: list[str] = []
    with tempfile.TemporaryDirectory(prefix="player-fuzz-") as tmp:
        tmpdir = Path(tmp)
        for reader in readers:
            fmt = READERS[reader]
            files = fmt.fixtures()
            if not files:
                print(f"no fixtures for reader {reader!r}", file=sys.stderr)
                return 2
            rng = random.Random(f"{args.seed}-{reader}")
            counts = table.setdefault(reader, Counter())
            for i in range(args.per_reader):
                src = files[i % len(files)]
                what, mutant = fmt.mutant(src, rng, tmpdir, i)
                data = mutant.read_bytes()
                lsl = i < args.lsl_sample
                verdict = classify(args.host, reader, mutant, extra, tmpdir, lsl)
                counts[verdict] += 1
                if verdict not in ("clean", "accepted"):
                    bad.append(f"{reader}: {src.name} {what}: {verdict}")
                    if args.keep:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        (args.keep / f"{reader}-{i}-{verdict}{src.suffix}").write_bytes(data)
                mutant.unlink()
    print_table(table, args.markdown)
    for line in bad[:50]:
        print(line, file=sys.stderr)
    failures = sum(c[k] for c in table.values() for k in CATEGORIES[2:])
    return 1 if failures else 0


def print_table(table: dict[str, Counter], markdown: bool) -> None:
    head = ["reader", "mutants", *CATEGORIES]
    rows = [[r, str(sum(c.values())), *(str(c[k]) for k in CATEGORIES)] for r, c in table.items()]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print("  ".join(f"{h:>9}" for h in head))
        for row in rows:
            print("  ".join(f"{x:>9}" for x in row))


if __name__ == "__main__":
    sys.exit(main())
