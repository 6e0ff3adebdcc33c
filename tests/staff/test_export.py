"""Do the Gradescope zip and the GitHub workflow hold what the services need, and no solutions?

tests/grader/test_layouts.py runs the zip exactly as Gradescope does (setup.sh, run_autograder)."""

import re
import stat
import zipfile

from grader.staff.export import github_workflow, gradescope_zip, report_from_json
from tests.conftest import ROOT


def test_the_gradescope_zip_has_executable_scripts_at_its_root_beside_the_grader_but_no_solutions(tmp_path):
    """Gradescope unzips into /autograder/source and runs setup.sh from the zip's root: is it there?"""
    names, _ = gradescope_zip(tmp_path / "autograder.zip")
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == sorted(names)
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(archive.getinfo(script).external_attr >> 16) == 0o755
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert "--format gradescope" in run and "--secret-file" in run and "--seed" not in run and "sandbox: " in run
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in run and 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in setup
    assert '"$SOURCE/constraints.txt"' in setup and "chmod -R go-rwx" in setup
    assert "grader/cli.py" in names and "constraints.txt" in names and "pyproject.toml" in names
    assert not any(name.startswith(("source/", "solutions", "tests")) for name in names)


def test_the_github_workflow_grades_once_and_reports_every_format(tmp_path):
    """Does the workflow run `grade all` once, then render the summary and JUnit from its JSON?"""
    github_workflow(tmp_path / "grade.yml", fail_under="60%")
    text = (tmp_path / "grade.yml").read_text()
    assert text.count("grade all ") == 1 and "--format json" in text and "--fail-under 60%" in text
    assert "grade export report grade-results.json --format markdown" in text
    assert "grade export report grade-results.json --format junit" in text
    assert "GITHUB_STEP_SUMMARY" in text and "bubblewrap" in text and "sandbox: " in text


def test_the_github_workflow_shows_each_check_caches_pip_and_stays_green_on_a_low_score(tmp_path):
    """Do the checks appear in the run (a JUnit reporter in the job summary, even after a failed step),
    is pip's cache kept between pushes, and does nothing but --fail-under fail the job?"""
    import yaml

    github_workflow(tmp_path / "grade.yml")
    workflow = yaml.safe_load((tmp_path / "grade.yml").read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    python = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip" and "constraints.txt" in python["with"]["cache-dependency-path"]
    reporter = next(step for step in steps if step.get("uses", "").startswith("mikepenz/action-junit-report"))
    assert reporter["if"] == "always()" and reporter["with"]["report_paths"] == "grade-results.xml"
    assert reporter["with"]["annotate_only"] is True and reporter["with"]["fail_on_failure"] is False
    assert workflow["permissions"] == {"contents": "read"}  # annotate_only needs no more
    grade = next(step for step in steps if step.get("name") == "Grade")["run"]
    assert "--fail-under" not in grade and "exit $code" in grade  # 0 whatever the score
    assert "practice run" in (tmp_path / "grade.yml").read_text()


def test_a_saved_json_report_renders_in_every_format(tmp_path):
    """Is one `grade all --format json` run enough to write the Markdown summary and the JUnit XML?"""
    from grader.grading import grade
    from grader.render import render

    report = grade(["exercise1", "exercise2"], submission=ROOT / "solutions")
    saved = tmp_path / "grade-results.json"
    saved.write_text(render(report, "json"))
    def untimed(text):  # the JSON keeps times to the millisecond
        return re.sub(r'time="[0-9.]+"', "", text)

    assert report_from_json(saved, "markdown") == render(report, "markdown")
    assert untimed(report_from_json(saved, "junit")) == untimed(render(report, "junit"))


def test_a_file_that_is_not_a_saved_report_is_one_clear_error(tmp_path):
    """Does `grade export report` on some other JSON say so in one line (a GraderError)?"""
    import pytest

    from grader.errors import GraderError

    (tmp_path / "notes.json").write_text("[1, 2]")
    with pytest.raises(GraderError, match="is not a report written by"):
        report_from_json(tmp_path / "notes.json", "markdown")
