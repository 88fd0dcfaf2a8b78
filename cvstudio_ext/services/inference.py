"""Inference: single predictions with a bounded cache of loaded models, and batch jobs
whose results are kept row by row and read page by page."""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..errors import Invalid, NotFound
from ..store import Store
from ..store.models import Dataset, Image, InferenceJob, InferenceResult, Weight, utcnow
from .dataset_images import DatasetImages
from .datasets import DatasetService, iso
from .sharing import readable
from .weights import WeightService

BATCH = 16  # images per forward pass in batch jobs
WRITE_EVERY = 64  # results per transaction in batch jobs


class ModelCache:
    """The most recently used models, keyed by weight id and file digest (a replaced file
    is a new key). Loading happens under a per-key lock, so concurrent first requests
    load once."""

    def __init__(self, size: int):
        self.size = size
        self._models: OrderedDict[tuple[int, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple[int, str], threading.Lock] = {}
        self.loads = 0

    def get(self, key: tuple[int, str], load) -> Any:
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._models:
                    return self._models[key]
            model = load()
            with self._lock:
                self.loads += 1
                self._models[key] = model
                self._models.move_to_end(key)
                while len(self._models) > self.size:
                    self._models.popitem(last=False)
                self._loading.pop(key, None)
            return model


class InferenceService:
    def __init__(self, store: Store, weights: WeightService, datasets: DatasetService, images: DatasetImages,
                 cache_size: int = 4):  # fmt: skip
        self.store = store
        self.weights = weights
        self.datasets = datasets
        self.images = images
        self.cache = ModelCache(cache_size)
        # Every forward pass runs on this one thread: torch's OpenMP pool is made per
        # calling thread, and hopping between threads would rebuild and oversubscribe it.
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="cvstudio-infer")

    # ---- models ------------------------------------------------------------------
    def _model(self, w: Weight):
        def load():
            from ..engine.models_factory import build_model, normalize_keys
            from ..engine.weights import load_state_dict

            path = self.weights.path_of(w)
            if not path.exists():  # a shared weight read by a server with a data directory of its own
                raise NotFound(
                    f"The file of weight {w.id} is missing from the library folder {path.parent}; "
                    "servers that share weights need one data_dir.",
                    code="file_missing",
                )
            # whoever may use a weight may build it, also from a graph not shared with them
            model = build_model(w.architecture, w.num_classes, graph=self.weights.graph_of(None, w.architecture))
            model.load_state_dict(normalize_keys(load_state_dict(path)))
            return model.eval()

        return self.cache.get((w.id, w.sha256), load)

    def _weight(self, owner: str, weight_id: int | None, run_id: int | None) -> Weight:
        if weight_id is not None:
            return self.weights.record(owner, weight_id)
        with self.store.session() as s:
            w = s.scalar(
                select(Weight)
                .where(Weight.owner == owner, Weight.run_id == run_id)
                .order_by(Weight.version.desc())
                .limit(1)
            )
        if w is None:
            raise NotFound(f"Run {run_id} has no weight in the library yet.", code="weight_not_found")
        return w

    def _prepare(self, w: Weight, images: list) -> Any:
        """PIL images to the model's input: a normalized batch, or detector tensors."""
        from ..engine.inference import detection_tensor, preprocess

        if w.task == "detection":
            return [detection_tensor(im) for im in images]
        import torch

        return torch.cat([preprocess(im, w.input_size) for im in images])

    def _infer(self, w: Weight, prepared: Any, top_k: int, score_threshold: float) -> list[list[dict[str, Any]]]:
        from ..engine.inference import classify, detect

        model = self._model(w)
        if w.task == "detection":
            return detect(model, prepared, w.classes, score_threshold)
        return classify(model, prepared, w.classes, top_k)

    # ---- single predictions --------------------------------------------------------
    def predict(
        self,
        owner: str,
        *,
        weight_id: int | None,
        run_id: int | None,
        image_b64: str | None,
        dataset_image: tuple[int, int] | None,
        top_k: int,
        score_threshold: float,
        overlay: bool = False,
    ) -> dict[str, Any]:
        if image_b64 is not None:
            try:
                data = base64.b64decode(image_b64, validate=True)
            except (binascii.Error, ValueError):
                raise Invalid(
                    "`image` is not valid base64; send the file's bytes base64-encoded.", code="bad_base64"
                ) from None
        else:
            _, _, path = self.images.image_source(owner, *dataset_image)
            try:
                data = path.read_bytes()
            except OSError:
                raise NotFound("That dataset image's file is missing on disk.", code="file_missing") from None
        return self.predict_bytes(
            self._weight(owner, weight_id, run_id),
            data,
            top_k=top_k,
            score_threshold=score_threshold,
            overlay=overlay,
        )

    def predict_upload(
        self, owner: str, weight_id: int, data: bytes, *, top_k: int, score_threshold: float, overlay: bool
    ) -> dict[str, Any]:
        return self.predict_bytes(
            self.weights.record(owner, weight_id),
            data,
            top_k=top_k,
            score_threshold=score_threshold,
            overlay=overlay,
        )

    def predict_bytes(
        self, w: Weight, data: bytes, *, top_k: int, score_threshold: float, overlay: bool
    ) -> dict[str, Any]:
        from ..engine.inference import decode_image, draw_overlay

        image = decode_image(data)
        started = time.perf_counter()
        result = self._infer(w, self._prepare(w, [image]), top_k, score_threshold)[0]
        elapsed = (time.perf_counter() - started) * 1000
        key = "detections" if w.task == "detection" else "predictions"
        out: dict[str, Any] = {"task": w.task, key: result, "time_ms": round(elapsed, 3), "weight_id": w.id}
        if overlay:
            out["overlay"] = base64.b64encode(draw_overlay(image, {"task": w.task, key: result})).decode()
        return out

    # ---- batch jobs ----------------------------------------------------------------
    def start_batch(
        self, owner: str, weight_id: int, *, dataset_id: int | None, split: str | None, paths: list[str] | None
    ) -> dict[str, Any]:
        """Check everything a job needs now (4xx at once), then run it in the background."""
        w = self.weights.record(owner, weight_id)
        if dataset_id is not None:
            with self.store.session() as s:
                ds = readable(s, "dataset", dataset_id, owner)
                cond = [Image.dataset_id == dataset_id, Image.present.is_(True)]
                if split:
                    cond.append(Image.split == split)
                rows = s.execute(select(Image.id, Image.file).where(*cond).order_by(Image.id)).all()
                root = Path(ds.path)
            items = [{"image_id": image_id, "file": file, "path": root / file} for image_id, file in rows]
        else:
            items = [{"path": self.datasets.resolve_file(p), "file": p} for p in paths or []]
        if not items:
            raise Invalid("There are no images to run on; check the dataset, split or paths.", code="nothing_to_do")
        with self.store.session.begin() as s:
            job = InferenceJob(owner=owner, weight_id=w.id, dataset_id=dataset_id, status="queued", total=len(items))
            s.add(job)
            s.flush()
            job_id = job.id
        self.executor.submit(self._run_job, job_id, w, items)
        return {"job_id": job_id}

    def _run_job(self, job_id: int, w: Weight, items: list[dict[str, Any]]) -> None:
        from ..engine.inference import decode_image

        self._set_job(job_id, status="running")
        key = "detections" if w.task == "detection" else "predictions"
        try:
            pending: list[dict[str, Any]] = []
            done = 0
            for start in range(0, len(items), BATCH):
                chunk = items[start : start + BATCH]
                images, ok = [], []
                for item in chunk:
                    try:
                        images.append(decode_image(Path(item["path"]).read_bytes()))
                        ok.append(item)
                    except (OSError, Invalid) as exc:
                        pending.append({"file": item["file"], "image_id": item.get("image_id"), "error": str(exc)})
                if images:
                    results = self._infer(w, self._prepare(w, images), 5, 0.25)
                    pending += [
                        {"file": item["file"], "image_id": item.get("image_id"), key: result}
                        for item, result in zip(ok, results)
                    ]
                done += len(chunk)
                if len(pending) >= WRITE_EVERY or done == len(items):
                    self._write_results(job_id, pending, done)
                    pending = []
            self._set_job(job_id, status="completed", finished_at=utcnow())
        except Exception as exc:
            self._set_job(job_id, status="failed", error=f"Batch inference failed: {exc}", finished_at=utcnow())

    def _write_results(self, job_id: int, results: list[dict[str, Any]], done: int) -> None:
        with self.store.session.begin() as s:
            seq = s.scalar(select(func.count()).select_from(InferenceResult).where(InferenceResult.job_id == job_id))
            s.add_all(InferenceResult(job_id=job_id, seq=seq + i, data=r) for i, r in enumerate(results))
            s.get(InferenceJob, job_id).done = done

    def _set_job(self, job_id: int, **values: Any) -> None:
        with self.store.session.begin() as s:
            job = s.get(InferenceJob, job_id)
            for k, v in values.items():
                setattr(job, k, v)

    def job(self, owner: str, job_id: int, *, offset: int, limit: int, fmt: str) -> dict[str, Any]:
        from ..engine.inference import coco_results

        with self.store.session() as s:
            job = s.get(InferenceJob, job_id)
            if job is None or job.owner != owner:
                raise NotFound(f"There is no inference job {job_id}.", code="job_not_found")
            query = select(InferenceResult.data).where(InferenceResult.job_id == job_id).order_by(InferenceResult.seq)
            out = {
                "job_id": job.id,
                "weight_id": job.weight_id,
                "status": job.status,
                "progress": job.done / job.total if job.total else 1.0,
                "total": job.total,
                "done": job.done,
                "error": job.error,
                "created_at": iso(job.created_at),
                "finished_at": iso(job.finished_at),
            }
            if fmt == "coco":
                rows = list(s.scalars(query))
                category_ids = None
                if job.dataset_id is not None:
                    ds = s.get(Dataset, job.dataset_id)
                    class_map = (ds.meta or {}).get("class_map") if ds else None
                    if class_map:
                        by_class = {v: int(k) for k, v in class_map.items() if str(k).lstrip("-").isdigit()}
                        category_ids = [by_class.get(i, i) for i in range(len(ds.classes))]
                pairs = [(r.get("image_id") or i, r.get("detections", [])) for i, r in enumerate(rows)]
                out["results"] = coco_results(pairs, category_ids)
            else:
                out["results"] = list(s.scalars(query.offset(offset).limit(limit)))
            return out
