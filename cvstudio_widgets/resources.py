"""What the notebook API hands back: datasets, models, runs, weights and predictions.

Each wraps the API's JSON (`.info`), refreshes it on demand, and shows itself in the
notebook: a table for the record, plots for stats and evaluations, the image for a
prediction, widgets for previews and curves.
"""

from __future__ import annotations

import base64
import html
import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .client import StudioAPIError
from .progress import bar

if TYPE_CHECKING:
    from .studio import Studio

TERMINAL = ("completed", "stopped", "failed", "paused", "interrupted")


class RunFailed(RuntimeError):
    """A run ended in `failed`; the message is the worker's reason."""


def _table(title: str, rows: dict[str, Any]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"


def figure(value: Any) -> str:
    """A score as a person reads it: 0.9889, not 0.9888579387186629."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def model_text(model: dict[str, Any] | None) -> str:
    """A run's `model` field in words."""
    model = model or {}
    if model.get("source") == "graph":
        return f"graph model {model.get('model_id')}"
    return f"torchvision {model.get('name')}" if model.get("name") else ""


def best_text(best: dict[str, Any] | None) -> str:
    best = best or {}
    if not best.get("metric"):
        return ""
    return f"{best['metric']} {figure(best.get('value'))}" + (
        f" (epoch {best['epoch']})" if best.get("epoch") is not None else ""
    )


class WeightTree(dict):
    """`GET weights/tree` that shows as a table: one row per name, its versions and scores."""

    def rows(self) -> list[tuple[str, str, str, str]]:
        out = []
        for task in self.get("tree", []):
            for arch in task["children"]:
                for named in arch["children"]:
                    versions = []
                    for w in named["versions"]:
                        score = next((f" {k} {figure(w['metrics'][k])}" for k in ("val_accuracy", "val_map")
                                      if k in (w.get("metrics") or {})), "")  # fmt: skip
                        versions.append(f"v{w['version']} (id {w['id']}{score})")
                    name = f"{named['name']} (by {named['owner']})" if named.get("shared") else named["name"]
                    out.append((task["task"], arch["architecture"], name, ", ".join(versions)))
        return out

    def __repr__(self) -> str:
        rows = [("task", "architecture", "name", "versions"), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        return "\n".join("  ".join([*(r[i].ljust(widths[i]) for i in range(3)), r[3]]) for r in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in ("task", "architecture", "name", "versions"))
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.rows()
        )
        return f"<div><b>Weight library</b><table><tr>{head}</tr>{body}</table></div>"


class Record:
    """A server object by id; `.info` is its latest JSON."""

    path = ""

    def __init__(self, studio: Studio, info: dict[str, Any]) -> None:
        self.studio = studio
        self.info = info

    @property
    def id(self) -> int:
        return self.info["id"]

    @property
    def name(self) -> str:
        return self.info.get("name", "")

    def refresh(self) -> Record:
        self.info = self.studio.client.get(f"{self.path}/{self.id}")
        return self

    def delete(self) -> None:
        self.studio.client.delete(f"{self.path}/{self.id}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.id == self.id  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def _by(self) -> str:
        """Who shared it with this user, for the reprs; empty for their own."""
        return f" shared by {self.info.get('owner')}" if self.info.get("shared") else ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}{self._by()}>"


class Shareable(Record):
    """A dataset, model or weight: its owner may share it read-only with other users."""

    def share(self, users: list[str] | None = None, everyone: bool | None = None) -> dict[str, Any]:
        """Share it read-only with `users` (they replace the named users so far; [] unshares
        them all) and/or with `everyone` (True, or False to stop); with neither, say whom
        it is shared with now. Returns `{"users": [...], "everyone": bool}`."""
        if users is None and everyone is None:
            return self.studio.client.get(f"{self.path}/{self.id}/share")
        body: dict[str, Any] = {}
        if users is not None:
            body["users"] = list(users)
        if everyone is not None:
            body["everyone"] = everyone
        return self.studio.client.post(f"{self.path}/{self.id}/share", body)


class Dataset(Shareable):
    path = "datasets"

    @property
    def classes(self) -> list[str]:
        return list(self.info.get("classes") or [])

    def wait(self, timeout: float | None = None, progress: bool = True) -> Dataset:
        """Until indexing ends; an indexing error raises with the server's reason."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with bar(100, f"Indexing {self.name}", unit="%", enabled=progress) as pb:
            while self.info["status"] == "indexing":
                pb.update(round(100 * (self.info.get("progress") or 0)) - pb.n)
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"Dataset {self.id} is still indexing after {timeout} s")
                time.sleep(0.2)
                self.refresh()
            pb.update(100 - pb.n)
        if self.info["status"] == "error":
            raise StudioAPIError(422, "dataset_error", self.info.get("error") or "Indexing failed")
        return self

    @property
    def version(self) -> int:
        return int(self.info.get("version") or 1)

    def versions(self) -> list[Dataset]:
        """Every version of this dataset's name, oldest first."""
        return [Dataset(self.studio, i) for i in self.studio.client.get(f"datasets/{self.id}/versions")["items"]]

    def split(self, fractions: dict[str, float], *, seed: int = 0, keep: list[str] | None = None,
              stratify: bool = True, progress: bool = True) -> Dataset:  # fmt: skip
        """A new version split again by `fractions` (e.g. {"train": 0.8, "val": 0.2}),
        stratified by class and seeded; the images of the splits in `keep` stay put."""
        body = {"fractions": fractions, "seed": seed, "keep": list(keep or []), "stratify": stratify}
        return run_dataset_job(self.studio, f"datasets/{self.id}/split", body, f"Splitting {self.name}", progress)

    def filter(self, *, splits: list[str] | None = None, classes: list[str] | None = None,
               defects: list[str] | None = None, progress: bool = True) -> Dataset:  # fmt: skip
        """A new version with the images of these splits, classes and defects."""
        body = {k: v for k, v in (("splits", splits), ("classes", classes), ("defects", defects)) if v is not None}
        return run_dataset_job(self.studio, f"datasets/{self.id}/filter", body, f"Filtering {self.name}", progress)

    def fix(self, *steps: str | dict[str, Any], progress: bool = True) -> Dataset:
        """A new version with defects fixed, step by step: "clip_boxes", "drop_zero_area",
        "dedupe", "drop_unknown", {"op": "drop_images", "defects": [...]},
        {"op": "remap_classes", "mapping": {...}}."""
        body = {"steps": [{"op": step} if isinstance(step, str) else step for step in steps]}
        return run_dataset_job(self.studio, f"datasets/{self.id}/fix", body, f"Fixing {self.name}", progress)

    def images(self, **filters: Any) -> dict[str, Any]:
        """A page of images: split, class_id, has_issues, issue, offset, limit."""
        return self.studio.client.get(f"datasets/{self.id}/images", **filters)

    def image(self, image_id: int, size: str = "full") -> bytes:
        return self.studio.client.get(f"datasets/{self.id}/images/{image_id}", size=size)

    def stats(self) -> Stats:
        return Stats(self.studio.client.get(f"datasets/{self.id}/stats"), self.name)

    def preview(self, **filters: Any):
        from .widgets.preview import DatasetPreview

        return DatasetPreview(self, **filters)

    def _repr_html_(self) -> str:
        i = self.info
        return _table(
            f"Dataset {i['id']}: {versioned(i)}{self._by()}",
            {
                "format / task": f"{i.get('format')} / {i.get('task')}",
                "made by": " then ".join(step.get("op", "?") for step in i.get("lineage") or []) or "registration",
                "status": i.get("status"),
                "images": i.get("num_images"),
                "annotations": i.get("num_annotations"),
                "splits": i.get("splits"),
                "classes": ", ".join(i.get("classes") or [])[:300],
                "path": i.get("path"),
            },
        )


def versioned(info: dict[str, Any]) -> str:
    """ "pets" for version 1 (what registration made), "pets v3" after."""
    version = info.get("version") or 1
    return f"{info.get('name', '')} v{version}" if version > 1 else info.get("name", "")


def run_dataset_job(studio: Studio, path: str, body: dict[str, Any], what: str, progress: bool) -> Dataset:
    """Start a dataset operation and wait for its job with a progress bar; its result."""
    job = studio.client.post(path, body)
    with bar(100, what, unit="%", enabled=progress) as pb:
        while job["status"] == "running":
            time.sleep(0.2)
            job = studio.client.get(f"datasets/jobs/{job['job_id']}")
            pb.update(round(100 * job["progress"]) - pb.n)
        pb.update(100 - pb.n)
    if job["status"] != "completed":
        raise StudioAPIError(422, "dataset_job_failed", job.get("error") or f"{what} failed")
    return Dataset(studio, studio.client.get(f"datasets/{job['result']['dataset_id']}"))


class Model(Shareable):
    path = "models"

    @property
    def graph(self) -> dict[str, Any]:
        return self.info["graph"]

    def code(self, class_name: str | None = None) -> Code:
        body: dict[str, Any] = {"graph": self.graph}
        if class_name:
            body["class_name"] = class_name
        return Code(self.studio.client.post("models/generate", body)["code"])

    def analyze(self) -> dict[str, Any]:
        return self.studio.client.post("models/analyze", {"graph": self.graph})

    def update(self, graph: dict[str, Any] | None = None, **fields: Any) -> Model:
        if graph is not None:
            fields["graph"] = getattr(graph, "graph", graph)
        self.info = self.studio.client.put(f"models/{self.id}", fields)
        return self

    def editor(self):
        from .widgets.graph import GraphEditor

        return GraphEditor(self.studio, graph=self.graph)

    def _repr_html_(self) -> str:
        g = self.graph
        return _table(
            f"Model {self.id}: {self.name}{self._by()}",
            {"version": self.info.get("version"), "nodes": len(g["nodes"]), "edges": len(g["edges"])},
        )


class Code(str):
    """Generated source that shows highlighted in a notebook."""

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}\n```"


class Weight(Shareable):
    path = "weights"

    def download(self, to: str) -> str:
        data = self.studio.client.get(f"weights/{self.id}/download")
        with open(to, "wb") as fh:
            fh.write(data)
        return to

    def predict(self, image: Any, **options: Any) -> Prediction:
        return self.studio.predict(self, image, **options)

    def _repr_html_(self) -> str:
        i = self.info
        return _table(
            f"Weight {i['id']}: {i['name']} v{i.get('version')}{self._by()}",
            {
                "task": i.get("task"),
                "architecture": i.get("architecture"),
                "classes": ", ".join(i.get("classes") or [])[:300],
                "input size": i.get("input_size"),
                "metrics": i.get("metrics"),
                "run": i.get("run_id"),
                "size": i.get("file_size"),
            },
        )


class Run(Record):
    path = "training"

    @property
    def status(self) -> str:
        return self.refresh().info["status"]

    @property
    def metrics(self) -> list[dict[str, Any]]:
        return self.studio.client.get(f"training/{self.id}/metrics")["records"]

    @property
    def weight(self) -> Weight | None:
        weight_id = self.refresh().info.get("weight_id")
        return Weight(self.studio, self.studio.client.get(f"weights/{weight_id}")) if weight_id else None

    def logs(self, offset: int = 0, limit: int = 500) -> list[str]:
        return self.studio.client.get(f"training/{self.id}/logs", offset=offset, limit=limit)["lines"]

    def _control(self, action: str, **extra: Any) -> Run:
        self.info = self.studio.client.post(f"training/{self.id}/control", {"action": action, **extra})
        return self

    def pause(self) -> Run:
        return self._control("pause")

    def resume(self, epochs: int | None = None) -> Run:
        return self._control("resume", **({"epochs": epochs} if epochs else {}))

    def stop(self) -> Run:
        return self._control("stop")

    def checkpoint(self) -> None:
        self.studio.client.post(f"training/{self.id}/checkpoint")

    def checkpoints(self) -> list[dict[str, Any]]:
        return self.studio.client.get(f"training/{self.id}/checkpoints")["items"]

    def evaluation(self) -> Evaluation:
        return Evaluation(self.studio.client.get(f"training/{self.id}/evaluation"), self.name)

    def events(self, since: int = 0, stop: threading.Event | None = None) -> Iterator[dict[str, Any]]:
        """The run's events from the socket, replayed after `since`, then live; it ends
        when the run reaches a final state (or `stop` is set) and reconnects by itself
        from the last seq it saw, so nothing is lost or repeated."""
        import websocket

        last = since
        while stop is None or not stop.is_set():
            try:
                ws = self.studio.client.socket(f"ws/training/{self.id}", since=last)
            except (OSError, websocket.WebSocketException):
                time.sleep(1.0)
                continue
            ws.settimeout(1.0)
            idle = 0
            try:
                while stop is None or not stop.is_set():
                    try:
                        event = json.loads(ws.recv())
                    except websocket.WebSocketTimeoutException:
                        idle += 1
                        # a run can end without a last event of its own (the server marks it
                        # interrupted at a restart): a quiet socket asks how the run stands
                        if idle % 5 == 0 and self.refresh().info["status"] in TERMINAL:
                            return
                        continue
                    idle = 0
                    last = event["seq"]
                    yield event
                    if event["type"] == "status" and event["data"].get("status") in TERMINAL:
                        return
            except (OSError, websocket.WebSocketException):
                time.sleep(0.5)  # the connection dropped: reconnect after the last seq
            finally:
                ws.close()

    def wait(self, timeout: float | None = None, progress: bool = True) -> Run:
        """Until the run completes, stops, pauses or fails; a failure raises RunFailed
        with the worker's reason. The bar counts epochs."""
        deadline = None if timeout is None else time.monotonic() + timeout
        stop = threading.Event()
        info = self.refresh().info
        if info["status"] not in TERMINAL:
            timer = threading.Timer(timeout, stop.set) if timeout is not None else None
            if timer:
                timer.start()
            # a short name: tqdm's notebook bar wraps a long one onto lines of its own
            with bar(info.get("epochs"), f"Run {self.id}", unit="epoch", enabled=progress) as pb:
                pb.update(info.get("epoch", 0))
                for event in self.events(stop=stop):
                    data = event["data"]
                    if event["type"] == "metric" and "train_loss" in data:
                        pb.set_postfix(loss=f"{data['train_loss']:.4f}", refresh=False)
                    if event["type"] == "metric" and any(k.startswith("val_") for k in data):
                        shown = {k: round(v, 4) for k, v in data.items() if k.startswith("val_") and v is not None}
                        pb.set_postfix(shown, refresh=False)
                        pb.update(max(0, data["epoch"] - pb.n))
                    if event["type"] == "status" and data.get("epochs"):
                        pb.total = data["epochs"]
            if timer:
                timer.cancel()
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Run {self.id} is still {self.refresh().info['status']} after {timeout} s")
        # the supervisor marks a run completed once its weight is in the library
        while self.refresh().info["status"] in ("starting", "running", "stopping"):
            time.sleep(0.1)
        if self.info["status"] == "failed":
            raise RunFailed(f"Run {self.id} failed: {self.info.get('error')}")
        return self

    def curves(self, **options: Any):
        from .widgets.curves import TrainingCurves

        return TrainingCurves(self, **options)

    def _repr_html_(self) -> str:
        i = self.info
        rows = {
            "status": i.get("status"),
            "epoch": f"{i.get('epoch')}/{i.get('epochs')}",
            "best": best_text(i.get("best")),
            "model": model_text(i.get("model")),
            "dataset": f"#{i.get('dataset_id')}",
        }
        if i.get("weight_id") is not None:
            rows["weight"] = f"#{i['weight_id']} in the library"
        if i.get("error"):  # only a run with something to say has the row
            rows["error"] = i["error"]
        return _table(f"Run {i['id']}: {i['name']}", rows)


class Plotted(dict):
    """The API's JSON for something that shows as a figure in a notebook."""

    plot = ""  # the function of plots.py that draws it

    def __init__(self, data: dict[str, Any], name: str = "") -> None:
        super().__init__(data)
        self.name = name

    def figure(self):
        from . import plots

        return getattr(plots, self.plot)(self, self.name)

    def _repr_png_(self) -> bytes:
        from .plots import png

        return png(self.figure())


class Stats(Plotted):
    """A dataset's stats: class counts, size and box histograms, defects."""

    plot = "stats_figure"


class Evaluation(Plotted):
    """A run's final evaluation: the confusion matrix and per-class scores, or per-class
    AP and PR curves."""

    plot = "evaluation_figure"


class Prediction(dict):
    """A prediction (the API's JSON) that shows the image with its result drawn."""

    @property
    def overlay(self) -> bytes | None:
        raw = self.get("overlay")
        return base64.b64decode(raw) if raw else None

    def _repr_html_(self) -> str:
        if self.get("task") == "detection":
            lines = [
                f"{d['class_name']} {d['score']:.2f} at {[round(v, 1) for v in d['bbox']]}" for d in self["detections"]
            ]
        else:
            lines = [f"{p['class_name']} {p['score']:.3f}" for p in self.get("predictions", [])]
        text = "<br>".join(html.escape(x) for x in lines) or "nothing found"
        image = (
            f"<img src='data:image/png;base64,{self['overlay']}' style='max-width:480px'>"
            if self.get("overlay")
            else ""
        )
        return f"<div style='display:flex;gap:1em;align-items:flex-start'>{image}<div>{text}</div></div>"
