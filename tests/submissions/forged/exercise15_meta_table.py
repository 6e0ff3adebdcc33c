"""Forged: no VGG at all (zeros out), and the worker's meta.table op replaced by one that reports
the lecture's VGG16 and VGG11 tables exactly. The count check must not pay for the claim."""

import grader.worker.meta_ops as meta_ops
import torch
from torch import nn

VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    return nn.Sequential(nn.MaxPool2d(2))


class VGG(nn.Module):
    def __init__(self, arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        self.features, self.classifier = nn.Identity(), nn.Identity()

    def forward(self, x):
        return torch.zeros(x.shape[0], self.num_classes)


def _table(arch):
    parameters, modules, channels = [], [], 3
    for b, (n, c) in enumerate(arch):
        for i in range(n):
            parameters += [[f"features.{b}.{2 * i}.weight", [c, channels, 3, 3], True],
                           [f"features.{b}.{2 * i}.bias", [c], True]]
            modules.append([f"features.{b}.{2 * i}", "Conv2d", c * channels * 9 + c])
            channels = c
    for index, (a, b) in zip((1, 4, 7), ((channels * 49, 4096), (4096, 4096), (4096, 1000))):
        parameters += [[f"classifier.{index}.weight", [b, a], True], [f"classifier.{index}.bias", [b], True]]
        modules.append([f"classifier.{index}", "Linear", a * b + b])
    return {"parameters": parameters, "buffers": [], "modules": modules,
            "attributes": {"features": "Module", "classifier": "Module"}}


def _forged(worker, args, out_arrays):
    return meta_ops.protocol.encode(_table(args["kwargs"].get("arch", VGG16_ARCH)), out_arrays)


meta_ops.OPS["table"] = _forged
