"""The tour notebooks (example_notebooks/), run top to bottom by a real kernel (nbclient)
the way a user runs them, and what every run must show. test_binder runs them in a fresh
environment set up as mybinder sets it up: the installed package, not this checkout."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

TOURS = sorted((Path(__file__).parent.parent / "example_notebooks").glob("*.ipynb"))


def run_tour(
    path: Path,
    work: Path,
    url: str,
    token: str,
    *,
    env: Mapping[str, str] | None = None,
    km: KernelManager | None = None,
) -> None:
    """Execute a copy of the tour in `work` on a new kernel (`km`, or the current Python's)
    whose environment (`env`, or this process's) names the server by CVSTUDIO_SERVER_URL
    and CVSTUDIO_TOKEN, and check its outputs."""
    work.mkdir()
    shutil.copy(path, work / path.name)
    nb = nbformat.read(work / path.name, as_version=4)
    kernel_env = {**(env or os.environ), "CVSTUDIO_SERVER_URL": url, "CVSTUDIO_TOKEN": token, "OMP_NUM_THREADS": "2"}
    client = NotebookClient(nb, timeout=600, kernel_name="python3", km=km, resources={"metadata": {"path": str(work)}})
    client.execute(env=kernel_env)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) >= 2  # the preview and the curves at least
    assert any("image/png" in o.get("data", {}) for o in outputs)  # stats or evaluation plots
