"""Dataset routes: parse, authorize, call DatasetService, serialize."""

from __future__ import annotations

from typing import Any, Literal

from jupyter_server.auth.decorator import authorized
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tornado import web

from .base import API, MAX_ID, CVStudioHandler, Op, Page, Strict, check_name, path_id
from .sharing import ShareHandler
from .uploads import StreamingUploadHandler

Format = Literal["yolo", "coco", "voc", "imagefolder"]
Task = Literal["classification", "detection", "segmentation"]


class RecognizeBody(Strict):
    path: str = Field(
        min_length=1, max_length=4096, description="Dataset folder, absolute or relative to the first dataset root."
    )


class RegisterBody(Strict):
    name: str = Field(min_length=1, max_length=255)
    path: str = Field(
        min_length=1, max_length=4096, description="Dataset folder, absolute or relative to the first dataset root."
    )
    format: Format | None = Field(None, description="Leave out to recognize the format.")

    _name = field_validator("name")(check_name)


class RenameBody(Strict):
    name: str = Field(min_length=1, max_length=255)

    _name = field_validator("name")(check_name)


class DatasetListQuery(Page):
    q: str | None = Field(None, max_length=255, description="Part of the name or path.")
    format: Format | None = None
    task: Task | None = None


class DeleteQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    delete_files: bool = Field(
        False, description="Also remove the files, only for datasets the studio unpacked from an upload."
    )


class ImagesQuery(Page):
    split: str | None = Field(None, max_length=64)
    class_id: int | None = Field(None, ge=0, le=MAX_ID)
    has_issues: bool | None = None
    issue: str | None = Field(None, max_length=64, description="Only images with a defect of this kind.")


class ImageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    size: Literal["thumb", "full"] = "full"


class AugmentBody(Strict):
    image_id: int = Field(ge=0, le=MAX_ID)
    pipeline: list[dict[str, Any]] = Field(max_length=32, description='Steps like {"type": "HorizontalFlip", "p": 1}.')
    seed: int | None = Field(None, ge=0, lt=2**32)
    count: int = Field(1, ge=1, le=16)


class UploadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    format: Format | None = None

    _name = field_validator("name")(check_name)


class RecognizeHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Recognize the format of a folder; nothing is stored",
            body=RecognizeBody,
            tags=["datasets"],
            errors=(400, 403, 422),
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(RecognizeBody)
        self.reply(await self.call(self.services.datasets.recognize, body.path))


class DatasetsHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "List your datasets and those shared with you (each with owner and shared)",
            query=DatasetListQuery,
            tags=["datasets"],
            errors=(422,),
        ),
        "post": Op(
            "Register a dataset folder; it is indexed in the background",
            body=RegisterBody,
            status=202,
            tags=["datasets"],
            errors=(400, 403, 409, 415, 422),
            location=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        q = self.parse_query(DatasetListQuery)
        self.reply(
            await self.call(
                self.services.datasets.list,
                self.owner,
                q=q.q,
                fmt=q.format,
                task=q.task,
                offset=q.offset,
                limit=q.limit,
            )
        )

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(RegisterBody)
        row = await self.call(self.services.datasets.register, self.owner, body.name, body.path, body.format)
        self.created(row, f"datasets/{row['id']}", 202)


class DatasetHandler(CVStudioHandler):
    doc = {
        "get": Op("One dataset", tags=["datasets"], errors=(404,)),
        "patch": Op("Rename a dataset", body=RenameBody, tags=["datasets"], errors=(400, 404, 409, 422)),
        "delete": Op("Forget a dataset", query=DeleteQuery, status=204, tags=["datasets"], errors=(404,)),
    }

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        self.reply(await self.call(self.services.datasets.get, self.owner, path_id(dataset_id, "dataset")))

    @web.authenticated
    @authorized
    async def patch(self, dataset_id: str) -> None:
        body = self.parse_body(RenameBody)
        self.reply(
            await self.call(self.services.datasets.rename, self.owner, path_id(dataset_id, "dataset"), body.name)
        )

    @web.authenticated
    @authorized
    async def delete(self, dataset_id: str) -> None:
        q = self.parse_query(DeleteQuery)
        await self.call(self.services.datasets.delete, self.owner, path_id(dataset_id, "dataset"), q.delete_files)
        self.set_status(204)
        self.finish()


class ImagesHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "Page through a dataset's images with their annotations and issues",
            query=ImagesQuery,
            tags=["datasets"],
            errors=(404, 422),
        )
    }

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        q = self.parse_query(ImagesQuery)
        self.reply(
            await self.call(
                self.services.images.images,
                self.owner,
                path_id(dataset_id, "dataset"),
                split=q.split,
                class_id=q.class_id,
                has_issues=q.has_issues,
                issue=q.issue,
                offset=q.offset,
                limit=q.limit,
            )
        )


class ImageHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "Image bytes (size=full) or a cached JPEG thumbnail (size=thumb), with ETag; 304 when unchanged",
            query=ImageQuery,
            response_media="image/*",
            tags=["datasets"],
            errors=(304, 404, 422, 507),
        )
    }

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str, image_id: str) -> None:
        q = self.parse_query(ImageQuery)
        path, etag, ctype = await self.call(
            self.services.images.image_file,
            self.owner,
            path_id(dataset_id, "dataset"),
            path_id(image_id, "image"),
            q.size,
        )
        self.set_header("Etag", etag)
        self.set_header("Cache-Control", "private, max-age=3600")
        if self.check_etag_header():
            self.set_status(304)
            self.finish(set_content_type=ctype)
            return
        data = await self.call(path.read_bytes)
        self.finish(data, set_content_type=ctype)


class AugmentHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Preview an albumentations pipeline on one image, boxes transformed with it",
            body=AugmentBody,
            tags=["datasets"],
            errors=(400, 404, 422),
        )
    }

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        body = self.parse_body(AugmentBody)
        self.reply(
            await self.call(
                self.services.augment.augment,
                self.owner,
                path_id(dataset_id, "dataset"),
                body.image_id,
                body.pipeline,
                body.seed,
                body.count,
            )
        )


class AugmentationsHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "The augmentation catalogue: each transform a pipeline may name, with its params, their types, "
            "defaults, bounds and the input that edits each; 304 to an If-None-Match of its ETag",
            tags=["datasets"],
            errors=(304,),
        )
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.augment.augmentations))


class StatsHandler(CVStudioHandler):
    doc = {"get": Op("Counts, histograms and defects of a dataset", tags=["datasets"], errors=(404, 409))}

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        self.reply(await self.call(self.services.images.stats, self.owner, path_id(dataset_id, "dataset")))


class UploadHandler(StreamingUploadHandler):
    doc = {
        "post": Op(
            "Upload a zip archive of a dataset; it is unpacked safely and indexed in the background",
            query=UploadQuery,
            status=202,
            request_media=("application/zip", "application/octet-stream"),
            tags=["datasets"],
            errors=(400, 403, 409, 413, 415, 422, 507),
            location=True,
        )
    }
    media_types = ("application/zip", "application/octet-stream", "application/x-zip-compressed")
    query_model = UploadQuery
    what = "zip archive"
    suffix = ".zip"

    async def check_query(self, query: UploadQuery) -> None:
        await self.call(self.services.datasets.check_new_name, self.owner, query.name)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        name = self.received_file()
        row = await self.call(self.services.datasets.upload, self.owner, self.query.name, self.query.format, name)
        self.created(row, f"datasets/{row['id']}", 202)


class DatasetShareHandler(ShareHandler):
    kind = "dataset"
    doc = ShareHandler.share_doc("dataset", "datasets")


ROUTES = [
    (rf"/{API}/datasets/recognize", RecognizeHandler),
    (rf"/{API}/datasets/upload", UploadHandler),
    (rf"/{API}/datasets/augmentations", AugmentationsHandler),
    (rf"/{API}/datasets", DatasetsHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)", DatasetHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/images", ImagesHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/images/(?P<image_id>\d+)", ImageHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/augment", AugmentHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/stats", StatsHandler),
    (rf"/{API}/datasets/(?P<dataset_id>\d+)/share", DatasetShareHandler),
]
