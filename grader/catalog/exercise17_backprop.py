"""Exercise 17, backward passes: what is checked, gradient checking, and the mistakes we name."""

import functools

import numpy as np
from hypothesis import strategies as st

from grader.checks import Falsified, lecture_examples, satisfies_property
from grader.compare import Mismatch, as_array, compare_arrays, describe_value
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import draw_array, draw_per_axis, one_of, upto
from reference import backprop as ref
from reference.padding import pair

# --- Strategies: float64 inputs with the dout of the matching output shape ----------------------

POOL_FORMS = ("size and stride", "stride=None", "stride left out", "size and stride left out")


@functools.cache
def _scramble(size: int) -> np.ndarray:
    """A fixed pseudo-random order of `size` positions: the same for the same size, every time."""
    return np.random.default_rng(17).permutation(size)


def distinct(x: np.ndarray) -> np.ndarray:
    """x's values replaced by distinct quarter steps in the same order (ties broken at fixed random).

    Where windows overlap, a tie is shared by several windows and "any one of the tied maxima"
    has many right answers; numerical gradients are also undefined at a tie. Distinct values
    keep the answer unique there; ties stay in the non-overlapping draws.
    """
    keys = _scramble(x.size)
    order = np.lexsort((keys, x.ravel()))
    ranks = np.empty(x.size, dtype=np.int64)
    ranks[order] = np.arange(x.size)
    return ((ranks - x.size // 2) / 4).reshape(x.shape)


def overlapping(KH: int, KW: int, sh: int, sw: int) -> bool:
    return sh < KH or sw < KW


def _draw_conv_inputs(draw, max_side: int = 7, max_stride: int = 3, max_padding: int = 2, max_channels: int = 3) -> dict:
    """dout (N, F, H', W'), x (N, C, H, W), w (F, C, KH, KW), stride, padding (ints or pairs)."""
    N, C, F = draw(upto(2), label="N"), draw(upto(max_channels), label="C"), draw(upto(max_channels), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    padding, (ph, pw) = draw_per_axis(draw, 0, (max_padding, max_padding), "padding")
    KH, KW = draw(upto(min(H + 2 * ph, 5)), label="KH"), draw(upto(min(W + 2 * pw, 5)), label="KW")
    stride, (sh, sw) = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    H_out, W_out = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    return {"dout": draw_array(draw, np.float64, (N, F, H_out, W_out), label="dout"),
            "x": draw_array(draw, np.float64, (N, C, H, W), label="x"),
            "w": draw_array(draw, np.float64, (F, C, KH, KW), label="w"), "stride": stride, "padding": padding}


def _draw_pool_inputs(draw, max_side: int = 8, max_size: int = 3, max_stride: int = 3, always_distinct: bool = False) -> dict:
    """dout, x (N, C, H, W), and size and stride as in exercise 4 (or left to their defaults).

    x has distinct values where windows overlap (and everywhere with `always_distinct`).
    """
    N, C = draw(upto(2), label="N"), draw(upto(2), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    x = draw_array(draw, np.float64, (N, C, H, W), label="x")
    form = draw(one_of(POOL_FORMS if min(H, W) >= 2 else POOL_FORMS[:3]), label="form")
    arguments, size, stride = {}, 2, None
    if form != POOL_FORMS[3]:
        arguments["size"], _ = size, _ = draw_per_axis(draw, 1, (min(H, max_size), min(W, max_size)), "size")
    if form == POOL_FORMS[0]:
        arguments["stride"], _ = stride, _ = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    elif form == POOL_FORMS[1]:
        arguments["stride"] = None
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    if always_distinct or overlapping(KH, KW, sh, sw):
        x = distinct(x)
    dout = draw_array(draw, np.float64, (N, C, (H - KH) // sh + 1, (W - KW) // sw + 1), label="dout")
    return {"dout": dout, "x": x, **arguments}


def _draw_dense_inputs(draw, max_features: int = 6) -> dict:
    """dout (N, M), x (N, D), w (M, D)."""
    N, D, M = draw(upto(4), label="N"), draw(upto(max_features), label="D"), draw(upto(max_features), label="M")
    return {"dout": draw_array(draw, np.float64, (N, M), label="dout"),
            "x": draw_array(draw, np.float64, (N, D), label="x"),
            "w": draw_array(draw, np.float64, (M, D), label="w")}


def _shape(draw, max_ndim: int = 4, max_side: int = 4) -> tuple:
    return tuple(draw(upto(max_side), label=f"axis {axis}") for axis in range(draw(upto(max_ndim), label="ndim")))


def _draw_relu_inputs(draw, away_from_zero: bool = False) -> dict:
    """dout and x of one drawn shape, 1 to 4 axes; x holds zeros (unless `away_from_zero`)."""
    shape = _shape(draw)
    x = draw_array(draw, np.float64, shape, label="x")
    return {"dout": draw_array(draw, np.float64, shape, label="dout"), "x": x + 0.125 if away_from_zero else x}


def _draw_quadratic_inputs(draw) -> dict:
    """x, a, c of one shape (1 to 3 axes) and h: f(x) = sum(a * x**2 + c * x), gradient 2 a x + c."""
    shape = _shape(draw, max_ndim=3)
    return {"x": draw_array(draw, np.float64, shape, label="x"), "a": draw_array(draw, np.float64, shape, label="a"),
            "c": draw_array(draw, np.float64, shape, label="c"), "h": draw(one_of((1e-2, 1e-3)), label="h")}


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


QUADRATICS, RELU_INPUTS, DENSE_INPUTS, CONV_INPUTS, POOL_INPUTS = (
    quadratic_inputs(), relu_inputs(), dense_inputs(), conv_inputs(), pool_inputs())

# The layers gradient checking visits: the backward's inputs, and which of them the loss varies.
GRADIENT_CHECKED = {
    "relu": (relu_inputs(away_from_zero=True), ("x",)),
    "dense": (DENSE_INPUTS, ("x", "w", "b")),
    "conv2d": (conv_inputs(max_side=5, max_channels=2), ("x", "w", "b")),
    "max_pool2d": (pool_inputs(max_side=6, always_distinct=True), ("x",)),
    "avg_pool2d": (POOL_INPUTS, ("x",)),
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


# --- Comparing gradients -------------------------------------------------------------------------

OUTPUTS = {"conv2d_backward": ("dx", "dw", "db"), "dense_backward": ("dx", "dw", "db")}
REFERENCES = {"conv2d_backward": ref.conv2d_backward, "dense_backward": ref.dense_backward,
              "max_pool2d_backward": ref.max_pool2d_backward, "avg_pool2d_backward": ref.avg_pool2d_backward,
              "relu_backward": ref.relu_backward}


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


def one_maximum_each(dout, x, size=2, stride=None, *, dx, budget: int = 20_000) -> bool:
    """Can `dx` be made by sending each window's dout to ONE of its maxima (any, if tied), summed?

    Windows with a single maximum (or dout 0) are fixed; the tied ones are searched, each
    position checked as soon as no later window can reach it.
    """
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    x, dout, dx = (np.asarray(a, dtype=np.float64) for a in (x, dout, dx))
    N, C, H, W = x.shape
    for n in range(N):
        for c in range(C):
            residual, tied = dx[n, c].ravel().copy(), []
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    rows, cols = np.nonzero(window == window.max())
                    maxima, g = (rows + i * sh) * W + cols + j * sw, dout[n, c, i, j]
                    if len(maxima) == 1:
                        residual[maxima[0]] -= g
                    elif g != 0:
                        tied.append((g, maxima))
            closes = {position: k for k, (_, maxima) in enumerate(tied) for position in maxima}
            settled = np.ones(residual.size, dtype=bool)
            settled[list(closes)] = False
            if not np.allclose(residual[settled], 0):
                return False
            closing = [[p for p, k in closes.items() if k == index] for index in range(len(tied))]
            if not _place(0, tied, closing, residual, [budget]):
                return False
    return True


def _place(k: int, tied: list, closing: list, residual: np.ndarray, budget: list) -> bool:
    if k == len(tied):
        return True
    budget[0] -= 1
    if budget[0] < 0:
        return False
    g, maxima = tied[k]
    for position in maxima:
        residual[position] -= g
        if np.allclose(residual[closing[k]], 0) and _place(k + 1, tied, closing, residual, budget):
            return True
        residual[position] += g
    return False


def _backward_matches(function: str):
    reference = REFERENCES[function]

    def prop(session, drawn: dict) -> None:
        expected = reference(**drawn)
        actual = session.call(function, drawn)
        mismatch = gradients_mismatch(function, expected, actual)
        if mismatch is not None and function == "max_pool2d_backward" and "values" in mismatch.message \
                and one_maximum_each(**drawn, dx=actual):
            mismatch = None  # a different one of tied maxima: right too
        if mismatch is not None:
            raise Falsified(f"{function} {mismatch.message}", function=function, inputs=drawn, expected=expected,
                            outcome=session.last_outcome, differences=mismatch.differences)
    return prop


# --- numerical_gradient and gradient checking ------------------------------------------------------

QUADRATIC = "f = lambda x: np.sum(a * x**2 + c * x), whose gradient is 2*a*x + c"


def _numerical(session, drawn: dict) -> dict:
    answer = session.request("gradcheck.numerical_gradient",
                             {"loss": "quadratic", "wrt": "x", "h": drawn["h"],
                              "values": {key: drawn[key] for key in ("x", "a", "c")}},
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


def _loss_values(layer: str, inputs: dict) -> dict:
    """The arguments of the worker's loss LOSSES[layer]: the forward's inputs and dout."""
    values = dict(inputs)
    if layer in ("dense", "conv2d"):
        values["b"] = np.zeros(len(inputs["w"]))
    if layer in ("max_pool2d", "avg_pool2d"):
        values.setdefault("size", 2)
        values.setdefault("stride", None)
    return values


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
    answer = session.request("gradcheck.numerical_gradient",
                             {"loss": layer, "wrt": wrt, "values": _loss_values(layer, inputs), "h": None},
                             function="numerical_gradient", inputs=inputs)
    numeric = answer.get("gradient") if isinstance(answer, dict) else answer
    wrong_numeric = compare_arrays(truth, numeric, rtol=1e-4, atol=1e-4)
    if wrong_numeric is not None:
        raise Falsified(f"gradient checking: your numerical_gradient of L = {LOSS_TEXT[layer]} with respect to "
                        f"{wrt} {wrong_numeric.message}", function="numerical_gradient", inputs=inputs,
                        expected=truth, outcome=session.last_outcome, differences=wrong_numeric.differences)
    if compare_arrays(truth, analytic[name], rtol=1e-4, atol=1e-4) is not None:
        disagreement = compare_arrays(np.asarray(numeric, dtype=np.float64), analytic[name], rtol=1e-4, atol=1e-4)
        raise Falsified(f"gradient checking: {function}'s {name} disagrees with your numerical_gradient of "
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
            ref.max_pool2d_backward(POOL_DOUT, FEATURE_MAP[None, None]),
            note="Max pooling kept 5, 9, 4 and 3 (section 6), so only those four pixels get a gradient: window "
                 "(0, 0)'s dout 1 goes to the 5 at [0, 0], window (0, 1)'s 2 to the 9 at [1, 3], window (1, 0)'s "
                 "3 to the 4 at [2, 0], window (1, 1)'s 4 to the 3 at [2, 3]; every other pixel gets 0."),
]


# --- Known mistakes ------------------------------------------------------------------------------

def _got(function: str, outcome, name: str = "dx"):
    parts = _parts(function, outcome.value) if outcome.ok else None
    return as_array(parts[name]) if parts is not None else None


def _close(a, b) -> bool:
    return a is not None and b is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _padding_not_cropped(inputs, expected, outcome):
    dx, (ph, pw), (N, C, H, W) = _got("conv2d_backward", outcome), pair(inputs["padding"]), inputs["x"].shape
    return (ph or pw) and dx is not None and dx.shape == (N, C, H + 2 * ph, W + 2 * pw) \
        and _close(dx[:, :, ph:ph + H, pw:pw + W], expected[0])


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


def _conv_terms(inputs) -> dict:
    """{(n, c, row, col) of the padded x: the values dout[n, f, i, j] * w[f, c, a, b] that land there}."""
    (sh, sw), dout, w = pair(inputs["stride"]), inputs["dout"], inputs["w"]
    F, C, KH, KW = w.shape
    N, _, H_out, W_out = dout.shape
    terms: dict = {}
    for n, f, i, j, c, a, b in np.ndindex(N, F, H_out, W_out, C, KH, KW):
        terms.setdefault((n, c, i * sh + a, j * sw + b), []).append(dout[n, f, i, j] * w[f, c, a, b])
    return terms


def _pool_terms(inputs, share) -> dict:
    """{(n, c, row, col): what each window sends there}; `share(window, dout)` is a window's part, NaN where none."""
    (KH, KW), (sh, sw) = pair(inputs.get("size", 2)), pair(inputs.get("size", 2) if inputs.get("stride") is None
                                                           else inputs["stride"])
    x, dout = inputs["x"], inputs["dout"]
    terms: dict = {}
    for n, c, i, j in np.ndindex(*dout.shape):
        part = share(x[n, c, i * sh:i * sh + KH, j * sw:j * sw + KW], dout[n, c, i, j])
        for a, b in zip(*np.nonzero(~np.isnan(part))):
            terms.setdefault((n, c, i * sh + a, j * sw + b), []).append(part[a, b])
    return terms


def _overwritten(function: str, terms_of, offset=lambda inputs: (0, 0)):
    """dx is wrong only where several terms meet, and there it holds ONE of them: `=` where `+=` belongs."""
    def detect(inputs, expected, outcome):
        dx = _got(function, outcome)
        want = np.asarray(expected[0] if function in OUTPUTS else expected)
        if dx is None or dx.shape != want.shape:
            return False
        wrong = np.argwhere(~np.isclose(dx, want))
        terms, (ph, pw) = terms_of(inputs), offset(inputs)
        return len(wrong) > 0 and all(
            len(terms.get((n, c, r + ph, q + pw), ())) > 1
            and np.isclose(dx[n, c, r, q], terms[(n, c, r + ph, q + pw)]).any() for n, c, r, q in wrong)
    return detect


def _to_maxima(window, g):
    return np.where(window == window.max(), g, np.nan)


def _to_every_maximum(dout, x, size=2, stride=None):
    terms = _pool_terms({"dout": dout, "x": x, "size": size, "stride": stride}, _to_maxima)
    dx = np.zeros(np.shape(x))
    for position, values in terms.items():
        dx[position] = sum(values)
    return dx


def _one_sided(inputs, expected, outcome):
    gradient = as_array(outcome.value.get("gradient")) if outcome.ok and isinstance(outcome.value, dict) else None
    step = inputs["a"] * inputs["h"]
    return gradient is not None and not _close(gradient, expected) and step.any() \
        and (_close(gradient, expected + step) or _close(gradient, expected - step))


def _left_perturbed(inputs, expected, outcome):
    x = as_array(outcome.value.get("x")) if outcome.ok and isinstance(outcome.value, dict) else None
    return x is not None and x.shape == inputs["x"].shape and not np.allclose(x, inputs["x"], rtol=1e-9, atol=1e-9)


ACCUMULATE = ("`=` where `+=` belongs: where windows overlap (stride below the window size) or several filters "
              "and positions reach the same input pixel, their gradients ADD up. Assigning keeps only the last "
              "one; use dx[...] += ... (or np.add.at).")
DB = ("db is not summed over every axis it was broadcast along: the bias b[f] is added at every sample and "
      "every output position, so db[f] = dout[:, f].sum() over N, H' and W' (dense: over N), shape (F,).")

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
            reproduce=lambda dout, x: (np.asarray(x) > 0).astype(np.float64)),
    Mistake("relu_at_zero", "relu_backward",
            "The gradient passes at x == 0 too: ReLU's input must be strictly positive, dout * (x > 0) "
            "(PyTorch's choice at the kink), not x >= 0.",
            reproduce=lambda dout, x: np.asarray(dout) * (np.asarray(x) >= 0)),
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
    Mistake("overwrite_not_accumulate", "conv2d_backward", ACCUMULATE,
            detect=_overwritten("conv2d_backward", _conv_terms, lambda inputs: pair(inputs["padding"]))),
    Mistake("to_every_tied_maximum", "max_pool2d_backward",
            "A window whose maximum appears more than once sent its gradient to EVERY copy: the max picks one "
            "input, so only one of them gets dout (any one; np.argmax takes the first). Otherwise the "
            "gradient is counted several times.",
            reproduce=_to_every_maximum),
    Mistake("overwrite_not_accumulate", "max_pool2d_backward", ACCUMULATE,
            detect=_overwritten("max_pool2d_backward",
                                lambda inputs: _pool_terms(inputs, _to_maxima))),
    Mistake("overwrite_not_accumulate", "avg_pool2d_backward", ACCUMULATE,
            detect=_overwritten("avg_pool2d_backward",
                                lambda inputs: _pool_terms(inputs, lambda window, g: np.full(window.shape, g / window.size)))),
    Mistake("avg_not_divided", "avg_pool2d_backward",
            "The gradient is not divided by the window's area: the forward pass divides the sum by KH * KW, so "
            "each pixel of a window gets dout / (KH * KW).",
            reproduce=lambda dout, x, size=2, stride=None: ref.avg_pool2d_backward(dout, x, size, stride)
            * np.prod(pair(size))),
)

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
            "numerical_gradient", _central_differences, QUADRATICS,
            name="numerical_gradient: central differences",
            points=1,
            max_examples=10,
            description="f(x) = sum(a * x**2 + c * x) for drawn x, a, c with 1 to 3 axes and h = 0.01 or 0.001: "
                        "central differences give 2*a*x + c exactly (to rounding); one-sided ones are off by a*h."),
        satisfies_property(
            "numerical_gradient", _x_put_back, QUADRATICS,
            name="numerical_gradient: x is put back",
            points=1,
            max_examples=6,
            description="After the call, x holds its original values (to float rounding), and the gradient "
                        "returned is about right (doing nothing is not putting x back)."),
        satisfies_property(
            "relu_backward", _backward_matches("relu_backward"), RELU_INPUTS,
            name="relu_backward: matches the reference",
            points=1,
            max_examples=8,
            description="dout where x > 0, else 0 (x == 0 included), for drawn shapes with 1 to 4 axes."),
        satisfies_property(
            "dense_backward", _backward_matches("dense_backward"), DENSE_INPUTS,
            name="dense_backward: matches the reference",
            points=1,
            max_examples=8,
            description="dx (N, D), dw (M, D) and db (M,) for drawn N, D, M."),
        satisfies_property(
            "conv2d_backward", _backward_matches("conv2d_backward"), CONV_INPUTS,
            name="conv2d_backward: matches the reference",
            points=2,
            max_examples=10,
            description="dx, dw and db for drawn batches and filter banks, strides up to 3 and padding up to 2, "
                        "ints or (for H, for W); overlapping windows where the stride is below the kernel."),
        lecture_examples(
            "max_pool2d_backward", MAX_POOL_EXAMPLES, points=1, name="max_pool2d_backward: the lecture's feature map",
            description="Section 6's 4x4 map with 2x2 windows, backwards: the gradient goes to 5, 9, 4 and 3."),
        satisfies_property(
            "max_pool2d_backward", _backward_matches("max_pool2d_backward"), POOL_INPUTS,
            name="max_pool2d_backward: matches the reference",
            points=1,
            max_examples=10,
            description="Drawn sizes and strides as in exercise 4, overlapping windows included; where a window's "
                        "maximum is tied, any ONE of the tied positions is accepted."),
        satisfies_property(
            "avg_pool2d_backward", _backward_matches("avg_pool2d_backward"), POOL_INPUTS,
            name="avg_pool2d_backward: matches the reference",
            points=1,
            max_examples=10,
            description="Drawn sizes and strides, overlapping windows included: dout / (KH * KW) to every pixel "
                        "of each window, added up."),
        satisfies_property(
            ("numerical_gradient", "relu_backward", "dense_backward", "conv2d_backward",
                       "max_pool2d_backward", "avg_pool2d_backward"), _gradient_check, gradient_check_inputs(),
            name="gradient checking with your numerical_gradient",
            points=1,
            max_examples=12,
            description="For each layer, your numerical_gradient of L = sum(dout * layer(...)) agrees with the "
                        "true gradient, and your backward pass agrees with it."),
    ),
    mistakes=MISTAKES,
)
