"""Python identifiers made from request text, so none of that text ever becomes code.

A node's name is both its attribute on the module (hence its `state_dict` prefix) and
its local variable in the generated `forward`, so the built module and the generated
class agree on parameter names.
"""

from __future__ import annotations

import keyword
import re

from torch import nn

from ...errors import Invalid

MAX_NAME = 32
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Names the generated file itself uses, and every attribute an nn.Module already has.
RESERVED = frozenset(
    {"self", "torch", "nn", "torchvision", "training"}
    | set(dir(nn.Module))
    | set(keyword.kwlist)
    | set(keyword.softkwlist)
)


def node_names(ids: list[str], types: list[str]) -> list[str]:
    """One unique, safe identifier per node, readable when the id allows it."""
    used: set[str] = set()
    out = []
    for node_id, node_type in zip(ids, types):
        base = re.sub(r"[^A-Za-z0-9]+", "_", node_id).strip("_")[:MAX_NAME].rstrip("_")
        if not base:
            base = re.sub(r"[^A-Za-z0-9]+", "_", node_type).strip("_").lower() or "node"
        if base[0].isdigit():
            base = f"n_{base}"
        if base in RESERVED:
            base = f"{base}_"
        name, k = base, 2
        while name in used or name in RESERVED:
            name, k = f"{base}_{k}", k + 1
        assert IDENTIFIER.match(name), name
        used.add(name)
        out.append(name)
    return out


def check_class_name(name: object) -> str:
    """A class name for generated code: a plain ASCII identifier that shadows nothing it uses."""
    if not isinstance(name, str) or not IDENTIFIER.match(name) or len(name) > 64 or name in RESERVED:
        raise Invalid(
            "class_name must be a Python identifier: a letter, then letters, digits or '_', at most 64 "
            "characters, not a keyword nor torch/nn/torchvision",
            code="invalid_class_name",
        )
    return name
