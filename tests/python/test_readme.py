"""What crates/player-py/README.md claims about the package and its measure holds: the
files it cites exist, and the MNE-LSL tests it lists as excluded are the runner's."""

from __future__ import annotations

import re
import sys

from conftest import REPO

import player_host

README = (REPO / "crates" / "player-py" / "README.md").read_text()
sys.path.insert(0, str(REPO / "tests" / "mne_lsl_upstream"))
import run as upstream  # noqa: E402


def test_every_cited_file_exists():
    upstream_file = "mne-lsl/tests/player/test_player_lsl.py"  # MNE-LSL's, not ours
    cited = {c for c in re.findall(r"`([\w./-]+\.(?:py|rs|ini|toml))`", README)
             if "/" in c and c != upstream_file}
    assert len(cited) >= 5
    package = REPO / "crates" / "player-py"
    missing = [c for c in cited if not (REPO / c).exists() and not (package / c).exists()]
    assert not missing, missing


def test_the_listed_exclusions_are_the_runners_with_their_attributes():
    listed = dict(re.findall(r"`(test_player_\w+)`[^`]*?\(`(player\._\w+)`", README))
    assert set(upstream.EXCLUDED) == set(re.findall(r"`(test_player_\w+)`", README))
    for name, attribute in listed.items():
        assert upstream.EXCLUDED[name][0] == attribute or attribute in upstream.EXCLUDED[name][1]
    total = 20  # tests in test_player_lsl.py at the pinned tag
    assert f"{total - len(upstream.EXCLUDED)} of {total - len(upstream.EXCLUDED)} pass" in README
    assert f"all {total} tests" in README


def test_the_names_it_documents_are_exported():
    for name in ("Player", "PlayerLSL", "PlayerWarning", "Summary", "StreamStats", "PlayStatus",
                 "ScenarioError", "StreamError", "PlayerError"):
        assert name in README and hasattr(player_host, name)
