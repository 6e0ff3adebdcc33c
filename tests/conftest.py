"""Shared helpers: grading a real submission file once per test session; what is built once per run."""

import fcntl
import functools
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"


@pytest.fixture(scope="session", autouse=True)
def draws_cache(tmp_path_factory):
    """Practice runs keep their draws in a folder of the test session's, never the user's cache
    (grader/draws.py); the commands the tests start inherit it."""
    os.environ.setdefault("CNN_GRADER_CACHE", str(tmp_path_factory.mktemp("draws-cache")))


@functools.cache
def graded(exercise: str, path: Path, seed: int = 0):
    """The ExerciseResult of grading `path` (a real file) through the real worker and sandbox."""
    from grader.grading import grade

    return grade([exercise], submission=path, seed=seed).exercises[0]


def built_once(factory, name: str, build) -> Path:
    """`build(folder)` done once per test run, by whichever process asks first (the others wait for it),
    in pytest's temporary folder of the run, which every xdist worker of the run shares."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, done = root / name, root / f"{name}.built"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def student_kit(tmp_path_factory) -> Path:
    """The student kit `grade release` writes from this repository, once per test run. Read it only:
    a test that installs or runs it copies it first."""
    from grader.instructor.release import write_release

    return built_once(tmp_path_factory, "student-kit", lambda folder: write_release(out=folder, root=ROOT))


@pytest.fixture
def grade_file():
    return graded


def by_name(result) -> dict:
    return {test.name: test for test in result.tests}


# --- Headless Chromium, for tests that look at the HTML a person sees -------------------------------

SCREENSHOTS = ROOT / "build" / "screenshots"  # the test artifacts (git ignores build/)
_CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars")


def chromium() -> str:
    """The Chromium binary, or skip the test and say why (.ci/run installs Debian's chromium)."""
    import shutil

    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.skip("no Chromium here: apt-get install chromium (`.ci/run` does where apt is available)")
    return found


def browse(page, *, screenshots: str = "", widths=(1280, 390)) -> str:
    """The DOM Chromium builds from `page` (a file), after saving a screenshot per width as
    build/screenshots/<screenshots>-<width>.png."""
    import subprocess
    import tempfile

    binary = chromium()
    with tempfile.TemporaryDirectory() as profile:
        flags = [binary, *_CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        if screenshots:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for width in widths:
                subprocess.run([*flags, f"--window-size={width},2000",
                                f"--screenshot={SCREENSHOTS / f'{screenshots}-{width}.png'}", page.as_uri()],
                               capture_output=True, timeout=120, check=True)
        return subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                              timeout=120, check=True).stdout


def measure(page, expression: str, *, width: int):
    """What the JavaScript `expression` evaluates to (as JSON) in `page` laid out `width` pixels wide.

    Headless Chromium lays out its window at 500 pixels or more, so the page is shown in an iframe
    `width` pixels wide, from a copy that ends with a script writing the value into the outer
    page, which Chromium dumps. The page itself stays free of scripts."""
    import html
    import json
    import re
    import subprocess
    import tempfile

    binary = chromium()
    probe, outer = page.with_name(f".probe-{page.name}"), page.with_name(f".outer-{page.name}")
    script = (f"<script>parent.document.documentElement.setAttribute('data-measured', "
              f"JSON.stringify((function () {{ return {expression}; }})()));</script>")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    outer.write_text(f'<!DOCTYPE html><html><body style="margin: 0"><iframe src="{probe.name}" '
                     f'style="width: {width}px; height: 2000px; border: 0"></iframe></body></html>', encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            dom = subprocess.run([binary, *_CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--allow-file-access-from-files",
                                  "--window-size=1400,2000", "--dump-dom", outer.as_uri()],
                                 capture_output=True, text=True, timeout=120, check=True).stdout
    finally:
        probe.unlink()
        outer.unlink()
    found = re.search(r'data-measured="([^"]*)"', dom)
    assert found, f"the page at {width} px gave no measurement: {dom[:300]}"
    return json.loads(html.unescape(found[1]))
