"""Exercise 99, ReLU: a toy exercise declared outside grader/catalog (CNN_GRADER_CATALOG).

It is the README's "Adding an exercise" walk-through, done: a solution, a reference, this
declaration and one file per known mistake, and nothing else in the repository changed.
"""

import numpy as np
from relu_reference import relu as reference_relu

from grader.authoring import (FLOATS_AND_PIXELS, Example, Exercise, Mistake, draw_array, lecture_examples,
                              matches_reference, one_of, st, upto)


@st.composite
def activations(draw) -> dict:
    """x of 1 to 3 axes, each up to 4, float or uint8: ReLU works on any shape."""
    shape = tuple(draw(upto(4), label=f"axis {axis}") for axis in range(draw(upto(3), label="ndim")))
    dtype = draw(one_of(FLOATS_AND_PIXELS), label="dtype")
    return {"x": draw_array(draw, dtype, shape, label="x")}


EXAMPLES = [Example("negatives become 0", {"x": np.array([[-1.0, 2.0], [0.0, -3.5]])}, np.array([[0, 2], [0, 0]]))]

MISTAKES = (
    Mistake("returns_input", "relu", "ReLU replaces every negative value with 0: max(x, 0), not x itself.",
            reproduce=lambda x: np.asarray(x, dtype=np.float64)),
    Mistake("max_not_maximum", "relu",
            "np.max(x, 0) is the largest value along axis 0, not ReLU: np.maximum(x, 0) compares element by element.",
            reproduce=lambda x: np.max(np.asarray(x, dtype=np.float64), 0)),
)

EXERCISE = Exercise(
    id="exercise99",
    module=__name__.rpartition(".")[2],
    title="ReLU",
    section="3. Activation functions",
    summary="relu(x): max(x, 0) element by element",
    points=3,
    functions=("relu",),
    checks=(
        lecture_examples("relu", EXAMPLES, points=1, name="relu: a small example",
                         description="[[-1, 2], [0, -3.5]] becomes [[0, 2], [0, 0]]."),
        matches_reference("relu", reference_relu, activations(), points=2, name="relu: matches the reference",
                          description="Random arrays of 1 to 3 axes: float32, float64 and uint8."),
    ),
    mistakes=MISTAKES,
)
