"""The snapshot a widget leaves in a saved notebook follows the widget: a notebook run by a
real kernel (nbclient) shows a short real run's curves while it is queued, and the saved
file's snapshot output ends with the run's final status and values; the live view's own
output carries no stale copy. And the throttle behind it: at most one call per interval,
the latest state always landing."""

from __future__ import annotations

import re
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from cvstudio_widgets.private import start_private_server
from cvstudio_widgets.widgets.snapshot import Throttle

from .server.test_training import SMALL, colour_squares

VIEW = "application/vnd.jupyter.widget-view+json"
CELLS = [
    "from cvstudio_widgets import Studio\nstudio = Studio()",
    'ds = studio.datasets.register("squares", progress=False)\n'
    f'model = studio.models.create("small", {SMALL!r})\n'
    'run = studio.train(ds, model, epochs=2, batch_size=8, lr=0.05, resources={"device": "cpu"})\n'
    "curves = run.curves()\n"
    "print(repr(curves))\n"
    "curves",
    # the last snapshot is drawn once the widget has the last status: this cell waits for
    # it, as any cell after a training run would, so the kernel still runs to send it
    "import time\n"
    "run.wait(progress=False)\n"
    "while curves.status != 'completed':\n"
    "    time.sleep(0.1)\n"
    "time.sleep(3)\n"
    "print({k: v for k, v in run.metrics[-1].items() if k.startswith('val_')})",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("follow")
    colour_squares(root / "squares")
    srv = start_private_server(root, data_dir=root / ".cvstudio")
    yield srv, root
    srv.stop()


def test_the_saved_snapshot_ends_with_the_runs_final_state(server, monkeypatch):
    srv, root = server
    monkeypatch.setenv("CVSTUDIO_SERVER_URL", srv.url)
    monkeypatch.setenv("CVSTUDIO_TOKEN", srv.token)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("JPY_PARENT_PID", raising=False)
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = new_notebook(metadata={"kernelspec": kernelspec}, cells=[new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(root)}}).execute()
    nbformat.write(nb, root / "saved.ipynb")
    saved = nbformat.read(root / "saved.ipynb", as_version=4)
    outputs = saved.cells[1].outputs
    assert outputs[0].output_type == "stream"
    assert re.search(r": (queued|starting), epoch 0/2, step 0\)", outputs[0].text), outputs[0].text  # when shown
    live, snapshot = outputs[1:]
    assert live.data[VIEW]["model_id"] and "text/html" not in live.data
    assert live.data["text/plain"] == "TrainingCurves: a live widget; its last state is saved below"
    assert snapshot.data[VIEW]["model_id"] == ""  # a view of no model: widget frontends hide it
    assert ": completed, epoch 2/2, step 8)" in snapshot.data["text/plain"]
    html = snapshot.data["text/html"]
    final = eval(saved.cells[2].outputs[-1].text)  # noqa: S307 - the kernel's own print of a dict
    assert "<td style='text-align:left'>completed</td>" in html and "<td style='text-align:left'>2/2</td>" in html
    for name, value in final.items():
        row = f"<th style='text-align:left;padding-right:1em'>{name}</th><td style='text-align:left'>{value:.4g}</td>"
        assert row in html, name
    assert "<img src='data:image/png;base64," in html and "queued" not in html


def test_the_throttle_calls_at_most_once_an_interval_and_the_last_state_lands():
    calls: list[float] = []
    throttle = Throttle(0.3, lambda: calls.append(time.monotonic()))
    start = time.monotonic()
    for _ in range(40):
        throttle.poke()
        time.sleep(0.02)
    last_poke = time.monotonic()
    time.sleep(0.7)
    span = last_poke - start
    assert calls[0] - start < 0.1  # the first change shows at once
    assert all(b - a >= 0.29 for a, b in zip(calls, calls[1:]))
    assert calls[-1] >= last_poke - 0.02  # a change while waiting is sent when the wait ends
    assert len(calls) <= span / 0.3 + 2
    count = len(calls)
    throttle.poke(force=True)  # a final state: now, whatever the interval
    assert len(calls) == count + 1
    throttle.close()
    throttle.poke(force=True)
    assert len(calls) == count + 1
