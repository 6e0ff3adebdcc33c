"""Hypothesis strategies shared by the NumPy exercises.

Values are random, never monotone (a "max pool" that returns a window's last element must
fail), and chosen so that every answer is exact in float32: floats are multiples of 1/4 in
[-8, 8], `uint8` pixels are 0-255 as in section 2. Shapes shrink towards 1, values towards 0,
so the counterexample a student sees is the smallest one that breaks their code.

Speed matters (a student waits for these): strategies are built once and reused, and an
array's values come from one drawn pool of bytes (see `draw_array`).
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

FLOATS = (np.float64, np.float32)
FLOATS_AND_PIXELS = (np.float64, np.float32, np.uint8)
MAX_SIDE = 12
POOL = 64
_POOL_BYTES = st.binary(min_size=POOL, max_size=POOL)


@functools.cache
def upto(high: int, low: int = 1) -> st.SearchStrategy[int]:
    """`st.integers(low, high)`, built once per bound."""
    return st.integers(low, high)


@functools.cache
def one_of(values: tuple) -> st.SearchStrategy:
    return st.sampled_from(values)


@functools.cache
def _spread(size: int) -> np.ndarray:
    """Which pool byte each position takes: 0, 1, ..., 63, then a fixed pseudo-random pattern."""
    index = np.random.default_rng(0).integers(0, POOL, size=size)
    index[:POOL] = np.arange(min(POOL, size))
    return index


def from_pool(pool: bytes, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """An array of `dtype` and `shape` whose values come from 64 drawn bytes.

    Position i < 64 takes byte i; larger arrays reuse the bytes in a fixed scattered
    pattern. Byte 0 is value 0. Floats are quarter steps in [-8, 8], uint8 is the byte itself,
    other integers are -32..32.
    """
    dtype, size = np.dtype(dtype), int(np.prod(shape))
    raw = np.frombuffer(pool, np.uint8)[_spread(size)].reshape(shape)
    if dtype == np.uint8:
        return raw
    small = (raw.astype(np.int16) + 32) % 65 - 32
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(small, max(info.min, -32), min(info.max, 32)).astype(dtype)
    return small.astype(dtype) / dtype.type(4)


def draw_array(draw, dtype, shape: tuple[int, ...], label: str | None = None) -> np.ndarray:
    """Draw one array inside a composite strategy.

    The pool's size never depends on the shape, so hypothesis can shrink the shape and the
    values independently, down to a one-pixel counterexample.
    """
    return from_pool(draw(_POOL_BYTES, label=label), dtype, shape)


def arrays(dtype, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """The same arrays as a strategy, for use outside composites."""
    return _POOL_BYTES.map(lambda pool: from_pool(pool, dtype, shape))


def draw_conv_arrays(draw, dtype, x_shape: tuple, w_shape: tuple, bias: bool | None) -> dict:
    """x, w and b (F,) or None for a convolution: `bias` True always draws b, False never, None either."""
    with_bias = draw(st.booleans(), label="with bias") if bias is None else bias
    return {
        "x": draw_array(draw, dtype, x_shape, label="x"),
        "w": draw_array(draw, dtype, w_shape, label="w"),
        "b": draw_array(draw, np.float64, w_shape[:1], label="b") if with_bias else None,
    }


@st.composite
def image_and_kernel(draw, dtypes=FLOATS) -> dict:
    """One image (H, W) and one kernel (KH, KW) that fits inside it; non-square both."""
    H, W = draw(upto(MAX_SIDE), label="H"), draw(upto(MAX_SIDE), label="W")
    KH, KW = draw(upto(H), label="KH"), draw(upto(W), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"image": draw_array(draw, dtype, (H, W), label="image"),
            "kernel": draw_array(draw, dtype, (KH, KW), label="kernel")}


@st.composite
def batch_and_filters(draw, dtypes=FLOATS, bias: bool | None = False, max_side: int = MAX_SIDE) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with KH <= H and KW <= W, and b (F,) or None.

    `bias`: True always draws b, False never, None either.
    """
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    KH, KW = draw(upto(H), label="KH"), draw(upto(W), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


# --- Exercises 2-5: padding, stride, pooling, flattening ------------------------------------------

def draw_per_axis(draw, low: int, highs: tuple[int, int], label: str):
    """An `int | (int, int)` argument: (what to pass, (for H, for W)).

    One int for both axes (what the value shrinks to), or a pair with its own bound per axis.
    """
    if draw(st.booleans(), label=f"{label} is a pair"):
        value = tuple(draw(upto(high, low), label=f"{label} for {axis}") for high, axis in zip(highs, "HW"))
        return value, value
    value = draw(upto(min(highs), low), label=label)
    return value, (value, value)


@functools.cache
def _quarters(bound: int) -> st.SearchStrategy[float]:
    """Quarter steps in [-bound, bound], shrinking towards 0."""
    return st.integers(-4 * bound, 4 * bound).map(lambda k: k / 4)


@st.composite
def images_and_padding(draw, dtypes=FLOATS_AND_PIXELS, max_side: int = 8, max_pad: int = 4) -> dict:
    """x (N, C, H, W) and pad, int or (ph, pw), per side: often wider than the image itself."""
    N, C = draw(upto(2), label="N"), draw(upto(3), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    x = draw_array(draw, dtype, (N, C, H, W), label="x")
    pad, _ = draw_per_axis(draw, 0, (max_pad, max_pad), "pad")
    return {"x": x, "pad": pad}


@st.composite
def same_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = False, max_side: int = 8) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with odd KH, KW up to 7 (larger than the image too), b."""
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    KH, KW = draw(one_of((1, 3, 5, 7)), label="KH"), draw(one_of((1, 3, 5, 7)), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


@st.composite
def strided_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = None, max_side: int = 8,
                        max_stride: int = 4, max_padding: int = 3) -> dict:
    """x, w, b, stride, padding (each stride and padding an int or a pair).

    Strides may exceed the kernel (pixels skipped), padding may exceed it (windows of zeros
    only); the kernel fits in the padded image, so there is at least one output position.
    """
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    padding, (ph, pw) = draw_per_axis(draw, 0, (max_padding, max_padding), "padding")
    KH, KW = draw(upto(min(H + 2 * ph, 7)), label="KH"), draw(upto(min(W + 2 * pw, 7)), label="KW")
    stride, _ = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {**draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias), "stride": stride, "padding": padding}


@st.composite
def output_size_inputs(draw, max_size: int = 40) -> dict:
    """size, kernel (fits in the padded size), stride and padding: the ints of one axis."""
    size, padding = draw(upto(max_size), label="size"), draw(upto(5, 0), label="padding")
    kernel = draw(upto(min(size + 2 * padding, 11)), label="kernel")
    stride = draw(upto(6), label="stride")
    return {"size": size, "kernel": kernel, "stride": stride, "padding": padding}


POOL_FORMS = ("size and stride", "stride=None", "stride left out", "size and stride left out")


@st.composite
def pooling_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_side: int = 9, max_size: int = 4,
                   max_stride: int = 4, constant: bool = False) -> dict:
    """x (N, C, H, W) with size and stride (int or pair) that fit, or left to their defaults.

    Strides below the size overlap the windows, above it skip pixels. With `constant`, also
    `c`, a quarter step in [-8, 8] (for the invariant max_pool2d(x + c) == max_pool2d(x) + c).
    """
    N, C = draw(upto(2), label="N"), draw(upto(3), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    inputs = {"x": draw_array(draw, dtype, (N, C, H, W), label="x")}
    form = draw(one_of(POOL_FORMS if min(H, W) >= 2 else POOL_FORMS[:3]), label="form")
    if form != POOL_FORMS[3]:
        inputs["size"], _ = draw_per_axis(draw, 1, (min(H, max_size), min(W, max_size)), "size")
    if form == POOL_FORMS[0]:
        inputs["stride"], _ = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    elif form == POOL_FORMS[1]:
        inputs["stride"] = None
    if constant:
        inputs["c"] = draw(_quarters(8), label="c")
    return inputs


@st.composite
def flatten_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_ndim: int = 5) -> dict:
    """x (N, ...) with 2 to 5 axes, N up to 3, the others up to 4: (N, D), (N, C, H, W), ..."""
    ndim = draw(upto(max_ndim, 2), label="ndim")
    shape = (draw(upto(3), label="N"),) + tuple(draw(upto(4), label=f"axis {axis}") for axis in range(1, ndim))
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"x": draw_array(draw, dtype, shape, label="x")}


@st.composite
def dense_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_features: int = 8) -> dict:
    """x (N, D), w (M, D) in PyTorch's Linear layout, b (M,); uint8 x gets float weights."""
    N, D, M = draw(upto(4), label="N"), draw(upto(max_features), label="D"), draw(upto(max_features), label="M")
    dtype = np.dtype(draw(one_of(tuple(dtypes)), label="dtype"))
    weight_dtype = dtype if dtype.kind == "f" else np.float64
    return {
        "x": draw_array(draw, dtype, (N, D), label="x"),
        "w": draw_array(draw, weight_dtype, (M, D), label="w"),
        "b": draw_array(draw, weight_dtype, (M,), label="b"),
    }
