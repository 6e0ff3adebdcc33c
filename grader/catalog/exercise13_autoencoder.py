"""Exercise 13, autoencoders and the vanishing gradient (section 11): Autoencoder, ConvAutoencoder, sigmoid_grad.

The models are judged like exercises 6-9 (layers, counts, outputs for the reference's weights,
a batch of 64 among them); encode and decode are called in the worker on the same weights
(grader.worker.torchcall_ops). One feature per check: the Autoencoder's core checks build it with
its defaults, and a check of its own builds it with each of input_dim, hidden and code_dim changed.
Training is verified, not claimed: from the reference's weights the worker takes SGD steps with
nn.BCELoss on a batch of pixels; the grader replays them on its reference, compares every
parameter, and computes the loss before and after itself. sigmoid_grad's core check draws
moderate values; finite values at |x| up to 1000 are a check of their own.
"""

import math

import numpy as np
from torch import nn

from grader.authoring import (Evidence, Exercise, Falsified, Mistake, ModelSpec, Outcome, Session, answer_key, call,
                              compare_arrays, compare_steps, count_check, draws, fail, forward_check, get_model,
                              holds_for_examples, input_recipe, method, model_info, model_input, on_reference,
                              reproduces, sample_input, sampled, satisfies_property, st, steps_problems, structure,
                              structure_check, tolerance, when, with_weights)

key = answer_key(__name__)

DENSE = ModelSpec(cls="Autoencoder", reference=key.Autoencoder,
                  input_shape=lambda kwargs: (kwargs.get("input_dim", 784),))
CONV = ModelSpec(cls="ConvAutoencoder", reference=key.ConvAutoencoder, input_shape=lambda kwargs: (1, 28, 28))


def _code_shape(spec: ModelSpec, drawn: dict) -> tuple:
    """One code's shape: (code_dim,), or (8, H / 4, W / 4) for an image of (H, W) (28x28 by default)."""
    if spec is DENSE:
        return (drawn["kwargs"].get("code_dim", 32),)
    H, W = drawn["size"] or (28, 28)
    return (8, H // 4, W // 4)


DEFAULTS: st.SearchStrategy[dict] = st.just({})  # the core checks: Autoencoder() and ConvAutoencoder()
# Other sizes, each argument away from its default in a fixed example of its own (so that the one ignored
# is named), and drawn: shrinking goes to the first of each.
OTHER_SIZES = st.fixed_dictionaries({
    "input_dim": st.sampled_from((20, 9, 784)), "hidden": st.sampled_from(((16, 8), (6, 5), (128, 64))),
    "code_dim": st.sampled_from((4, 3, 32))})
SIZES_FIXED = tuple({"kwargs": kwargs, "N": 2, "size": None, "seed": 13} for kwargs in (
    {"input_dim": 20, "hidden": (128, 64), "code_dim": 32},
    {"input_dim": 784, "hidden": (16, 8), "code_dim": 32},
    {"input_dim": 784, "hidden": (128, 64), "code_dim": 4},
)) + ({"kwargs": {"input_dim": 9, "hidden": (6, 5), "code_dim": 3}, "N": 64, "size": None, "seed": 64},)
BATCH_OF_64 = ({"kwargs": {}, "N": 64, "size": None, "seed": 64},)
# ConvAutoencoder takes any H and W divisible by 4: a batch of 64 at 4x4 (its bank answers stay small).
CONV_BATCH_OF_64 = ({"kwargs": {}, "N": 64, "size": (4, 4), "seed": 64},)


# --- encode and decode, on the reference's weights ------------------------------------------------------------

def _methods(spec: ModelSpec):
    def prop(session: Session, drawn: dict) -> None:
        x, shown = model_input(spec, drawn)
        model = with_weights(session, get_model(session, spec, drawn["kwargs"], shown), shown)
        z = sample_input((drawn["N"], *_code_shape(spec, drawn)), drawn["seed"] + 1)
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

# A batch of 64 for the dense model; 8 for the convolutional one (its float64 replay of 64 takes a second).
TRAINING = ({"spec": DENSE, "kwargs": {}, "N": 64, "seed": 0}, {"spec": CONV, "kwargs": {}, "N": 8, "seed": 1})
LR, STEPS = 1.0, 5


def _kept(start: dict):
    """What a bank keeps of a replay: each parameter after the steps as a sample, with its largest and total
    change (grader.models.verify.compare_steps compares those)."""
    def compact(replay: dict) -> dict:
        state = {}
        for name, value in replay["state"].items():
            change = value - start[name]
            state[name] = sampled(value, delta_max=float(np.max(np.abs(change), initial=0.0)),
                                  delta_norm=float(np.linalg.norm(change)))
        return {**replay, "state": state}
    return compact


def _training(session: Session, example: dict) -> None:
    spec, kwargs = example["spec"], example["kwargs"]
    shape = (example["N"], *spec.input_shape(kwargs))
    x = np.random.default_rng(example["seed"]).uniform(0, 1, shape)  # pixels in [0, 1], float64
    shown = {**kwargs, "x": f"np.random.default_rng({example['seed']}).uniform(0, 1, {shape})",
             "training": f"{STEPS} SGD steps (lr={LR}) with nn.BCELoss()(model(x), x), float64"}
    model = with_weights(session, get_model(session, spec, kwargs, shown), shown)
    sent = {name: np.asarray(array, np.float64) for name, array in model.sent.items()}
    request = {"objects": [{"class": spec.cls, "kwargs": spec.worker_kwargs(kwargs), "state": sent,
                            "dtype": "float64"}], "x": x, "target": x, "loss": "bce", "lr": LR, "steps": STEPS}
    evidence = Evidence(model=model)
    result = call(session, request, function=spec.cls, inputs=shown, evidence=evidence, op="sgd")
    start = {theirs: sent[mine] for mine, theirs in model.mapping.tensors.items()}
    replay = on_reference(session, model.reference, "autoencoder.training", {"x": x, "lr": LR, "steps": STEPS},
                          key.replay_training, compact=_kept(start))
    problems = steps_problems(compare_steps(start, replay["state"], result["models"][0].get("after"),
                                            model.mapping.tensors), STEPS)
    if not problems:  # the parameters are the replay's: so is the loss with them
        before, after = replay["loss_before"], replay["loss_after"]
        if not (math.isfinite(after) and after < before):
            problems.append(f"{STEPS} SGD steps did not lower nn.BCELoss: {before:.4g} before, {after:.4g} after")
    if problems:
        raise fail(f"{spec.call(kwargs)}, {STEPS} SGD steps from the grader's weights:\n"
                   + "\n".join(f"- {p}" for p in problems), model, shown, evidence)


# --- sigmoid_grad ---------------------------------------------------------------------------------------------

EXTREMES = np.array([0.0, 1000.0, -1000.0])


@st.composite
def _moderate_inputs(draw) -> dict:
    """Values where e^-x is a float64 on every side: |x| up to 30."""
    values = st.one_of(st.sampled_from((0.0, 1.0, -2.0, 30.0, -30.0)), st.floats(-30, 30, allow_nan=False))
    return {"x": np.array(draw(st.lists(values, min_size=1, max_size=6), label="x"), dtype=np.float64)}


@st.composite
def _extreme_inputs(draw) -> dict:
    values = st.one_of(st.sampled_from((0.0, 1.0, -2.0, 40.0, -40.0, 710.0, -710.0, 1000.0, -1000.0)),
                       st.floats(-1000, 1000, allow_nan=False))
    drawn = draw(st.lists(values, min_size=1, max_size=6), label="x")
    return {"x": np.concatenate([np.array(drawn, dtype=np.float64), EXTREMES])}


def _mnist_sized(seed: int, scale: int) -> dict:
    """A 28x28 MNIST-sized tensor of values in quarter steps up to +-scale."""
    return {"x": np.random.default_rng(seed).integers(-4 * scale, 4 * scale + 1, size=(28, 28)) / 4}


SIGMOID_FIXED = ({"x": np.array([0.0, 2.0])}, _mnist_sized(28, 30))  # 0.25 at 0; an MNIST-sized image
SIGMOID_EXTREMES = ({"x": np.array([-1000.0])}, _mnist_sized(29, 1000))  # e^1000 overflows: inf / inf


def _sigmoid_grad(session: Session, drawn: dict) -> None:
    expected = key.sigmoid_grad(drawn["x"])
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
    output = model_info(evidence).get("output") or [0]
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


def _default_layers(evidence, outcome) -> bool:
    """Built with other sizes, the model has the parameters of Autoencoder(): an argument is ignored."""
    if evidence.model is None or not evidence.model.kwargs:
        return False
    shapes = [shape for _, shape, _ in evidence.model.info.get("parameters", [])]
    return shapes == [shape for _, shape, _ in structure(evidence.model.session, DENSE, {})["parameters"]]


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
    Mistake("sizes_hard_coded", "Autoencoder",
            "Built with other sizes, your Autoencoder has the layers of Autoencoder(): it ignores input_dim, "
            "hidden or code_dim (the failing input says which one was given). Build every layer from the "
            "arguments: nn.Linear(input_dim, hidden[0]), nn.Linear(hidden[0], hidden[1]), nn.Linear(hidden[1], "
            "code_dim), and the decoder back to input_dim.",
            detect=when(_default_layers)),
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
            DENSE, DEFAULTS, points=1, name="Autoencoder: layers and output shapes", max_examples=1,
            description="Autoencoder(): Linear 784 -> 128 -> 64 -> 32, then 32 -> 64 -> 128 -> 784."),
        count_check(
            DENSE, (({}, {"trainable": 222_384, "frozen": 0, "statistics": 0}),), points=1,
            name="Autoencoder: 222,384 parameters",
            description="100,480 + 8,256 + 2,080 in the encoder, 2,112 + 8,320 + 101,136 in the decoder."),
        forward_check(
            DENSE, draws(DEFAULTS, batch=(1, 4)), points=1,
            name="Autoencoder: reconstructions match the reference", max_examples=4, examples=BATCH_OF_64,
            description="Given the reference's random weights, forward(x) equals the reference's on random batches "
                        "(64 images among them): ReLU between layers, none on the code, a sigmoid at the end."),
        forward_check(
            DENSE, draws(OTHER_SIZES, batch=(1, 3)), points=0.5,
            name="Autoencoder: input_dim, hidden and code_dim take effect", max_examples=3, examples=SIZES_FIXED,
            description="Built with each argument away from its default (input_dim=20, hidden=(16, 8), code_dim=4, "
                        "each alone) and with drawn sizes, the model has the reference's layers and outputs."),
        satisfies_property(
            "Autoencoder", _methods(DENSE), draws(DEFAULTS, batch=(1, 3)),
            name="Autoencoder: encode and decode",
            points=1,
            max_examples=3,
            shrink_calls=15,
            examples=BATCH_OF_64,
            description="encode(x) -> (N, 32) and decode(z) -> (N, 784) equal the reference's halves."),
        structure_check(
            CONV, DEFAULTS, points=1, name="ConvAutoencoder: layers and output shapes", max_examples=1,
            description="(N, 1, 28, 28) -> (N, 16, 14, 14) -> (N, 8, 7, 7) -> (N, 8, 14, 14) -> (N, 16, 28, 28) "
                        "-> (N, 1, 28, 28)."),
        count_check(
            CONV, (({}, {"trainable": 3_217, "frozen": 0, "statistics": 0}),), points=0.5,
            name="ConvAutoencoder: 3,217 parameters",
            description="160 + 1,160 in the encoder, 584 + 1,168 + 145 in the decoder."),
        forward_check(
            CONV, draws(DEFAULTS, batch=(1, 3)), points=1,
            name="ConvAutoencoder: reconstructions match the reference", max_examples=3, examples=CONV_BATCH_OF_64,
            description="Given the reference's random weights, forward(x) equals the reference's on 28x28 images, "
                        "and on a batch of 64 4x4 ones (any size divisible by 4 goes through)."),
        satisfies_property(
            "ConvAutoencoder", _methods(CONV), draws(DEFAULTS, batch=(1, 2)),
            name="ConvAutoencoder: encode and decode",
            points=0.5,
            max_examples=2,
            shrink_calls=15,
            examples=CONV_BATCH_OF_64,
            description="encode(x) -> the code (N, 8, 7, 7) and decode(z) -> (N, 1, 28, 28) equal the reference's "
                        "(and on a batch of 64 4x4 images, the code (64, 8, 1, 1))."),
        holds_for_examples(
            ("Autoencoder", "ConvAutoencoder"), _training, TRAINING,
            name="Training with nn.BCELoss lowers the loss",
            points=1.5,
            kind="a fixed batch of pixels",
            description=f"From the reference's weights, {STEPS} SGD steps with nn.BCELoss on the reconstruction "
                        "(Autoencoder() on a batch of 64 images, ConvAutoencoder() on 8) give the reference's "
                        "parameters, and the grader's own loss with them is lower."),
        satisfies_property(
            "sigmoid_grad", _sigmoid_grad, _moderate_inputs(),
            name="sigmoid_grad: the sigmoid's derivative",
            points=0.5,
            examples=SIGMOID_FIXED,
            description="e^-x / (1 + e^-x)^2 elementwise on float64 tensors with values up to +-30, and a "
                        "28x28 MNIST-sized one: 0.25 at 0, no warning."),
        satisfies_property(
            "sigmoid_grad", _sigmoid_grad, _extreme_inputs(),
            name="sigmoid_grad: finite for |x| up to 1000",
            points=0.5,
            max_examples=15,
            examples=SIGMOID_EXTREMES,
            description="Values up to +-1000 (0, 1000 and -1000 always among them), a 28x28 tensor of them too: "
                        "finite, no warning, where e^-x alone overflows."),
    ),
    mistakes=MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
