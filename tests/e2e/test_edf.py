"""EDF end to end: a multi-rate EDF+ file replayed as one stream per rate plus markers,
received by pylsl, compared with pyedflib reading the file."""

from __future__ import annotations

import numpy as np
import pyedflib

from conftest import FIXTURES, assert_never_early, assert_regular_stamps, desc_channels, play, unique

MULTIRATE = FIXTURES / "edf" / "multirate.edf"


def test_multirate_edf_plus_streams_share_t0_with_markers():
    with pyedflib.EdfReader(str(MULTIRATE)) as f:
        labels = f.getSignalLabels()
        rates = [f.getSampleFrequency(i) for i in range(f.signals_in_file)]
        signals = [f.readSignal(i) for i in range(f.signals_in_file)]
        dims = [f.getPhysicalDimension(i) for i in range(f.signals_in_file)]
        onsets, _, texts = f.readAnnotations()
    by_rate: dict[float, list[int]] = {}
    for i, r in enumerate(rates):
        by_rate.setdefault(r, []).append(i)
    assert len(by_rate) == 3, "the fixture has three rates"

    name = unique("edf-e2e")
    streams = {r: f"{name}-{r:g}Hz" for r in by_rate}
    received = play(MULTIRATE, name, "--chunk-size", "4",
                    streams=[*streams.values(), f"{name}-markers"])

    firsts = []
    for rate, idx in by_rate.items():
        rec = received[streams[rate]]
        assert rec.info.nominal_srate() == rate
        assert [c[0] for c in desc_channels(rec.info)] == [labels[i] for i in idx]
        want = np.column_stack([signals[i] for i in idx])
        # pyedflib gives values in the file's unit; we publish volts for uV.
        scale = [1e-6 if dims[i] == "uV" else 1.0 for i in idx]
        got = rec.values()
        assert got.shape == want.shape, f"{streams[rate]}: every sample"
        np.testing.assert_allclose(got, (want * scale).astype(np.float32), rtol=1e-6, atol=0)
        stamps = rec.timestamps()
        assert_regular_stamps(stamps, rate)
        assert_never_early(rec)
        firsts.append(stamps[0])
    # One clock: every stream's first sample carries the same t0.
    assert max(firsts) - min(firsts) < 1e-9

    markers = received[f"{name}-markers"]
    got = sorted(zip(markers.timestamps(), markers.values()[:, 0]))
    want = sorted((firsts[0] + o, t) for o, t in zip(onsets, texts))
    assert len(got) == len(want) > 0
    for (gt, gd), (wt, wd) in zip(got, want):
        assert gd == wd
        assert abs(gt - wt) < 1e-6
