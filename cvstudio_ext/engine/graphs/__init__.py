"""Model graphs: the layer catalogue, validation, shape inference, analysis, code and modules.

Pure engine code: graphs come in as JSON values and go out as dicts, modules or code.
"""

from .analyze import analyze_graph
from .catalogue import layer_catalogue
from .codegen import generate_code
from .model import build_module
from .problems import GraphInvalid
from .shapes import infer_shapes, validate_graph

__all__ = [
    "GraphInvalid",
    "analyze_graph",
    "build_module",
    "generate_code",
    "infer_shapes",
    "layer_catalogue",
    "validate_graph",
]
