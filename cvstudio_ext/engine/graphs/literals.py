"""The only way request values reach generated code: checked literals and cleaned comments."""

from __future__ import annotations

import math
import re
from typing import Any

SAFE_STRING = re.compile(r"[A-Za-z0-9_\-]{1,32}\Z")
MAX_INT = 10**9
MAX_COMMENT = 80


def literal(value: Any) -> str:
    """Python source for a validated param value; anything unexpected is refused, not escaped."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int) and abs(value) <= MAX_INT:
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_INT:
        return repr(value)
    if isinstance(value, str) and SAFE_STRING.match(value):
        return f'"{value}"'  # the pattern admits no quote or backslash
    if isinstance(value, tuple) and 0 < len(value) <= 8:
        items = [literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    raise ValueError(f"not a literal generated code may hold: {type(value).__name__}")


def comment(text: str) -> str:
    """Text for a `#` comment: printable characters only, so it cannot end the line."""
    cleaned = "".join(ch for ch in text if ch.isprintable())
    return cleaned if len(cleaned) <= MAX_COMMENT else cleaned[:MAX_COMMENT] + "..."
