"""Training runs: the worker process (`python -m cvstudio_ext.engine.training.worker <run_dir>`).

Pure engine code: no server, database or HTTP imports. The server writes `spec.json`
(see `spec.py`) into a run directory and starts the worker; the worker writes only
inside that directory (see `worker.py` for the files and `events.py` for the events).
"""

from .spec import RunSpec

__all__ = ["RunSpec"]
