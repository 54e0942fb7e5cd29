"""XDF end to end: every stream of a LabRecorder-style file republished as it was
recorded (name, type, format, desc), on one timeline with the relative times pyxdf gives
(the truth files beside the fixture were written by pyxdf), markers with their strings."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pylsl

from conftest import FIXTURES, desc_channels, play, player_host, unique

SESSION = FIXTURES / "xdf" / "session.xdf"
LSL_FORMATS = {"float32": pylsl.cf_float32, "int16": pylsl.cf_int16, "string": pylsl.cf_string}


def truth():
    j = json.loads(SESSION.with_suffix(".truth.json").read_text())
    for s in j["streams"]:
        s["stamps"] = np.fromfile(SESSION.parent / s["stamps"], dtype="<f8")
        if s["format"] != "string":
            s["values"] = np.fromfile(SESSION.parent / s["values"], dtype="<f8").reshape(
                s["frames"], len(s["channels"])
            )
    return j["streams"]


def test_recorded_streams_keep_their_names_unless_prefixed():
    out = subprocess.run([player_host(), "validate", "/dev/stdin"], input=f"streams:\n  - file: {SESSION}\n",
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "3 streams: Markers, BioSemi, Accel" in out.stdout


def test_every_stream_on_one_timeline_with_its_format_desc_and_markers():
    streams = truth()
    prefix = unique("xdf")
    names = [f"{prefix}-{s['name']}" for s in streams]
    by_name = play(SESSION, prefix, "--chunk-size", "5", streams=names)
    received = [by_name[n] for n in names]
    # t0: the earliest stream's first sample is at relative time 0 in the truth.
    t0 = min(r.timestamps()[0] - s["stamps"][0] for r, s in zip(received, streams))
    for rec, s in zip(received, streams):
        info = rec.info
        assert info.type() == s["type"]
        assert info.nominal_srate() == s["rate"]
        assert info.channel_format() == LSL_FORMATS[s["format"]], s["name"]
        assert [c[0] for c in desc_channels(info)] == [c["label"] for c in s["channels"]]
        assert [c[2] for c in desc_channels(info)] == [c["unit"] for c in s["channels"]]
        stamps = rec.timestamps()
        assert len(stamps) == s["frames"], f"{s['name']}: every sample"
        # Relative timing between streams as pyxdf computes it (clock offsets applied).
        err_s = np.abs((stamps - t0) - s["stamps"]).max()
        assert err_s < 1e-6, f"{s['name']}: timestamps off by {err_s} s"
        if s["format"] == "string":
            assert [list(v) for v in rec.values()] == s["strings"]
        else:
            np.testing.assert_array_equal(rec.values(), s["values"])
