"""Exercise 17, backward passes: what is checked, gradient checking, and the mistakes we name.

One feature per check: the core checks draw the plainest input of each layer (one image, square,
stride 1 and no padding for conv2d_backward; windows that tile the image, with one maximum each,
for pooling); padding, strides, (for H, for W) pairs, batches, overlapping windows and tied maxima
each have a check of their own. Each named mistake has fixed examples that expose it whatever the
seed (the `=` where `+=` belongs among them: overlapping windows that share a maximum); each check
family has a case at the lecture's sizes (a 28x28 MNIST and a 32x32x3 CIFAR-10 image).
"""

import functools

import numpy as np

from grader.authoring import (Example, Exercise, Falsified, Mismatch, Mistake, OneCall, answer_key, as_array,
                              compare_arrays, describe_value, draw_array, lecture_examples, one_of, quarters,
                              satisfies_property, st, upto)

key = answer_key(__name__)
F64 = np.float64


def _two_ints(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, np.integer)) else (int(value[0]), int(value[1]))


# --- Strategies: float64 inputs with the dout of the matching output shape ----------------------


@functools.cache
def _scramble(size: int) -> np.ndarray:
    """A fixed pseudo-random order of `size` positions: the same for the same size, every time."""
    return np.random.default_rng(17).permutation(size)


def distinct(x: np.ndarray) -> np.ndarray:
    """x's values replaced by distinct quarter steps in the same order (ties broken at fixed random).

    Every window then has one maximum, so max pooling's gradient has one right answer (and a
    numerical gradient exists); tied maxima have a check of their own.
    """
    keys = _scramble(x.size)
    order = np.lexsort((keys, x.ravel()))
    ranks = np.empty(x.size, dtype=np.int64)
    ranks[order] = np.arange(x.size)
    return ((ranks - x.size // 2) / 4).reshape(x.shape)


def _draw_conv_inputs(draw, feature: str = "", max_side: int = 6, max_kernel: int = 4, max_channels: int = 3) -> dict:
    """dout (N, F, H', W'), x (N, C, H, W), w (F, C, KH, KW), stride, padding.

    The core: N = 1, H = W, KH = KW, stride 1 and padding 0. `feature`: "padding" (1 or 2), "stride"
    (2 or 3), "pairs" (H, W and KH, KW of their own, stride and padding (for H, for W) pairs), "batch"
    (N = 2 or 3).
    """
    N = draw(upto(3, 2), label="N") if feature == "batch" else 1
    C, F = draw(upto(max_channels), label="C"), draw(upto(max_channels), label="F")
    H = draw(upto(max_side), label="H")
    W = draw(upto(max_side), label="W") if feature == "pairs" else H
    if feature == "pairs":
        padding = (draw(upto(1, 0), label="padding for H"), draw(upto(1, 0), label="padding for W"))
        stride = (draw(upto(2), label="stride for H"), draw(upto(2), label="stride for W"))
    else:
        padding = draw(upto(2, 1), label="padding") if feature == "padding" else 0
        stride = draw(upto(3, 2), label="stride") if feature == "stride" else 1
    (ph, pw) = _two_ints(padding)
    KH = draw(upto(min(H + 2 * ph, max_kernel)), label="KH")
    KW = draw(upto(min(W + 2 * pw, max_kernel)), label="KW") if feature == "pairs" else KH
    x = draw_array(draw, F64, (N, C, H, W), label="x")
    w = draw_array(draw, F64, (F, C, KH, KW), label="w")
    dout = draw_array(draw, F64, key.conv2d_output_shape(x.shape, w.shape, stride, padding), label="dout")
    return {"dout": dout, "x": x, "w": w, "stride": stride, "padding": padding}


def _draw_pool_inputs(draw, feature: str = "", max_side: int = 8, max_size: int = 3) -> dict:
    """dout, x (1, C, H, W), size and stride, x's values distinct (one maximum per window).

    The core: H = W, an int size and stride = size, so the windows tile the image. `feature`: "overlap"
    (an int stride below the size), "ties" (values 0, 1 and 2 only: tied maxima), "pairs" (H and W of
    their own, size and stride the pair (KH, KW)).
    """
    C = draw(upto(2), label="C")
    H = draw(upto(max_side, 3 if feature == "overlap" else 1), label="H")
    W = draw(upto(max_side), label="W") if feature == "pairs" else H
    if feature == "pairs":
        size = stride = (draw(upto(min(H, max_size)), label="KH"), draw(upto(min(W, max_size)), label="KW"))
    else:
        size = draw(upto(min(H, max_size), 2 if feature == "overlap" else 1), label="size")
        stride = draw(upto(size - 1), label="stride") if feature == "overlap" else size
    if feature == "ties":
        x = (draw_array(draw, np.uint8, (1, C, H, W), label="x") % 3).astype(F64)
    else:
        x = distinct(draw_array(draw, F64, (1, C, H, W), label="x"))
    (KH, KW), (sh, sw) = _two_ints(size), _two_ints(stride)
    dout = draw_array(draw, F64, (1, C, (H - KH) // sh + 1, (W - KW) // sw + 1), label="dout")
    return {"dout": dout, "x": x, "size": size, "stride": stride}


def _draw_dense_inputs(draw, max_features: int = 6) -> dict:
    """dout (N, M), x (N, D), w (M, D)."""
    N, D, M = draw(upto(4), label="N"), draw(upto(max_features), label="D"), draw(upto(max_features), label="M")
    return {"dout": draw_array(draw, F64, (N, M), label="dout"),
            "x": draw_array(draw, F64, (N, D), label="x"),
            "w": draw_array(draw, F64, (M, D), label="w")}


def _shape(draw, max_ndim: int = 4, max_side: int = 4) -> tuple:
    return tuple(draw(upto(max_side), label=f"axis {axis}") for axis in range(draw(upto(max_ndim), label="ndim")))


def _draw_relu_inputs(draw, away_from_zero: bool = False) -> dict:
    """dout and x of one drawn shape, 1 to 4 axes; x holds zeros (unless `away_from_zero`)."""
    shape = _shape(draw)
    x = draw_array(draw, F64, shape, label="x")
    return {"dout": draw_array(draw, F64, shape, label="dout"), "x": x + 0.125 if away_from_zero else x}


def _draw_quadratic_inputs(draw) -> dict:
    """x, a, c of one shape (1 to 3 axes) and h: f(x) = sum(a * x**2 + c * x), gradient 2 a x + c."""
    shape = _shape(draw, max_ndim=3)
    return {"x": draw_array(draw, F64, shape, label="x"), "a": draw_array(draw, F64, shape, label="a"),
            "c": draw_array(draw, F64, shape, label="c"), "h": draw(one_of((1e-2, 1e-3)), label="h")}


@st.composite
def _drawn(draw, drawer, options: tuple):
    """One composite for all of this module's strategies: hypothesis inspects each composite's source once."""
    return drawer(draw, **dict(options))


def conv_inputs(**options) -> st.SearchStrategy[dict]:
    return _drawn(_draw_conv_inputs, tuple(options.items()))


def pool_inputs(**options) -> st.SearchStrategy[dict]:
    return _drawn(_draw_pool_inputs, tuple(options.items()))


def dense_inputs(**options) -> st.SearchStrategy[dict]:
    return _drawn(_draw_dense_inputs, tuple(options.items()))


def relu_inputs(**options) -> st.SearchStrategy[dict]:
    return _drawn(_draw_relu_inputs, tuple(options.items()))


def quadratic_inputs(**options) -> st.SearchStrategy[dict]:
    return _drawn(_draw_quadratic_inputs, tuple(options.items()))


# The layers gradient checking visits: the backward's inputs, and which of them the loss varies.
GRADIENT_CHECKED = {
    "relu": (relu_inputs(away_from_zero=True), ("x",)),
    "dense": (dense_inputs(), ("x", "w", "b")),
    "conv2d": (conv_inputs(max_side=5, max_channels=2), ("x", "w", "b")),
    "max_pool2d": (pool_inputs(max_side=6), ("x",)),
    "avg_pool2d": (pool_inputs(), ("x",)),
}
LOSS_TEXT = {
    "relu": "sum(dout * relu(x))", "dense": "sum(dout * dense(x, w, b))",
    "conv2d": "sum(dout * conv2d_strided(x, w, b, stride, padding))",
    "max_pool2d": "sum(dout * max_pool2d(x, size, stride))", "avg_pool2d": "sum(dout * avg_pool2d(x, size, stride))",
}


def _draw_gradient_check_inputs(draw) -> dict:
    layer = draw(one_of(tuple(GRADIENT_CHECKED)), label="layer")
    inputs, wrt = draw(GRADIENT_CHECKED[layer][0]), draw(one_of(GRADIENT_CHECKED[layer][1]), label="with respect to")
    return {"layer": layer, "wrt": wrt, "inputs": inputs}


def gradient_check_inputs() -> st.SearchStrategy[dict]:
    return _drawn(_draw_gradient_check_inputs, ())


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes -------------------


def _arrays(**values) -> dict:
    """A fixed example: lists as float64 arrays, everything else as it is."""
    return {name: np.asarray(value, dtype=F64) if isinstance(value, list) else value for name, value in values.items()}


def _plane(rows) -> list:
    """One image of one channel, (1, 1, H, W)."""
    return [[rows]]


SPREAD = [[1, 2, 3], [9, 4, 5], [6, 7, 8]]  # 2x2 windows at stride 1: window (0, 0)'s maximum 9 is window (1, 0)'s too
QUADRATIC_FIXED = (
    _arrays(x=[1.0], a=[1.0], c=[0.0], h=0.01),  # central: 2; one-sided: 2.01
    {"x": quarters((3, 32, 32), 4), "a": quarters((3, 32, 32), 5), "c": quarters((3, 32, 32), 6), "h": 1e-3},
)
PUT_BACK_FIXED = (_arrays(x=[1.0], a=[1.0], c=[0.0], h=0.01),)  # x is 0.99 afterwards where it is not put back
RELU_FIXED = (
    _arrays(dout=[2.0], x=[1.0]),  # dout, not the mask's 1
    _arrays(dout=[1.0], x=[0.0]),  # nothing passes at x == 0
    {"dout": quarters((1, 1, 28, 28), 7), "x": quarters((1, 1, 28, 28), 8)},
    {"dout": quarters((1, 3, 32, 32), 9), "x": quarters((1, 3, 32, 32), 10)},
)
DENSE_FIXED = (
    _arrays(dout=[[1, 2, 3]], x=[[1, 2]], w=[[1, 0], [0, 1], [1, 1]]),  # dw is (3, 2), db (3,)
    {"dout": quarters((1, 10), 11), "x": quarters((1, 784), 12), "w": quarters((10, 784), 13)},
    {"dout": quarters((1, 10), 14), "x": quarters((1, 3072), 15), "w": quarters((10, 3072), 16)},
)
CONV_CORE = (
    # Four 2x2 windows overlap at the centre: its gradient adds four terms. padding 0: nothing to crop.
    _arrays(dout=_plane([[1, 2], [3, 4]]), x=_plane(SPREAD), w=_plane([[1, -1], [2, 1]]), stride=1, padding=0),
    {"dout": quarters((1, 2, 24, 24), 17), "x": quarters((1, 1, 28, 28), 18), "w": quarters((2, 1, 5, 5), 19),
     "stride": 1, "padding": 0},
    {"dout": quarters((1, 2, 30, 30), 20), "x": quarters((1, 3, 32, 32), 21), "w": quarters((2, 3, 3, 3), 22),
     "stride": 1, "padding": 0},
)
CONV_PADDING = (
    _arrays(dout=_plane([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), x=[[[[1]]]], w=[[[[2]]]], stride=1, padding=1),
    {"dout": quarters((1, 2, 32, 32), 23), "x": quarters((1, 3, 32, 32), 24), "w": quarters((2, 3, 3, 3), 25),
     "stride": 1, "padding": 1},  # a CIFAR-10 image, 'same' padding
)
CONV_STRIDE = (_arrays(dout=_plane([[1, 2], [3, 4]]), x=_plane(np.arange(16).reshape(4, 4).tolist()),
                       w=_plane([[1, 2], [3, 4]]), stride=2, padding=0),)
CONV_PAIRS = (_arrays(dout=_plane([[1], [2], [3], [4]]), x=_plane([[1, 2, 3], [4, 5, 6]]), w=_plane([[1, -1]]),
                      stride=(1, 2), padding=(1, 0)),)
CONV_BATCH = (_arrays(dout=[[[[1]]], [[[2]]]], x=[[[[3]]], [[[4]]]], w=[[[[5]]]], stride=1, padding=0),)


def _pooled(x_shape: tuple, size: int, stride: int, seed: int) -> dict:
    """A fixed pooling example: x of distinct values, the dout of its output's shape."""
    rows, cols = ((side - size) // stride + 1 for side in x_shape[2:])
    return {"dout": quarters((*x_shape[:2], rows, cols), seed), "x": distinct(quarters(x_shape, seed + 1)),
            "size": size, "stride": stride}


MNIST_POOL, CIFAR_POOL = _pooled((1, 1, 28, 28), 2, 2, 26), _pooled((1, 3, 32, 32), 2, 2, 28)
CIFAR_OVERLAP = _pooled((1, 3, 32, 32), 3, 2, 30)  # 3x3 windows at stride 2: 15x15 of them
MAX_CORE = (_arrays(dout=[[[[1]]]], x=_plane([[1, 3], [4, 2]]), size=2, stride=2), MNIST_POOL, CIFAR_POOL)
AVG_CORE = (_arrays(dout=[[[[1]]]], x=_plane([[1, 3], [4, 2]]), size=2, stride=2), MNIST_POOL, CIFAR_POOL)
# Windows (0, 0) and (1, 0) share the maximum 9: it gets 1 + 3. Window (0, 1)'s maximum 5 is a pixel of
# window (1, 1), which must not erase it.
MAX_OVERLAP = (_arrays(dout=_plane([[1, 2], [3, 4]]), x=_plane(SPREAD), size=2, stride=1), CIFAR_OVERLAP)
AVG_OVERLAP = (_arrays(dout=_plane([[1, 2], [3, 4]]), x=_plane(SPREAD), size=2, stride=1), CIFAR_OVERLAP)
MAX_TIES = (_arrays(dout=[[[[1]]]], x=_plane([[1, 1], [1, 1]]), size=2, stride=2),)  # 1 to one of the four
POOL_PAIRS = (_arrays(dout=_plane([[1, 2, 3]]), x=_plane([[1, 5, 2], [4, 3, 6]]), size=(2, 1), stride=(2, 1)),)
GRADIENT_CHECK_FIXED = (  # a 28x28 image through ReLU (the 32x32x3 case of numerical_gradient: its own check)
    {"layer": "relu", "wrt": "x", "inputs": {"dout": quarters((1, 1, 28, 28), 32),
                                             "x": quarters((1, 1, 28, 28), 33) + 0.125}},
)

# --- Comparing gradients -------------------------------------------------------------------------

OUTPUTS = {"conv2d_backward": ("dx", "dw", "db"), "dense_backward": ("dx", "dw", "db")}
REFERENCES = {"conv2d_backward": key.conv2d_backward, "dense_backward": key.dense_backward,
              "max_pool2d_backward": key.max_pool2d_backward, "avg_pool2d_backward": key.avg_pool2d_backward,
              "relu_backward": key.relu_backward}


def _parts(function: str, value) -> dict | None:
    """{"dx": ..., "dw": ..., "db": ...} of a backward pass's answer, or None if it is not such a tuple."""
    names = OUTPUTS.get(function, ("dx",))
    if function not in OUTPUTS:
        return {"dx": value}
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        return None
    return dict(zip(names, value))


def gradients_mismatch(function: str, expected, actual, **tolerance) -> Mismatch | None:
    got, names = _parts(function, actual), OUTPUTS.get(function)
    if got is None:
        return Mismatch(f"returned {describe_value(actual)}, expected a tuple ({', '.join(names)})")
    for name, want in _parts(function, expected).items():
        mismatch = compare_arrays(want, got[name], **tolerance)
        if mismatch is not None:
            what = f"a wrong {name}: " if names else ""
            return Mismatch(f"returned {what}{mismatch.message.removeprefix('returned ')}", mismatch.differences)
    return None


def _backward_matches(function: str) -> OneCall:
    reference = REFERENCES[function]

    def judge(session, drawn: dict, expected, actual) -> None:
        mismatch = gradients_mismatch(function, expected, actual)
        if mismatch is not None:
            raise Falsified(f"{function} {mismatch.message}", function=function, inputs=drawn, expected=expected,
                            outcome=session.last_outcome, differences=mismatch.differences)
    return OneCall(function, lambda drawn: (drawn, reference(**drawn)), judge)


def one_maximum_each(dout, maxima, dx) -> bool:
    """Can `dx` be made by sending each window's dout to ONE of its maxima (any, if tied)?

    `maxima[n, c, i, j]` lists the flat positions in x's (H, W) plane of window (i, j)'s maxima
    (-1 for a pixel that is not one); the windows do not overlap.
    """
    dx = np.asarray(dx, dtype=F64)
    plane = dx.reshape(*dx.shape[:2], -1)
    reached = np.zeros(plane.shape, dtype=bool)
    for n, c, i, j in np.ndindex(*np.shape(dout)):
        where = maxima[n, c, i, j][maxima[n, c, i, j] >= 0]
        got, g = plane[n, c, where], dout[n, c, i, j]
        reached[n, c, where] = True
        zeros = int(np.isclose(got, 0).sum())
        if not (zeros == len(got) if g == 0 else np.isclose(got, g).sum() == 1 and zeros == len(got) - 1):
            return False
    return bool(np.allclose(plane[~reached], 0))


def _any_tied_maximum(session, drawn: dict) -> None:
    """max_pool2d_backward's answer sends each window's dout to one of its tied maxima (the reference's or another)."""
    expected, maxima = key.max_pool2d_backward(**drawn), key.window_maxima(**drawn)
    actual = session.call("max_pool2d_backward", drawn, expected=expected)
    mismatch, dx = compare_arrays(expected, actual), as_array(actual)
    if mismatch is not None and not (dx is not None and dx.shape == expected.shape and dx.dtype.kind == "f"
                                     and one_maximum_each(drawn["dout"], maxima, dx)):
        raise Falsified(f"max_pool2d_backward {mismatch.message}, and it is not each window's dout sent to one of "
                        "its tied maxima", function="max_pool2d_backward", inputs=drawn, expected=expected,
                        outcome=session.last_outcome, differences=mismatch.differences)


# --- numerical_gradient and gradient checking ------------------------------------------------------

QUADRATIC = "f = lambda x: np.sum(a * x**2 + c * x), whose gradient is 2*a*x + c"


def _numerical(session, drawn: dict) -> dict:
    answer = session.request("gradcheck.numerical_gradient",
                             {"loss": "quadratic", "wrt": "x", "h": drawn["h"],
                              "values": {name: drawn[name] for name in ("x", "a", "c")}},
                             function="numerical_gradient", inputs=drawn)
    if not isinstance(answer, dict):
        raise Falsified(f"numerical_gradient: the worker answered {describe_value(answer)}",
                        function="numerical_gradient", inputs=drawn, outcome=session.last_outcome)
    return answer


def _central_differences(session, drawn: dict) -> None:
    expected = 2 * drawn["a"] * drawn["x"] + drawn["c"]
    answer = _numerical(session, drawn)
    mismatch = compare_arrays(expected, answer.get("gradient"), rtol=1e-6, atol=1e-6)
    if mismatch is not None:
        raise Falsified(f"numerical_gradient(f, x, h={drawn['h']:g}) {mismatch.message}, for {QUADRATIC}",
                        function="numerical_gradient", inputs=drawn, expected=expected,
                        outcome=session.last_outcome, differences=mismatch.differences)


def _x_put_back(session, drawn: dict) -> None:
    """x holds its values again after the call (for a numerical_gradient that computes roughly the gradient)."""
    answer = _numerical(session, drawn)
    expected = 2 * drawn["a"] * drawn["x"] + drawn["c"]
    rough = compare_arrays(expected, answer.get("gradient"), rtol=1e-2, atol=0.1)
    if rough is not None:  # doing nothing leaves x alone too
        raise Falsified(f"numerical_gradient(f, x, h={drawn['h']:g}) {rough.message}, for {QUADRATIC}: x is "
                        "checked once the gradient is about right", function="numerical_gradient", inputs=drawn,
                        expected=expected, outcome=session.last_outcome, differences=rough.differences)
    mismatch = compare_arrays(drawn["x"], answer.get("x"), rtol=1e-9, atol=1e-9)
    if mismatch is not None:
        raise Falsified(f"after numerical_gradient(f, x, h={drawn['h']:g}), x is not what it was: it holds wrong "
                        f"{mismatch.message.removeprefix('returned wrong ')}",
                        function="numerical_gradient", inputs=drawn, expected=drawn["x"],
                        outcome=session.last_outcome, differences=mismatch.differences)


def _gradient_check(session, drawn: dict) -> None:
    """Your backward pass agrees with your numerical_gradient of the loss (and both with the truth)."""
    layer, wrt, inputs = drawn["layer"], drawn["wrt"], drawn["inputs"]
    function, name = f"{layer}_backward", f"d{wrt}"
    expected = REFERENCES[function](**inputs)
    truth = _parts(function, expected)[name]
    analytic = _parts(function, session.call(function, inputs))
    analytic_outcome = session.last_outcome
    if analytic is None:
        mismatch = gradients_mismatch(function, expected, analytic_outcome.value)
        raise Falsified(f"{function} {mismatch.message}", function=function, inputs=inputs, expected=expected,
                        outcome=analytic_outcome)
    point = {**inputs, "b": np.zeros(len(inputs["w"]))} if layer in ("dense", "conv2d") else inputs
    varied = np.asarray(point[wrt], dtype=F64)  # L is linear in it, near this point: its slope is the truth
    loss = {"x": varied, "g": truth, "c": key.layer_loss(layer, point) - float(np.sum(truth * varied))}
    answer = session.request("gradcheck.numerical_gradient", {"loss": "linear", "wrt": "x", "values": loss, "h": None},
                             function="numerical_gradient", inputs=inputs)
    numeric = answer.get("gradient") if isinstance(answer, dict) else answer
    wrong_numeric = compare_arrays(truth, numeric, rtol=1e-4, atol=1e-4)
    if wrong_numeric is not None:
        raise Falsified(f"gradient checking: your numerical_gradient of L = {LOSS_TEXT[layer]} with respect to "
                        f"{wrt} {wrong_numeric.message}", function="numerical_gradient", inputs=inputs,
                        expected=truth, outcome=session.last_outcome, differences=wrong_numeric.differences)
    wrong_analytic = compare_arrays(truth, analytic[name], rtol=1e-4, atol=1e-4)
    if wrong_analytic is not None:
        # Shown against their own numerical gradient, which is within tolerance of the truth (checked
        # above); where the two tolerances add up so that it is within tolerance of both, against the truth.
        disagreement = compare_arrays(np.asarray(numeric, dtype=F64), analytic[name], rtol=1e-4, atol=1e-4)
        against = "your numerical_gradient"
        if disagreement is None:
            disagreement, against = wrong_analytic, "the true gradient"
        raise Falsified(f"gradient checking: {function}'s {name} disagrees with {against} of "
                        f"L = {LOSS_TEXT[layer]} with respect to {wrt}: "
                        f"{disagreement.message.removeprefix('returned ')}",
                        function=function, inputs=inputs, expected=expected, outcome=analytic_outcome,
                        differences=disagreement.differences)


# --- The lecture's example (section 6's feature map, run backwards) ---------------------------------

FEATURE_MAP = np.array([[5, 2, 4, 1],  # section 6, the map exercise 4 pools
                        [3, 2, 2, 9],
                        [4, 1, 1, 3],
                        [1, 2, 0, 0]])

POOL_DOUT = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
MAX_POOL_EXAMPLES = [
    Example("the 4x4 feature map of section 6, backwards", {"dout": POOL_DOUT, "x": FEATURE_MAP[None, None] * 1.0},
            np.array([[[[1, 0, 0, 0], [0, 0, 0, 2], [3, 0, 0, 4], [0, 0, 0, 0]]]]),
            note="Max pooling kept 5, 9, 4 and 3 (section 6), so only those four pixels get a gradient: window "
                 "(0, 0)'s dout 1 goes to the 5 at [0, 0], window (0, 1)'s 2 to the 9 at [1, 3], window (1, 0)'s "
                 "3 to the 4 at [2, 0], window (1, 1)'s 4 to the 3 at [2, 3]; every other pixel gets 0."),
]


# --- Known mistakes, told by behaviour -----------------------------------------------------------

def _got(function: str, outcome, name: str = "dx"):
    parts = _parts(function, outcome.value) if outcome.ok else None
    return as_array(parts[name]) if parts is not None else None


def _close(a, b) -> bool:
    return a is not None and b is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _padding_not_cropped(inputs, expected, outcome):
    dx, (ph, pw), (N, C, H, W) = _got("conv2d_backward", outcome), _two_ints(inputs["padding"]), inputs["x"].shape
    return bool(ph or pw) and dx is not None and dx.shape == (N, C, H + 2 * ph, W + 2 * pw) \
        and _close(dx[:, :, ph:ph + H, pw:pw + W], expected[0])


def _cropped_to_nothing(inputs, expected, outcome):
    """dx is empty along each axis whose padding is 0 and x's size along the others: dx_padded[p:-p] with
    p = 0 is the slice 0:0."""
    dx, (ph, pw), (N, C, H, W) = _got("conv2d_backward", outcome), _two_ints(inputs["padding"]), inputs["x"].shape
    return (ph == 0 or pw == 0) and dx is not None and dx.shape == (N, C, H if ph else 0, W if pw else 0)


def _db_not_summed(function: str):
    def detect(inputs, expected, outcome):
        db, dout = _got(function, outcome, "db"), np.asarray(inputs["dout"])
        if db is None or _close(db, expected[2]):
            return False
        axes = [(), (0,), (1,)] if function == "dense_backward" else [(), (0,), (2,), (3,), (0, 2), (0, 3), (2, 3)]
        return any(_close(db, dout.sum(axis=partial)) for partial in axes)
    return detect


def _dense_dw_transposed(inputs, expected, outcome):
    dw = _got("dense_backward", outcome, "dw")
    return dw is not None and not _close(dw, expected[1]) and _close(dw, expected[1].T)


def _covering(length: int, count: int, kernel: int, step: int) -> np.ndarray:
    """How many of `count` windows of `kernel` pixels, `step` apart from 0, cover each of `length` positions."""
    starts, positions = np.arange(count) * step, np.arange(length)[:, None]
    return ((positions >= starts) & (positions < starts + kernel)).sum(axis=1)


def _terms_per_pixel(inputs) -> np.ndarray:
    """(H, W): how many (window, filter) terms reach each pixel of x: windows covering it times F."""
    (_, F, H_out, W_out), (_, _, KH, KW) = inputs["dout"].shape, inputs["w"].shape
    (H, W), (sh, sw), (ph, pw) = inputs["x"].shape[2:], _two_ints(inputs["stride"]), _two_ints(inputs["padding"])
    rows = _covering(H + 2 * ph, H_out, KH, sh)[ph:ph + H]
    cols = _covering(W + 2 * pw, W_out, KW, sw)[pw:pw + W]
    return F * np.outer(rows, cols)


def _overwritten_where_terms_meet(inputs, expected, outcome):
    """dw and db right, dx wrong only at pixels that several (window, filter) terms reach: `=` where `+=` belongs."""
    got = {name: _got("conv2d_backward", outcome, name) for name in ("dx", "dw", "db")}
    if not (_close(got["dw"], expected[1]) and _close(got["db"], expected[2])) or got["dx"] is None \
            or got["dx"].shape != np.shape(expected[0]):
        return False
    wrong = ~np.isclose(got["dx"], expected[0])
    return bool(wrong.any()) and bool(np.all(_terms_per_pixel(inputs)[np.any(wrong, axis=(0, 1))] > 1))


def _one_sided(inputs, expected, outcome):
    gradient = as_array(outcome.value.get("gradient")) if outcome.ok and isinstance(outcome.value, dict) else None
    step = inputs["a"] * inputs["h"]
    return gradient is not None and not _close(gradient, expected) and bool(step.any()) \
        and (_close(gradient, expected + step) or _close(gradient, expected - step))


def _left_perturbed(inputs, expected, outcome):
    x = as_array(outcome.value.get("x")) if outcome.ok and isinstance(outcome.value, dict) else None
    return x is not None and x.shape == inputs["x"].shape and not np.allclose(x, inputs["x"], rtol=1e-9, atol=1e-9)


ACCUMULATE = ("`=` where `+=` belongs: where windows overlap (stride below the window size) or several filters "
              "and positions reach the same input pixel, their gradients ADD up. Assigning keeps only the last "
              "one; use dx[...] += ... (or np.add.at).")
MASK_ASSIGNED = ("dx[window] = mask * dout overwrites the whole window: the mask's zeros erase what an earlier, "
                 "overlapping window sent to a pixel it shares, and a maximum two windows share keeps only the "
                 "last dout. Add instead: dx[window] += mask * dout.")
DB = ("db is not summed over every axis it was broadcast along: the bias b[f] is added at every sample and "
      "every output position, so db[f] = dout[:, f].sum() over N, H' and W' (dense: over N), shape (F,).")
CROP = ("dx comes back empty where the padding is 0: dx_padded[:, :, pad:-pad, pad:-pad] is the slice 0:-0, "
        "that is 0:0, when pad is 0 (the deeplearning.ai template's crop). Count the end from the start instead: "
        "dx = dx_padded[:, :, ph:ph + H, pw:pw + W] is right for every padding.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("one_sided_difference", "numerical_gradient",
            "That is a one-sided difference, (f(x + h) - f(x)) / h: its error grows with h (here a*h for each "
            "element). Central differences, (f(x + h) - f(x - h)) / (2h), are exact on a quadratic and far "
            "more accurate in general.",
            detect=_one_sided),
    Mistake("x_left_perturbed", "numerical_gradient",
            "x is not put back: after f(x + h) and f(x - h), restore x[i] to the value it had "
            "(keep it in a variable first). Otherwise the next elements are measured at a shifted x, and the "
            "caller's x is changed.",
            detect=_left_perturbed),
    Mistake("relu_mask_only", "relu_backward",
            "relu_backward returned the 0/1 mask x > 0 instead of the gradient: multiply it by dout, "
            "dout * (x > 0).",
            reproduce=key.relu_mask),
    Mistake("relu_at_zero", "relu_backward",
            "The gradient passes at x == 0 too: ReLU's input must be strictly positive, dout * (x > 0) "
            "(PyTorch's choice at the kink), not x >= 0.",
            reproduce=key.relu_backward_at_zero),
    Mistake("dense_dw_transposed", "dense_backward",
            "dw is transposed: it has w's shape (M, D), PyTorch's Linear layout, so dw = dout.T @ x; "
            "x.T @ dout is (D, M).",
            detect=_dense_dw_transposed),
    Mistake("db_not_summed", "dense_backward", DB, detect=_db_not_summed("dense_backward")),
    Mistake("db_not_summed", "conv2d_backward", DB, detect=_db_not_summed("conv2d_backward")),
    Mistake("padding_not_cropped", "conv2d_backward",
            "dx still has the padding: the forward pass padded x, so the gradient you accumulate is for the "
            "padded image; crop it back, dx = dx_padded[:, :, ph:ph+H, pw:pw+W], to x's shape.",
            detect=_padding_not_cropped),
    Mistake("crop_minus_padding", "conv2d_backward", CROP, detect=_cropped_to_nothing),
    Mistake("overwrite_not_accumulate", "conv2d_backward", ACCUMULATE, detect=_overwritten_where_terms_meet),
    Mistake("to_every_tied_maximum", "max_pool2d_backward",
            "A window whose maximum appears more than once sent its gradient to EVERY copy: the max picks one "
            "input, so only one of them gets dout (any one; np.argmax takes the first). Otherwise the "
            "gradient is counted several times.",
            reproduce=key.max_pool2d_backward_to_every_maximum),
    Mistake("max_pool_assigns", "max_pool2d_backward", ACCUMULATE, reproduce=key.max_pool2d_backward_assigned),
    Mistake("max_pool_mask_assigns", "max_pool2d_backward", MASK_ASSIGNED,
            reproduce=key.max_pool2d_backward_mask_assigned),
    Mistake("avg_pool_assigns", "avg_pool2d_backward", ACCUMULATE, reproduce=key.avg_pool2d_backward_assigned),
    Mistake("avg_not_divided", "avg_pool2d_backward",
            "The gradient is not divided by the window's area: the forward pass divides the sum by KH * KW, so "
            "each pixel of a window gets dout / (KH * KW).",
            reproduce=key.avg_pool2d_backward_undivided),
)


def _backward_check(function: str, inputs, *, name: str, points: float, description: str, examples: tuple,
                    max_examples: int = 8):
    return satisfies_property(function, _backward_matches(function), inputs, name=f"{function}: {name}",
                              points=points, description=description, examples=examples, max_examples=max_examples)


EXERCISE = Exercise(
    id="exercise17",
    module=__name__.rpartition(".")[2],
    title="Backward passes",
    section="4-7 run backwards, beyond the lecture",
    points=10,
    summary="conv2d_backward, max_pool2d_backward, avg_pool2d_backward, dense_backward, relu_backward and "
            "numerical_gradient(f, x, h=1e-5)",
    functions=("numerical_gradient", "relu_backward", "dense_backward", "conv2d_backward", "max_pool2d_backward",
               "avg_pool2d_backward"),
    checks=(
        satisfies_property(
            "numerical_gradient", _central_differences, quadratic_inputs(),
            name="numerical_gradient: central differences", points=1, max_examples=6, examples=QUADRATIC_FIXED,
            description="f(x) = sum(a * x**2 + c * x) for drawn x, a, c with 1 to 3 axes and h = 0.01 or 0.001, "
                        "a 32x32x3 x included: central differences give 2*a*x + c exactly (to rounding); "
                        "one-sided ones are off by a*h."),
        satisfies_property(
            "numerical_gradient", _x_put_back, quadratic_inputs(),
            name="numerical_gradient: x is put back", points=0.5, max_examples=6, examples=PUT_BACK_FIXED,
            description="After the call, x holds its original values (to float rounding), and the gradient "
                        "returned is about right (doing nothing is not putting x back)."),
        _backward_check(
            "relu_backward", relu_inputs(), name="matches the reference", points=0.5, examples=RELU_FIXED,
            description="dout where x > 0, else 0 (x == 0 included), for drawn shapes with 1 to 4 axes, a 28x28 "
                        "and a 32x32x3 one included."),
        _backward_check(
            "dense_backward", dense_inputs(), name="matches the reference", points=0.5, examples=DENSE_FIXED,
            description="dx (N, D), dw (M, D) and db (M,) for drawn N, D, M; a flattened 28x28 and 32x32x3 "
                        "image into 10 outputs."),
        _backward_check(
            "conv2d_backward", conv_inputs(), name="matches the reference", points=1, examples=CONV_CORE,
            max_examples=10,
            description="dx, dw and db for one square image, stride 1 and no padding: windows overlap, so each "
                        "pixel's gradient adds up the terms of every window and filter reaching it. A 28x28 image "
                        "with two 5x5 filters, a 32x32x3 image with two 3x3 filters."),
        _backward_check(
            "conv2d_backward", conv_inputs(feature="padding"), name="padding", points=0.5, examples=CONV_PADDING,
            description="padding 1 or 2: dx is the padded image's gradient with the padding cropped off, x's "
                        "shape (a 32x32x3 image with 'same' padding included)."),
        _backward_check(
            "conv2d_backward", conv_inputs(feature="stride"), name="strides", points=0.5, examples=CONV_STRIDE,
            description="stride 2 or 3, no padding: window (i, j) starts at row i * stride."),
        _backward_check(
            "conv2d_backward", conv_inputs(feature="pairs"), name="(for H, for W) pairs", points=0.5,
            examples=CONV_PAIRS,
            description="Non-square images and kernels, stride and padding as (for H, for W) pairs."),
        _backward_check(
            "conv2d_backward", conv_inputs(feature="batch"), name="a batch of images", points=0.5,
            examples=CONV_BATCH,
            description="N = 2 or 3 images: dx[n] from image n, dw and db summed over the batch."),
        lecture_examples(
            "max_pool2d_backward", MAX_POOL_EXAMPLES, points=0.5, name="max_pool2d_backward: the lecture's feature map",
            description="Section 6's 4x4 map with 2x2 windows, backwards: the gradient goes to 5, 9, 4 and 3."),
        _backward_check(
            "max_pool2d_backward", pool_inputs(), name="matches the reference", points=0.5, examples=MAX_CORE,
            description="Windows that tile one square image (stride = size), each with one maximum: its dout goes "
                        "there. A 28x28 and a 32x32x3 image."),
        _backward_check(
            "max_pool2d_backward", pool_inputs(feature="overlap"), name="overlapping windows", points=0.5,
            examples=MAX_OVERLAP,
            description="stride below the size: where windows share a maximum, their gradients add up."),
        satisfies_property(
            "max_pool2d_backward", _any_tied_maximum, pool_inputs(feature="ties"), points=0.5,
            name="max_pool2d_backward: tied maxima", examples=MAX_TIES, max_examples=8,
            description="Values 0, 1 and 2 only, so windows hold several equal maxima: the window's dout goes to "
                        "any ONE of them."),
        _backward_check(
            "max_pool2d_backward", pool_inputs(feature="pairs"), name="(for H, for W) pairs", points=0.5,
            examples=POOL_PAIRS, description="Non-square images, size and stride (KH, KW)."),
        _backward_check(
            "avg_pool2d_backward", pool_inputs(), name="matches the reference", points=0.5, examples=AVG_CORE,
            description="Windows that tile one square image: dout / (KH * KW) to every pixel of each window. A "
                        "28x28 and a 32x32x3 image."),
        _backward_check(
            "avg_pool2d_backward", pool_inputs(feature="overlap"), name="overlapping windows", points=0.5,
            examples=AVG_OVERLAP,
            description="stride below the size: where windows overlap, their gradients add up."),
        _backward_check(
            "avg_pool2d_backward", pool_inputs(feature="pairs"), name="(for H, for W) pairs", points=0.5,
            examples=POOL_PAIRS, description="Non-square images, size and stride (KH, KW)."),
        satisfies_property(
            ("numerical_gradient", "relu_backward", "dense_backward", "conv2d_backward",
             "max_pool2d_backward", "avg_pool2d_backward"), _gradient_check, gradient_check_inputs(),
            name="gradient checking with your numerical_gradient", points=0.5, max_examples=6,
            examples=GRADIENT_CHECK_FIXED,
            description="For each layer, your numerical_gradient of L = sum(dout * layer(...)) agrees with the "
                        "true gradient, and your backward pass agrees with it; ReLU on a 28x28 image included."),
    ),
    mistakes=MISTAKES,
)
