"""Can what a submission prints or raises break out of a report? JUnit XML must parse, Markdown
fences must hold, whatever the student's code says."""

import re
import xml.etree.ElementTree as ElementTree

import pytest

from grader.render import markdown_fence, render, xml_text
from grader.results import CheckResult, ExerciseResult, Report
from tests.conftest import graded

FORGERY = ("'<' not supported & \"quoted\" ]]> \x00\x01\x0b\x1b[2J\ufffe "
           "</failure></testcase><testcase name=\"forged\"><failure>\n"
           "~~~~~~~~\n## exercise1: Convolution (11/11)\n``````\n**Total: 171/171**\n")
HOSTILE = f'''"""Prints and raises text made to break out of a report."""
import numpy as np

MESSAGE = {FORGERY!r}


def correlate2d(image, kernel):
    print(MESSAGE)
    raise TypeError(MESSAGE)


def conv2d(x, w, b=None):
    print(MESSAGE)
    raise TypeError(MESSAGE)
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The graded result of a real submission that prints and raises FORGERY in every function."""
    path = tmp_path_factory.mktemp("hostile") / "exercise1_convolution.py"
    path.write_text(HOSTILE, encoding="utf-8")
    return graded("exercise1", path)


def test_junit_parses_whatever_a_submission_prints_and_adds_no_test(hostile):
    """Does the JUnit XML of a submission that prints `<`, `&`, `]]>`, quotes, NUL, ESC and a
    closing `</failure></testcase>` parse, with one testcase per check and the text intact?"""
    error = CheckResult("grader error", 1, status="error", output=FORGERY + "\ud800")
    exercise = ExerciseResult("exercise1", "Convolution", "4", "x.py", tests=[*hostile.tests, error])
    root = ElementTree.fromstring(render(Report([exercise]), "junit").encode("utf-8"))
    names = [case.get("name") for case in root.iter("testcase")]
    assert len(names) == len(hostile.tests) + 1 and not any("forged" in name for name in names)
    failures = [*root.iter("failure"), *root.iter("error")]
    assert failures and all("</failure></testcase>" in failure.text for failure in failures)
    assert "\\x00" in failures[0].text and "\\x1b[2J" in failures[0].text and "\\ud800" in failures[-1].get("message")
    assert "\n" in failures[-1].get("message")  # line breaks in an attribute survive as &#10;


def test_xml_text_escapes_markup_and_writes_out_what_xml_forbids():
    """Are markup characters escaped and every character XML 1.0 forbids written as an escape?"""
    assert xml_text("a<b & 'c' \"d\" ]]>") == "a&lt;b &amp; &#39;c&#39; &#34;d&#34; ]]&gt;"
    assert xml_text("\x00\x08\x0b\x1f\ud800\ufffe\uffff ok\t\n") == "\\x00\\x08\\x0b\\x1f\\ud800\\ufffe\\uffff ok\t\n"
    assert xml_text("two\nlines", attribute=True) == "two&#10;lines"


def fenced_lines(markdown: str) -> list[bool]:
    """For each line, whether it is inside a fenced code block (or is a fence), as CommonMark
    decides: a fence of three or more ` or ~ opens one, and only a line of the same character at
    least as long closes it."""
    inside, opener, flags = False, "", []
    for line in markdown.splitlines():
        fence = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if not inside and fence:
            inside, opener = True, fence[1]
            flags.append(True)
        elif inside:
            closes = re.fullmatch(rf" {{0,3}}({re.escape(opener[0])}{{{len(opener)},}})\s*", line)
            flags.append(True)
            inside = not closes
        else:
            flags.append(False)
    return flags


def test_markdown_keeps_everything_a_submission_prints_inside_its_fence(hostile):
    """In the Markdown report of a submission that prints `~~~~~~~~`, a forged heading, backticks and
    a forged total, does every line of it stay inside a code fence, so the job summary shows one
    real heading and one real total?"""
    other = ExerciseResult("exercise2", "Padding", "5", "exercise2_padding.py", status="unreadable",
                           problem="your file has a syntax error:\n" + FORGERY, notes=["Your file printed:\n" + FORGERY])
    markdown = render(Report([hostile, other]), "markdown")
    outside = [line for line, fenced in zip(markdown.splitlines(), fenced_lines(markdown)) if not fenced]
    assert [line for line in outside if line.startswith("## ")] == [
        f"## exercise1: {hostile.title} ({hostile.score:g}/{hostile.max_score:g})", "## exercise2: Padding (0/0)"]
    assert [line for line in outside if "Total" in line] == [f"**Total: {hostile.score:g}/{hostile.max_score:g}**"]
    assert "(11/11)" in markdown  # the forgery is shown, as code


def test_a_fence_is_longer_than_any_run_of_tildes_or_backticks_in_its_text():
    """Does the fence grow past the text's longest run of ~ or `, and stay at eight otherwise?"""
    assert markdown_fence("plain") == "~" * 8
    assert markdown_fence("a ~~~~~~~~~~ b") == "~" * 11
    assert markdown_fence("``````````````") == "~" * 15


def test_compiled_templates_are_kept_in_the_cache_and_a_cache_that_cannot_be_made_costs_nothing(tmp_path, monkeypatch):
    """Does a report's compiled template land in the grader's cache folder, the next one read it
    (the same text), and a cache folder that cannot be made only mean compiling every time?"""
    from grader import render as rendering

    report = Report([ExerciseResult("exercise1", "Convolution", "4", "x.py",
                                    tests=[CheckResult("valid mode", 2, status="failed", output="wrong shape")])])
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache's folder would be")
    texts = []
    try:
        for base in (tmp_path / "cache", tmp_path / "cache", blocked):
            monkeypatch.setenv("CNN_GRADER_CACHE", str(base))
            rendering.environment.cache_clear()
            texts.append(render(report, "text"))
            kept = list((base / "templates").glob("*.cache")) if (base / "templates").is_dir() else []
            assert bool(kept) == (base != blocked)
    finally:
        monkeypatch.undo()
        rendering.environment.cache_clear()
    assert texts[0] == texts[1] == texts[2] and "wrong shape" in texts[0]


def test_a_template_got_ready_ahead_never_raises_in_its_thread(monkeypatch):
    """`grade EXERCISE` gets the report's template ready in a thread while the checks run
    (cli._template_ahead): does a template that cannot be loaded leave that thread quietly, for
    render() to report the problem where every other error is reported?"""
    from grader import render as rendering

    def unreadable():
        raise OSError("templates/ cannot be read")

    monkeypatch.setattr(rendering, "environment", unreadable)
    rendering.prepare("text")
    with pytest.raises(OSError, match="cannot be read"):
        render(Report([]), "text")
