"""What the worker says about a model is a claim: checked for form here before anything reads it.

The description (parameter names, shapes, the calls of a forward pass) maps the grader's
weights onto the student's tensors and shapes hints; it never earns a point by itself
(grader.models.verify). A description that is not even well formed fails the model's checks
with that reason, instead of breaking the grader.
"""

from __future__ import annotations


def _is_shape(value) -> bool:
    return isinstance(value, list) and all(isinstance(size, int) and not isinstance(size, bool) and size >= 0
                                           for size in value)


def _is_table(rows) -> bool:
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == 3 and isinstance(row[0], str) and _is_shape(row[1])
        and isinstance(row[2], bool) for row in rows)


def _is_call(call) -> bool:
    if not isinstance(call, dict):
        return False
    plain = (isinstance(call.get("path"), str) and isinstance(call.get("type"), str)
             and isinstance(call.get("attrs"), dict) and isinstance(call.get("unit"), bool)
             and isinstance(call.get("training"), bool)
             and isinstance(call.get("inputs"), list) and all(_is_shape(shape) for shape in call["inputs"])
             and (call.get("output") is None or _is_shape(call["output"]))
             and (call.get("producer") is None or isinstance(call["producer"], int)))
    if not plain or not call["unit"]:
        return plain
    tensors, shapes = call.get("tensors"), call.get("shapes")
    return (isinstance(tensors, dict) and isinstance(shapes, dict) and set(tensors) == set(shapes)
            and all(isinstance(name, str) for name in tensors.values())
            and all(_is_shape(shape) for shape in shapes.values()))


def malformed(info) -> str:
    """What is wrong with the form of an inspect reply, or "" when it is well formed."""
    if not isinstance(info, dict):
        return f"a {type(info).__name__}, not a description"
    if not _is_table(info.get("parameters")) or not _is_table(info.get("buffers")):
        return "its parameter or buffer table"
    if not isinstance(info.get("calls", []), list) or not all(_is_call(call) for call in info.get("calls", [])):
        return "the calls of its forward pass"
    if info.get("output") is not None and not _is_shape(info["output"]):
        return "its output shape"
    if info.get("error") is not None and not isinstance(info["error"], dict):
        return "its error"
    modules = info.get("module_parameters", {})
    if not isinstance(modules, dict) or not all(isinstance(names, list) and all(isinstance(n, str) for n in names)
                                                for names in modules.values()):
        return "the parameters of the modules it was given"
    return ""
