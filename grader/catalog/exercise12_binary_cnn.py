"""Exercise 12, binary classification and the training loop (section 10): CatDogCNN, binary_accuracy,
train_epoch, evaluate and fit.

CatDogCNN is judged like exercises 6-9 at small image sizes (layers, logits for the reference's
weights, a batch of 64 among them). At image_size=200 nothing of its 40,961,153 weights crosses:
the worker fills every parameter by a seeded rule keyed by its shape
(grader.worker.torchcall_ops.seeded_values) and sends the logits of two images, which the grader's
reference, filled the same way, must give; its initialisation is judged from the full weights at
image_size=8 (statistics computed here), and from per-parameter statistics at 200 (a claim, which
can only cost points).

The loop functions run in the worker on models of the grader's choosing (layer specs in float64,
one with BatchNorm and Dropout), its batches and a plain SGD optimizer; the grader replays the
reference loop from the same start with the same seed and compares the returned figures, every
parameter and buffer, and the model's output afterwards (which shows the mode it was left in).
One feature per check: each function's core check runs a plain model (no Dropout, no BatchNorm:
the mode changes nothing), the modes have checks of their own, and evaluate is handed gradients
that it must leave as it found them.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from grader.authoring import (Evidence, Exercise, Falsified, Mistake, ModelSpec, Outcome, Session, answer_key, call,
                              close, default_init, draws, fail, forward_check, he_uniform_problems, holds_for_examples,
                              is_recording, layers_model, numbers, output_is, sample_input, satisfies_property, sigmoid,
                              st, state_of, state_problems, stats_of, structure_check, tolerance, when)

key = answer_key(__name__)

CATDOG = ModelSpec(cls="CatDogCNN", reference=key.CatDogCNN,
                   input_shape=lambda kwargs: (3, kwargs["image_size"], kwargs["image_size"]))
SIZES = st.sampled_from((8, 6, 5, 4)).map(lambda size: {"image_size": size})
FULL_SIZE, FULL_COUNT, FILL_SEED, FULL_SIZE_INPUT = 200, 40_961_153, 12, 3
FULL_SIZE_TIMEOUT = 30.0  # building, filling and running 41M weights: about a second, far more on a loaded machine


# --- CatDogCNN at image_size=200: one forward pass with seeded weights, statistics of the initial ones ---------

def _full_size(session: Session) -> dict:
    """The worker's answer for CatDogCNN(image_size=200), asked once per grading run."""
    if "catdog 200" not in session.cache:
        request = {"objects": [{"class": "CatDogCNN", "kwargs": {"image_size": FULL_SIZE}, "initial": "statistics",
                                "fill": FILL_SEED, "report": "shapes"}],
                   "call": {"model": 0},
                   "args": [{"tensor": sample_input((2, 3, FULL_SIZE, FULL_SIZE), FULL_SIZE_INPUT)}]}
        session.cache["catdog 200"] = call(session, request, function="CatDogCNN", inputs={"image_size": FULL_SIZE},
                                           timeout=FULL_SIZE_TIMEOUT)
    return session.cache["catdog 200"]


def _claimed_statistics(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    keys = {"shape", "count", "min", "max", "std"}
    for stat in value.values():
        if not isinstance(stat, dict) or not keys <= set(stat) or not isinstance(stat["count"], int) or \
                not all(isinstance(stat[k], (int, float)) for k in ("min", "max", "std")):
            return None
    return value


def _count(session: Session, example: dict) -> None:
    inputs = {"image_size": FULL_SIZE, "x": "sample_input((2, 3, 200, 200)), every parameter seeded by its shape"}
    result = _full_size(session)
    report = result["models"][0]
    problems = []
    shapes = report.get("after")
    claimed = None
    if isinstance(shapes, dict) and all(isinstance(shape, list) and all(isinstance(n, int) for n in shape)
                                        for shape in shapes.values()):
        claimed = sum(math.prod(shape) for shape in shapes.values())
    if claimed != FULL_COUNT:
        problems.append(f"CatDogCNN(image_size=200) has {claimed if claimed is None else format(claimed, ',')} "
                        f"parameters, expected {FULL_COUNT:,} (conv 896 + dense 32 * 100 * 100 * 128 + 128 = "
                        "40,960,128 + output 129)")
    expected, actual = key.full_size_logits(FULL_SIZE, FILL_SEED, FULL_SIZE_INPUT), result.get("value")
    # A sigmoid in forward costs the logits check its points, not this one: the weights are the point here.
    if not any(close(wanted, actual, **tolerance(wanted)) for wanted in (expected, 1 / (1 + np.exp(-expected)))):
        problems.append("with every parameter filled by the grader's seeded rule (the same values for the same "
                        f"shapes), the logits of two 200x200 images are {_rounded(actual)}, the reference gives "
                        f"{_rounded(expected)}: at image_size=200 the model does not hold and use the lecture's "
                        "layers")
    if problems:
        raise fail("\n".join(f"- {p}" for p in problems), None, inputs, Evidence(), function="CatDogCNN",
                   expected=expected, actual=actual)


def _rounded(value) -> str:
    try:
        return str(np.asarray(value, dtype=np.float64).round(4).tolist())[:80]
    except (TypeError, ValueError):
        return f"a {type(value).__name__}"


def _initialisation(session: Session, example: dict) -> None:
    inputs = {"image_size": example["image_size"]}
    request = {"objects": [{"class": "CatDogCNN", "kwargs": {"image_size": example["image_size"]}, "report": "state"}],
               "call": None}
    result = call(session, request, function="CatDogCNN", inputs=inputs)
    state = result["models"][0].get("after")
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise fail("the worker's reply was malformed", None, inputs, function="CatDogCNN")
    small = stats_of(state)
    problems = [f"image_size={example['image_size']}: {p}" for p in he_uniform_problems(small)]
    full = _claimed_statistics(_full_size(session)["models"][0].get("initial"))
    if full is None:
        problems.append("image_size=200: the worker's statistics of the initial weights were malformed")
    else:
        problems += [f"image_size=200: {p}" for p in he_uniform_problems(full)]
    if problems:
        evidence = Evidence(facts={"default_init": default_init(small)})
        raise fail("CatDogCNN's initial weights are not Keras's he_uniform:\n" + "\n".join(f"- {p}" for p in problems),
                   None, inputs, evidence, function="CatDogCNN")


# --- binary_accuracy ------------------------------------------------------------------------------------------

LOGITS = (-0.0, 0.3, -0.3, 0.5, 0.8, -1.5, 2.0, 0.0)


@st.composite
def _accuracy_inputs(draw, flat: bool = False) -> dict:
    """logits (N, 1) from a few values (0 and -0 among them), 0/1 targets (N, 1), or (N,) when `flat`."""
    n = draw(st.integers(1, 6), label="N")
    logits = draw(st.lists(st.sampled_from(LOGITS), min_size=n, max_size=n), label="logits")
    targets = draw(st.lists(st.sampled_from((0.0, 1.0)), min_size=n, max_size=n), label="targets")
    return {"logits": np.array(logits).reshape(n, 1), "targets": np.array(targets).reshape((n,) if flat else (n, 1))}


def _accuracy_case(logits, targets, flat: bool = False) -> dict:
    return {"logits": np.array(logits, np.float64).reshape(-1, 1),
            "targets": np.array(targets, np.float64).reshape(-1 if flat else (len(targets), 1))}


def _random_case(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return _accuracy_case(rng.choice(LOGITS, n), rng.integers(0, 2, n))


ACCURACY_FIXED = (
    _accuracy_case([0.3], [1.0]),  # logit 0.3: probability 0.57, a dog; thresholded at 0.5 it is a cat
    _random_case(64, seed=64),  # a batch of 64
)
ACCURACY_FLAT = (_accuracy_case([2.0, -1.5], [1.0, 0.0], flat=True),)  # 1.0; broadcast to 2 x 2: 0.5


def _accuracy(session: Session, drawn: dict) -> None:
    expected = key.binary_accuracy(drawn["logits"], drawn["targets"])
    request = {"call": {"function": "binary_accuracy"}, "dtype": "float64",
               "args": [{"tensor": drawn["logits"]}, {"tensor": drawn["targets"]}]}
    value = call(session, request, function="binary_accuracy", inputs=drawn).get("value")
    got = numbers([value], 1)
    if got is None or abs(got[0] - expected) > 1e-6:
        shown = f"{got[0]:.6g}" if got is not None else f"a {type(value).__name__}"
        raise Falsified(f"binary_accuracy returned {shown}, expected {expected:.6g}", function="binary_accuracy",
                        inputs=drawn, expected=np.float64(expected),
                        outcome=Outcome(True, value=np.float64(got[0]) if got is not None else value))


# --- The training loop on the grader's models ------------------------------------------------------------------

PLAIN = [["conv", 3, 2, 3, 1], ["relu"], ["maxpool", 2], ["flatten"], ["linear", 8, 1]]
WITH_DROPOUT = [["conv", 3, 2, 3, 1], ["bn", 2], ["relu"], ["maxpool", 2], ["flatten"], ["linear", 8, 6], ["relu"],
                ["dropout", 0.5], ["linear", 6, 1]]
DESCRIBED = {id(PLAIN): "Conv2d(3, 2, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(8, 1)",
             id(WITH_DROPOUT): "Conv2d(3, 2, 3, padding=1), BatchNorm2d(2), ReLU, MaxPool2d(2), Flatten, "
                               "Linear(8, 6), ReLU, Dropout(0.5), Linear(6, 1)"}


@dataclass(frozen=True)
class LoopCase:
    """A model of the grader's choosing in `mode`, batches of 4x4 images (the last one short), SGD(lr);
    `grads`: every parameter handed over with a .grad of the grader's (evaluate must leave it so)."""

    layers: list
    mode: str
    seed: int
    train: tuple = (4, 4, 3)
    val: tuple = (3, 2)
    lr: float = 0.5
    epochs: int = 2
    grads: bool = False


def _start(case: LoopCase) -> dict:
    torch.manual_seed(case.seed)
    model = layers_model(case.layers)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):  # running statistics unlike a batch's: eval mode shows
                assert module.running_mean is not None and module.running_var is not None  # tracked by default
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    return state_of(model)


def _batches(case: LoopCase, sizes: tuple, offset: int) -> list:
    rng = np.random.default_rng(case.seed + offset)
    return [[rng.standard_normal((n, 3, 4, 4)), rng.integers(0, 2, (n, 1)).astype(np.float64)] for n in sizes]


def _probe(case: LoopCase) -> np.ndarray:
    return np.random.default_rng(case.seed + 3).standard_normal((2, 3, 4, 4))


def _given_grads(case: LoopCase) -> dict:
    """The .grad the grader gives each parameter (as a previous backward pass would leave it)."""
    rng = np.random.default_rng(case.seed + 4)
    return {name: rng.standard_normal(p.shape) for name, p in layers_model(case.layers).named_parameters()}


def _run(case: LoopCase) -> dict:
    """The case as the answer key replays it: the layers, the start, the batches, the probe."""
    return {"layers": case.layers, "state": _start(case), "mode": case.mode, "train": _batches(case, case.train, 1),
            "val": _batches(case, case.val, 2), "probe": _probe(case), "seed": case.seed, "lr": case.lr,
            "epochs": case.epochs}


def _arguments(function: str, case: LoopCase) -> list:
    model, sgd = {"model": 0}, {"sgd": 0, "lr": case.lr}
    train, val = {"loader": _batches(case, case.train, 1)}, {"loader": _batches(case, case.val, 2)}
    return {"train_epoch": [model, train, sgd], "evaluate": [model, val],
            "fit": [model, train, val, {"value": case.epochs}, sgd]}[function]


def _shown(function: str, case: LoopCase) -> dict:
    shown: dict[str, object] = {"model": f"nn.Sequential({DESCRIBED[id(case.layers)]}), float64, in {case.mode} mode"
                      + (", every parameter's .grad set by the grader" if case.grads else "")}
    batches = lambda sizes: f"{len(sizes)} batches of {', '.join(map(str, sizes))} images (N, 3, 4, 4), targets (N, 1)"
    if function != "evaluate":
        shown["train_loader"] = batches(case.train)
    if function != "train_epoch":
        shown["val_loader"] = batches(case.val)
    if function == "fit":
        shown["epochs"] = case.epochs
    if function != "evaluate":
        shown["optimizer"] = f"SGD(model.parameters(), lr={case.lr})"
    return shown


def _replayed(function: str, case: LoopCase, variant: dict | None = None) -> tuple:
    """The reference's (value, state after, output on the probe afterwards) for `function` on `case`, changed
    by a known mistake's `variant`."""
    return key.loop(function, _run(case), variant or {})


def _value_problems(function: str, expected, actual) -> list[str]:
    if function == "fit":
        if not isinstance(actual, dict) or set(actual) != set(expected):
            keys = sorted(actual) if isinstance(actual, dict) else None
            return [f"fit returned {f'a dict with keys {keys}' if keys is not None else type(actual).__name__}; "
                    f"expected a dict with the keys {sorted(expected)}"]
        problems = []
        for name, values in expected.items():
            got = numbers(actual[name], len(values))
            if got is None or not np.allclose(got, values, rtol=1e-6, atol=1e-6):
                problems.append(f"history[{name!r}] is {_listed(actual[name])}, expected {_listed(values)}")
        return problems
    got = numbers(actual, 2)
    if got is None:
        return [f"{function} returned {_listed(actual)}; expected a (loss, accuracy) pair of numbers"]
    return [f"{function} returned (loss, accuracy) = {_listed(got)}, expected {_listed(expected)}"] \
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-6) else []


def _listed(values) -> str:
    try:
        return "(" + ", ".join(f"{float(np.asarray(v).reshape(-1)[0]):.6g}" for v in values) + ")"
    except Exception:
        return f"{str(values)[:80]}"


def _grads_problems(given: dict, found) -> list[str]:
    """How the .grad the worker reports after evaluate differ from those the grader gave (a claim: it can only cost)."""
    if not isinstance(found, dict):
        return ["the worker did not report the parameters' .grad after evaluate"]
    changed = [name for name, grad in given.items() if not close(grad, found.get(name), rtol=0, atol=0)]
    return [f"evaluate changed the .grad of {', '.join(changed)}: evaluation computes no gradients (no backward "
            "pass, no zero_grad)"] if changed else []


_MODE_AFTER = {"train_epoch": "train", "fit": "train"}


def _loop(function: str):
    def prop(session: Session, case: LoopCase) -> None:
        inputs = _shown(function, case)
        evidence = Evidence(facts={"case": case, "function": function})
        model = {"spec": case.layers, "dtype": "float64", "state": _start(case), "mode": case.mode, "report": "state",
                 "probe": _probe(case), **({"grads": _given_grads(case)} if case.grads else {})}
        request = {"objects": [model], "call": {"function": function}, "args": _arguments(function, case),
                   "seed": case.seed, "dtype": "float64"}
        result = call(session, request, function=function, inputs=inputs, evidence=evidence)
        report = result["models"][0]
        evidence.facts["actual"] = (result.get("value"), report.get("after"), report.get("probe"))
        value, state, probe = _replayed(function, case)
        if is_recording():  # the kit then names these mistakes on this case too
            for mistake in session.exercise.mistakes:
                variant = getattr(mistake.detect, "variant", None)  # set by _replays
                if mistake.function == function and variant is not None:
                    _replayed(function, case, variant)
        problems = _value_problems(function, value, result.get("value"))
        changed = state_problems(state, report.get("after"))
        if function == "evaluate":
            parameters = {name for name, _ in layers_model(case.layers).named_parameters()}
            evidence.facts["changed"] = bool(state_problems({n: v for n, v in state.items() if n in parameters},
                                                            report.get("after")))
            problems += [f"evaluate changed the model: {p}" for p in changed]
        else:
            problems += [f"after {function}, {p} (the reference's loop from the same start)" for p in changed]
        if not problems and not close(probe, report.get("probe"), rtol=1e-7, atol=1e-9):
            mode = _MODE_AFTER.get(function, case.mode)
            problems.append(f"after {function}, the model's outputs are not those of the same model in {mode} mode"
                            + (": put it back into the mode it was in" if function == "evaluate" else ""))
        if case.grads and not problems:
            problems = _grads_problems(_given_grads(case), report.get("grads"))
            evidence.facts["grads_changed"] = bool(problems)
        if problems:
            raise fail(f"{function} on {inputs['model']}:\n" + "\n".join(f"- {p}" for p in problems), None, inputs,
                       evidence, function=function)

    return prop


def _same_run(function: str, expected: tuple, actual: tuple) -> bool:
    value, state, probe = expected
    return not _value_problems(function, value, actual[0]) and not state_problems(state, actual[1]) \
        and close(probe, actual[2], rtol=1e-7, atol=1e-9)


def _replays(function: str, **variant):
    """A Mistake.detect: the reference loop changed by `variant` gives what the student's gave, and on this
    case that differs from what the reference loop gives (on a plain model the mode changes nothing)."""
    def predicate(evidence, outcome) -> bool:
        case, actual = evidence.facts.get("case"), evidence.facts.get("actual")
        if case is None or actual is None or evidence.facts.get("function") != function:
            return False
        wrong, right = _replayed(function, case, variant), _replayed(function, case)
        return _same_run(function, wrong, actual) and not _same_run(function, right, wrong)
    detect = when(predicate)
    detect.variant = variant  # what a bank being recorded asks about each case
    return detect


PLAIN_EVAL = LoopCase(layers=PLAIN, mode="eval", seed=1)
PLAIN_TRAIN = LoopCase(layers=PLAIN, mode="train", seed=5)
BATCHES_OF_64 = LoopCase(layers=PLAIN, mode="eval", seed=4, train=(64, 64, 37), val=(64, 19))
DROPOUT_EVAL = LoopCase(layers=WITH_DROPOUT, mode="eval", seed=2)
DROPOUT_TRAIN = LoopCase(layers=WITH_DROPOUT, mode="train", seed=3)
GRADS_GIVEN = LoopCase(layers=PLAIN, mode="eval", seed=6, grads=True)

UNWEIGHTED = ("Your epoch figures are the plain average of the batch means: with a short last batch that "
              "weighs its samples more. Keras reports means over samples: add up loss * batch size (and the "
              "right predictions) and divide by the number of samples.")
NO_ZERO_GRAD = ("Your parameters match a loop that never zeroes the gradients: loss.backward() adds to .grad, so "
                "each step also applies every earlier batch's gradient. Call optimizer.zero_grad() before each "
                "backward pass.")
TRAIN_MODE = ("evaluate ran the model in training mode: Dropout dropped features and BatchNorm used (and "
              "updated) the batch's statistics. Call model.eval() before the loop (and put the old mode back "
              "afterwards).")
NOT_RESTORED = ("evaluate left the model in eval mode: put back the mode it was in (was_training = model.training "
                "before model.eval(), model.train(was_training) after). Otherwise the next epoch of fit trains "
                "without Dropout and with frozen BatchNorm statistics.")
THRESHOLD = ("You thresholded the logits at 0.5: the model returns logits, and probability > 0.5 means "
             "logit > 0 (sigmoid(0) = 0.5). Predict 'dog' where logits > 0.")
GRADIENTS = ("evaluate computes gradients: it changed the parameters' .grad (a backward pass, or zero_grad). "
             "Evaluation only measures: run the loop under torch.no_grad(), with no backward pass, and leave "
             ".grad to the training loop (without no_grad, every forward pass also builds the graph for a "
             "backward pass, which costs memory and time).")

MISTAKES = (
    Mistake("no_zero_grad", "train_epoch", NO_ZERO_GRAD, detect=_replays("train_epoch", zero_grad=False)),
    Mistake("sigmoid_in_forward", "CatDogCNN",
            "Your model returns probabilities (a sigmoid in forward): return the logits. nn.BCEWithLogitsLoss "
            "applies the sigmoid itself; with one in forward too, the loss sees sigmoid(sigmoid(z)), which "
            "never goes below 0.5, and learning stalls.",
            detect=output_is(sigmoid)),
    Mistake("accuracy_broadcasting", "binary_accuracy",
            "Your accuracy compares (N, 1) predictions with (N,) targets: broadcasting makes that an (N, N) "
            "table, every prediction against every target, and its mean is not the accuracy. Flatten both "
            "first: (logits.reshape(-1) > 0) == targets.reshape(-1).",
            reproduce=key.broadcast_accuracy),
    Mistake("unweighted_batch_means", "train_epoch", UNWEIGHTED, detect=_replays("train_epoch", weighted=False)),
    Mistake("unweighted_batch_means", "evaluate", UNWEIGHTED, detect=_replays("evaluate", weighted=False)),
    Mistake("evaluate_train_mode", "evaluate", TRAIN_MODE, detect=_replays("evaluate", mode="train")),
    Mistake("evaluate_updates", "evaluate",
            "evaluate changed the model's weights: evaluation only measures. No backward pass, no step: run "
            "the loop under torch.no_grad() in eval mode.",
            detect=when(lambda evidence, outcome: evidence.facts.get("function") == "evaluate"
                        and evidence.facts.get("changed"))),
    Mistake("evaluate_computes_gradients", "evaluate", GRADIENTS,
            detect=when(lambda evidence, outcome: evidence.facts.get("grads_changed"))),
    Mistake("evaluate_mode_not_restored", "evaluate", NOT_RESTORED, detect=_replays("evaluate", restore=False)),
    Mistake("threshold_at_half", "binary_accuracy", THRESHOLD, reproduce=key.threshold_at_half),
    Mistake("threshold_at_half", "train_epoch", THRESHOLD, detect=_replays("train_epoch", threshold=0.5)),
    Mistake("threshold_at_half", "evaluate", THRESHOLD, detect=_replays("evaluate", threshold=0.5)),
    *(Mistake(mistake_id, "fit", hint, detect=_replays("fit", **variant)) for mistake_id, hint, variant in (
        ("no_zero_grad", NO_ZERO_GRAD, {"zero_grad": False}),
        ("unweighted_batch_means", UNWEIGHTED, {"weighted": False}),
        ("evaluate_train_mode", TRAIN_MODE, {"mode": "train"}),
        ("evaluate_mode_not_restored", NOT_RESTORED, {"restore": False}),
        ("threshold_at_half", THRESHOLD, {"threshold": 0.5}))),
    Mistake("wrong_init", "CatDogCNN",
            "Your weights look like PyTorch's default initialisation (uniform in +-1/sqrt(fan_in), biases "
            "too). The lecture's kernel_initializer='he_uniform' draws weights uniformly in +-sqrt(6 / fan_in) "
            "and starts biases at zero: nn.init.uniform_(layer.weight, -bound, bound) (or "
            "nn.init.kaiming_uniform_(layer.weight, nonlinearity='relu')) and nn.init.zeros_(layer.bias).",
            detect=when(lambda evidence, outcome: evidence.facts.get("default_init"))),
)


def _loop_check(function: str, cases: tuple, *, name: str, points: float, description: str):
    return holds_for_examples(function, _loop(function), cases, name=name, points=points,
                              kind="the grader's model and batches", description=description)


EXERCISE = Exercise(
    id="exercise12",
    module=__name__.rpartition(".")[2],
    title="Binary classification and the training loop",
    section="10. Binary Classification (cats vs dogs)",
    points=10,
    summary="class CatDogCNN(nn.Module) (logits, he_uniform), binary_accuracy(logits, targets), "
            "train_epoch(model, loader, optimizer), evaluate(model, loader), fit(model, train_loader, val_loader, "
            "epochs, optimizer)",
    functions=("CatDogCNN", "binary_accuracy", "train_epoch", "evaluate", "fit"),
    checks=(
        structure_check(
            CATDOG, SIZES, points=1, name="CatDogCNN: layers and output shapes",
            description="Conv 32@3x3 'same', max pool 2, flatten, dense 128, dense 1, for image sizes 8, 6, 5, 4: "
                        "(N, 32, S, S), (N, 32 (S//2)^2), (N, 128), (N, 1)."),
        holds_for_examples(
            "CatDogCNN", _count, ({"image_size": FULL_SIZE},),
            name="CatDogCNN: 40,961,153 parameters at image_size=200",
            points=1,
            kind="image_size=200",
            description="896 + 40,960,128 + 129 parameters, and with every parameter seeded by the grader the "
                        "logits of two 200x200 images are the reference's (no weights cross)."),
        holds_for_examples(
            "CatDogCNN", _initialisation, ({"image_size": 8},),
            name="CatDogCNN: he_uniform initialisation",
            points=1,
            kind="a freshly built model",
            description="Weights uniform in +-sqrt(6 / fan_in), biases zero: judged on the weights at "
                        "image_size=8 and the statistics at 200."),
        forward_check(
            CATDOG, draws(SIZES, batch=(1, 3)), points=1, name="CatDogCNN: logits match the reference",
            description="Given the reference's random weights, the logits (N, 1) equal the reference's on "
                        "random batches, a batch of 64 8x8 images among them: ReLU, max pooling, no sigmoid.",
            max_examples=6, examples=({"kwargs": {"image_size": 8}, "N": 64, "size": None, "seed": 64},)),
        satisfies_property(
            "binary_accuracy", _accuracy, _accuracy_inputs(),
            name="binary_accuracy: the fraction of right predictions",
            points=0.5, examples=ACCURACY_FIXED,
            description="On drawn logits (N, 1) and 0/1 targets (N, 1), and a batch of 64, the fraction where "
                        "logit > 0 equals the target, within 1e-6."),
        satisfies_property(
            "binary_accuracy", _accuracy, _accuracy_inputs(flat=True),
            name="binary_accuracy: targets of shape (N,)",
            points=0.5, examples=ACCURACY_FLAT, max_examples=15,
            description="Logits (N, 1) and targets (N,), as a DataLoader of labels gives them: the same fraction."),
        _loop_check(
            "train_epoch", (PLAIN_EVAL, BATCHES_OF_64), name="train_epoch: the reference's parameters and figures",
            points=1.5,
            description="On the grader's plain model (no Dropout, no BatchNorm), batches of 4, 4 and 3 (and of "
                        "64, 64 and 37) and SGD(lr=0.5): zero_grad, backward, step per batch; the parameters "
                        "afterwards and (loss, accuracy), means over samples, equal the reference loop's."),
        _loop_check(
            "train_epoch", (DROPOUT_EVAL,), name="train_epoch: in training mode (Dropout, BatchNorm)", points=0.5,
            description="On a model with BatchNorm and Dropout handed over in eval mode: train_epoch puts it in "
                        "training mode, so Dropout drops and BatchNorm learns its statistics as the reference's do."),
        _loop_check(
            "evaluate", (PLAIN_TRAIN, BATCHES_OF_64), name="evaluate: the figures, nothing updated", points=0.5,
            description="On the grader's plain model, batches of 3 and 2 (and of 64 and 19): (loss, accuracy), "
                        "means over samples, and no parameter changed."),
        _loop_check(
            "evaluate", (DROPOUT_TRAIN, DROPOUT_EVAL), name="evaluate: eval mode, the mode put back", points=0.5,
            description="On a model with BatchNorm and Dropout handed over in train mode, then in eval mode: "
                        "(loss, accuracy) in eval mode, no statistic changed, the model left in the mode it was in."),
        _loop_check(
            "evaluate", (GRADS_GIVEN,), name="evaluate: no gradients", points=0.5,
            description="Every parameter handed over with a .grad (as a training step leaves it): evaluate "
                        "computes none (torch.no_grad(), no backward pass) and leaves each .grad as it found it."),
        _loop_check(
            "fit", (PLAIN_EVAL, BATCHES_OF_64), name="fit: Keras's history and the trained parameters", points=1,
            description="Two epochs on the plain model: the history's loss, accuracy, val_loss and val_accuracy, "
                        "one entry per epoch, and the parameters afterwards equal the reference's."),
        _loop_check(
            "fit", (DROPOUT_EVAL,), name="fit: training and evaluation modes", points=0.5,
            description="Two epochs on a model with BatchNorm and Dropout: each epoch trains in training mode and "
                        "evaluates in eval mode, as the reference's history and parameters show."),
    ),
    mistakes=MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True, "threads": 2},
)
