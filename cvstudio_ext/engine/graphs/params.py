"""Checking one node's params against its catalogue entry.

Only values that pass here reach torch or generated code: finite numbers in range, bools,
None where allowed, strings from the entry's choices and short tuples of these.
"""

from __future__ import annotations

import math
from typing import Any

from .catalogue import NodeSpec, ParamSpec
from .problems import describe, quote

MAX_TUPLE = 3  # a tuple of "any length" holds one to three elements (2-D layers, Input shapes)
UNBOUNDED = 1e15  # the bound for a number whose catalogue entry gives no range


class ParamError(ValueError):
    """One bad param value; `code` is "param_type" or "param_range"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_params(spec: NodeSpec, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]], list[str]]:
    """Complete params with defaults; returns (params, [(code, message)] errors, warnings)."""
    params: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    warnings: list[str] = []
    for key, value in raw.items():
        if key in spec.inferred:
            warnings.append(f"{key} is inferred from the input; the given value is ignored")
        elif key not in spec.param_map:
            known = ", ".join(spec.param_map) or "none"
            errors.append(("unknown_param", f"{spec.type} has no param {quote(str(key))}; its params are: {known}"))
        else:
            try:
                params[key] = check_value(spec.param_map[key], value)
            except ParamError as e:
                errors.append((e.code, e.message))
    for p in spec.params:
        if p.name in params or p.name in raw:
            continue
        if p.required:
            errors.append(("missing_param", f"{spec.type} needs {p.name} ({p.type_text()}); set it"))
        else:
            params[p.name] = p.default
    return params, errors, warnings


def check_value(p: ParamSpec, value: Any) -> Any:
    """The value, normalized (lists become tuples, integral floats ints), or ParamError."""
    wanted = f"{p.name} must be {p.type_text()}"
    if value is None:
        if p.nullable:
            return None
        raise ParamError("param_type", f"{wanted}, not null")
    if isinstance(value, str):
        if value in p.choices:
            return value
        if p.choices:
            raise ParamError("param_type", f"{p.name} must be one of {', '.join(p.choices)}, not {describe(value)}")
        raise ParamError("param_type", f"{wanted}, not the string {describe(value)}")
    if isinstance(value, (list, tuple)):
        if p.tuple_len is None:
            raise ParamError("param_type", f"{wanted}, not a list")
        lengths = (p.tuple_len,) if p.tuple_len else tuple(range(1, MAX_TUPLE + 1))
        if len(value) not in lengths:
            raise ParamError(
                "param_type", f"{p.name} must have {' or '.join(map(str, lengths))} elements, not {len(value)}"
            )
        return tuple(_scalar(p, v, f"{p.name}[{i}]") for i, v in enumerate(value))
    if p.tuple_only:
        raise ParamError("param_type", f"{wanted}, a list")
    return _scalar(p, value, p.name)


def _scalar(p: ParamSpec, value: Any, label: str) -> Any:
    if p.scalar == "bool":
        if isinstance(value, bool):
            return value
        raise ParamError("param_type", f"{label} must be true or false, not {describe(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError("param_type", f"{label} must be a number ({p.scalar}), not {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError("param_range", f"{label} must be a finite number, not {describe(value)}")
    if p.scalar == "int" and isinstance(value, float):
        if not value.is_integer():
            raise ParamError("param_type", f"{label} must be a whole number, not {describe(value)}")
        value = int(value)
    low, high = (p.min, p.max) if p.min is not None and p.max is not None else (-UNBOUNDED, UNBOUNDED)
    if not low <= value <= high:
        raise ParamError("param_range", f"{label} must be between {low} and {high}, not {describe(value)}")
    return float(value) if p.scalar == "float" else value
