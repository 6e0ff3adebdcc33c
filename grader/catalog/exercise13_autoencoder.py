"""Exercise 13, autoencoders and the vanishing gradient (section 11): Autoencoder, ConvAutoencoder, sigmoid_grad.

The models are judged like exercises 6-9 (layers, counts, outputs for the reference's weights);
encode and decode are called in the worker on the same weights (grader.worker.torchcall_ops).
Training is verified, not claimed: from the reference's weights the worker takes SGD steps with
nn.BCELoss on a batch of pixels; the grader replays them on its reference, compares every
parameter, and computes the loss before and after itself.
"""

import copy
import math

import numpy as np
import torch
from hypothesis import strategies as st
from torch import nn

from grader.checks import Falsified, Session, holds_for_examples, satisfies_property
from grader.compare import compare_arrays
from grader.exercise import Exercise, Mistake
from grader.models.behaviour import forward_check
from grader.models.checks import count_check, draws, fail, model_input, structure_check
from grader.models.mistakes import reproduces, when
from grader.models.oracle import computed, method, on_reference, structure
from grader.models.reference import tolerance, with_weights
from grader.models.runs import Evidence, ModelSpec, get_model, input_recipe, sample_input
from grader.torch_calls import call, close
from grader.worker.wire import Outcome
from reference import autoencoder as ref

DENSE = ModelSpec(cls="Autoencoder", reference=lambda kwargs, **variant: ref.Autoencoder(**kwargs, **variant),
                  input_shape=lambda kwargs: (kwargs.get("input_dim", 784),))
CONV = ModelSpec(cls="ConvAutoencoder", reference=lambda kwargs, **variant: ref.ConvAutoencoder(**kwargs, **variant),
                 input_shape=lambda kwargs: (1, 28, 28))
CODE_SHAPE = {"Autoencoder": lambda kwargs: (kwargs.get("code_dim", 32),), "ConvAutoencoder": lambda kwargs: (8, 7, 7)}

# Shrinks to the defaults; any other sizes must work as well.
DENSE_KWARGS = st.fixed_dictionaries({
    "input_dim": st.sampled_from((784, 20, 9)), "hidden": st.sampled_from(((128, 64), (16, 8), (6, 5))),
    "code_dim": st.sampled_from((32, 4, 3))})
CONV_KWARGS = st.just({})


# --- encode and decode, on the reference's weights ------------------------------------------------------------

def _methods(spec: ModelSpec):
    def prop(session: Session, drawn: dict) -> None:
        x, shown = model_input(spec, drawn)
        model = with_weights(session, get_model(session, spec, drawn["kwargs"], shown), shown)
        z = sample_input((drawn["N"], *CODE_SHAPE[spec.cls](drawn["kwargs"])), drawn["seed"] + 1)
        for name, given in (("encode", x), ("decode", z)):
            request = {"objects": [{"class": spec.cls, "kwargs": spec.worker_kwargs(drawn["kwargs"]),
                                    "state": model.sent, "mode": "eval"}],
                       "call": {"method": name, "model": 0}, "args": [{"tensor": given}]}
            inputs = shown if name == "encode" else {**drawn["kwargs"], "z": input_recipe(z.shape, drawn["seed"] + 1)}
            actual = call(session, request, function=spec.cls, inputs=inputs).get("value")
            expected = method(session, model.reference, name, given)
            mismatch = compare_arrays(expected, actual, **tolerance(expected))
            if mismatch is not None:
                raise fail(f"{spec.call(drawn['kwargs'])}.{name} {mismatch.message}", model, inputs,
                           Evidence(model=model), expected=expected, actual=actual, differences=mismatch.differences)

    return prop


# --- Training with nn.BCELoss lowers the loss: replayed and measured here ---------------------------------------

TRAINING = ({"spec": DENSE, "kwargs": {"input_dim": 20, "hidden": (16, 8), "code_dim": 4}, "N": 8, "seed": 0},
            {"spec": CONV, "kwargs": {}, "N": 4, "seed": 1})
LR, STEPS = 1.0, 5


def _bce(model: nn.Module, x: torch.Tensor) -> float:
    model.train()
    with torch.no_grad():
        return float(nn.functional.binary_cross_entropy(model(x), x))


def _replay_training(module: nn.Module, x: np.ndarray) -> dict:
    """The reference with the grader's weights in float64: its loss on x, its state after STEPS SGD steps
    with nn.BCELoss, and its loss then (the answer to the oracle question "model.autoencoder.training")."""
    reference = copy.deepcopy(module).double()
    x_tensor = torch.from_numpy(x)
    loss_before = _bce(reference, x_tensor)
    replay = copy.deepcopy(reference)
    for _ in range(STEPS):  # plain SGD: torch.optim's first use imports torch._dynamo (seconds)
        replay.zero_grad(set_to_none=True)
        nn.functional.binary_cross_entropy(replay(x_tensor), x_tensor).backward()
        with torch.no_grad():
            for parameter in replay.parameters():
                parameter.add_(parameter.grad, alpha=-LR)
    expected = {name: tensor.numpy().copy() for name, tensor in replay.state_dict().items()}
    return {"state": expected, "loss_before": loss_before, "loss_after": _bce(replay, x_tensor)}


def _training(session: Session, example: dict) -> None:
    spec, kwargs = example["spec"], example["kwargs"]
    shape = (example["N"], *spec.input_shape(kwargs))
    x = np.random.default_rng(example["seed"]).uniform(0, 1, shape)  # pixels in [0, 1], float64
    shown = {**kwargs, "x": f"np.random.default_rng({example['seed']}).uniform(0, 1, {shape})",
             "training": f"{STEPS} SGD steps (lr={LR}) with nn.BCELoss()(model(x), x), float64"}
    model = with_weights(session, get_model(session, spec, kwargs, shown), shown)
    start = {name: np.asarray(array, np.float64) for name, array in model.sent.items()}
    request = {"objects": [{"class": spec.cls, "kwargs": spec.worker_kwargs(kwargs), "state": start,
                            "dtype": "float64"}], "x": x, "target": x, "loss": "bce", "lr": LR, "steps": STEPS}
    evidence = Evidence(model=model)
    result = call(session, request, function=spec.cls, inputs=shown, evidence=evidence, op="sgd")
    after = result["models"][0].get("after")
    replay = on_reference(session, model.reference, "autoencoder.training", {"x": x}, _replay_training)
    expected, loss_before = replay["state"], replay["loss_before"]
    problems = []
    if not isinstance(after, dict):
        problems.append("the worker's reply was malformed")
    else:
        for mine, theirs in model.mapping.tensors.items():
            if theirs in expected and not close(expected[theirs], after.get(mine), rtol=1e-6, atol=1e-9):
                problems.append(f"after {STEPS} steps, {mine} differs from the reference's replay (its {theirs})")
        if not problems:  # the parameters are the replay's (to 1e-6): so is the loss with them
            loss_after = replay["loss_after"]
            if not (math.isfinite(loss_after) and loss_after < loss_before):
                problems.append(f"{STEPS} SGD steps did not lower nn.BCELoss: {loss_before:.4g} before, "
                                f"{loss_after:.4g} after")
    if problems:
        raise fail(f"{spec.call(kwargs)}:\n" + "\n".join(f"- {p}" for p in problems[:4]), model, shown, evidence)


# --- sigmoid_grad ---------------------------------------------------------------------------------------------

EXTREMES = np.array([0.0, 1000.0, -1000.0])


@st.composite
def _sigmoid_inputs(draw) -> dict:
    values = st.one_of(st.sampled_from((0.0, 1.0, -2.0, 40.0, -40.0, 710.0, -710.0, 1000.0, -1000.0)),
                       st.floats(-1000, 1000, allow_nan=False))
    drawn = draw(st.lists(values, min_size=1, max_size=6), label="x")
    return {"x": np.concatenate([np.array(drawn, dtype=np.float64), EXTREMES])}


def _reference_sigmoid_grad(x: np.ndarray) -> np.ndarray:
    return ref.sigmoid_grad(torch.from_numpy(x)).numpy()


def _sigmoid_grad(session: Session, drawn: dict) -> None:
    expected = computed(session, "autoencoder.sigmoid_grad", drawn, _reference_sigmoid_grad)
    result = call(session, {"call": {"function": "sigmoid_grad"}, "args": [{"tensor": drawn["x"]}], "dtype": "float64"},
                  function="sigmoid_grad", inputs=drawn)
    actual = result.get("value")
    outcome = Outcome(True, value=actual)
    mismatch = compare_arrays(expected, actual, rtol=1e-6, atol=1e-12)
    if mismatch is not None:
        raise Falsified(f"sigmoid_grad {mismatch.message}", function="sigmoid_grad", inputs=drawn, expected=expected,
                        outcome=outcome, differences=mismatch.differences)
    warned = result.get("warnings")
    if isinstance(warned, list) and warned:
        raise Falsified(f"sigmoid_grad warned: {str(warned[0])[:200]}", function="sigmoid_grad", inputs=drawn,
                        expected=expected, outcome=outcome)


def _not_finite(inputs, expected, outcome) -> bool:
    value = np.asarray(getattr(outcome, "value", None))
    return value.dtype.kind == "f" and value.shape == np.shape(expected) and not np.all(np.isfinite(value))


# --- Known mistakes -------------------------------------------------------------------------------------------

def _output_shape(evidence, outcome) -> bool:
    output = (evidence.model.info.get("output") if evidence.model is not None else None) or [0]
    return output[-1] in (25, 26, 27)


def _tied(evidence, outcome) -> bool:
    """Half the weight matrices of the reference (the encoder's), every bias: the decoder borrows weights."""
    if evidence.model is None:
        return False
    shapes = [shape for _, shape, _ in evidence.model.info.get("parameters", [])]
    expected = [shape for _, shape, _ in structure(evidence.model.session, DENSE, evidence.model.kwargs)["parameters"]]
    matrices = lambda found: sum(len(shape) == 2 for shape in found)
    vectors = lambda found: sum(len(shape) == 1 for shape in found)
    return matrices(shapes) * 2 == matrices(expected) and vectors(shapes) == vectors(expected)


NO_SIGMOID = ("The reconstruction has no sigmoid: the decoder must end in nn.Sigmoid() so that it lies in "
              "(0, 1) like the pixels; nn.BCELoss needs probabilities (without one, use nn.BCEWithLogitsLoss, "
              "but this exercise's decode returns the image).")

MISTAKES = (
    Mistake("no_output_sigmoid", "Autoencoder", NO_SIGMOID, detect=reproduces(output_sigmoid=False)),
    Mistake("no_output_sigmoid", "ConvAutoencoder", NO_SIGMOID, detect=reproduces(output_sigmoid=False)),
    Mistake("relu_on_code", "Autoencoder",
            "Your code goes through a ReLU: the encoder's last layer, Linear(64, 32), has no activation. A ReLU "
            "there zeroes every negative code value, wasting much of the bottleneck.",
            detect=reproduces(code_activation=nn.ReLU)),
    Mistake("missing_output_padding", "ConvAutoencoder",
            "The reconstruction is smaller than 28x28: a transposed convolution gives (H - 1) * stride - 2 * "
            "padding + kernel + output_padding, so 7 -> 13 -> 25 without output_padding. Give both "
            "ConvTranspose2d layers output_padding=1: 7 -> 14 -> 28.",
            detect=when(_output_shape)),
    Mistake("tied_decoder_weights", "Autoencoder",
            "Your decoder reuses the encoder's weights, transposed: this course's decoder has weights of its "
            "own (nn.Linear layers), 222,384 parameters in all. Tied weights are a known variant, not this one.",
            detect=when(_tied)),
    Mistake("unstable_sigmoid_grad", "sigmoid_grad",
            "e^-x overflows to inf for x below about -710, and inf / inf is nan. Compute it from the sigmoid: "
            "with s = torch.sigmoid(x), f'(x) = s * (1 - s), finite for every x.",
            detect=_not_finite),
)

EXERCISE = Exercise(
    id="exercise13",
    module=__name__.rpartition(".")[2],
    title="Autoencoders and the vanishing gradient",
    section="11. Autoencoder, Vanishing Gradient",
    points=10,
    summary="class Autoencoder(nn.Module), class ConvAutoencoder(nn.Module) (encoder, decoder, encode, decode), "
            "sigmoid_grad(x)",
    functions=("Autoencoder", "ConvAutoencoder", "sigmoid_grad"),
    checks=(
        structure_check(
            DENSE, DENSE_KWARGS, points=1, name="Autoencoder: layers and output shapes",
            description="Linear input_dim -> 128 -> 64 -> code_dim, then code_dim -> 64 -> 128 -> input_dim, "
                        "for the defaults and other sizes."),
        count_check(
            DENSE, (({}, {"trainable": 222_384, "frozen": 0, "statistics": 0}),), points=1,
            name="Autoencoder: 222,384 parameters",
            description="100,480 + 8,256 + 2,080 in the encoder, 2,112 + 8,320 + 101,136 in the decoder."),
        forward_check(
            DENSE, draws(DENSE_KWARGS, batch=(1, 4)), points=1.5,
            name="Autoencoder: reconstructions match the reference",
            description="Given the reference's random weights, forward(x) equals the reference's: ReLU between "
                        "layers, none on the code, a sigmoid at the end.", max_examples=6),
        satisfies_property(
            "Autoencoder", _methods(DENSE), draws(DENSE_KWARGS, batch=(1, 3)),
            name="Autoencoder: encode and decode",
            points=1,
            max_examples=4,
            shrink_calls=15,
            description="encode(x) -> (N, code_dim) and decode(z) -> (N, input_dim) equal the reference's halves."),
        structure_check(
            CONV, CONV_KWARGS, points=1, name="ConvAutoencoder: layers and output shapes", max_examples=1,
            description="(N, 1, 28, 28) -> (N, 16, 14, 14) -> (N, 8, 7, 7) -> (N, 8, 14, 14) -> (N, 16, 28, 28) "
                        "-> (N, 1, 28, 28)."),
        count_check(
            CONV, (({}, {"trainable": 3_217, "frozen": 0, "statistics": 0}),), points=0.5,
            name="ConvAutoencoder: 3,217 parameters",
            description="160 + 1,160 in the encoder, 584 + 1,168 + 145 in the decoder."),
        forward_check(
            CONV, draws(CONV_KWARGS, batch=(1, 3)), points=1,
            name="ConvAutoencoder: reconstructions match the reference",
            description="Given the reference's random weights, forward(x) equals the reference's.", max_examples=3),
        satisfies_property(
            "ConvAutoencoder", _methods(CONV), draws(CONV_KWARGS, batch=(1, 2)),
            name="ConvAutoencoder: encode and decode",
            points=0.5,
            max_examples=2,
            shrink_calls=15,
            description="encode(x) -> the code (N, 8, 7, 7) and decode(z) -> (N, 1, 28, 28) equal the reference's."),
        holds_for_examples(
            ("Autoencoder", "ConvAutoencoder"), _training, TRAINING,
            name="Training with nn.BCELoss lowers the loss",
            points=1.5,
            kind="a fixed batch of pixels",
            description=f"From the reference's weights, {STEPS} SGD steps with nn.BCELoss on the reconstruction "
                        "give the reference's parameters, and the grader's own loss with them is lower."),
        satisfies_property(
            "sigmoid_grad", _sigmoid_grad, _sigmoid_inputs(),
            name="sigmoid_grad: finite for |x| up to 1000",
            points=1,
            description="e^-x / (1 + e^-x)^2 elementwise on float64 tensors with values up to +-1000 (0, 1000 "
                        "and -1000 always among them): 0.25 at 0, finite, no warning."),
    ),
    mistakes=MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
