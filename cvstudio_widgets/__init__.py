"""The notebook side of CV Studio: `Studio()` (the notebook API), the client of the
server's public API it is built on, and the widgets it shows."""

from .client import Client, ServerInfo, StudioAPIError, find_server
from .resources import Dataset, Evaluation, Model, Prediction, Run, RunFailed, Stats, Weight
from .studio import Studio

__all__ = [
    "Client",
    "Dataset",
    "Evaluation",
    "Model",
    "Prediction",
    "Run",
    "RunFailed",
    "ServerInfo",
    "Stats",
    "Studio",
    "StudioAPIError",
    "Weight",
    "find_server",
]
