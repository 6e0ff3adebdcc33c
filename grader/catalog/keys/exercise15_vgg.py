"""Exercise 15's answer key: the reference VGG and its blocks, the paper's configurations and the
reference's parameter count per layer."""

import torch

from reference import vgg as ref


def vgg_block(kwargs: dict, **variant):
    return ref.vgg_block(**kwargs, **variant)


def vgg(kwargs: dict, **variant):
    """VGG(**kwargs), a known mistake's `variant` overriding them (dropout=0.5 where another was asked)."""
    return ref.VGG(**{**kwargs, **variant})


def architectures() -> dict:
    """The paper's configurations D and A, as (convs, channels) per block."""
    return {"VGG16_ARCH": ref.VGG16_ARCH, "VGG11_ARCH": ref.VGG11_ARCH}


def layer_counts(kwargs: dict) -> list[int]:
    """The parameters of each layer that has any, in order, of VGG(**kwargs) built on the meta device."""
    with torch.device("meta"):
        model = ref.VGG(**kwargs)
    return [sum(p.numel() for p in module.parameters(recurse=False))
            for module in model.modules() if module._parameters]
