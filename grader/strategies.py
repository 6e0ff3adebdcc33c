"""Generic building blocks for the NumPy exercises' hypothesis strategies.

Values are random, never monotone (a "max pool" that returns a window's last element must
fail), and chosen so that every answer is exact in float32: floats are multiples of 1/4 in
[-8, 8], `uint8` pixels are 0-255 as in section 2. Shapes shrink towards 1, values towards 0,
so the counterexample a student sees is the smallest one that breaks their code.

Each exercise composes its own strategies from these in its declaration
(grader/catalog/<module>.py): nothing here is about one exercise.

Speed matters (a student waits for these): strategies are built once and reused, and an
array's values come from one drawn pool of bytes (see `draw_array`). They are deferred
(grader.deferred): the helpers that draw build them first, so that they serve a composite of
hypothesis's own `st` as well.
"""

from __future__ import annotations

import functools

import numpy as np

from grader.deferred import built, st

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
    return from_pool(draw(built(_POOL_BYTES), label=label), dtype, shape)


def arrays(dtype, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """The same arrays as a strategy, for use outside composites."""
    return _POOL_BYTES.map(lambda pool: from_pool(pool, dtype, shape))


def draw_conv_arrays(draw, dtype, x_shape: tuple, w_shape: tuple, bias: bool | None) -> dict:
    """x, w and b (F,) or None for a convolution: `bias` True always draws b, False never, None either."""
    with_bias = draw(built(st.booleans()), label="with bias") if bias is None else bias
    return {
        "x": draw_array(draw, dtype, x_shape, label="x"),
        "w": draw_array(draw, dtype, w_shape, label="w"),
        "b": draw_array(draw, np.float64, w_shape[:1], label="b") if with_bias else None,
    }


def draw_per_axis(draw, low: int, highs: tuple[int, int], label: str):
    """An `int | (int, int)` argument: (what to pass, (for H, for W)).

    One int for both axes (what the value shrinks to), or a pair with its own bound per axis.
    """
    if draw(built(st.booleans()), label=f"{label} is a pair"):
        value = tuple(draw(built(upto(high, low)), label=f"{label} for {axis}") for high, axis in zip(highs, "HW"))
        return value, value
    value = draw(built(upto(min(highs), low)), label=label)
    return value, (value, value)


@functools.cache
def quarters(bound: int) -> st.SearchStrategy[float]:
    """Quarter steps in [-bound, bound], shrinking towards 0."""
    return st.integers(-4 * bound, 4 * bound).map(lambda k: k / 4)
