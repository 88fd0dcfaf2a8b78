"""The one gate every JSON body passes before pydantic sees it.

What passes can be stored and served again by any layer: orjson, SQLite, PostgreSQL and
a browser's JSON.parse. So numbers are finite and fit int64/float64, nesting is shallow,
strings are valid UTF-8 without lone surrogates or NUL, and the body has a size limit.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..errors import BadRequest, Invalid, TooLarge

MAX_BODY_BYTES = 72 << 20  # a base64 image for predict (at most 70 MB) is the largest body the API takes
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def load(body: bytes) -> Any:
    """The parsed body, or a 400/413/422 that says what to fix."""
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(
            f"The JSON body is {len(body)} bytes; the limit is {MAX_BODY_BYTES} bytes.", code="body_too_large"
        )
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"The body is not valid JSON ({exc}); send UTF-8 JSON with finite numbers.", code="invalid_json"
        ) from None
    if _has_huge_float(value):
        _reject_huge_int_literals(body)
    return value


def _where(path: tuple) -> str:
    parts: list[str] = []
    while path:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "body" + "".join(reversed(parts))


def _has_huge_float(value: Any) -> bool:
    """Walk the tree once (no recursion: depth is what is being checked) for the rules
    orjson does not apply itself; say whether a float past int64 needs a second look."""
    huge = False
    stack: list[tuple[Any, int, tuple]] = [(value, 0, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise Invalid(f"{_where(path)} is nested deeper than {MAX_DEPTH} levels.", code="too_deep")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key:
                    raise Invalid(f"{_where(path)} has a key with a NUL character.", code="invalid_string")
                stack.append((child, depth + 1, (path, key)))
        elif isinstance(item, str):
            if "\x00" in item:
                raise Invalid(f"{_where(path)} contains a NUL character; remove it.", code="invalid_string")
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise Invalid(f"{_where(path)} = {item} does not fit in 64 bits.", code="number_out_of_range")
        elif isinstance(item, float) and abs(item) >= 2.0**63:
            huge = True
    return huge


def fit_int64(value: Any) -> Any:
    """`value` with every integer past 64 bits as a float, so that orjson can write it."""
    if isinstance(value, dict):
        return {k: fit_int64(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fit_int64(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return float(value)
    return value


def _int64(literal: str) -> int:
    number = int(literal)
    if not INT64_MIN <= number <= INT64_MAX:
        raise Invalid(f"The integer {literal[:40]} does not fit in 64 bits.", code="number_out_of_range")
    return number


def _reject_huge_int_literals(body: bytes) -> None:
    """orjson reads an integer past 64 bits as a float; the literal tells them apart."""
    json.loads(body, parse_int=_int64)
