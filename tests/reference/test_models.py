"""Are the reference models the lecture's? Parameter counts and per-layer shapes from its summary tables."""

import pytest
import torch
from torch import nn

from grader.catalog.exercise9_transfer import vgg16_spec
from grader.worker.torch_inspect import build_base, record, units
from grader.reference import models

# The lecture's summary tables (section 14, 19), channels last as Keras prints them: (name, output, params).
LENET_TABLE = [
    ("conv2d_1", (32, 32, 6), 456), ("average_pooling2d_1", (16, 16, 6), 0),
    ("conv2d_2", (12, 12, 16), 2416), ("average_pooling2d_2", (6, 6, 16), 0), ("flatten_1", (576,), 0),
    ("dense_1", (120,), 69240), ("dense_2", (84,), 10164), ("dense_3", (10,), 850),
]
ALEXNET_TABLE = [
    ("conv2d_3", (8, 8, 96), 34944), ("max_pooling2d_1", (4, 4, 96), 0), ("batch_normalization_1", (4, 4, 96), 384),
    ("conv2d_4", (4, 4, 256), 614656), ("max_pooling2d_2", (2, 2, 256), 0),
    ("batch_normalization_2", (2, 2, 256), 1024), ("conv2d_5", (2, 2, 384), 885120),
    ("conv2d_6", (2, 2, 384), 1327488), ("conv2d_7", (2, 2, 256), 884992), ("max_pooling2d_3", (1, 1, 256), 0),
    ("batch_normalization_3", (1, 1, 256), 1024), ("flatten_2", (256,), 0), ("dense_4", (2048,), 526336),
    ("dropout_1", (2048,), 0), ("dense_5", (2048,), 4196352), ("dropout_2", (2048,), 0), ("dense_6", (10,), 20490),
]
VGG16_TABLE = [  # (output, params) of the conv and pool rows
    ((200, 200, 64), 1792), ((200, 200, 64), 36928), ((100, 100, 64), 0), ((100, 100, 128), 73856),
    ((100, 100, 128), 147584), ((50, 50, 128), 0), ((50, 50, 256), 295168), ((50, 50, 256), 590080),
    ((50, 50, 256), 590080), ((25, 25, 256), 0), ((25, 25, 512), 1180160), ((25, 25, 512), 2359808),
    ((25, 25, 512), 2359808), ((12, 12, 512), 0), ((12, 12, 512), 2359808), ((12, 12, 512), 2359808),
    ((12, 12, 512), 2359808), ((6, 6, 512), 0),
]


def channels_first(shape: tuple) -> tuple:
    return (shape[-1], *shape[:-1]) if len(shape) == 3 else shape


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def statistics(module: nn.Module) -> int:
    return sum(b.numel() for name, b in module.named_buffers() if name.endswith(("running_mean", "running_var")))


def keras_rows(model: nn.Module, x: torch.Tensor) -> list[tuple[tuple, int]]:
    """(output shape without N, Keras's parameter count) of every layer that has a table row.

    Keras counts BatchNorm's running mean and variance as (non-trainable) parameters of the layer:
    PyTorch's buffers, counted here too.
    """
    _, recorded = record(model.eval(), x)
    rows = []
    for call in recorded["calls"]:
        if call["type"] in ("Conv2d", "Linear", "BatchNorm2d", "AvgPool2d", "MaxPool2d", "Flatten", "Dropout"):
            shapes = call.get("shapes", {})
            params = sum(torch.Size(s).numel() for local, s in shapes.items() if local != "num_batches_tracked")
            rows.append((tuple(call["output"][1:]), params))
    return rows


def test_lenet_reproduces_the_lecture_summary():
    """Does LeNet5 print the lecture's table: every output shape, every count, 83,126 in all?"""
    model = models.LeNet5()
    assert keras_rows(model, torch.zeros(2, 3, 32, 32)) == [(channels_first(out), n) for _, out, n in LENET_TABLE]
    assert count(model) == 83_126


@pytest.mark.parametrize("variant", [{}, {"conv1_padding": (4, 4), "pool_padding": (1, 1)},
                                     {"conv1_padding": (5, 5), "pool_padding": (0, 1)}])
def test_alexnet_reproduces_the_lecture_summary(variant):
    """Does AlexNet, in each 'same' spelling, give the table's shapes and 8,491,594 + 1,216 = 8,492,810?"""
    model = models.AlexNet(**variant)
    expected = [(channels_first(out), n) for _, out, n in ALEXNET_TABLE]
    assert keras_rows(model, torch.zeros(2, 3, 32, 32)) == expected
    assert count(model) == 8_491_594
    assert statistics(model) == 1_216
    assert count(model) + statistics(model) == 8_492_810


def test_keras_same_max_pooling_is_ceil_mode_and_padding_one_is_the_symmetric_spelling():
    """Are the two accepted pool spellings exactly nn.MaxPool2d(ceil_mode=True) and (padding=1) on 8, 4, 2?"""
    for side in (8, 4, 2):
        x = torch.randn(2, 3, side, side)
        assert torch.equal(models.same_max_pool(0, 1)(x), nn.MaxPool2d(3, 2, ceil_mode=True)(x))
        assert torch.equal(models.same_max_pool(1, 1)(x), nn.MaxPool2d(3, 2, padding=1)(x))


@pytest.mark.parametrize("c_in, c_out, stride, expected", [(64, 64, 1, 73_984), (64, 128, 2, 230_144)])
def test_residual_block_counts_and_shapes(c_in, c_out, stride, expected):
    """64 -> 64: 73,984 parameters; 64 -> 128 stride 2: 230,144; (N, C_out, ceil(H / stride), ...)?"""
    block = models.ResidualBlock(c_in, c_out, stride)
    assert count(block) == expected
    assert block.eval()(torch.zeros(2, c_in, 9, 9)).shape == (2, c_out, (9 - 1) // stride + 1, (9 - 1) // stride + 1)


def test_residual_block_is_relu_of_branch_plus_shortcut():
    """With the identity shortcut, is the output ReLU(F(x) + x)?"""
    block = models.ResidualBlock(3, 3).eval()
    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        assert torch.allclose(block(x), torch.relu(block.residual(x) + x))


def test_vgg16_base_reproduces_the_lecture_summary():
    """VGG16's base: the table's 18 rows, 14,714,688 parameters, features (512, 6, 6) at 200x200?"""
    with torch.device("meta"):  # shapes and counts without computing a 200x200 forward pass
        base = models.vgg16_features()
        _, recorded = record(base, torch.empty(1, 3, 200, 200))
    rows = [(tuple(c["output"][1:]), sum(torch.Size(s).numel() for s in c.get("shapes", {}).values()))
            for c in recorded["calls"] if c["type"] in ("Conv2d", "MaxPool2d")]
    assert rows == [(channels_first(out), n) for out, n in VGG16_TABLE]
    assert count(base) == 14_714_688


def test_the_workers_vgg16_spec_builds_the_reference_base():
    """Does the spec the worker builds VGG16 from give exactly the reference's layers and shapes?"""
    with torch.device("meta"):
        built, reference = build_base(vgg16_spec()), models.vgg16_features()
    assert [type(m) for m in built] == [type(m) for m in reference]
    assert [p.shape for p in built.parameters()] == [p.shape for p in reference.parameters()]


def test_transfer_head_on_vgg16_has_the_lectures_4_719_105_parameters():
    """Is the head Flatten, Dense 256, Dense 1 on (512, 6, 6) features: 4,718,848 + 257?"""
    with torch.device("meta"):
        model = models.TransferModel(models.vgg16_features(), (512, 6, 6))
    assert count(model.head) == 4_719_105
    assert count(model) == 14_714_688 + 4_719_105 == 19_433_793
    assert sum(p.numel() for p in models.trainable_parameters(model)) == 4_719_105


def test_transfer_model_keeps_its_base_frozen_and_in_eval_mode():
    """After model.train(), does the base stay in eval mode with no parameter that trains?"""
    base = build_base([["conv", 3, 4, 3, 1], ["bn", 4], ["relu"], ["dropout", 0.5], ["maxpool", 2]])
    model = models.TransferModel(base, (4, 3, 3), hidden=5, num_outputs=2).train()
    assert model.training and model.head.training and not any(m.training for m in model.base.modules())
    assert not any(p.requires_grad for p in model.base.parameters())
    x = torch.randn(3, 3, 6, 6)
    assert torch.equal(model(x), model(x))  # no dropout in the base
    assert [u["type"] for u in units(record(model, x)[1]["calls"])] == ["Conv2d", "BatchNorm2d", "Linear", "Linear"]
