"""Do the layers meet at public names: no private imports across modules, no cycles, no judge in the worker?"""

import ast

import pytest

from grader import authoring, layout
from tests.conftest import ROOT


def module_name(path) -> str:
    return layout.module_name(path, ROOT)  # reference/x.py is grader.reference.x


DECLARATIONS = [*sorted((ROOT / "grader" / "catalog").glob("exercise*_*.py")),
                ROOT / "tests" / "toy_exercise" / "catalog" / "exercise99_relu.py"]


def imports_of(path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every import in one file, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


def imports() -> list[tuple[str, str, str, int]]:
    """(importing module, imported module, imported name or '', line) for every import in grader/ and
    reference/ of their own modules. A name imported from grader.authoring counts as imported from the
    module that grader.authoring takes it from, so that the rules below see through the facade."""
    found = [(module_name(path), *entry) for path in sorted([*(ROOT / "grader").rglob("*.py"),
                                                           *(ROOT / "reference").rglob("*.py")])
             for entry in imports_of(path)]
    source = {name: imported for importer, imported, name, _ in found if importer == authoring.__name__ and name}
    source |= {name: module for module, names in authoring.LAZY.items() for name in names}
    found = [(importer, source[name] if imported == authoring.__name__ and importer != imported else imported, name,
              line) for importer, imported, name, line in found]
    return [entry for entry in found if entry[1].split(".")[0] in ("grader", "reference")]


IMPORTS = imports()


def test_a_declaration_imports_the_grader_only_through_grader_authoring():
    """One authoring API: numpy, hypothesis, torch and the standard library, and from the grader only
    grader.authoring (the toy exercise too: it is what a course's own exercise looks like)."""
    other = [f"{path.name}:{line} imports {imported}" for path in DECLARATIONS
             for imported, _, line in imports_of(path)
             if imported.split(".")[0] in ("grader", "reference") and imported != authoring.__name__]
    assert not other, other


def test_every_name_grader_authoring_lists_is_there():
    """Is each of `__all__` importable, the PyTorch names taken on first use too (a typo in LAZY)?"""
    missing = [name for name in authoring.__all__ if not hasattr(authoring, name)]
    assert not missing, missing


def test_no_module_imports_a_private_name_of_another():
    private = [f"{importer}:{line} imports {name} from {imported}" for importer, imported, name, line in IMPORTS
               if name.startswith("_") and imported != importer]
    assert not private, private


def test_the_catalog_imports_no_worker_internals():
    """Declarations use the worker's wire types only; what the worker does is its own business."""
    internal = {(importer, imported) for importer, imported, _, _ in IMPORTS
                if importer.startswith("grader.catalog") and imported.startswith("grader.worker")
                and imported != "grader.worker.wire"}
    assert not internal, internal


def test_the_worker_imports_nothing_that_judges():
    """The worker runs student code: it imports only its own package (not the catalog, checks or references)."""
    outside = [(importer, imported) for importer, imported, _, _ in IMPORTS
               if importer.startswith("grader.worker") and not imported.startswith("grader.worker")
               and imported != "grader"]
    assert not outside, outside


@pytest.mark.parametrize("package", ["grader.staff", "grader.instructor", "grader.worker"])
def test_no_two_modules_of_a_package_import_each_other(package):
    """batch and distributed, say: what both need lives in a third module (tasks)."""
    edges = {(importer, imported) for importer, imported, _, _ in IMPORTS if importer != imported}
    edges |= {(importer, f"{imported}.{name}") for importer, imported, name, _ in IMPORTS if name}
    mutual = sorted((a, b) for a, b in edges if a < b and (b, a) in edges and a.startswith(package))
    assert not mutual, mutual
