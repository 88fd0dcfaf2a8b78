"""torch's error messages, rewritten to say which input a node got and what to change."""

from __future__ import annotations

import re
from collections.abc import Callable

from .parse import Node
from .problems import quote

Shapes = list[tuple[int, ...]]
Rewrite = Callable[[re.Match[str], Node, Shapes], str]


def _shape(shapes: Shapes) -> str:
    return str(list(shapes[0])) if shapes else "nothing"


def _channels(shapes: Shapes) -> str:
    return str(shapes[0][1]) if shapes and len(shapes[0]) > 1 else "its"


# (torch message pattern, rewrite); the first pattern found in the message wins.
REWRITES: list[tuple[str, Rewrite]] = [
    (
        r"Kernel size: \((.+?)\)\. Kernel size can't be greater",
        lambda m, n, s: (
            f"the kernel ({m[1]}) is larger than the padded input; use a smaller kernel_size or "
            "dilation, add padding, or downsample less before it"
        ),
    ),
    (
        r"Output size is too small|would produce an empty tensor",
        lambda m, n, s: (
            f"the input {_shape(s)} is too small for this layer: its output would be empty; use a smaller "
            "kernel_size or stride, add padding, or downsample less before it"
        ),
    ),
    (
        (
            r"\dD \(batched\) input|expected \dD input \(got|Expected 3D or 4D tensor|3D or 4D \(batch mode\) tensor"
            r"|Only 3D, 4D and 5D input|needs \dD input"
        ),
        lambda m, n, s: (
            f"it cannot take an input of shape {_shape(s)}: it needs an image-like input "
            "[N, C, H, W]; move it before Flatten/Linear, or change the Input shape"
        ),
    ),
    (
        r"channel dimensions|to have (\d+) channels",
        lambda m, n, s: (
            f"its weights do not fit the {_channels(s)} input channels; "
            + (
                "backbones take 3-channel images, set the Input shape to [3, H, W]"
                if n.spec.kind == "backbone"
                else "check the layers before it"
            )
        ),
    ),
    (
        r"Expected more than 1 value per channel",
        lambda m, n, s: (
            f"the input {_shape(s)} holds one value per channel or group, which normalizes to zero; use "
            "fewer groups, or normalize before the layer that reduces it to one value"
        ),
    ),
    (
        r"must be divisible by num_groups",
        lambda m, n, s: (
            f"{_channels(s)} input channels cannot be split into num_groups={n.params.get('num_groups')}; "
            "choose a num_groups that divides the channel count"
        ),
    ),
    (
        r"(in|out)_channels must be divisible by groups",
        lambda m, n, s: (
            f"{m[1]}_channels ({_channels(s) if m[1] == 'in' else n.params.get('out_channels')}) cannot be "
            f"split into groups={n.params.get('groups')}; choose groups that divides both channel counts"
        ),
    ),
    (
        r"broadcast|must match the size of tensor",
        lambda m, n, s: (
            "these inputs cannot be combined element-wise; make the branches produce the same shape "
            "(torch broadcasting also accepts size 1 in place of any size)"
        ),
    ),
    (
        r"Sizes of tensors must match except in dimension (-?\d+)",
        lambda m, n, s: (
            f"inputs must be equal in every dimension except dim {n.params.get('dim')}; resize the "
            "branches so they match"
        ),
    ),
    (
        r"Number of dimensions of tensors must match",
        lambda m, n, s: "inputs have different numbers of dimensions; give every branch the same rank",
    ),
    (
        r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], but got (-?\d+)\)",
        lambda m, n, s: (
            f"dim {m[3]} does not exist for an input of shape {_shape(s)}; choose a dim from {m[1]} to {m[2]}"
        ),
    ),
    (
        r"start_dim cannot come after end_dim",
        lambda m, n, s: f"start_dim comes after end_dim for an input of shape {_shape(s)}; swap or change them",
    ),
    (
        r"padding='same' is not supported for strided",
        lambda m, n, s: "padding 'same' works only with stride 1; set stride to 1 or give padding as a number",
    ),
    (
        r"pad should be at most half",
        lambda m, n, s: "padding must be at most half of kernel_size; lower padding or raise kernel_size",
    ),
    (
        r"output padding must be smaller",
        lambda m, n, s: "output_padding must be smaller than stride or dilation; lower output_padding",
    ),
    (r"either size or scale_factor should be defined", lambda m, n, s: "set size or scale_factor"),
    (r"only one of size or scale_factor", lambda m, n, s: "set size or scale_factor, not both; make the other null"),
    (
        r"align_corners option can only be set",
        lambda m, n, s: "align_corners applies only to the bilinear and bicubic modes; set it to null",
    ),
    (
        r"[Pp]adding size should be less than|wrapping around more than once",
        lambda m, n, s: (
            f"padding is too large for the input {_shape(s)} with this padding_mode; lower padding or use "
            "padding_mode 'zeros'"
        ),
    ),
]
COMPILED = [(re.compile(pattern), rewrite) for pattern, rewrite in REWRITES]


def explain(node: Node, input_shapes: Shapes, exc: BaseException) -> str:
    """A message for a person: the node, its input, what went wrong and what to change."""
    raw = str(exc).strip()
    head = f"{node.spec.type} {quote(node.id)}"
    if input_shapes:
        head += f" (input {', '.join(str(list(s)) for s in input_shapes)})"
    for pattern, rewrite in COMPILED:
        match = pattern.search(raw)
        if match:
            return f"{head}: {rewrite(match, node, input_shapes)}"
    first = raw.splitlines()[0][:200] if raw else type(exc).__name__
    return f"{head} fails: {first}"
