"""Worker ops for the PyTorch exercises (`torch.<name>`): build a model, answer questions about it.

Every op is generic, about no exercise in particular: build the submission's class (or a model
from a layer spec), describe it, load given weights, run it on given inputs, take given SGD
steps, call a submission function on it. Their arguments are the TypedDicts of
grader.worker.torch_protocol. Only arrays and JSON cross, and what crosses is a claim: the
submission runs first in this process and may have replaced these very functions, so the
grader verifies what it scores (grader.models.verify). Ops that run the model in training mode
put back the buffers (BatchNorm statistics) and parameters they changed, so a model keeps the
weights the grader loaded until it loads others.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from grader.worker import protocol
from grader.worker.server import seed_torch
from grader.worker.torch_inspect import build_base, parameter_table, record
from grader.worker.torch_protocol import (ApplyArgs, BackwardArgs, BuildArgs, ForwardArgs, InspectArgs, LoadArgs,
                                           StepsArgs)


class UnknownHandle(KeyError):
    """The grader asked about a model this worker never built (it was restarted): build it again."""


class DeviceUnavailable(RuntimeError):
    """--device cuda, but this worker's torch sees no CUDA device."""


def _models(worker) -> dict:
    return worker.__dict__.setdefault("torch_models", {})


def _entry(worker, handle: str) -> dict:
    try:
        return _models(worker)[handle]
    except KeyError:
        raise UnknownHandle(handle) from None


def _device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailable("--device cuda was asked for, but torch in the worker sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False  # compare float32 with float32, not TF32
        torch.backends.cudnn.allow_tf32 = False
    return torch.device(name)


def _memory_errors(handler):
    """Torch's allocation failures become MemoryError, which the grader reports as such."""
    def wrapped(worker, args, out_arrays):
        try:
            return handler(worker, args, out_arrays)
        except RuntimeError as error:
            if _out_of_memory(error):
                raise MemoryError(str(error).splitlines()[0][:300]).with_traceback(error.__traceback__) from None
            raise
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _out_of_memory(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error, RuntimeError) and ("can't allocate memory" in text or "out of memory" in text.lower())


def _tensor(array, device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(device)


def _numpy(tensor) -> np.ndarray:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"forward returned a {type(tensor).__name__}, not a torch.Tensor")
    return tensor.detach().to("cpu", torch.float32).numpy().copy()


def _set_mode(model: nn.Module, mode: str) -> None:
    """"train" or "eval"; "keep" leaves the modes as the model has them."""
    if mode == "train":
        model.train()
    elif mode == "eval":
        model.eval()


def _buffers(model: nn.Module) -> dict:
    return {name: buffer.detach().clone() for name, buffer in model.named_buffers()}


def _restore(model: nn.Module, saved: dict) -> list[str]:
    """Put saved tensors back; return the names whose values had changed."""
    changed = []
    with torch.no_grad():
        current = dict(model.named_buffers()) | dict(model.named_parameters())
        for name, value in saved.items():
            tensor = current.get(name)
            if tensor is None or tensor.shape != value.shape:
                changed.append(name)  # replaced by forward itself: nothing to put back into
            elif not torch.equal(tensor, value):
                changed.append(name)
                tensor.copy_(value)
    return changed


# --- Ops ---------------------------------------------------------------------------------------------

@_memory_errors
def op_build(worker, args: BuildArgs, out_arrays: list):
    """Build the submission's `cls(**kwargs, **modules)` or a bare model from `spec`; keep it under `handle`."""
    device = _device(args.get("device", "cpu"))
    modules = {name: build_base(spec) for name, spec in (args.get("modules") or {}).items()}
    if args.get("spec") is not None:
        model = build_base(args["spec"])
    else:
        kind = args["cls"]
        cls = getattr(worker.module, kind, None)
        if cls is None:
            raise NameError(f"{kind} is not defined")
        model = cls(**(args.get("kwargs") or {}), **modules)
        if not isinstance(model, nn.Module):
            raise TypeError(f"{kind}(...) made a {type(model).__name__}, not a torch.nn.Module")
    model.to(device)
    _models(worker)[args["handle"]] = {"model": model, "modules": modules, "device": device}
    return protocol.encode({"device": str(device), "type": type(model).__name__}, out_arrays)


@_memory_errors
def op_inspect(worker, args: InspectArgs, out_arrays: list):
    """Parameters and buffers; with an input, also the calls of one forward pass (no_grad, `mode`).

    A forward pass that raises is reported in `error`, with the calls made before it.
    """
    entry = _entry(worker, args["handle"])
    model = entry["model"]
    info = parameter_table(model)
    info["module_parameters"] = _module_parameters(entry)
    info["module_flags"] = {name: flags(module) for name, module in entry["modules"].items()}
    x = args.get("x")
    if x is None:
        return protocol.encode(info, out_arrays)
    _set_mode(model, args.get("mode", "eval"))
    saved = _buffers(model)
    try:
        output, recorded = record(model, _tensor(x, entry["device"]))
        info["output"] = list(output.shape) if isinstance(output, torch.Tensor) else None
        info["output_type"] = type(output).__name__
        info["error"] = None
    except Exception as error:
        recorded = getattr(error, "recorded", {"calls": []})
        info["output"], info["output_type"], info["error"] = None, None, worker._describe(error)
        if _out_of_memory(error):
            info["error"]["type"] = "MemoryError"
    _restore(model, saved)
    info["calls"] = recorded["calls"]
    return protocol.encode(info, out_arrays)


def op_state(worker, args: InspectArgs, out_arrays: list):
    """Every parameter and buffer as a float32 array (integer buffers as they are)."""
    model = _entry(worker, args["handle"])["model"]
    state = {name: tensor.detach().cpu().numpy().copy() for name, tensor in model.state_dict().items()}
    return protocol.encode(state, out_arrays)


def op_load(worker, args: LoadArgs, out_arrays: list):
    """Copy the given arrays into the parameters and buffers of those names."""
    entry = _entry(worker, args["handle"])
    model = entry["model"]
    tensors = dict(model.named_parameters()) | dict(model.named_buffers())
    with torch.no_grad():
        for name, array in args["state"].items():
            tensor = tensors[name]
            if list(tensor.shape) != list(array.shape):
                raise ValueError(f"{name} has shape {list(tensor.shape)}, the grader sent {list(array.shape)}")
            tensor.copy_(torch.from_numpy(np.asarray(array)).to(tensor.device, tensor.dtype))
    return len(args["state"])


@_memory_errors
def op_forward(worker, args: ForwardArgs, out_arrays: list):
    """Outputs of `repeat` forward passes (torch seeded with `seed` first), with the units' inputs and
    outputs when `trace`, the modules' training flags, the buffers changed (and their values when
    `state`) and whether x was changed. Buffers are put back afterwards."""
    entry = _entry(worker, args["handle"])
    model, device = entry["model"], entry["device"]
    _set_mode(model, args.get("mode", "eval"))
    saved = _buffers(model)
    x = _tensor(args["x"], device)
    original = x.clone()
    outputs, traces, training = [], [], None
    seed_torch(int(args.get("seed", 0)))
    for _ in range(int(args.get("repeat", 1))):
        output, recorded = record(model, x, keep_arrays=bool(args.get("trace")))
        outputs.append(_numpy(output))
        traces.append([list(item) for item in recorded["arrays"]])
        if training is None:
            training = [[call["path"], call["type"], call["training"]] for call in recorded["calls"]]
    buffers = {name: _numpy(buffer) for name, buffer in model.named_buffers()
               if buffer.dtype.is_floating_point} if args.get("state") else None
    result = {
        "outputs": outputs,
        "traces": traces if args.get("trace") else None,
        "training": training,
        "buffers": buffers,
        "buffers_changed": _restore(model, saved),
        "input_changed": not torch.equal(x, original),
    }
    return protocol.encode(result, out_arrays)


@_memory_errors
def op_backward(worker, args: BackwardArgs, out_arrays: list):
    """The output, d(sum(output * grad_output))/dx and /dparameters in `mode`."""
    entry = _entry(worker, args["handle"])
    model, device = entry["model"], entry["device"]
    _set_mode(model, args.get("mode", "train"))
    saved = _buffers(model)
    model.zero_grad(set_to_none=True)
    x = _tensor(args["x"], device).requires_grad_(True)
    original = x.detach().clone()
    output = model(x)
    (output * _tensor(args["grad_output"], device)).sum().backward()
    result = {
        "output": _numpy(output),
        "input_grad": _numpy(x.grad) if x.grad is not None else None,
        "param_grads": {name: (_numpy(p.grad) if p.grad is not None else None) for name, p in model.named_parameters()},
        "input_changed": not torch.equal(x.detach(), original),
    }
    model.zero_grad(set_to_none=True)
    _restore(model, saved)
    return protocol.encode(result, out_arrays)


LOSSES = {
    "cross_entropy": lambda out, y: F.cross_entropy(out, y.long()),
    "bce": F.binary_cross_entropy_with_logits,
    "mse": F.mse_loss,
}


def sgd_steps(model: nn.Module, given: list, x: torch.Tensor, y: torch.Tensor, *, loss: str, lr: float,
              weight_decay: float, steps: int, mode: str, seed: int) -> list[float]:
    """`steps` steps of p -= lr * (grad + weight_decay * p) on every tensor in `given` (no gradient
    counts as zero); the loss before each step. The grader replays these on its reference."""
    losses = []
    unique = list({id(p): p for p in given}.values())
    for _ in range(steps):
        seed_torch(seed)
        _set_mode(model, mode)
        model.zero_grad(set_to_none=True)
        value = LOSSES[loss](model(x), y)
        value.backward()
        losses.append(float(value.detach()))
        with torch.no_grad():  # plain SGD; torch.optim would import torch._dynamo (seconds)
            for parameter in unique:
                step = weight_decay * parameter
                if parameter.grad is not None:
                    step = step + parameter.grad
                parameter.sub_(lr * step)
    model.zero_grad(set_to_none=True)
    return losses


@_memory_errors
def op_steps(worker, args: StepsArgs, out_arrays: list):
    """SGD steps on one batch from the current weights (see StepsArgs); every parameter after them,
    the names of what the optimizer was given and the losses. Everything is put back afterwards."""
    entry = _entry(worker, args["handle"])
    model, device = entry["model"], entry["device"]
    saved = {name: t.detach().clone() for name, t in [*model.named_parameters(), *model.named_buffers()]}
    names = {id(p): name for name, p in model.named_parameters()}
    if args.get("params", "all") == "all":
        given = [p for p in model.parameters() if p.requires_grad]
        described = [names[id(p)] for p in given]
    else:
        function = getattr(worker.module, args["params"])
        given, described = _parameters_of(function(model), names)
    if not given:
        raise ValueError("the optimizer got an empty parameter list: nothing would train")
    losses = sgd_steps(model, given, _tensor(args["x"], device), _tensor(args["y"], device), loss=args["loss"],
                       lr=float(args.get("lr", 0.01)), weight_decay=float(args.get("weight_decay", 0.0)),
                       steps=int(args.get("steps", 1)), mode=args.get("mode", "train"), seed=int(args.get("seed", 0)))
    after = {name: _numpy(p) for name, p in model.named_parameters()}
    _restore(model, saved)
    return protocol.encode({"parameters": after, "given": described, "losses": losses}, out_arrays)


def _parameters_of(value, names: dict) -> tuple[list, list]:
    """The tensors in what the submission's function returned, and their names in the model."""
    if isinstance(value, torch.Tensor) or value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"it returned {_kind(value)}; return a list of the model's parameters")
    tensors, described = [], []
    for item in list(value):
        group = item.get("params", []) if isinstance(item, dict) else [item]
        for tensor in ([group] if isinstance(group, torch.Tensor) else list(group)):
            if not isinstance(tensor, torch.Tensor):
                raise TypeError(f"it returned {_kind(tensor)} among the parameters")
            tensors.append(tensor)
            outsider = f"<a tensor of shape {list(tensor.shape)} that is not in the model>"
            described.append(names.get(id(tensor), outsider))
    return tensors, described


def _kind(value) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def op_apply(worker, args: ApplyArgs, out_arrays: list):
    """Call a submission function on a stored model (or its submodule at `path`); say what came back."""
    entry = _entry(worker, args["handle"])
    model = entry["model"].get_submodule(args.get("path", ""))
    function = getattr(worker.module, args["function"], None)
    if not callable(function):
        raise NameError(f"{args['function']} is not defined")
    result = function(model)
    if isinstance(result, nn.Module):
        returned = "the same module" if result is model else f"another module ({type(result).__name__})"
    else:
        returned = _kind(result)
    info = parameter_table(model)
    info["returned"] = returned
    info["flags"] = flags(model)
    return protocol.encode(info, out_arrays)


def flags(module: nn.Module) -> dict:
    """The plain attributes set on a module object itself (training, or a stray requires_grad)."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and isinstance(value, (bool, int, float, str))}


def _module_parameters(entry: dict) -> dict[str, list[str]]:
    """For each module given as a keyword argument, the names its parameters have in the model."""
    names = {id(p): name for name, p in entry["model"].named_parameters()}
    return {kwarg: [names[id(p)] for p in module.parameters() if id(p) in names]
            for kwarg, module in entry["modules"].items()}


OPS = {
    "build": op_build, "inspect": op_inspect, "state": op_state, "load": op_load, "forward": op_forward,
    "backward": op_backward, "steps": op_steps, "apply": op_apply,
}
