"""One check per feature: what a convolution-like function must handle besides its core case.

Exercises 1-3 check their core case on square float64 images, then each feature (a bias, a
batch, non-square shapes, uint8 pixels) on draws of its own, so that a missing feature costs
its own points and never hides another bug. A feature is the strategy's options that draw it
and the words of its check; `feature_checks` turns a list of them into `matches_reference`
checks, in the order given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from grader.checks import PropertyCheck, matches_reference

FEATURE_DRAWS = 20  # draws per feature check, on top of its fixed examples


@dataclass(frozen=True)
class Feature:
    """`title` ends the check's name (`conv2d: <title>`), `description` is the check's own, `draws`
    the options that make the exercise's strategy draw it (`batch_and_filters(**draws)`)."""

    title: str
    description: str
    draws: dict


BIAS = Feature("one bias per output channel", "b[f] is added to every position of output channel f.",
               {"bias": True})
BATCH = Feature("a batch of images", "N = 2 or 3 images at once: out[n] depends on x[n] only.", {"batch": True})
NON_SQUARE = Feature("non-square images and filters",
                     "H != W and KH != KW: rows come from shape[-2], columns from shape[-1].", {"square": False})
UINT8_PIXELS = Feature("uint8 pixel images", "Images and filters as uint8 (0-255, section 2): no overflow, no "
                       "truncation, a floating-point result.", {"dtypes": (np.uint8,)})


def feature_checks(function: str, reference: Callable, inputs: Callable, features: tuple, *, points: float,
                   **options) -> tuple[PropertyCheck, ...]:
    """A `matches_reference` check of `function` for each `(feature, fixed examples)` of `features`:
    named `<function>: <feature.title>`, drawn from `inputs(**feature.draws)`, `points` each;
    `options` (explain=..., require_float=...) go to every one."""
    return tuple(matches_reference(function, reference, inputs(**feature.draws), points=points,
                                   name=f"{function}: {feature.title}", description=feature.description,
                                   examples=examples, max_examples=FEATURE_DRAWS, **options)
                 for feature, examples in features)
