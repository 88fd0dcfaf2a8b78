"""torchvision feature extractors offered as single graph nodes, always without weights.

Each backbone is built in the server and written in generated code from the same two
facts (the torchvision function and how its trunk is cut), so both have the same
`state_dict` keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import torchvision
from torch import nn


@dataclass(frozen=True)
class Backbone:
    """`cut` is "children" (all children but avgpool and fc) or "features" (the `.features` part)."""

    function: str
    cut: str
    description: str

    def build(self) -> nn.Module:
        model = getattr(torchvision.models, self.function)(weights=None)
        if self.cut == "children":
            return nn.Sequential(*list(model.children())[:-2])
        return model.features

    def code(self) -> str:
        """The expression generated code uses; the same construction as `build`."""
        model = f"torchvision.models.{self.function}(weights=None)"
        if self.cut == "children":
            return f"nn.Sequential(*list({model}.children())[:-2])"
        return f"{model}.features"


def _resnet(name: str, channels: int) -> Backbone:
    return Backbone(name, "children", f"torchvision {name} without avgpool and fc: [N, {channels}, H/32, W/32]")


def _features(name: str, channels: int) -> Backbone:
    return Backbone(name, "features", f"torchvision {name} features: [N, {channels}, H/32, W/32]")


BACKBONES: dict[str, Backbone] = {
    "resnet18": _resnet("resnet18", 512),
    "resnet34": _resnet("resnet34", 512),
    "resnet50": _resnet("resnet50", 2048),
    "resnet101": _resnet("resnet101", 2048),
    "mobilenet_v2": _features("mobilenet_v2", 1280),
    "mobilenet_v3_small": _features("mobilenet_v3_small", 576),
    "mobilenet_v3_large": _features("mobilenet_v3_large", 960),
    "efficientnet_b0": _features("efficientnet_b0", 1280),
}
