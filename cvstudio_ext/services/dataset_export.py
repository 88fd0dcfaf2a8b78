"""Export and convert: a ready dataset version written out in YOLO, COCO, Pascal VOC or
class folders (engine/datasets/export), as a job.

The result is a zip to download (`GET datasets/jobs/{id}/download`, kept under
`data_dir/tmp/exports/` until a server starts alone on the data directory), or a new folder
`to` inside the dataset roots, never over an existing one. Either way it is written
under a temporary name and appears whole, or not at all; the dataset's own files are
only read (copied or hard-linked, or left out with `images: none`).
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from ..errors import Conflict, Invalid, NotFound
from ..store import Store
from .dataset_versions import DatasetVersions
from .datasets import DatasetService
from .jobs import Job, Jobs
from .sharing import readable

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class DatasetExports:
    def __init__(self, store: Store, datasets: DatasetService, versions: DatasetVersions, jobs: Jobs, data_dir: Path):
        self.store = store
        self.datasets = datasets
        self.versions = versions
        self.jobs = jobs
        self.tmp = data_dir / "tmp"
        self.exports = self.tmp / "exports"  # cleaned with tmp/ when a server starts alone

    def export(
        self, user: str, dataset_id: int, *, fmt: str, splits: list[str] | None, images: str, to: str | None
    ) -> dict[str, Any]:
        """Checked at once (4xx, nothing written), then a job."""
        from ..engine.datasets.export import FORMAT_NAMES, targets

        with self.store.session() as s:
            row = readable(s, "dataset", dataset_id, user)
            if row.status != "ready":
                raise Conflict(f"Dataset {row.id} is {row.status}; export takes a ready dataset.", code="not_ready")
            name, version, task, root = row.name, row.version, row.task, Path(row.path)
            present = set(row.splits or {})
        allowed = targets(task)
        if fmt not in allowed:
            names = ", ".join(f"{f} ({FORMAT_NAMES[f]})" for f in allowed)
            raise Invalid(f"A {task} dataset exports to {names}, not {fmt}.", code="format_not_allowed")
        missing = sorted(set(splits or []) - present)
        if missing:
            raise Invalid(f"The dataset has no split {missing[0]!r}; its splits are {sorted(present)}.",
                          code="no_such_split")  # fmt: skip
        if fmt == "imagefolder" and images == "none":
            raise Invalid("Class folders hold labels only as the folders their images are in: copy or link the images.",
                          code="images_needed")  # fmt: skip
        target = self._target(to) if to else None
        if target is None and images == "link":
            raise Invalid("A zip holds copies, not links: give `to` for hard links, or images copy or none.",
                          code="link_needs_folder")  # fmt: skip
        label = SAFE_NAME.sub("_", f"{name}-v{version}-{fmt}").strip("._") or "dataset"

        def work(job: Job) -> None:
            from ..engine.datasets.export import export

            content = self.versions._load(dataset_id, job, 0.0)
            records = [rec for rec in content.parsed.images if not splits or rec.split in splits]

            def progress(done: float) -> None:
                job.progress = 0.3 + 0.6 * done

            out = target or self.tmp / f"export-{job.id}" / label
            try:
                report = export(fmt, task, content.parsed.classes, iter(records), source_root=root, target=out,
                                images_mode=images, progress=progress, total=len(records))  # fmt: skip
                job.report = {"images": report.images, "boxes": report.boxes, "dropped": report.dropped,
                              "notes": report.notes}  # fmt: skip
                if target is not None:
                    job.result = {"path": str(target)}
                    return
                zipped = self._zip(out, job.id)
                job.result = {"download": f"datasets/jobs/{job.id}/download", "size": zipped.stat().st_size,
                              "filename": f"{label}.zip"}  # fmt: skip
            finally:
                if target is None:
                    shutil.rmtree(self.tmp / f"export-{job.id}", ignore_errors=True)

        return self.jobs.start(user, "export", work)

    def _target(self, to: str) -> Path:
        """A new folder inside the dataset roots: its parent exists there, it does not."""
        path = Path(os.path.expanduser(to))
        if not path.name or path.name in (".", "..") or "\x00" in to:
            raise Invalid(f"{to!r} does not name a new folder.", code="invalid_path")
        parent = self.datasets.resolve_path(str(path.parent) if path.is_absolute() or len(path.parts) > 1 else ".")
        target = parent / path.name
        if os.path.lexists(target):
            raise Conflict(f"{target} exists; export writes a new folder, never over one. Pick another name.",
                           code="target_exists")  # fmt: skip
        return target

    def _zip(self, folder: Path, job_id: str) -> Path:
        """The folder as exports/<job>.zip, stored (images are compressed already),
        written under a temporary name and renamed when whole."""
        self.exports.mkdir(parents=True, exist_ok=True)
        final = self.exports / f"{job_id}.zip"
        part = final.with_suffix(".zip.part")
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        arc = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                        z.write(
                            path,
                            arc,
                            zipfile.ZIP_DEFLATED if path.suffix in (".json", ".txt", ".xml", ".yaml") else None,
                        )
            os.replace(part, final)
        finally:
            part.unlink(missing_ok=True)
        return final

    def download(self, user: str, job_id: str) -> tuple[Path, str, int]:
        job = self.jobs.get(user, job_id)
        if job.op != "export" or job.status != "completed" or not (job.result or {}).get("download"):
            raise NotFound(f"Job {job_id} has no zip to download (yet).", code="no_download")
        path = self.exports / f"{job_id}.zip"
        if not path.exists():
            raise NotFound(f"The zip of job {job_id} is gone; export again.", code="no_download")
        return path, job.result["filename"], path.stat().st_size
