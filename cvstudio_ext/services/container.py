"""All services of one server, built together over one store and data directory."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..store import Store
from .config import ConfigService
from .dataset_augment import DatasetAugment
from .dataset_export import DatasetExports
from .dataset_images import DatasetImages
from .dataset_versions import DatasetVersions
from .datasets import DatasetService
from .inference import InferenceService
from .jobs import Jobs
from .models import ModelService
from .places import server_place
from .ray_nodes import RayNodes
from .recovery import hold_data_dir, recover
from .sharing import SharingService
from .system import SystemService
from .training import TrainingService
from .weights import WeightService

DATA_SUBDIRS = ("datasets", "thumbnails", "runs", "weights", "generated", "tmp", "pending")


@dataclass
class Services:
    store: Store
    data_dir: Path
    config: ConfigService
    datasets: DatasetService
    images: DatasetImages
    augment: DatasetAugment
    versions: DatasetVersions
    exports: DatasetExports
    models: ModelService
    weights: WeightService
    sharing: SharingService
    inference: InferenceService
    training: TrainingService
    system: SystemService
    background: ThreadPoolExecutor
    max_upload_size: int
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("cvstudio"))
    data_dir_lock: IO | None = None

    @classmethod
    def create(
        cls,
        *,
        data_dir: Path,
        db_url: str,
        dataset_roots: list[Path],
        max_upload_size: int,
        max_concurrent_runs: int = 1,
        log: logging.Logger | None = None,
        place: str | None = None,
        executor: str = "local",
        ray_address: str = "auto",
        ray_namespace: str = "cvstudio",
        ray_ship_datasets: bool = False,
    ) -> Services:
        log = log or logging.getLogger("cvstudio")
        place = place or server_place(data_dir)
        for sub in DATA_SUBDIRS:
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        runner = None  # the local process executor
        if executor == "ray":
            from .ray_executor import RayExecutor

            runner = RayExecutor(
                address=ray_address,
                namespace=ray_namespace,
                place=place,
                runs_dir=data_dir / "runs",
                log=log,
                ship_datasets=ray_ship_datasets,
            )
        elif executor != "local":
            raise ValueError(f'executor must be "local" or "ray", not {executor!r}')
        store = Store(db_url)
        store.migrate()
        background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cvstudio-index")
        jobs = Jobs(background, log)
        datasets = DatasetService(
            store,
            data_dir=data_dir,
            dataset_roots=dataset_roots,
            max_upload_size=max_upload_size,
            background=background,
            log=log,
            place=place,
        )
        images = DatasetImages(store, data_dir)
        versions = DatasetVersions(store, datasets, jobs)
        weights = WeightService(store, data_dir)
        training = TrainingService(store, data_dir, weights, log, max_concurrent_runs, place=place, executor=runner)
        return cls(
            store=store,
            data_dir=data_dir,
            config=ConfigService(store),
            datasets=datasets,
            versions=versions,
            exports=DatasetExports(store, datasets, versions, jobs, data_dir),
            models=ModelService(store),
            weights=weights,
            sharing=SharingService(store),
            images=images,
            augment=DatasetAugment(store, images),
            inference=InferenceService(store, weights, datasets, images),
            training=training,
            system=SystemService(
                data_dir,
                training.counts,
                max_upload_size,
                cluster=RayNodes(runner.ray, ray_address or "auto") if executor == "ray" else None,
            ),
            background=background,
            max_upload_size=max_upload_size,
            log=log,
        )

    def start(self) -> None:
        """Put right what a killed server left behind (when no other live server shares
        the data directory), then resume interrupted indexing and follow runs again."""
        self.data_dir_lock = hold_data_dir(self.data_dir, lambda: recover(self.store, self.data_dir, self.log))
        self.datasets.resume_interrupted()
        self.training.supervisor.start()

    def stop(self) -> None:
        self.training.supervisor.stop()
        self.background.shutdown(wait=False, cancel_futures=True)
        self.inference.executor.shutdown(wait=False, cancel_futures=True)
        self.models.graph_work.shutdown(wait=False, cancel_futures=True)
        self.store.close()
        if self.data_dir_lock is not None:
            self.data_dir_lock.close()
            self.data_dir_lock = None
