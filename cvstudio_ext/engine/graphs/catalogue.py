"""The node types a graph may use, with params read from the torch signatures.

Param names, defaults and types come from `inspect.signature` of each torch class so the
catalogue follows torch; only what a signature cannot say (ranges, the strings a `str`
param accepts, descriptions) is written here, keyed by param name.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from torch import nn

from .backbones import BACKBONES

# Input sizes taken from the incoming tensor, never from the request.
INFERRED = frozenset({"in_channels", "in_features", "num_features", "num_channels", "normalized_shape"})
# Construction details a graph has no say in: `inplace` would corrupt a tensor another
# branch still reads, `return_indices` makes a layer return a tuple.
HIDDEN = frozenset({"device", "dtype", "inplace", "return_indices"})

MAX_DIM = 16384  # the largest size (channels, features, pixels) a param may ask for
MAX_RANK = 8  # dims are indexed within [-MAX_RANK, MAX_RANK]

# name -> (min, max) for numbers and for every element of a tuple.
RANGES: dict[str, tuple[float, float]] = {
    "out_channels": (1, MAX_DIM),
    "out_features": (1, MAX_DIM),
    "num_groups": (1, MAX_DIM),
    "groups": (1, MAX_DIM),
    "kernel_size": (1, 255),
    "stride": (1, 255),
    "padding": (0, 255),
    "output_padding": (0, 255),
    "dilation": (1, 255),
    "output_size": (1, MAX_DIM),
    "size": (1, MAX_DIM),
    "scale_factor": (0.01, 64.0),
    "divisor_override": (1, 65025),
    "eps": (1e-12, 1.0),
    "momentum": (0.0, 1.0),
    "p": (0.0, 1.0),
    "negative_slope": (-100.0, 100.0),
    "dim": (-MAX_RANK, MAX_RANK),
    "start_dim": (-MAX_RANK, MAX_RANK),
    "end_dim": (-MAX_RANK, MAX_RANK),
}

# The strings a `str`-typed param accepts (a `Literal` annotation gives its own).
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Conv2d", "padding"): ("same", "valid"),
    ("GELU", "approximate"): ("none", "tanh"),
    ("Upsample", "mode"): ("nearest", "nearest-exact", "bilinear", "bicubic", "area"),
}

# Defaults that differ from torch's: Softmax's `dim=None` is deprecated guesswork.
DEFAULTS: dict[tuple[str, str], Any] = {("Softmax", "dim"): 1}

DESCRIPTIONS: dict[str, str] = {
    "out_channels": "channels the layer produces",
    "out_features": "features the layer produces",
    "kernel_size": "window size, one number or [height, width]",
    "stride": "step of the window, one number or [height, width]",
    "padding": "zeros added on each side",
    "dilation": "spacing between kernel elements",
    "groups": "split channels into this many independent groups; must divide the input channels",
    "num_groups": "groups to normalize over; must divide the input channels",
    "bias": "learn an additive bias",
    "p": "probability of zeroing an element during training",
    "scale_factor": "multiplier for the spatial size (give this or size)",
    "size": "output spatial size (give this or scale_factor)",
    "output_size": "output spatial size, one number or [height, width]",
    "dim": "dimension to work along (1 is channels)",
    "shape": "input shape without the batch dimension, e.g. [3, 224, 224] or [features]",
}


@dataclass(frozen=True)
class ParamSpec:
    """What one param accepts; `tuple_len` 0 means a tuple of any length from 1 to 3."""

    name: str
    scalar: str  # int | float | bool | str
    default: Any = None
    required: bool = False
    nullable: bool = False
    tuple_len: int | None = None
    tuple_only: bool = False  # a list is required, a single number is not enough
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    description: str | None = None

    def type_text(self) -> str:
        """The accepted types written as a Python annotation, for people reading the catalogue."""
        parts = [self.scalar] if self.scalar != "str" and not self.tuple_only else []
        if self.tuple_len is not None:
            inner = ", ".join([self.scalar] * self.tuple_len) if self.tuple_len else f"{self.scalar}, ..."
            parts.append(f"tuple[{inner}]")
        if self.choices:
            parts.append("str")
        if self.nullable:
            parts.append("None")
        return " | ".join(parts)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type_text(),
            "default": self.default,
            "required": self.required,
        }
        if isinstance(out["default"], tuple):
            out["default"] = list(out["default"])
        if self.min is not None:
            out["min"], out["max"] = self.min, self.max
        if self.choices:
            out["choices"] = list(self.choices)
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class NodeSpec:
    """One catalogue entry; `cls` is the torch class for layers, None otherwise."""

    type: str
    kind: str  # input | output | layer | merge | backbone
    category: str
    min_inputs: int
    max_inputs: int | None
    params: tuple[ParamSpec, ...] = ()
    inferred: tuple[str, ...] = ()
    cls: type[nn.Module] | None = None
    description: str | None = None
    param_map: dict[str, ParamSpec] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.param_map.update({p.name: p for p in self.params})

    def as_json(self) -> dict[str, Any]:
        out = {
            "type": self.type,
            "kind": self.kind,
            "category": self.category,
            "inputs": {"min": self.min_inputs, "max": self.max_inputs},
            "params": [p.as_json() for p in self.params],
            "inferred": list(self.inferred),
        }
        if self.description:
            out["description"] = self.description
        return out


LAYER_CATEGORIES: dict[str, tuple[type[nn.Module], ...]] = {
    "convolution": (nn.Conv2d, nn.ConvTranspose2d),
    "normalization": (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm),
    "activation": (nn.ReLU, nn.LeakyReLU, nn.SiLU, nn.GELU, nn.Sigmoid, nn.Tanh, nn.Softmax),
    "pooling": (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d),
    "resampling": (nn.Upsample,),
    "reshape": (nn.Flatten,),
    "linear": (nn.Linear,),
    "regularization": (nn.Dropout, nn.Dropout2d),
    "utility": (nn.Identity,),
}


def _annotation_param(type_name: str, name: str, annotation: Any, default: Any) -> ParamSpec:
    """Turn one signature parameter into a ParamSpec; unknown annotations fail at import."""
    scalars: list[str] = []
    choices: tuple[str, ...] = ()
    nullable = False
    tuple_len: int | None = None
    alternatives = (
        typing.get_args(annotation) if typing.get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    )
    for alt in alternatives:
        origin = typing.get_origin(alt)
        if alt is type(None):
            nullable = True
        elif origin is Literal:
            choices = tuple(typing.get_args(alt))
        elif origin is tuple:
            args = typing.get_args(alt)
            elems = (
                [a for a in typing.get_args(args[0]) if a is not type(None)] if typing.get_args(args[0]) else [args[0]]
            )
            scalars.append(elems[0].__name__)
            tuple_len = 0 if Ellipsis in args else len(args)
        elif alt in (int, float, bool):
            scalars.append(alt.__name__)
        elif alt is str:
            choices = CHOICES[(type_name, name)]
        else:
            raise TypeError(f"{type_name}.{name}: unsupported annotation {annotation!r}")
    scalar = scalars[0] if scalars else "str"
    default = DEFAULTS.get((type_name, name), default)
    required = default is inspect.Parameter.empty
    low, high = RANGES.get(name, (None, None)) if scalar in ("int", "float") else (None, None)
    return ParamSpec(
        name=name,
        scalar=scalar,
        default=None if required else default,
        required=required,
        nullable=nullable and (type_name, name) not in DEFAULTS,
        tuple_len=tuple_len,
        choices=choices,
        min=low,
        max=high,
        description=DESCRIPTIONS.get(name),
    )


def _layer_spec(cls: type[nn.Module], category: str) -> NodeSpec:
    params, inferred = [], []
    for p in inspect.signature(cls).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in HIDDEN:
            continue
        if p.name in INFERRED:
            inferred.append(p.name)
            continue
        params.append(_annotation_param(cls.__name__, p.name, p.annotation, p.default))
    return NodeSpec(
        type=cls.__name__,
        kind="layer",
        category=category,
        min_inputs=1,
        max_inputs=1,
        params=tuple(params),
        inferred=tuple(inferred),
        cls=cls,
    )


def _fixed_specs() -> list[NodeSpec]:
    """Input, Output and the merges: graph constructs, not torch classes."""
    dim = ParamSpec(name="dim", scalar="int", default=1, min=-MAX_RANK, max=MAX_RANK, description=DESCRIPTIONS["dim"])
    shape = ParamSpec(
        name="shape",
        scalar="int",
        required=True,
        tuple_len=0,
        tuple_only=True,
        min=1,
        max=MAX_DIM,
        description=DESCRIPTIONS["shape"],
    )
    return [
        NodeSpec(
            type="Input",
            kind="input",
            category="io",
            min_inputs=0,
            max_inputs=0,
            params=(shape,),
            description="the model's input tensor",
        ),
        NodeSpec(
            type="Output",
            kind="output",
            category="io",
            min_inputs=1,
            max_inputs=1,
            description="a tensor the model returns; several Outputs return a tuple in node order",
        ),
        NodeSpec(
            type="Add",
            kind="merge",
            category="merge",
            min_inputs=2,
            max_inputs=None,
            description="element-wise sum of its inputs (torch broadcasting)",
        ),
        NodeSpec(
            type="Multiply",
            kind="merge",
            category="merge",
            min_inputs=2,
            max_inputs=None,
            description="element-wise product of its inputs (torch broadcasting)",
        ),
        NodeSpec(
            type="Concat",
            kind="merge",
            category="merge",
            min_inputs=2,
            max_inputs=None,
            params=(dim,),
            description="torch.cat of its inputs in port order",
        ),
    ]


@functools.cache
def specs() -> dict[str, NodeSpec]:
    """Every node type by name, built once."""
    out = {s.type: s for s in _fixed_specs()}
    for category, classes in LAYER_CATEGORIES.items():
        out.update((cls.__name__, _layer_spec(cls, category)) for cls in classes)
    for name, backbone in BACKBONES.items():
        out[name] = NodeSpec(
            type=name,
            kind="backbone",
            category="backbone",
            min_inputs=1,
            max_inputs=1,
            description=backbone.description,
        )
    return out


def layer_catalogue() -> list[dict[str, Any]]:
    """The catalogue as JSON, for `GET models/layers`."""
    return [s.as_json() for s in specs().values()]
