"""Does the grader line up a student's tensors with the reference's, whatever the model's spelling?"""

import logging

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.models.mapping import MappingError, map_models
from grader.worker.torch_inspect import parameter_table, record
from grader.reference import models


def inspected(model: nn.Module, shape=(2, 3, 32, 32)) -> dict:
    model.eval()
    output, recorded = record(model, torch.zeros(shape))
    return {**parameter_table(model), "calls": recorded["calls"], "output": list(output.shape)}


class LeNetAttributes(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.c, self.d, self.e = nn.Linear(576, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.b(F.avg_pool2d(torch.tanh(self.a(x)), 2))), 2).flatten(1)
        return self.e(torch.tanh(self.d(torch.tanh(self.c(x)))))


class ShortcutFirst(models.ResidualBlock):
    def forward(self, x):
        shortcut = self.shortcut(x)
        return torch.relu(self.residual(x) + shortcut)


class FunctionalLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(4, 3))
        self.b = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        return F.linear(x, self.w, self.b)


def test_named_attributes_map_onto_a_sequential_by_call_order():
    mapping = map_models(inspected(LeNetAttributes()), inspected(models.LeNet5()))
    assert mapping.how == "call order"
    assert mapping.tensors["a.weight"] == "features.0.weight" and mapping.tensors["e.bias"] == "classifier.4.bias"


def test_a_shortcut_computed_first_maps_by_signature():
    """Are the three BatchNorms (same shapes) told apart by the conv that feeds each?"""
    mapping = map_models(inspected(ShortcutFirst(3, 5, 2), (2, 3, 8, 8)),
                         inspected(models.ResidualBlock(3, 5, 2), (2, 3, 8, 8)))
    assert mapping.how == "signature"
    assert mapping.tensors["shortcut.1.running_var"] == "shortcut.1.running_var"
    assert mapping.tensors["bn1.weight"] == "bn1.weight"


def test_parameters_used_through_functional_calls_map_by_registration_order():
    reference = nn.Linear(3, 4)
    mapping = map_models(inspected(FunctionalLinear(), (2, 3)), inspected(reference, (2, 3)))
    assert mapping.how == "registration order"
    assert mapping.tensors == {"w": "weight", "b": "bias"}


def test_a_bias_only_one_side_has_is_zeroed_not_a_failure():
    student = models.ResidualBlock(2, 2)
    student.conv1 = nn.Conv2d(2, 2, 3, padding=1)  # with a bias
    mapping = map_models(inspected(student, (2, 2, 4, 4)), inspected(models.ResidualBlock(2, 2), (2, 2, 4, 4)))
    assert mapping.student_only == ["conv1.bias"]


def test_a_different_architecture_is_described_layer_by_layer():
    student = nn.Sequential(nn.Conv2d(3, 6, 5), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.AvgPool2d(2),
                            nn.Flatten(), nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10))
    with pytest.raises(MappingError) as error:
        map_models(inspected(student), inspected(models.LeNet5()))
    text = str(error.value)
    assert "3. Linear(400 -> 120) -> (2, 120)" in text and "expected: Linear(576 -> 120)" in text


def test_the_mapping_choice_is_logged_at_debug(caplog):
    """Does the grader say, quietly, how it lined the tensors up (shown with --verbose)?"""
    with caplog.at_level(logging.DEBUG, logger="grader.models.mapping"):
        map_models(inspected(LeNetAttributes()), inspected(models.LeNet5()))
    assert "by call order" in caplog.text
