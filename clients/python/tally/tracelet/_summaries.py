"""Tracelet's automagic captures: the caller's hyperparameters read from its frame, and
structural summaries of models and datasets recognised by their methods (torch, numpy,
sklearn-style objects), never importing those packages nor copying the data."""
from __future__ import annotations

import math
from types import FrameType
from typing import Any, Dict, Optional

_STRING_MAX = 1000


def scalar_locals(frame: Optional[FrameType]) -> Dict[str, Any]:
    """The scalar variables of ``frame`` (numbers, strings, booleans, None), private names left out."""
    if frame is None:
        return {}
    out: Dict[str, Any] = {}
    for key, value in frame.f_locals.items():
        if key.startswith("_") or key == "self":
            continue
        if value is None or isinstance(value, bool):
            out[key] = value
        elif isinstance(value, (int, float)) and (isinstance(value, int) or math.isfinite(value)):
            out[key] = value
        elif isinstance(value, str) and len(value) <= _STRING_MAX:
            out[key] = value
    return out


def _type_name(value: Any) -> str:
    return type(value).__name__


def _count_numbers(value: Any, seen: set, depth: int = 0) -> int:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return 1
    if id(value) in seen or depth > 50:
        return 0
    seen.add(id(value))
    size = getattr(value, "size", None)
    if hasattr(value, "dtype") and isinstance(size, int):
        return size
    if isinstance(value, dict):
        return sum(_count_numbers(v, seen, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_count_numbers(v, seen, depth + 1) for v in value)
    return 0


def summarize_model(model: Any) -> Dict[str, Any]:
    """A model: its class, its parameter counts and its layers.

    A torch ``nn.Module`` is read through ``parameters()`` and ``named_children()``; anything
    else by the numbers it holds.
    """
    summary: Dict[str, Any] = {"type": _type_name(model)}
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        try:
            params = list(parameters())
        except TypeError:
            params = []
        if params and hasattr(params[0], "numel"):
            summary["parameters"] = int(sum(p.numel() for p in params))
            summary["trainable_parameters"] = int(sum(p.numel() for p in params if getattr(p, "requires_grad", False)))
            children = getattr(model, "named_children", None)
            if callable(children):
                parts = {name: _type_name(child) for name, child in children()}
                summary["layers"] = len(parts)
                summary["parts"] = parts
            return summary
        get_params = getattr(model, "get_params", None)
        if callable(get_params):
            # scikit-learn: hyperparameters rather than weights.
            summary["params"] = {k: v for k, v in get_params().items() if isinstance(v, (int, float, str, bool)) or v is None}
            return summary
    holder = vars(model) if hasattr(model, "__dict__") and not isinstance(model, (dict, list, tuple)) else model
    summary["parameters"] = _count_numbers(holder, set())
    return summary


def _describe_sample(sample: Any) -> Dict[str, Any]:
    described: Dict[str, Any] = {"type": _type_name(sample)}
    shape = getattr(sample, "shape", None)
    if shape is not None:
        try:
            described["shape"] = [int(d) for d in shape]
        except (TypeError, ValueError):
            pass
    elif isinstance(sample, dict):
        described["fields"] = [str(k) for k in sample]
    elif isinstance(sample, (list, tuple)):
        described["length"] = len(sample)
        described["items"] = [_describe_sample(s) for s in sample[:8]]
    return described


def summarize_dataset(dataset: Any) -> Dict[str, Any]:
    """A dataset: its class, its size and the shape of its first sample."""
    summary: Dict[str, Any] = {"type": _type_name(dataset)}
    try:
        summary["size"] = len(dataset)
    except TypeError:
        return summary
    if isinstance(dataset, dict):
        summary["columns"] = {str(k): _describe_sample(v) for k, v in dataset.items()}
        return summary
    if summary["size"] > 0:
        try:
            summary["sample"] = _describe_sample(dataset[0])
        except (TypeError, KeyError, IndexError):
            pass
    return summary
