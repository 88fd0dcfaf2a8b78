"""Every example notebook, executed top to bottom by a real kernel (nbclient) against a
real server, the way a user runs them: the kernel finds the server by itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cvstudio_widgets.private import start_private_server

NOTEBOOKS = sorted((Path(__file__).parent.parent / "example_notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("notebooks")
    srv = start_private_server(root, data_dir=root / ".cvstudio")
    yield srv, root
    srv.stop()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_example_notebook_runs(path, server, monkeypatch):
    srv, root = server
    monkeypatch.setenv("CVSTUDIO_SERVER_URL", srv.url)
    monkeypatch.setenv("CVSTUDIO_TOKEN", srv.token)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("JPY_PARENT_PID", raising=False)
    work = root / path.stem
    work.mkdir()
    shutil.copy(path, work / path.name)
    nb = nbformat.read(work / path.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) >= 2  # the preview and the curves at least
    assert any("image/png" in o.get("data", {}) for o in outputs)  # stats or evaluation plots
