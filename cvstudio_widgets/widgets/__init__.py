"""anywidget widgets. Their JavaScript is plain ES modules in `static/`, shipped in the
wheel and loaded from the kernel, never from a CDN; images travel as binary buffers
(`traitlets.Bytes`), never as base64 in traitlets. They get their data from the kernel,
which calls the API; the JavaScript never calls the API itself."""

from .curves import CurvesComparison, TrainingCurves, downsample
from .graph import GraphEditor
from .preview import DatasetPreview
from .system import SystemMonitor

__all__ = ["CurvesComparison", "DatasetPreview", "GraphEditor", "SystemMonitor", "TrainingCurves", "downsample"]
