"""`Studio()`: CV Studio from a notebook, through the server's public API only.

    studio = Studio()
    ds = studio.datasets.register("data/shapes", name="shapes")
    run = studio.train(ds, model="resnet18", epochs=5)
    run.curves(); run.wait(); studio.predict(run.weight, "img.jpg")

Decisions:
- A path given to `register` that exists where the kernel runs is sent absolute (the
  kernel's working directory is the notebook's folder, not the server's root); any
  other path is sent as written and the server resolves it under its dataset roots.
- `upload` takes a zip archive, or a folder that it zips on the fly into a temporary
  file; the body is streamed with a progress bar.
- `train` returns at once with the run queued; `run.wait()` follows it.
- Names default to something readable: the folder's name for a dataset, "<model> on
  <dataset>" for a run.
- A notebook can be run again: registering the same folder under the same name gives the
  dataset back, and creating a model under a taken name saves the graph as that model's
  next version. A name taken by another folder is still an error.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .client import Client, StudioAPIError, find_server
from .progress import Reader, bar
from .resources import Dataset, Model, Prediction, Run, Weight, WeightTree, run_dataset_job

RESOURCE_KEYS = ("device", "gpus", "processes", "num_workers", "cpus", "memory_gb")


class Studio:
    """The server found as ARCHITECTURE.md says, else a private one for this session."""

    def __init__(self, url: str | None = None, token: str | None = None, *, private: bool | None = None) -> None:
        self.private_server = None
        try:
            if private:
                raise LookupError
            self.client = Client(server=find_server(url, token))
        except LookupError:
            if private is False:
                raise
            from .private import start_private_server

            self.private_server = start_private_server()
            self.client = Client(self.private_server.url, self.private_server.token)
        self.datasets = Datasets(self)
        self.models = Models(self)
        self.weights = Weights(self)
        self.runs = Runs(self)

    def __repr__(self) -> str:
        how = "a private server" if self.private_server else f"found by {self.client.server.source}"
        return f"Studio({self.client.server.url!r}, {how})"

    def close(self) -> None:
        """Stop the private server, if this Studio started one."""
        if self.private_server is not None:
            self.private_server.stop()

    def health(self) -> dict[str, Any]:
        return self.client.get("health")

    # ---- training -----------------------------------------------------------------
    def train(
        self,
        dataset: Dataset | int,
        model: str | Model | int = "resnet18",
        *,
        name: str | None = None,
        augmentation: list[dict[str, Any]] | None = None,
        resources: dict[str, Any] | None = None,
        pretrained: Weight | int | None = None,
        **hyperparameters: Any,
    ) -> Run:
        """Queue a run and return it at once. `model` is a torchvision model name or a
        saved graph Model; keyword arguments are the API's hyperparameters, and the
        resources (`device`, `gpus`, `processes`, `num_workers`, `cpus`, `memory_gb`) may be given the same way."""
        resources = dict(resources or {})
        for key in RESOURCE_KEYS:
            if key in hyperparameters:
                resources[key] = hyperparameters.pop(key)
        ds_id = dataset.id if isinstance(dataset, Dataset) else int(dataset)
        if isinstance(model, str):
            spec, label = {"source": "torchvision", "name": model}, model
        else:
            model_id = model.id if isinstance(model, Model) else int(model)
            spec, label = {"source": "graph", "model_id": model_id}, getattr(model, "name", f"model {model_id}")
        ds_name = dataset.name if isinstance(dataset, Dataset) else f"dataset {ds_id}"
        body: dict[str, Any] = {
            "name": name or f"{label} on {ds_name}",
            "dataset_id": ds_id,
            "model": spec,
            "hyperparameters": hyperparameters,
        }
        if augmentation is not None:
            body["augmentation"] = augmentation
        if resources:
            body["resources"] = resources
        if pretrained is not None:
            body["pretrained_weight_id"] = pretrained.id if isinstance(pretrained, Weight) else int(pretrained)
        return Run(self, self.client.post("training", body))

    def compare(self, *runs: Run | int | str | list[Run | int | str], follow: bool = True):
        """Two or more runs' curves overlaid, one colour per run (Run objects, ids or
        names, or one list of them); live runs keep moving. Per-step curves are drawn by
        step, validation by epoch: see CurvesComparison."""
        from .widgets.curves import CurvesComparison

        if len(runs) == 1 and isinstance(runs[0], (list, tuple)):
            runs = tuple(runs[0])
        found: list[Run] = []
        for r in runs:
            run = r if isinstance(r, Run) else self.runs.get(r)  # type: ignore[arg-type]
            if run not in found:
                found.append(run)
        if len(found) < 2:
            raise ValueError(f"compare takes two runs or more, got {len(found)}")
        return CurvesComparison(found, follow=follow)

    # ---- inference ----------------------------------------------------------------
    def predict(
        self, weight: Weight | Run | int, image: Any, *, top_k: int = 5, score_threshold: float = 0.5
    ) -> Prediction:
        """`image`: a file path, bytes, a PIL image, an HxWx3 uint8 array, or
        (dataset, image_id). The result shows the image with its labels or boxes."""
        body: dict[str, Any] = {"top_k": top_k, "score_threshold": score_threshold, "overlay": True}
        if isinstance(weight, Run):
            body["run_id"] = weight.id
        else:
            body["weight_id"] = weight.id if isinstance(weight, Weight) else int(weight)
        if isinstance(image, tuple):
            ds, image_id = image
            body["dataset_image"] = {"dataset_id": getattr(ds, "id", ds), "image_id": int(image_id)}
        else:
            body["image"] = base64.b64encode(_image_bytes(image)).decode()
        return Prediction(self.client.post("inference/predict", body))

    def batch_predict(self, weight: Weight | int, dataset: Dataset | int, split: str | None = None,
                      progress: bool = True) -> list[dict[str, Any]]:  # fmt: skip
        """Predict a whole dataset (or split) on the server; waits with a progress bar."""
        import time

        body = {"weight_id": getattr(weight, "id", weight), "dataset_id": getattr(dataset, "id", dataset)}
        if split:
            body["split"] = split
        job_id = self.client.post("inference/batch", body)["job_id"]
        with bar(None, "Batch inference", unit="img", enabled=progress) as pb:
            while True:
                job = self.client.get(f"inference/jobs/{job_id}", limit=1)
                pb.total = job.get("total")
                pb.update(job.get("done", 0) - pb.n)
                if job["status"] in ("completed", "failed"):
                    break
                time.sleep(0.3)
        if job["status"] == "failed":
            raise RuntimeError(job.get("error") or "Batch inference failed")
        results, offset = [], 0
        while offset < job["total"]:
            page = self.client.get(f"inference/jobs/{job_id}", offset=offset, limit=500)["results"]
            if not page:
                break
            results += page
            offset += len(page)
        return results

    # ---- system -------------------------------------------------------------------
    def system(self, interval: float = 1.0):
        from .widgets.system import SystemMonitor

        return SystemMonitor(self, interval=interval)


def _image_bytes(image: Any) -> bytes:
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        return Path(image).read_bytes()
    if hasattr(image, "save"):  # PIL
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return buf.getvalue()
    if hasattr(image, "__array__"):
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="PNG")
        return buf.getvalue()
    raise TypeError(f"Cannot send {type(image).__name__} as an image: give a path, bytes, a PIL image or an array")


class Collection:
    path = ""
    kind: type = Dataset

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def get(self, key: int | str):
        """By id, or by name (the newest with that name)."""
        if isinstance(key, int):
            return self.kind(self.studio, self.studio.client.get(f"{self.path}/{key}"))
        found = [x for x in self.list(q=key) if x.name == key]
        if not found:
            raise KeyError(f"No {self.kind.__name__.lower()} is named {key!r}")
        return max(found, key=lambda x: x.id)

    def list(self, **filters: Any) -> list:
        items, offset = [], 0
        while True:
            page = self.studio.client.get(self.path, offset=offset, limit=500, **filters)
            items += page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return [self.kind(self.studio, i) for i in items]


class Datasets(Collection):
    path = "datasets"
    kind = Dataset

    def register(
        self, path: str | os.PathLike[str], name: str | None = None, format: str | None = None,
        wait: bool = True, progress: bool = True,
    ) -> Dataset:  # fmt: skip
        local = Path(path).expanduser()
        where = str(local.resolve()) if local.exists() else str(path)
        body = {"name": name or local.resolve().name or "dataset", "path": where}
        if format:
            body["format"] = format
        try:
            ds = Dataset(self.studio, self.studio.client.post("datasets", body))
        except StudioAPIError as exc:
            # a notebook run again: the same name for the same folder is that dataset
            if exc.code != "name_taken":
                raise
            ds = self.get(body["name"]).versions()[0]  # what registration made: version 1
            if Path(ds.info["path"]).resolve() != Path(where).resolve():
                raise
        return ds.wait(progress=progress) if wait else ds

    def merge(self, name: str, datasets: list[Dataset | int], *, classes: list[str] | None = None,
              mapping: list[dict[str, str | None]] | None = None, progress: bool = True) -> Dataset:  # fmt: skip
        """A new dataset from datasets of one task: classes by name, or `classes` with a
        `mapping` per dataset (its names to those; None drops)."""
        body: dict[str, Any] = {
            "name": name,
            "datasets": [d.id if isinstance(d, Dataset) else int(d) for d in datasets],
        }
        if classes is not None:
            body["classes"] = classes
        if mapping is not None:
            body["mapping"] = mapping
        return run_dataset_job(self.studio, "datasets/merge", body, f"Merging into {name}", progress)

    def recognize(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        local = Path(path).expanduser()
        return self.studio.client.post("datasets/recognize", {"path": str(local.resolve()) if local.exists() else path})

    def upload(
        self, path: str | os.PathLike[str], name: str | None = None, format: str | None = None,
        wait: bool = True, progress: bool = True,
    ) -> Dataset:  # fmt: skip
        source = Path(path).expanduser()
        tmp = None
        if source.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix="cvstudio-upload-"))
            archive = Path(shutil.make_archive(str(tmp / source.name), "zip", root_dir=source))
        else:
            archive = source
            if not zipfile.is_zipfile(archive):
                raise ValueError(f"{archive} is not a zip archive; give a .zip file or a folder")
        try:
            size = archive.stat().st_size
            params = {"name": name or source.stem, "format": format}
            with open(archive, "rb") as fh, bar(size, f"Uploading {archive.name}", unit="B", enabled=progress,
                                                unit_scale=True) as pb:  # fmt: skip
                info = self.studio.client.upload("datasets/upload", Reader(fh, pb), size, "application/zip", **params)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        ds = Dataset(self.studio, info)
        return ds.wait(progress=progress) if wait else ds


class Models(Collection):
    path = "models"
    kind = Model

    def create(self, name: str, graph: Any, description: str | None = None) -> Model:
        """`graph` is the API's graph dict or a GraphEditor (its current graph)."""
        body: dict[str, Any] = {"name": name, "graph": getattr(graph, "graph", graph)}
        if description:
            body["description"] = description
        try:
            return Model(self.studio, self.studio.client.post("models", body))
        except StudioAPIError as exc:
            # a notebook run again: the model of that name gets the graph as its next version
            if exc.code != "name_taken":
                raise
            model = self.get(name)
            return model if model.graph == body["graph"] else model.update(body["graph"])

    def editor(self, graph: dict[str, Any] | None = None):
        from .widgets.graph import GraphEditor

        return GraphEditor(self.studio, graph=graph)

    def layers(self) -> dict[str, Any]:
        return self.studio.client.get("models/layers")

    def validate(self, graph: Any) -> dict[str, Any]:
        return self.studio.client.post("models/validate", {"graph": getattr(graph, "graph", graph)})

    def shapes(self, graph: Any) -> dict[str, Any]:
        return self.studio.client.post("models/infer-shapes", {"graph": getattr(graph, "graph", graph)})


class Weights(Collection):
    path = "weights"
    kind = Weight

    def tree(self) -> WeightTree:
        """The library by task, architecture and name; shows as a table."""
        return WeightTree(self.studio.client.get("weights/tree"))


class Runs(Collection):
    path = "training"
    kind = Run
