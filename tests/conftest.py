"""Shared helpers: grading a real submission file once per test session; what is built once per run;
the run's scratch folder; and the guard that fails a run which wrote into the source tree."""

import fcntl
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
SCRATCH = "CNN_GRADER_TEST_SCRATCH"  # the environment variable naming the run's scratch folder


def pytest_configure(config):
    """On the controller, before any xdist worker starts (they inherit its environment): a scratch
    folder for the whole run that every user may pass through (the installs of tests/layouts.py run
    as other users; pytest's own temporary folders are private), removed when the run ends; and
    Hypothesis's storage (the example database of tests/reference/, the constants it caches) in it
    rather than in .hypothesis/ of the working folder, for this process and every command it starts."""
    if hasattr(config, "workerinput"):
        return
    os.environ.pop(SCRATCH, None)  # a run started by a test makes its own
    scratch = run_scratch()
    config.add_cleanup(functools.partial(shutil.rmtree, scratch, ignore_errors=True))
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(scratch / "hypothesis")
    config.stash[_SOURCE_TREE] = _untracked_files()


def run_scratch() -> Path:
    """The run's scratch folder (see pytest_configure), made on first use."""
    if SCRATCH not in os.environ:
        folder = tempfile.mkdtemp(prefix="cnn-grader-tests-")
        os.chmod(folder, 0o755)
        os.environ[SCRATCH] = folder
    return Path(os.environ[SCRATCH])


@pytest.fixture(scope="session", autouse=True)
def draws_cache(tmp_path_factory):
    """Practice runs keep their draws in a folder of the test session's, never the user's cache
    (grader/draws.py); the commands the tests start inherit it."""
    os.environ.setdefault("CNN_GRADER_CACHE", str(tmp_path_factory.mktemp("draws-cache")))


@functools.cache
def graded(exercise: str, path: Path, seed: int = 0):
    """The ExerciseResult of grading `path` (a real file) through the real worker and sandbox, as
    `grade EXERCISE` does (with the machine's cores: a large model's worker computes with two threads)."""
    from grader.grading import free_cores, grade

    return grade([exercise], submission=path, seed=seed, cores=free_cores()).exercises[0]


def run_folder(factory) -> Path:
    """pytest's temporary folder of this run, which every xdist worker of the run shares (each worker's
    own is a folder inside it); kept after the run, like every pytest temporary folder."""
    root = factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def built_once(root: Path, name: str, build) -> Path:
    """`build(root / name)` done once per test run, by whichever process asks first (the others wait
    for it); `root` is a folder the run's processes share (run_folder, run_scratch). A build that
    fails leaves nothing behind, for the next one to start afresh."""
    folder, done = root / name, root / f"{name}.built"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            try:
                build(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            done.touch()
    return folder


# --- Nothing written into the source tree --------------------------------------------------------------

_SOURCE_TREE = pytest.StashKey[dict]()
_WRITTEN = pytest.StashKey[list]()
# What a run may leave in the checkout: the virtual environment and what `pip install -e .` writes, pytest's
# cache, and the bytecode Python caches beside the modules it imports; but not beside the files of
# tests/submissions/, which are data (the grader must never write next to a student's file).
_MAY_CHANGE = (".venv", ".pytest_cache", "*.egg-info")


def _untracked_files() -> dict[str, int]:
    """Every file git shows as untracked or ignored, with its modification time (a file rewritten in place
    counts too); empty outside a git checkout. Tracked files are left out: a person may edit them while
    the tests run, and git diff shows what changed."""
    try:
        listed = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all",
                                 "--", ".", *(f":(exclude,glob){path}/**" for path in _MAY_CHANGE)],
                                cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    files = {}
    for entry in listed.split("\0"):
        status, path = entry[:2], entry[3:]
        if status not in ("??", "!!") or ("__pycache__/" in path and not path.startswith("tests/submissions/")):
            continue
        try:
            files[path] = (ROOT / path).lstat().st_mtime_ns
        except FileNotFoundError:  # gone already
            pass
    return files


def pytest_sessionfinish(session):
    """On the controller, once every worker is done: fail the run if a test wrote into the checkout."""
    before = session.config.stash.get(_SOURCE_TREE, None)
    if before is None:
        return
    written = sorted(path for path, mtime in _untracked_files().items() if before.get(path) != mtime)
    if written:
        session.config.stash[_WRITTEN] = written
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    written = config.stash.get(_WRITTEN, [])
    if written:
        terminalreporter.section("tests wrote into the source tree", red=True)
        terminalreporter.line(f"These files appeared or changed in {ROOT}; write under tmp_path or tmp_path_factory "
                              "instead:")
        for path in written[:50]:
            terminalreporter.line(f"  {path}")


@pytest.fixture(scope="session")
def student_kit(tmp_path_factory) -> Path:
    """The student kit `grade release` writes from this repository, once per test run. Read it only:
    a test that installs or runs it copies it first."""
    from grader.instructor.release import write_release

    return built_once(run_folder(tmp_path_factory), "student-kit", lambda folder: write_release(out=folder, root=ROOT))


@pytest.fixture
def grade_file():
    return graded


def by_name(result) -> dict:
    return {test.name: test for test in result.tests}


# --- Headless Chromium, for tests that look at the HTML a person sees -------------------------------

SCREENSHOTS = Path("screenshots")  # set for the run by screenshot_folder


@pytest.fixture(scope="session", autouse=True)
def screenshot_folder(tmp_path_factory):
    """browse() saves its screenshots in screenshots/ of pytest's temporary folder of the run (pytest
    keeps the last three runs' folders: /tmp/pytest-of-<user>/pytest-<N>/screenshots), never in
    the checkout."""
    global SCREENSHOTS
    SCREENSHOTS = run_folder(tmp_path_factory) / "screenshots"


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
    <screenshots>-<width>.png in SCREENSHOTS."""
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
