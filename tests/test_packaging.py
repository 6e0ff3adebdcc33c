"""Does `pip install .` install one import package, `grader`, with everything it needs inside it?"""

import subprocess
import sys
import tomllib
import zipfile

import pytest

from grader import layout
from tests.conftest import ROOT
from tests.layouts import copy_course


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from a copy of the repository (a build writes build/ and *.egg-info beside its source)."""
    copy = tmp_path_factory.mktemp("course") / "course"
    copy_course(copy)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, copy],
                   check=True, capture_output=True)
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_one_top_level_package_and_never_the_solutions_or_stubs(wheel):
    names = wheel.namelist()
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {"grader"}
    assert not [name for name in names if name.split("/")[1:2] in (["solutions"], ["exercises"], ["tests"])]
    top_level = next(name for name in names if name.endswith(".dist-info/top_level.txt"))
    assert wheel.read(top_level).decode().split() == ["grader"]


def test_the_wheel_holds_every_module_reference_and_template_of_the_repository(wheel):
    """Every module of grader/, every reference and every template, at its place in the package: a
    subpackage missing from pyproject's list would otherwise be found missing only once installed."""
    names = set(wheel.namelist())
    expected = {f"grader/{path.relative_to(ROOT / 'grader').as_posix()}" for path in (ROOT / "grader").rglob("*.py")}
    for package, folder in layout.MAPPED_FOLDERS.items():
        inside = package.replace(".", "/")
        expected |= {f"{inside}/{path.relative_to(ROOT / folder).as_posix()}" for path in (ROOT / folder).rglob("*")
                     if path.is_file() and path.suffix in (".py", ".j2") and "__pycache__" not in path.parts}
    assert expected - names == set()
    assert "grader/reference/convolution.py" in names and "grader/templates/report.html.j2" in names


def test_the_layout_module_maps_the_folders_pyproject_maps():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == layout.MAPPED_FOLDERS
    assert set(layout.MAPPED_FOLDERS) <= set(setuptools["packages"])


def test_a_module_maps_to_its_file_and_back():
    path = layout.module_path("grader.reference.padding", ROOT).with_suffix(".py")
    assert path == ROOT / "reference" / "padding.py"
    assert layout.module_name(path, ROOT) == "grader.reference.padding"
    assert layout.module_name(ROOT / "grader" / "catalog" / "__init__.py", ROOT) == "grader.catalog"
    assert layout.module_path("grader.staff.batch", ROOT) == ROOT / "grader" / "staff" / "batch"
