"""Shared helpers: grading a real submission file once per test session."""

import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"


@functools.cache
def graded(exercise: str, path: Path, seed: int = 0):
    """The ExerciseResult of grading `path` (a real file) through the real worker and sandbox."""
    from grader.grading import grade

    return grade([exercise], submission=path, seed=seed).exercises[0]


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
