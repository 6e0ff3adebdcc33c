"""The worker: the only process that imports a submission. It runs inside the sandbox.

It answers requests ("call conv2d with these arrays") with "this is my output" and nothing
more: the grader holds the reference and does every comparison. Anything the submission
prints goes to a file that is read back after each call and shipped as text; the protocol
uses its own file descriptors, so a print can never pass for an answer.

Forked, one per submission, by the sandbox's fork server (forkserver.py), which started as
`python -s -S -c <bootstrap> CONFIG_JSON` with only its own package and the allowed
distributions on its path; see grader.worker.view and grader.worker.client.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import random
import resource
import sys
import traceback
import types

import numpy as np
import numpy.random  # noqa: F401 - reseeded before every call (_seed): NumPy 2 imports it on first use,
# 11-15 ms in every worker; imported here, it is loaded once per sandbox, before the fork server forks

from grader.worker import protocol
from grader.worker.op_families import family_module

OUTPUT_LIMIT = 4000


class _BlockImports:
    """Refuse the modules an exercise forbids (torch in a NumPy exercise, for instance): a finder
    of sys.meta_path (find_spec only, as _OnlyLoaded in forkserver.py)."""

    def __init__(self, forbidden):
        self.forbidden = set(forbidden)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.forbidden:
            raise ImportError(f"importing {name} is not allowed in this exercise: use NumPy")
        return None


class Worker:
    def __init__(self, config: dict):
        self.config = config
        self.submission_path = os.path.realpath(config["submission"])
        self.module: types.ModuleType | None = None  # the submission, once start() imported it
        self.pid = os.getpid()

    def start(self) -> dict:
        """Apply the limits, write the submission into the worker's own folder, import it and
        report what it defines."""
        _apply_limits(self.config.get("limits", {}))
        _use_threads(self.config.get("threads", 1))
        descriptor = os.open(self.submission_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as submission:
            submission.write(self.config["source"])
        sys.meta_path.insert(0, _BlockImports(self.config.get("forbidden", [])))
        sys.path.insert(0, os.path.dirname(self.submission_path))
        self._seed()
        try:
            spec = importlib.util.spec_from_file_location(self.config["module"], self.submission_path)
            assert spec is not None and spec.loader is not None  # the submission path ends in .py
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.config["module"]] = module
            spec.loader.exec_module(module)
        except BaseException as error:  # the submission's own failure, reported to the grader
            return {"ok": False, "error": self._describe(error), **self._take_output()}
        self.module = module
        names = sorted(name for name, value in vars(module).items() if callable(value))
        return {"ok": True, "value": names, **self._take_output()}

    def handle(self, header: dict, arrays: list) -> tuple[dict, list]:
        op = header.get("op")
        handler = op_handler(op)
        if handler is None:
            return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}, []
        self._seed()
        out_arrays: list = []
        try:
            value = handler(self, protocol.decode(header.get("args", []), arrays), out_arrays)
        except BaseException as error:
            self._exit_if_forked()
            return {"ok": False, "error": self._describe(error), **self._take_output()}, []
        self._exit_if_forked()
        return {"ok": True, "value": value, **self._take_output()}, out_arrays

    def _exit_if_forked(self) -> None:
        """A child forked by the submission must never answer in the worker's name."""
        if os.getpid() != self.pid:
            os._exit(0)

    def _seed(self) -> None:
        """Reseed before each call. In a graded run the grader sends a seed derived one way from its
        secret (grader/seeds.py), from which nothing the grader draws can be predicted."""
        seed = int(self.config.get("seed", 0))
        random.seed(seed)
        np.random.seed(seed % 2**32)
        if "torch" in sys.modules:
            seed_torch(seed)

    def _take_output(self) -> dict:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        size = os.lseek(1, 0, os.SEEK_END)
        if not size:  # nothing printed (most calls): nothing to empty
            return {"stdout": ""}
        text = os.pread(1, OUTPUT_LIMIT, 0).decode("utf-8", "replace")
        if size > OUTPUT_LIMIT:
            text += f"\n... ({size - OUTPUT_LIMIT} more bytes)"
        os.ftruncate(1, 0)
        os.lseek(1, 0, os.SEEK_SET)
        return {"stdout": text}

    def _describe(self, error: BaseException) -> dict:
        """Type, message and the submission's own lines of the traceback."""
        frames = [
            frame for frame in traceback.extract_tb(error.__traceback__)
            if os.path.realpath(frame.filename) == self.submission_path
        ]
        where = frames[-1] if frames else None
        line: int | None
        if isinstance(error, SyntaxError) and error.lineno:
            line, source = error.lineno, (error.text or "").strip()
        else:
            line, source = (where.lineno, (where.line or "").strip()) if where else (None, "")
        try:
            message = str(error)[:500]
        except Exception:
            message = "<unprintable message>"
        return {"type": type(error).__name__, "message": message, "line": line, "source": source}


def seed_torch(seed: int) -> None:
    """torch.manual_seed(seed), without its bookkeeping for devices this machine lacks: without
    CUDA, torch.manual_seed formats three stack traces (torch.cuda._lazy_call and its kin) to
    seed them later, 0.07 ms that every request of a PyTorch worker paid. The CPU generator is
    seeded alike either way; with CUDA, torch.manual_seed seeds every device as before."""
    torch = sys.modules["torch"]
    if torch.cuda.is_available():
        torch.manual_seed(seed)
    else:
        torch.default_generator.manual_seed(seed)


def op_call(worker: Worker, args: dict, out_arrays: list):
    """Call one of the submission's functions: args = {"function", "args", "kwargs"}."""
    function = getattr(worker.module, args["function"], None)
    if not callable(function):
        raise NameError(f"{args['function']} is not defined")
    result = function(*args.get("args", []), **args.get("kwargs", {}))
    return protocol.encode(result, out_arrays)


OPS = {"call": op_call}


def op_handler(op):
    """The function serving `op`: a core op, or `family.name` of its family's module; None if unknown."""
    return OPS.get(op) or _family_op(op)


def _family_op(op):
    """An op `family.name` of grader.worker.op_families.FAMILIES (its module imported on first use)."""
    module_name = family_module(op)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return module.OPS.get(op.partition(".")[2])


def _apply_limits(limits: dict) -> None:
    for name, value in limits.items():
        kind = getattr(resource, name)
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # a limit the platform refuses; the sandbox and the call timeouts still hold


def _use_threads(threads: int) -> None:
    """Let torch compute with `threads` threads (the fork server loaded it with one) where the
    grader gives them: one grading run at a time, a large model (client.WorkerProcess.threads)."""
    torch = sys.modules.get("torch")
    if torch is not None and threads > 1:
        torch.set_num_threads(threads)


def serve(config: dict) -> None:
    """One worker, forked by the fork server (forkserver.py) for one submission: its own folder,
    its output into a file, "booted", then the submission's import and its requests, until the
    grader closes the pipe."""
    request_fd, reply_fd = config["request_fd"], config["reply_fd"]
    os.makedirs(config["workdir"], mode=0o700, exist_ok=True)  # inside bubblewrap: in its tmpfs, as itself
    os.chdir(config["workdir"])
    output = os.open(config["output"], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    protocol.write_frame(reply_fd, protocol.pack({"ok": True, "booted": True}, []))
    try:
        header, _ = protocol.read_frame(request_fd)
    except protocol.PeerClosed:
        return
    worker = Worker({**config, **header["args"]})
    protocol.write_frame(reply_fd, protocol.pack({**worker.start(), "id": header.get("id")}, []))
    while True:
        try:
            header, arrays = protocol.read_frame(request_fd)
        except protocol.PeerClosed:
            return
        reply, out_arrays = worker.handle(header, arrays)
        reply["id"] = header.get("id")  # the grader takes only the answer to the request it sent
        try:
            frame = protocol.frame_parts(reply, out_arrays)
        except Exception as error:  # e.g. an array NumPy cannot save
            frame = protocol.frame_parts({"ok": False, "error": worker._describe(error), "id": header.get("id")}, [])
        protocol.write_frame(reply_fd, frame)
