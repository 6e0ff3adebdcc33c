"""Exercise 1's answer key: the reference, what each known mistake returns, the hidden check."""

import numpy as np

from grader.checks import matches_reference
from grader.reference import convolution as ref

correlate2d = ref.correlate2d
conv2d = ref.conv2d


def flipped_correlate2d(image, kernel):
    return ref.correlate2d(image, kernel[::-1, ::-1])


def flipped_conv2d(x, w, b=None):
    return ref.conv2d(x, w[:, :, ::-1, ::-1], b)


def conv2d_without_bias(x, w, b=None):
    return ref.conv2d(x, w)


def bias_on_last_axis(x, w, b=None):
    """`out + b` with b of shape (F,): NumPy adds it along W' (where it broadcasts at all)."""
    return ref.conv2d(x, w) + np.asarray(b)


def first_channel_only(x, w, b=None):
    return ref.conv2d(x[:, :1], w[:, :1], b)


def hidden_checks(declaration) -> tuple:
    return (
        matches_reference(
            "conv2d", conv2d, declaration.batch_and_filters(max_side=24), points=1,
            name="conv2d: images up to 24x24", hidden=True, max_examples=10,
            description="Hidden until grading: larger images, so that code fitted to the visible checks' sizes "
                        "fails.",
            explain=declaration.output_rule),
    )
