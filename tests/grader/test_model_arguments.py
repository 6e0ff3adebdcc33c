"""Does every argument of a model's constructor take effect: does a model that ignores one lose points?

Each case is the solution with one argument overwritten at the top of __init__ (its default, or
another argument's value), as a student who never uses it would have written. LeNet5 and AlexNet
ignoring num_classes are known mistakes with files of their own (num_classes_ignored).
"""

import pytest

from tests.conftest import ROOT, graded

IGNORED = [
    ("exercise8", "exercise8_residual", "in_channels = out_channels"),
    ("exercise8", "exercise8_residual", "out_channels = in_channels"),
    ("exercise8", "exercise8_residual", "stride = 1"),
    ("exercise9", "exercise9_transfer", "feature_shape = (512, 6, 6)"),
    ("exercise9", "exercise9_transfer", "hidden = 256"),
    ("exercise9", "exercise9_transfer", "num_outputs = 1"),
    ("exercise12", "exercise12_binary_cnn", "image_size = 8"),
    ("exercise15", "exercise15_vgg", "num_classes = 1000"),
    ("exercise15", "exercise15_vgg", "hidden = 16"),
    ("exercise15", "exercise15_vgg", "dropout = 0.5"),
    ("exercise16", "exercise16_inception", "in_channels = 192"),
    ("exercise16", "exercise16_inception", "c5_reduce = c3_reduce"),
    ("exercise16", "exercise16_inception", "pool_proj = c1"),
]


@pytest.mark.parametrize("exercise, module, line", IGNORED, ids=[line for _, _, line in IGNORED])
def test_a_model_that_ignores_an_argument_loses_points(exercise, module, line, tmp_path):
    """With `line` as the first statement of __init__, does the solution lose points at the default seed?"""
    source = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    call = "        super().__init__()\n"
    assert source.count(call) == 1
    path = tmp_path / f"{module}.py"
    path.write_text(source.replace(call, f"{call}        {line}\n"), encoding="utf-8")
    result = graded(exercise, path)
    assert result.score < result.max_score and not result.has_errors, [(t.name, t.status) for t in result.tests]
