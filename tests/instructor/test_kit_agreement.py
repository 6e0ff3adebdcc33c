"""Does the student kit, grading from its answer bank, judge every file as the course does?

Each exercise's solution, stub, known mistakes, accepted alternatives and forged files are
graded twice: by the course (its answer key, hypothesis at seed 0) and by a kit view (the bank
`grade release` records, no reference/, no keys). Every visible check must pass or fail alike,
and a known mistake's file must get its hint in the kit too. Where the two may differ, the
difference is listed here with the reason.
"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, graded
from tests.kit import kit_results

pytestmark = pytest.mark.xdist_group("kit")

PORTED = [module for module in catalog.module_names() if catalog.key_file(module).is_file()]

# (module, file stem) -> {check name: why the kit's verdict may differ from the course's}
KNOWN_DIFFERENCES: dict[tuple[str, str], dict[str, str]] = {}


def files_of(module: str) -> list:
    exercise = module.partition("_")[0]
    return [ROOT / "solutions" / f"{module}.py", ROOT / "exercises" / f"{module}.py",
            *sorted((SUBMISSIONS / exercise).glob("*.py")),
            *sorted((SUBMISSIONS / "accepted").glob(f"{exercise}_*.py")),
            *sorted((SUBMISSIONS / "forged").glob(f"{exercise}.py")),
            *sorted((SUBMISSIONS / "forged").glob(f"{exercise}_*.py"))]


@pytest.mark.parametrize("module", PORTED)
def test_the_kit_and_the_course_agree_on_every_check(module):
    """Does every visible check pass or fail alike in the kit and the course, for every file?"""
    files = files_of(module)
    exercise = catalog.load(module)
    disagreements = []
    for path, kit in zip(files, kit_results(module, files)):
        course = graded(exercise.id, path)
        expected = {test.name: test.status for test in course.tests if test.visibility == "visible"}
        found = {test["name"]: test["status"] for test in kit["tests"]}
        allowed = KNOWN_DIFFERENCES.get((module, path.stem), {})
        said = {test.name: test.output[:300] for test in course.tests if test.status == "error"}  # a grader error's why
        disagreements += [f"{path.name}: {name}: course {status}, kit {found.get(name)} {said.get(name, '')}".rstrip()
                          for name, status in expected.items() if found.get(name) != status and name not in allowed]
        hints = {mistake.hint for mistake in exercise.mistakes if mistake.id == path.stem}
        if hints and path.parent.name == exercise.id:
            kit_hints = [test.get("hint", "") for test in kit["tests"] if test["status"] == "failed"]
            if not any(hint in text for hint in hints for text in kit_hints):
                disagreements.append(f"{path.name}: the kit does not give this mistake's hint")
    assert not disagreements, "\n".join(disagreements)
