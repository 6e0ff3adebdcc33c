"""Does a model exercise grade the same from a bank of the oracle's recorded answers, with no reference at hand?"""

import numpy as np
import pytest

import grader.checks
from grader import bank as banks
from grader import catalog
from grader.grading import grade
from grader.models import ModelSpec, modules, oracle
from grader.models.samples import SAMPLE, entries, is_sample, positions, sampled
from grader.models.verify import compare_steps, steps_scale
from grader.reference import models
from tests.conftest import ROOT, SUBMISSIONS

LENET_FILES = [ROOT / "solutions" / "exercise6_lenet.py",
               SUBMISSIONS / "exercise6" / "relu_instead_of_tanh.py",
               SUBMISSIONS / "exercise6" / "valid_padding.py",
               SUBMISSIONS / "exercise6" / "softmax_in_forward.py",
               SUBMISSIONS / "hostile_models" / "forward_fails.py"]


def verdicts(result) -> list[tuple]:
    return [(test.name, test.status, test.score, test.output, test.hint, test.mistakes) for test in result.tests]


def unreachable(*args, **kwargs):
    raise AssertionError("the student kit asked for the reference")


def kit_verdicts(result) -> tuple[list, set]:
    """What the kit must agree on: each check's verdict, and the mistakes named (its inputs are the bank's
    cases, simplest first, not hypothesis's shrunk ones, so its counterexamples, and which of several
    failing checks names a mistake first, may differ)."""
    return [(test.name, test.status, test.score) for test in result.tests], \
        {mistake for test in result.tests for mistake in test.mistakes}


def released_bank(module: str, folder) -> banks.Bank:
    """The bank `grade release` records for `module` (its cases, the solution's and the mistake files'
    answers), saved and loaded again."""
    from grader.instructor.banks import record_bank

    record_bank(module, seed=0, root=ROOT, out=folder / module)
    return banks.Bank.load(folder / f"{module}{catalog.BANK_SUFFIX}")


def grade_from(bank: banks.Bank, exercise: str, path, monkeypatch):
    """`path` graded as the kit grades it: from `bank`, with every way to the reference raising."""
    monkeypatch.setattr(ModelSpec, "build_reference", unreachable)
    monkeypatch.setattr(models, "LeNet5", unreachable)
    monkeypatch.setattr(modules, "reference_module", unreachable)
    monkeypatch.setattr(catalog, "banked", lambda module: bank)
    return grade([exercise], submission=path).exercises[0]


@pytest.mark.slow
def test_lenet_grades_alike_from_a_bank_without_the_reference(tmp_path, monkeypatch):
    """Recorded as the release records it, saved and loaded again: do the solution, three mistake files and a
    LeNet whose forward pass fails, graded from the bank with the reference unreachable, get the course's
    verdicts and named mistakes, and does the bank stay small?"""
    course = {path: kit_verdicts(grade(["exercise6"], submission=path).exercises[0]) for path in LENET_FILES}
    kit = released_bank("exercise6_lenet", tmp_path)
    assert (tmp_path / f"exercise6_lenet{catalog.BANK_SUFFIX}").stat().st_size < 400_000
    for path in LENET_FILES:
        assert kit_verdicts(grade_from(kit, "exercise6", path, monkeypatch)) == course[path], path.name


@pytest.mark.slow
@pytest.mark.parametrize("exercise, module, other", [
    ("exercise7", "exercise7_alexnet", SUBMISSIONS / "accepted" / "exercise7_symmetric_padding.py"),
    ("exercise6", "exercise6_lenet", SUBMISSIONS / "accepted" / "exercise6_functional.py"),
])
def test_a_bank_judges_a_right_model_the_release_never_saw(exercise, module, other, tmp_path, monkeypatch):
    """Recorded from the solution and the mistake files, does the bank give full marks to a right model the
    release never ran: an AlexNet of another accepted padding (another variant), a functional LeNet?"""
    kit = released_bank(module, tmp_path)
    result = grade_from(kit, exercise, other, monkeypatch)
    assert result.score == result.max_score, [(test.name, test.output) for test in result.tests]


def test_a_question_the_release_never_asked_is_not_in_the_bank():
    """In the kit, does a question about an input the release never drew raise NotInBank (not a guess)?"""
    spec = ModelSpec(cls="LeNet5", reference=unreachable, input_shape=lambda kwargs: (3, 32, 32))
    session = grader.checks.Session(worker=None, exercise=None, bank=banks.Bank("exercise6"))
    with pytest.raises(banks.NotInBank):
        oracle.output(session, oracle.Reference(spec, {"num_classes": 10}, seed=0), np.zeros((1, 3, 32, 32),
                                                                                            np.float32), "eval")


def test_a_sample_keeps_the_same_positions_for_the_release_and_the_kit():
    """Does a large array's sample hold its entries at positions(shape), which the comparison recomputes?"""
    array = np.random.default_rng(0).standard_normal((3, 100)).astype(np.float32)
    kept = sampled(array, max_abs=3.0)
    assert is_sample(kept) and np.array_equal(kept["entries"], entries(array, kept)) and kept["max_abs"] == 3.0
    assert len(positions(array.shape)) == SAMPLE and np.array_equal(sampled(array[:, :2]), array[:, :2])
    assert len(sampled(array, 64)["entries"]) == 64


def test_sampled_steps_tell_moved_from_stayed_as_whole_ones_do():
    """Compared with a bank's sample of the replay (its entries, largest and total change), do parameters
    that moved as the replay's, moved otherwise, or stayed get the verdict the whole comparison gives?"""
    rng = np.random.default_rng(1)
    start = {name: rng.standard_normal(600) for name in ("same", "other", "still")}
    after = {name: value + 0.01 * rng.standard_normal(600) for name, value in start.items()}
    returned = {"same": after["same"].copy(), "other": start["other"] + 0.01 * rng.standard_normal(600),
                "still": start["still"].copy()}
    names = {name: name for name in start}
    whole = compare_steps(start, after, returned, names)
    kept = {name: sampled(value, delta_max=float(np.max(np.abs(value - start[name]))),
                          delta_norm=float(np.linalg.norm(value - start[name]))) for name, value in after.items()}
    assert compare_steps(start, kept, returned, names) == whole == \
        {"stayed": ["still"], "moved": [], "differ": ["other"], "missing": []}
    for replay in (after, kept):  # the training check finds the tolerance's scale while the worker trains
        scale = steps_scale(start, replay, names)
        assert scale == pytest.approx(max(np.max(np.abs(after[name] - start[name])) for name in names))
        assert compare_steps(start, replay, returned, names, scale=scale) == whole


def test_steps_compare_alike_from_a_float32_start():
    """compare_steps works in float64 one tensor at a time: does a float32 start (the training check's
    model.state) give the verdicts its float64 copy gives?"""
    rng = np.random.default_rng(2)
    start = {name: rng.standard_normal(600).astype(np.float32) for name in ("same", "other", "still")}
    after = {name: value + 0.01 * rng.standard_normal(600) for name, value in start.items()}
    returned = {"same": after["same"].astype(np.float32),
                "other": (start["other"] + 0.01 * rng.standard_normal(600)).astype(np.float32),
                "still": start["still"].copy()}
    names = {name: name for name in start}
    wide = {name: value.astype(np.float64) for name, value in start.items()}
    assert compare_steps(start, after, returned, names) == compare_steps(wide, after, returned, names) == \
        {"stayed": ["still"], "moved": [], "differ": ["other"], "missing": []}


def test_a_variant_holds_the_references_own_tensors_and_a_pass_leaves_them_as_they_were():
    """Variants of a reference module share its parameters and buffers (one AlexNet's 34 MB, not
    twelve): a variant of another shape is refused, and a pass in train mode through one variant
    leaves the BatchNorm statistics every variant reads as they were."""
    import torch
    from torch import nn

    base = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).eval()
    variant = modules.shared_state(base, nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2)))
    tensors = [*base.parameters(), *base.buffers()]
    assert [t.data_ptr() for t in tensors] == [t.data_ptr() for t in [*variant.parameters(), *variant.buffers()]]
    before = [t.clone() for t in tensors]
    with modules.running(variant, "train"):
        variant(torch.randn(4, 1, 5, 5))
    assert all(torch.equal(a, b) for a, b in zip(tensors, before))
    with pytest.raises(ValueError, match="does not hold the same tensors"):
        modules.shared_state(base, nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3)))
