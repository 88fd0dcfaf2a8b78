"""Dataset version routes: split, filter, fix, merge and export (each a job), versions, jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from jupyter_server.auth.decorator import authorized
from pydantic import Field, field_validator
from tornado import web

from .base import API, MAX_ID, CVStudioHandler, Op, Strict, check_name, path_id

SplitName = Annotated[str, Field(min_length=1, max_length=64)]
ClassName = Annotated[str, Field(min_length=1, max_length=255)]
Defect = Literal[
    "missing_file", "corrupt_image", "duplicate_image", "unlabeled_image", "unknown_class", "zero_area",
    "bbox_out_of_bounds",
]  # fmt: skip


class SplitBody(Strict):
    fractions: dict[SplitName, float] = Field(
        min_length=1, max_length=16, description='Split name to fraction, adding up to 1: {"train": 0.8, "val": 0.2}.'
    )
    seed: int = Field(0, ge=0, lt=2**32)
    keep: list[SplitName] = Field(
        default_factory=list, max_length=16, description="Splits whose images stay where they are (e.g. a fixed test)."
    )
    stratify: bool = Field(True, description="Keep each class's share (detection: each image's set of classes).")


class FilterBody(Strict):
    splits: list[SplitName] | None = Field(None, max_length=64, description="Images in one of these splits.")
    classes: list[ClassName] | None = Field(None, max_length=1000, description="Images with one of these classes.")
    defects: list[Defect] | None = Field(None, max_length=16, description="Images with one of these defects.")


class DropImages(Strict):
    op: Literal["drop_images"]
    defects: list[Defect] = Field(min_length=1, max_length=16)


class ClipBoxes(Strict):
    op: Literal["clip_boxes"]


class DropZeroArea(Strict):
    op: Literal["drop_zero_area"]


class Dedupe(Strict):
    op: Literal["dedupe"]


class RemapClasses(Strict):
    op: Literal["remap_classes"]
    mapping: dict[ClassName, ClassName | None] = Field(
        min_length=1,
        max_length=1000,
        description="Class (or unknown source class) name to a class name, or null to drop.",
    )


class DropUnknown(Strict):
    op: Literal["drop_unknown"]


FixStep = Annotated[
    DropImages | ClipBoxes | DropZeroArea | Dedupe | RemapClasses | DropUnknown, Field(discriminator="op")
]


class FixBody(Strict):
    steps: list[FixStep] = Field(min_length=1, max_length=16, description="Carried out in order.")


class MergeBody(Strict):
    name: str = Field(min_length=1, max_length=255)
    datasets: list[Annotated[int, Field(ge=0, le=MAX_ID)]] = Field(min_length=2, max_length=16)
    classes: list[ClassName] | None = Field(
        None, max_length=1000, description="The merged classes in order; default every name, by first appearance."
    )
    mapping: list[dict[ClassName, ClassName | None]] | None = Field(
        None, max_length=16, description="Per dataset, its class names to merged ones (null drops); default by name."
    )

    _name = field_validator("name")(check_name)


class ExportBody(Strict):
    format: Literal["yolo", "coco", "voc", "imagefolder"] = Field(
        description="One the dataset's task allows: detection to yolo, coco, voc; classification to imagefolder."
    )
    splits: list[SplitName] | None = Field(None, max_length=64, description="Only these splits; default all.")
    images: Literal["copy", "link", "none"] = Field("copy", description="Copy, hard-link (a folder only) or leave out.")
    to: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description="A new folder inside the dataset roots; default a zip to download.",
    )


def _params(body: Strict) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


class OperationHandler(CVStudioHandler):
    """POST datasets/{id}/<op>: 202 with the job."""

    op = ""
    body_model: type[Strict] = SplitBody

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        body = self.parse_body(self.body_model)
        run = getattr(self.services.versions, self.op)
        job = await self.call(run, self.owner, path_id(dataset_id, "dataset"), _params(body))
        self.created(job, f"datasets/jobs/{job['job_id']}", 202)


def _op_doc(summary: str, body: type[Strict]) -> dict[str, Op]:
    return {"post": Op(summary, body=body, status=202, tags=["datasets"], errors=(400, 404, 409, 422), location=True)}


class SplitHandler(OperationHandler):
    op, body_model = "split", SplitBody
    doc = _op_doc("A new version with train/val/test split again by fractions, seeded, stratified", SplitBody)


class FilterHandler(OperationHandler):
    op, body_model = "filter", FilterBody
    doc = _op_doc("A new version with the images of some splits, classes or defects", FilterBody)


class FixHandler(OperationHandler):
    op, body_model = "fix", FixBody
    doc = _op_doc("A new version with defects fixed, step by step", FixBody)


class MergeHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Merge datasets of one task into a new dataset, with a class mapping",
            body=MergeBody,
            status=202,
            tags=["datasets"],
            errors=(400, 404, 409, 422),
            location=True,
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(MergeBody)
        params = _params(body)
        name, dataset_ids = params.pop("name"), params.pop("datasets")
        job = await self.call(self.services.versions.merge, self.owner, name, dataset_ids, params)
        self.created(job, f"datasets/jobs/{job['job_id']}", 202)


class ExportHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Export or convert a dataset version: a zip to download, or a new folder inside the dataset roots",
            body=ExportBody,
            status=202,
            tags=["datasets"],
            errors=(400, 403, 404, 409, 422),
            location=True,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        b = self.parse_body(ExportBody)
        job = await self.call(self.services.exports.export, self.owner, path_id(dataset_id, "dataset"),
                              fmt=b.format, splits=b.splits, images=b.images, to=b.to)  # fmt: skip
        self.created(job, f"datasets/jobs/{job['job_id']}", 202)


class DownloadHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "An export job's zip, streamed, with Content-Disposition",
            response_media="application/zip",
            tags=["datasets"],
            errors=(404,),
        )
    }

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        path, filename, size = await self.call(self.services.exports.download, self.owner, job_id)
        await self.send_download(path, filename, size, "application/zip")


class VersionsHandler(CVStudioHandler):
    doc = {"get": Op("Every version of a dataset, oldest first", tags=["datasets"], errors=(404,))}

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        self.reply(await self.call(self.services.versions.versions, self.owner, path_id(dataset_id, "dataset")))


class JobHandler(CVStudioHandler):
    doc = {"get": Op("A dataset job: status, progress, report and result", tags=["datasets"], errors=(404,))}

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.reply(await self.call(self.services.versions.job, self.owner, job_id))


ROUTES = [
    (rf"/{API}/datasets/merge", MergeHandler),
    (rf"/{API}/datasets/jobs/(?P<job_id>[0-9a-f]{{32}})", JobHandler),
    (rf"/{API}/datasets/jobs/(?P<job_id>[0-9a-f]{{32}})/download", DownloadHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/export", ExportHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/versions", VersionsHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/split", SplitHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/filter", FilterHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/fix", FixHandler),
]
