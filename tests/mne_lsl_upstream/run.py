"""Run MNE-LSL's own player tests against ``player_host.PlayerLSL``.

    python tests/mne_lsl_upstream/run.py [--source PATH] [--ref REF] [-- PYTEST ARGS]

The honest measure of "PlayerLSL is a drop-in": MNE-LSL's ``tests/player/
test_player_lsl.py`` with its import of ``PlayerLSL`` swapped to ``player_host`` and
nothing else changed. MNE-LSL's code is never committed here; this runner takes it from
a source checkout given at run time:

``--source PATH`` or ``MNE_LSL_SOURCE``
    an MNE-LSL source tree (a clone, or ``git archive`` of a tag), or a git repository
    of it (bare or not: the files are read at ``--ref`` / ``MNE_LSL_REF``, by default
    the pinned tag ``1.14.0``); else ``shared/reference/mne-lsl`` beside the checkout
    (``../shared`` or ``../../shared``).

It copies the test file and the upstream ``tests/conftest.py`` (the fixtures) into a
temporary tree, swaps every ``from mne_lsl.player import PlayerLSL`` for ``from
player_host import PlayerLSL`` (the top import and the one inside the
``mock_lsl_stream`` fixture), replaces the dataset the fixtures download by a local
stand-in (``player_conftest.py``, ``substitute.py``), runs pytest, and reports each test:
PASS, FAIL, SKIP (counted as a failure: a test that did not run did not pass) or
EXCLUDED with the private attribute of MNE-LSL's player that it reads.

Then it runs MNE-LSL's tutorials and examples that use ``PlayerLSL`` and download no
dataset (``tutorials/20_player_annotations.py`` at 1.14.0), with the same import swap,
``python -W error`` and matplotlib's ``Agg`` backend: PASS when they run to their end
without a warning. Those that need MNE-LSL's downloaded datasets are listed as such (the
one on running the player in a separate process has a test of ours on a local stand-in:
tests/python/test_mne_lsl_tutorial.py).

``--tutorials-from-pypi`` runs only the tutorials and examples, taken from MNE-LSL's
source distribution on PyPI (the pinned release, checked by its SHA-256): that archive
holds them but not the tests, and a package index is all CI can reach.

``--reference`` runs the same tree with MNE-LSL's own player (no swap, no exclusion):
a check of the stand-in dataset, which MNE-LSL's player must pass as it passes with the
downloaded one.

Exit status: 0 when every test that is not excluded passed; 1 otherwise (or when the
upstream file changed so that an exclusion no longer holds); 77 when no MNE-LSL source
is available (the reason is printed: this is a skip, never a pass).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: The MNE-LSL release these tests are pinned to, and its commit.
PINNED_REF = "1.14.0"
PINNED_COMMIT = "0a6e292bd5378b94613359d6007056bb549de14b"
#: MNE-LSL's source distribution on PyPI at the pinned release, and its SHA-256.
PINNED_SDIST = "mne_lsl-1.14.0.tar.gz"
PINNED_SDIST_SHA256 = "e2ef6a6ee9556a1f93d7e6be52e625cc27e44d06a42a711e6516e18a80d0162b"
#: SHA-256 of ``tests/player/test_player_lsl.py`` at the pinned release.
PINNED_SHA256 = "0c16c6d79ae2ea4ecd36ae1734215c6ea0bff81dfecc2156478cbb6e386fb9a2"
TEST_FILE = "tests/player/test_player_lsl.py"
CONFTEST = "tests/conftest.py"
#: Exit status when no MNE-LSL source is available (automake's "skipped").
SKIPPED = 77

#: Tests that read private attributes of MNE-LSL's player (not part of its API), with
#: the attribute: each must still read it in the upstream file (checked at run time).
EXCLUDED: Dict[str, Tuple[str, str]] = {
    "test_player_rename_channels": (
        "player._sinfo",
        "reads player._sinfo, MNE-LSL's private StreamInfo of the outlet",
    ),
    "test_player_set_channel_types": (
        "player._sinfo",
        "reads player._sinfo, MNE-LSL's private StreamInfo of the outlet",
    ),
    "test_player_n_repeat": (
        "player._executor",
        "reads player._executor, MNE-LSL's private thread pool",
    ),
    "test_player_n_repeat_mmapped": (
        "player._n_repeated",
        "reads player._start_idx and player._n_repeated, MNE-LSL's private position",
    ),
}

IMPORT = re.compile(r"^(\s*)from mne_lsl\.player import PlayerLSL\b", re.MULTILINE)


class Unavailable(Exception):
    """No MNE-LSL source to take the tests from."""


def candidates(given: Optional[str]) -> List[Path]:
    if given:
        return [Path(given)]
    env = os.environ.get("MNE_LSL_SOURCE")
    if env:
        return [Path(env)]
    return [REPO.parent / "shared" / "reference" / "mne-lsl",
            REPO.parent.parent / "shared" / "reference" / "mne-lsl"]


def read_sources(given: Optional[str], ref: str) -> Tuple[str, str, str]:
    """(test file, conftest, where they came from)."""
    for path in candidates(given):
        if (path / TEST_FILE).is_file() and (path / CONFTEST).is_file():
            return ((path / TEST_FILE).read_text(), (path / CONFTEST).read_text(),
                    f"source tree {path}")
        if path.exists() and is_git(path):
            try:
                return (git_show(path, ref, TEST_FILE), git_show(path, ref, CONFTEST),
                        f"git repository {path} at {ref}")
            except subprocess.CalledProcessError as e:
                raise Unavailable(f"{path}: cannot read {ref}: {e.stderr.strip()}") from e
    tried = ", ".join(str(p) for p in candidates(given))
    raise Unavailable(
        f"no MNE-LSL source found (tried {tried}); give one with --source PATH or "
        f"MNE_LSL_SOURCE=PATH (a source tree or a git clone of mne-tools/mne-lsl, tag "
        f"{PINNED_REF})"
    )


def read_scripts(given: Optional[str], ref: str) -> Dict[str, str]:
    """MNE-LSL's tutorials and examples (``tutorials/*.py``, ``examples/*.py``), by path."""
    for path in candidates(given):
        if (path / TEST_FILE).is_file():
            return {str(f.relative_to(path)): f.read_text()
                    for d in ("tutorials", "examples") for f in sorted((path / d).glob("*.py"))}
        if path.exists() and is_git(path):
            listed = subprocess.run(
                ["git", "-C", str(path), "ls-tree", "--name-only", ref, "tutorials/",
                 "examples/"], capture_output=True, text=True, check=True).stdout.split()
            return {f: git_show(path, ref, f) for f in listed if f.endswith(".py")}
    return {}


def sdist_scripts() -> Dict[str, str]:
    """The tutorials and examples of MNE-LSL's pinned source distribution on PyPI (the
    index of ``PIP_INDEX_URL``, else pypi.org), by path; raises ``Unavailable``."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    try:
        with urllib.request.urlopen(f"{index}/mne-lsl/", timeout=60) as page:
            links = re.findall(r'href="([^"]+)"', page.read().decode())
        url = next(urllib.parse.urljoin(f"{index}/mne-lsl/", link) for link in links
                   if link.split("#")[0].endswith("/" + PINNED_SDIST))
        with urllib.request.urlopen(url, timeout=120) as archive:
            data = archive.read()
    except (OSError, StopIteration) as e:
        raise Unavailable(f"{PINNED_SDIST} from {index}: {e or 'not listed'}") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != PINNED_SDIST_SHA256:
        raise Unavailable(f"{PINNED_SDIST}: sha256 {digest}, not the pinned one")
    scripts = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if (member.isfile() and len(parts) == 3 and parts[1] in ("tutorials", "examples")
                    and parts[2].endswith(".py")):
                extracted = tar.extractfile(member)
                if extracted is not None:
                    scripts["/".join(parts[1:])] = extracted.read().decode()
    return dict(sorted(scripts.items()))


def run_tutorials_from_pypi() -> int:
    """Runs the pinned release's tutorials and examples that use PlayerLSL (import
    swapped); 0 when each ran to its end without a warning."""
    try:
        scripts = sdist_scripts()
    except Unavailable as e:
        print(f"error: MNE-LSL's tutorials cannot be fetched: {e}", file=sys.stderr)
        return 1
    lines, failed = run_scripts(scripts, reference=False)
    print(f"MNE-LSL's tutorials and examples that use PlayerLSL ({PINNED_SDIST} from PyPI), "
          "against player_host.PlayerLSL (python -W error):")
    print("\n".join(lines) or "  (none found)")
    ran = [line for line in lines if "PASS" in line or "FAIL" in line]
    return 0 if ran and not failed else 1


def run_scripts(scripts: Dict[str, str], reference: bool) -> Tuple[List[str], List[str]]:
    """Runs each script that uses PlayerLSL and downloads nothing; (report lines, failed)."""
    lines, failed = [], []
    for path, text in scripts.items():
        if not IMPORT.search(text):
            continue
        if "data_path()" in text:
            lines.append(f"  NEEDS-DATA {path}: reads MNE-LSL's downloaded dataset")
            continue
        script = text if reference else swap_imports(text)[0]
        with tempfile.TemporaryDirectory(prefix="mne-lsl-tutorial-") as tmp:
            file = Path(tmp) / Path(path).name
            file.write_text(script)
            env = dict(os.environ, MPLBACKEND="Agg")
            try:
                done = subprocess.run([sys.executable, "-W", "error", str(file)], cwd=tmp,
                                      env=env, capture_output=True, text=True, timeout=600)
                ok, detail = done.returncode == 0, (done.stderr.strip().splitlines() or [""])[-1]
            except subprocess.TimeoutExpired:
                ok, detail = False, "did not end within 600 s"
        lines.append(f"  {'PASS' if ok else 'FAIL':8}  {path}" + ("" if ok else f": {detail}"))
        if not ok:
            failed.append(path)
    return lines, failed


def is_git(path: Path) -> bool:
    done = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"],
                          capture_output=True, text=True)
    return done.returncode == 0


def git_show(path: Path, ref: str, file: str) -> str:
    return subprocess.run(["git", "-C", str(path), "show", f"{ref}:{file}"],
                          capture_output=True, text=True, check=True).stdout


def swap_imports(test: str) -> Tuple[str, int]:
    """The test file with every import of MNE-LSL's PlayerLSL taken from player_host."""
    return IMPORT.subn(r"\1from player_host import PlayerLSL", test)


def test_sources(test: str) -> Dict[str, str]:
    """Each test function's source text, by name."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^def (test_\w+)\(", test, re.M)]
    ends = [s for s, _ in starts[1:]] + [len(test)]
    return {name: test[s:e] for (s, name), e in zip(starts, ends)}


def check_exclusions(test: str) -> List[str]:
    """Problems with the exclusion list against this test file."""
    sources = test_sources(test)
    problems = []
    for name, (attribute, _) in EXCLUDED.items():
        if name not in sources:
            problems.append(f"{name}: excluded but not in the upstream file")
        elif attribute not in sources[name]:
            problems.append(f"{name}: excluded for {attribute}, which it no longer reads")
    return problems


def build_tree(root: Path, test: str, conftest: str) -> None:
    player = root / "tests" / "player"
    player.mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (player / "__init__.py").write_text("")
    (root / "tests" / "conftest.py").write_text(conftest)
    (player / "test_player_lsl.py").write_text(test)
    shutil.copy(HERE / "player_conftest.py", player / "conftest.py")
    (root / "pytest.ini").write_text("[pytest]\njunit_family = xunit2\n")


def results(junit: Path) -> Dict[str, Tuple[str, str]]:
    """Outcome and detail of each test that ran, by name (parametrized ones apart)."""
    out: Dict[str, Tuple[str, str]] = {}
    if not junit.exists():
        return out
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "?")
        outcome, detail = "PASS", ""
        for tag, label in (("failure", "FAIL"), ("error", "FAIL"), ("skipped", "SKIP")):
            node = case.find(tag)
            if node is not None:
                outcome = label
                detail = (node.get("message") or "").splitlines()[0][:160] if node.get(
                    "message") else tag
                break
        if out.get(name, ("PASS", ""))[0] == "PASS":
            out[name] = (outcome, detail)
    return out


def run(
    source: Optional[str],
    ref: str,
    pytest_args: Sequence[str],
    keep: bool,
    reference: bool = False,
) -> int:
    try:
        test, conftest, origin = read_sources(source, ref)
    except Unavailable as e:
        print(f"SKIPPED: MNE-LSL's player tests cannot run: {e}", file=sys.stderr)
        return SKIPPED
    digest = hashlib.sha256(test.encode()).hexdigest()
    pinned = digest == PINNED_SHA256
    print(f"MNE-LSL player tests from {origin}"
          + ("" if pinned else f" (NOT the pinned {PINNED_REF} file: sha256 {digest})"))
    problems = check_exclusions(test)
    excluded = {} if reference else EXCLUDED
    if reference:
        swapped = test
        print("reference run: MNE-LSL's own PlayerLSL, every test")
    else:
        swapped, count = swap_imports(test)
        if count == 0:
            problems.append("no `from mne_lsl.player import PlayerLSL` to swap")
        print(f"swapped {count} import(s) of PlayerLSL to player_host")
    tmp = Path(tempfile.mkdtemp(prefix="mne-lsl-upstream-"))
    try:
        build_tree(tmp, swapped, conftest)
        junit = tmp / "junit.xml"
        env = dict(os.environ)
        env.pop("GITHUB_ACTIONS", None)  # two tests skip themselves on GitHub's CI
        env["PYTHONPATH"] = os.pathsep.join(
            [str(HERE), *filter(None, [env.get("PYTHONPATH")])])
        env["PLAYER_UPSTREAM_EXCLUDE"] = ",".join(excluded)  # see player_conftest.py
        cmd = [sys.executable, "-m", "pytest", "tests/player/test_player_lsl.py",
               "-p", "no:cacheprovider", "-rA", "-v", "--tb=short", f"--junit-xml={junit}",
               *pytest_args]
        status = subprocess.run(cmd, cwd=tmp, env=env, timeout=1800).returncode
        outcomes = results(junit)
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    names = list(test_sources(test))
    who = "MNE-LSL's own PlayerLSL" if reference else "player_host.PlayerLSL"
    print(f"\nMNE-LSL's player tests against {who}:")
    failed = []
    for name in names:
        if name in excluded:
            print(f"  EXCLUDED  {name}: {excluded[name][1]}")
            continue
        outcome, detail = outcomes.get(name, ("FAIL", "did not run"))
        print(f"  {outcome:8}  {name}" + (f": {detail}" if detail else ""))
        if outcome != "PASS":
            failed.append(name)
    passed = len(names) - len(excluded) - len(failed)
    print(f"\n{passed} passed, {len(failed)} failed, {len(excluded)} excluded "
          f"(of {len(names)}); pytest exited with {status}")
    script_lines, script_failures = run_scripts(read_scripts(source, ref), reference)
    print(f"\nMNE-LSL's tutorials and examples that use PlayerLSL, against {who} "
          "(python -W error):")
    print("\n".join(script_lines) or "  (none found)")
    failed += script_failures
    for p in problems:
        print(f"problem: {p}")
    return 0 if not failed and not problems and status in (0, 5) else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", help="MNE-LSL source tree or git repository")
    ap.add_argument("--ref", default=os.environ.get("MNE_LSL_REF", PINNED_REF),
                    help=f"the git ref to read from a repository (default {PINNED_REF})")
    ap.add_argument("--keep", action="store_true", help="keep the temporary test tree")
    ap.add_argument("--reference", action="store_true",
                    help="run MNE-LSL's own player instead (checks the stand-in data)")
    ap.add_argument("--tutorials-from-pypi", action="store_true",
                    help="run only the tutorials and examples, from the pinned release's "
                         "source distribution on PyPI")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    if args.tutorials_from_pypi:
        return run_tutorials_from_pypi()
    return run(args.source, args.ref, args.pytest_args, args.keep, args.reference)


if __name__ == "__main__":
    sys.exit(main())
