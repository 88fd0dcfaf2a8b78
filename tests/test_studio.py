"""The notebook API and its widgets against a real server in its own process (the
private server `Studio` starts when it finds none): datasets, previews, the graph
editor, a run followed by curves, predictions, and errors as Python exceptions."""

from __future__ import annotations

import time
import zipfile

import numpy as np
import pytest

from cvstudio_widgets import Run, RunFailed, Studio, StudioAPIError
from cvstudio_widgets.private import start_private_server
from cvstudio_widgets.widgets import downsample

from .server.test_training import SMALL, colour_squares


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("studio")
    (base / "root").mkdir()
    colour_squares(base / "root" / "squares")
    srv = start_private_server(base / "root", data_dir=base / "data")
    yield srv, base
    srv.stop()


@pytest.fixture(scope="module")
def studio(server):
    srv, _ = server
    return Studio(srv.url, srv.token)


@pytest.fixture(scope="module")
def squares(studio, server):
    return studio.datasets.register(server[1] / "root" / "squares", progress=False)


def test_register_list_get_and_errors(studio, squares, server):
    assert squares.info["status"] == "ready" and squares.info["num_images"] == 48
    assert squares.classes == ["blue", "red"]
    assert studio.datasets.get("squares") == squares == studio.datasets.get(squares.id)
    assert squares in studio.datasets.list()
    assert "squares" in squares._repr_html_()
    with pytest.raises(StudioAPIError) as err:
        studio.datasets.register(server[1] / "root" / "no-such-folder", progress=False)
    assert err.value.status in (404, 422) and "no-such-folder" in err.value.message
    with pytest.raises(KeyError):
        studio.datasets.get("nothing called this")


def test_upload_a_folder_and_a_zip(studio, server, tmp_path):
    ds = studio.datasets.upload(server[1] / "root" / "squares", name="uploaded", progress=False)
    assert ds.info["status"] == "ready" and ds.info["num_images"] == 48
    bad = tmp_path / "not.zip"
    bad.write_bytes(b"plain text")
    with pytest.raises(ValueError, match="zip"):
        studio.datasets.upload(bad, progress=False)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "nothing here")
    with pytest.raises(StudioAPIError) as err:
        studio.datasets.upload(empty, name="empty", progress=False)
    assert 400 <= err.value.status < 500


def test_stats_plot_and_preview_widget(squares):
    stats = squares.stats()
    assert stats["num_images"] == 48
    assert stats._repr_png_()[:4] == b"\x89PNG"
    # a classification set of one image size: a sentence, no empty histograms, no box panels
    from cvstudio_widgets.plots import stats_panels

    assert [title for title, _ in stats_panels(stats)] == ["images per class", "All images are 16×16 px."]
    from cvstudio_widgets.plots import stats_figure

    figure = stats_figure(stats, "squares")
    assert [ax.get_title() for ax in figure.axes if ax.get_title()] == ["images per class", "image size"]

    preview = squares.preview(page_size=10)
    assert preview.total == 48 and len(preview.items) == len(preview.thumbs) == 10
    # a saved notebook keeps a snapshot beside the live view, and a line that says what it was
    bundle = preview._repr_mimebundle_()[0]  # (data, metadata)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "DatasetPreview(squares: 48 images; page 1 of 5)"
    assert bundle["text/html"].count("<img src='data:image/jpeg;base64,") == 10
    assert all(isinstance(t, bytes) and t[:2] == b"\xff\xd8" for t in preview.thumbs)  # JPEG bytes, not base64
    state = preview.get_state()
    from ipywidgets.widgets.widget import _remove_buffers

    _, paths, buffers = _remove_buffers(state)
    assert ["thumbs", 0] in paths and len(buffers) >= 10  # sent as binary buffers
    preview.page = 4
    assert len(preview.items) == 8
    preview.split = "val"
    assert preview.page == 0 and preview.total == 16 and all(i["split"] == "val" for i in preview.items)
    preview.class_id = 1
    assert preview.total == 8 and all(i["label"] == 1 for i in preview.items)
    first = preview.items[0]["id"]
    preview.selected = first
    assert preview.full[:4] == b"\x89PNG" and preview.full_item["id"] == first
    preview.augment = True
    assert preview.augmented[:4] == b"\x89PNG" and not preview.error
    preview.pipeline = [{"type": "os.system"}]
    assert "os.system" in preview.error and preview.augmented == b""


def test_graph_editor_checks_shapes_and_refuses_edges_that_do_not_fit(studio):
    editor = studio.models.editor(SMALL)
    assert editor.valid and editor.shapes["fc"] == [1, 2] and editor.errors == []
    assert any(c["type"] == "Conv2d" for c in editor.catalogue)
    graph = {
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [3, 16, 16]}},
            {"id": "flat", "type": "Flatten", "params": {}},
            {"id": "conv", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}},
            {"id": "out", "type": "Output", "params": {}},
        ],
        "edges": [{"source": "in", "target": "flat"}],
    }
    editor.graph = graph
    assert not editor.valid and editor.shapes["flat"] == [1, 768]
    assert {e["node"] for e in editor.errors} == {"conv", "out"}  # not connected yet
    assert editor.connect("flat", "conv") is False  # a Conv2d cannot take [1, 768]
    assert "does not fit" in editor.message and len(editor.graph["edges"]) == 1
    assert editor.connect("in", "conv") is True
    assert editor.shapes["conv"] == [1, 4, 14, 14]
    assert editor.connect("flat", "conv") is False  # Conv2d takes one input
    assert editor.connect("conv", "conv") is False and len(editor.graph["edges"]) == 2
    editor.graph = {**editor.graph, "nodes": [{**n, "params": {**n["params"], "out_channels": 6}} if n["id"] == "conv"
                                               else n for n in editor.graph["nodes"]]}  # fmt: skip
    assert editor.shapes["conv"] == [1, 6, 14, 14]
    unfinished = studio.models.create("unfinished", editor)  # saved, but no code until it is valid
    with pytest.raises(StudioAPIError, match="Output"):
        unfinished.code()
    assert editor.connect("conv", "out") and editor.valid
    model = studio.models.create("from-editor", editor)
    assert model.graph == editor.graph
    assert "class " in model.code() and model.code()._repr_markdown_().startswith("```python")


def test_train_watch_evaluate_and_predict(studio, squares, server):
    model = studio.models.create("small", SMALL)
    run = studio.train(squares, model, epochs=2, batch_size=8, lr=0.05, seed=1, device="cpu")
    assert isinstance(run, Run) and run.info["status"] == "queued" and run.name == "small on squares"
    assert run.info["resources"]["device"] == "cpu" and "device" not in run.info["hyperparameters"]
    curves = run.curves()
    assert run.wait(progress=False).info["status"] == "completed"
    deadline = time.monotonic() + 10
    while curves.status != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert curves.status == "completed" and curves.epoch == 2
    assert curves.epoch_ends == [4.0, 8.0]  # 32 train images, batch 8: the charts' epoch marks
    bundle = curves._repr_mimebundle_()[0]
    assert (
        bundle["text/plain"].startswith(f"TrainingCurves(Run {run.id}: ")
        and "completed, epoch 2/2" in bundle["text/plain"]
    )
    assert "val_accuracy" in bundle["text/html"] and "<table>" in bundle["text/html"]
    assert {"train_loss", "lr", "val_loss", "val_accuracy"} <= set(curves.series)
    loss = curves.series["train_loss"]
    assert np.frombuffer(loss["x"], dtype=np.float32).size == loss["n"] > 0
    assert any("Epoch 2/2" in line for line in run.logs())
    assert run.metrics[-1]["epoch"] == 2
    assert run.evaluation()._repr_png_()[:4] == b"\x89PNG"
    from cvstudio_widgets.plots import evaluation_figure

    title = evaluation_figure(run.evaluation(), "small")._suptitle.get_text()
    assert title.endswith(" on val, 16 images, best.pt"), title  # which split, how many images
    weight = run.weight
    assert weight.info["run_id"] == run.id and weight in studio.weights.list()
    tree = studio.weights.tree()
    assert tree["tree"][0]["task"] == "classification"
    # shown as a table with rounded scores, not a nested dict
    assert repr(tree).splitlines()[0].split() == ["task", "architecture", "name", "versions"]
    best = run.refresh().info["best"]
    assert f"v1 (id {weight.id} val_accuracy {best['value']:.4g})" in repr(tree)
    assert "<table>" in tree._repr_html_() and "{" not in tree._repr_html_()
    summary = run._repr_html_()
    assert f"val_accuracy {best['value']:.4g} (epoch {best['epoch']})" in summary
    assert f"graph model {model.id}" in summary and "source" not in summary
    image = sorted((server[1] / "root" / "squares" / "val" / "red").iterdir())[0]
    prediction = studio.predict(weight, image)
    assert prediction["predictions"][0]["class_name"] in ("red", "blue")
    assert prediction.overlay[:4] == b"\x89PNG" and "<img" in prediction._repr_html_()
    from PIL import Image

    array = np.asarray(Image.open(image).convert("RGB"))
    assert studio.predict(weight, array)["predictions"] == prediction["predictions"]
    assert studio.predict(weight, (squares, squares.images(limit=1)["items"][0]["id"]))["task"] == "classification"
    with pytest.raises(TypeError):
        studio.predict(weight, 42)
    results = studio.batch_predict(weight, squares, split="val", progress=False)
    assert len(results) == 16


def test_curves_buttons_pause_and_resume_a_run(studio, squares, monkeypatch):
    model = studio.models.create("small-2", SMALL)
    run = studio.train(squares, model, epochs=300, batch_size=8, resources={"device": "cpu"})
    curves = run.curves()
    deadline = time.monotonic() + 60
    while "train_loss" not in curves.series:
        assert time.monotonic() < deadline, curves.status
        time.sleep(0.05)
    curves._on_button(curves, {"action": "resume"}, [])
    assert "cannot resume" in curves.error  # the server's 409, shown in the widget
    curves._on_button(curves, {"action": "pause", "nonce": "n1"}, [])
    assert run.wait(progress=False).info["status"] == "paused"
    deadline = time.monotonic() + 10
    while curves.status != "paused" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert curves.status == "paused"
    curves.error = ""
    curves._on_button(curves, {"action": "pause", "nonce": "n1"}, [])  # the page resending: acted on once
    assert curves.error == ""
    curves._on_button(curves, {"action": "pause", "nonce": "n2"}, [])  # a new click on a paused run
    assert "cannot pause" in curves.error
    curves._on_button(curves, {"action": "resume"}, [])
    assert run.refresh().info["status"] in ("queued", "starting", "running")
    run.stop()
    assert run.wait(progress=False).info["status"] in ("stopped", "completed")
    curves.close()


def test_a_failed_run_raises_with_its_reason(studio, squares, server):
    import shutil

    copy = server[1] / "root" / "doomed"
    shutil.copytree(server[1] / "root" / "squares", copy)
    ds = studio.datasets.register(copy, progress=False)
    shutil.rmtree(copy)
    run = studio.train(ds, studio.models.create("small-3", SMALL), epochs=1, resources={"device": "cpu"})
    with pytest.raises(RunFailed, match="missing"):
        run.wait(progress=False)


def test_system_monitor_fills_from_the_socket(studio):
    refused = studio.system(interval=0.1)
    deadline = time.monotonic() + 10
    while not refused.error:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "interval" in refused.error
    monitor = studio.system(interval=0.25)
    deadline = time.monotonic() + 10
    while len(monitor.history.get("CPU", [])) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert set(monitor.history) >= {"CPU", "Memory"} and monitor.latest["runs"]["running"] >= 0
    monitor.close()


def test_downsample_keeps_extremes_and_ends():
    x = np.arange(100_000, dtype=np.float64)
    y = np.sin(x / 1000.0)
    y[54_321] = 50.0
    dx, dy = downsample(x, y, 2000)
    assert len(dx) <= 2002 and dx[0] == 0 and dx[-1] == 99_999
    assert 50.0 in dy and np.all(np.diff(dx) > 0)
    assert dy.min() == pytest.approx(y.min(), abs=1e-3)
    small_x, small_y = downsample(x[:10], y[:10], 2000)
    assert len(small_x) == 10


def test_with_no_server_to_find_studio_starts_a_private_one(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CVSTUDIO_SERVER_URL", "CVSTUDIO_TOKEN", "JPY_PARENT_PID",
                                                            "JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_API_TOKEN")}  # fmt: skip
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # the private server's data lands here
    code = (
        "from cvstudio_widgets import Studio\n"
        "s = Studio()\n"
        "print(repr(s)); print(s.health()['status']); print(s.private_server.process.pid)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()  # fmt: skip
    assert "a private server" in out[0] and out[1] == "ok"
    import psutil

    assert not psutil.pid_exists(int(out[2])) or psutil.Process(int(out[2])).status() == psutil.STATUS_ZOMBIE
    assert (tmp_path / "jupyter-data" / "cvstudio" / "cvstudio.db").exists()


def test_a_notebook_can_run_again(studio, squares, server):
    import shutil

    again = studio.datasets.register(server[1] / "root" / "squares", progress=False)
    assert again == squares
    other = server[1] / "root" / "other"
    shutil.copytree(server[1] / "root" / "squares", other)
    with pytest.raises(StudioAPIError) as err:
        studio.datasets.register(other, name="squares", progress=False)
    assert err.value.code == "name_taken"
    first = studio.models.create("rerun", SMALL)
    assert studio.models.create("rerun", SMALL).info["version"] == first.info["version"]
    changed = {**SMALL, "nodes": [{**n, "params": {**n["params"], "out_features": 3}} if n["id"] == "fc" else n
                                  for n in SMALL["nodes"]]}  # fmt: skip
    again = studio.models.create("rerun", changed)
    assert again.id == first.id and again.info["version"] == first.info["version"] + 1 and again.graph == changed


def test_versions_from_a_notebook(studio, server):
    """split, filter, fix, merge and versions, each waiting for its job; a notebook run
    again gets version 1 back from register."""
    import shutil

    root = server[1] / "root"
    shutil.copytree(root / "squares", root / "pets")
    pets = studio.datasets.register(root / "pets", progress=False)
    v2 = pets.split({"train": 0.5, "val": 0.5}, seed=2, progress=False)
    assert (v2.version, v2.info["parent_id"], v2.info["splits"]) == (2, pets.id, {"train": 24, "val": 24})
    reds = v2.filter(classes=["red"], progress=False)
    assert (reds.version, reds.info["num_images"]) == (3, 24) and "split then filter" in reds._repr_html_()
    assert "DatasetPreview(pets v3: 24 images" in repr(reds.preview())
    fixed = reds.fix("dedupe", "clip_boxes", progress=False)
    assert fixed.version == 4 and [v.version for v in fixed.versions()] == [1, 2, 3, 4]
    assert studio.datasets.register(root / "pets", progress=False) == pets
    both = studio.datasets.merge("both", [pets, studio.datasets.get("squares").versions()[0]], progress=False)
    assert (both.version, both.classes, both.info["num_images"]) == (1, ["blue", "red"], 96)
    with pytest.raises(StudioAPIError) as err:
        pets.filter(classes=["green"], progress=False)
    assert err.value.status == 422 and "no class 'green'" in err.value.message
