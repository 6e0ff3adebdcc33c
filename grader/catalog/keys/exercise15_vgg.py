"""Exercise 15's answer key: the reference VGG and its blocks, the paper's configurations and the
reference's parameter count per layer."""

import torch
from torch import nn

from grader.reference import vgg as ref


class VGGBlock(nn.Sequential):
    """vgg_block(**kwargs) as the oracle's reference `(kwargs, **variant)`: the same layers, in an nn.Sequential.
    A class, so that the course's key hands it over as it is: only the oracle's answers are recorded into a
    bank, never a module."""

    def __init__(self, kwargs: dict, **variant):
        super().__init__(*ref.vgg_block(**kwargs, **variant))


class VGG(ref.VGG):
    """The reference for the oracle's `(kwargs, **variant)`, a known mistake's `variant` overriding the keyword
    arguments (dropout=0.5 where another was asked). A class, so that the course's key hands it over as it is:
    only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, **variant):
        super().__init__(**{**kwargs, **variant})


def architectures() -> dict:
    """The paper's configurations D and A, as (convs, channels) per block."""
    return {"VGG16_ARCH": ref.VGG16_ARCH, "VGG11_ARCH": ref.VGG11_ARCH}


def layer_counts(kwargs: dict) -> list[int]:
    """The parameters of each layer that has any, in order, of VGG(**kwargs) built on the meta device."""
    with torch.device("meta"):
        model = ref.VGG(**kwargs)
    return [sum(p.numel() for p in module.parameters(recurse=False))
            for module in model.modules() if module._parameters]
