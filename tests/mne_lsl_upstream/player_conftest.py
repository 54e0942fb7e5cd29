"""Fixtures of ours for MNE-LSL's player tests (copied by run.py to
``tests/player/conftest.py`` beside them, so that they take precedence over the upstream
``tests/conftest.py`` fixtures of the same name).

``fname``: upstream's fixture downloads MNE-LSL's testing dataset and writes a modified
copy of ``sample-eeg-ant-raw.fif`` (sample numbers in its first channel, renamed
``Samples``, of type ``misc``). This one makes the same changes to the local stand-in of
that file (substitute.py) and writes it under the same name.

The tests that run.py excludes (named in ``PLAYER_UPSTREAM_EXCLUDE``, comma-separated) are
deselected here by exact name (pytest's ``--deselect`` matches prefixes:
``test_player_n_repeat`` would take ``test_player_n_repeat_invalid`` along).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import numpy as np
import pytest
from substitute import sample_eeg_ant_raw, save


@pytest.fixture(scope="session")
def fname(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A FIF file with the sample numbers in its first channel, ``Samples``."""
    raw = sample_eeg_ant_raw()
    first = raw.ch_names[0]
    raw.apply_function(lambda x: np.arange(x.size, dtype=np.float64), picks=[first])
    raw.rename_channels({first: "Samples"})
    raw.set_channel_types({"Samples": "misc"}, on_unit_change="ignore")
    return save(raw, tmp_path_factory.mktemp("data") / "sample-eeg-ant-raw.fif")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    excluded = set(filter(None, os.environ.get("PLAYER_UPSTREAM_EXCLUDE", "").split(",")))
    dropped = [item for item in items if item.name in excluded]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.name not in excluded]
