"""Do the Gradescope zip and the GitHub workflow hold what the services need, and no solutions?"""

import stat
import zipfile

from grader.staff.export import github_workflow, gradescope_zip


def test_the_gradescope_zip_has_executable_scripts_and_the_grader_but_no_solutions(tmp_path):
    names = gradescope_zip(tmp_path / "autograder.zip", seed=3)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == sorted(names)
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(archive.getinfo(script).external_attr >> 16) == 0o755
        run = archive.read("run_autograder").decode()
    assert "--format gradescope" in run and "--seed 3" in run
    assert "source/grader/cli.py" in names and "source/constraints.txt" in names
    assert not any(name.startswith(("source/solutions", "source/tests")) for name in names)


def test_the_github_workflow_grades_and_reports(tmp_path):
    github_workflow(tmp_path / "grade.yml", fail_under="60%")
    text = (tmp_path / "grade.yml").read_text()
    assert "grade all" in text and "--format junit" in text and "--fail-under 60%" in text
    assert "GITHUB_STEP_SUMMARY" in text and "bubblewrap" in text
