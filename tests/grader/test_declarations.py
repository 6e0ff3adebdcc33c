"""Does an exercise declaration check itself when it is built, with a one-line error naming the fix?"""

import ast
from dataclasses import replace

import pytest

from grader import catalog
from grader.checks import satisfies_property
from grader.errors import DeclarationError
from grader.exercise import Mistake

EXERCISE = catalog.load("exercise3_stride")


def fails(match: str, **changes):
    with pytest.raises(DeclarationError, match=match) as raised:
        replace(EXERCISE, **changes)
    assert "\n" not in str(raised.value) and str(raised.value).startswith("exercise3: ")


def test_a_mistake_naming_a_function_the_exercise_lacks_suggests_the_right_one():
    typo = Mistake("off_by_one", "conv2d_stried", "a hint", reproduce=lambda *args: None)
    fails("mistake 'off_by_one' names conv2d_stried, which exercise3 does not define; did you mean conv2d_strided?",
          mistakes=(*EXERCISE.mistakes, typo))


def test_a_check_naming_a_function_the_exercise_lacks():
    check = satisfies_property("conv3d", lambda session, inputs: None, EXERCISE.checks[1].inputs, points=1,
                               name="conv3d: something", description="")
    fails("check 'conv3d: something' names conv3d, which exercise3 does not define", checks=(*EXERCISE.checks, check))


def test_two_checks_with_one_name():
    fails("2 checks are named 'output_size: the formula, exactly'", checks=(*EXERCISE.checks, EXERCISE.checks[1]),
          points=EXERCISE.points + EXERCISE.checks[1].points)


def test_points_that_do_not_add_up_to_the_declared_total():
    fails("the visible checks add up to 10 points, but points=12 is declared", points=12)
    with pytest.raises(DeclarationError, match="the answer key's hidden checks add up to 0 points, but "
                                               "hidden_points=1 is declared"):
        replace(EXERCISE, hidden_points=1).with_hidden(())


def test_a_function_with_only_hidden_checks():
    hidden = tuple(replace(check, hidden=True) if check.functions == ("output_size",) else check
                   for check in EXERCISE.checks)
    fails("output_size has only hidden checks", checks=hidden, points=7, hidden_points=3)


def test_a_mistake_without_a_way_to_recognise_it():
    fails("mistake 'vague' needs exactly one of reproduce=", mistakes=(Mistake("vague", "output_size", "a hint"),))


def test_an_id_that_does_not_match_its_module():
    fails("id 'exercise4' does not match its module", id="exercise4")


def test_a_typo_in_a_declaration_is_one_line_from_the_cli(tmp_path, monkeypatch):
    """An instructor's typo in a declaration: is `grade exercise77` one line and exit 3, never a traceback?"""
    import subprocess
    import sys

    (tmp_path / "exercise77_typo.py").write_text(
        "from grader.exercise import Exercise, Mistake\n"
        "from grader.checks import satisfies_property\n"
        "from hypothesis import strategies as st\n"
        "EXERCISE = Exercise(id='exercise77', module='exercise77_typo', title='t', section='s',\n"
        "    functions=('relu',), checks=(satisfies_property('relu', lambda s, i: None, st.just({}), points=1,\n"
        "    name='relu: c', description=''),),\n"
        "    mistakes=(Mistake('m', 'rleu', 'hint', reproduce=abs),))\n")
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "exercise77_typo.py").write_text("def relu(x):\n    return x\n")
    done = subprocess.run([sys.executable, "-m", "grader", "exercise77", "-s", str(tmp_path / "student")],
                          capture_output=True, text=True, env={**__import__("os").environ, "CNN_GRADER_CATALOG": str(tmp_path)})
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == ("grade: exercise77: mistake 'm' names rleu, which exercise77 does not define; "
                                   "did you mean relu?")


@pytest.mark.parametrize("module", catalog.module_names())
def test_a_declaration_builds_its_checks_with_the_factories(module):
    """Does every declaration use the check factories (matches_reference, satisfies_property,
    holds_for_examples, the model checks), never a check class directly?"""
    import ast

    tree = ast.parse(catalog.declaration_files()[module].read_text(encoding="utf-8"))
    raw = sorted({node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Name) and node.func.id.endswith("Check")})
    assert raw == []


@pytest.mark.parametrize("module", catalog.module_names())
def test_the_literals_read_from_the_exercise_statement_are_the_whole_files(module):
    path = catalog.declaration_files()[module]
    source = path.read_text(encoding="utf-8")
    assert catalog._literal_keywords(catalog._exercise_statement(source, path)) == \
        catalog._literal_keywords(ast.parse(source))


def test_an_exercise_line_inside_a_string_is_not_taken_for_the_declaration(tmp_path):
    quoted = '"""Say\nEXERCISE = Exercise(id="quoted")\n"""\n'
    real = 'EXERCISE = Exercise(id="real", points=3)\n'
    for source in (quoted + real, real + quoted):
        words = catalog._literal_keywords(catalog._exercise_statement(source, tmp_path / "exercise1_x.py"))
        assert words == {"id": "real", "points": 3}
