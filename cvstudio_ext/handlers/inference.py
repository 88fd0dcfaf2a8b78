"""Inference routes: parse, authorize, call InferenceService (off the event loop), serialize."""

from __future__ import annotations

from typing import Literal

from jupyter_server.auth.decorator import authorized
from pydantic import BaseModel, ConfigDict, Field, model_validator
from tornado import web

from ..errors import Invalid
from .base import API, MAX_ID, CVStudioHandler, Op, Page, Strict, path_id


class DatasetImageRef(Strict):
    dataset_id: int = Field(ge=0, le=MAX_ID)
    image_id: int = Field(ge=0, le=MAX_ID)


class PredictBody(Strict):
    weight_id: int | None = Field(None, ge=0, le=MAX_ID)
    run_id: int | None = Field(None, ge=0, le=MAX_ID)
    image: str | None = Field(None, max_length=70_000_000, description="The image file's bytes, base64.")
    dataset_image: DatasetImageRef | None = None
    top_k: int = Field(5, ge=1, le=1000)
    score_threshold: float = Field(0.5, ge=0, le=1)
    overlay: bool = Field(False, description="Also return the image with the result drawn, as base64 PNG.")

    @model_validator(mode="after")
    def _one_of_each(self) -> PredictBody:
        if (self.weight_id is None) == (self.run_id is None):
            raise ValueError("give exactly one of weight_id and run_id")
        if (self.image is None) == (self.dataset_image is None):
            raise ValueError("give exactly one of image and dataset_image")
        return self


class PredictImageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    weight_id: int = Field(ge=0, le=MAX_ID)
    overlay: bool = False
    top_k: int = Field(5, ge=1, le=1000)
    score_threshold: float = Field(0.5, ge=0, le=1)


class BatchBody(Strict):
    weight_id: int = Field(ge=0, le=MAX_ID)
    dataset_id: int | None = Field(None, ge=0, le=MAX_ID)
    split: str | None = Field(None, max_length=64)
    paths: list[str] | None = Field(None, min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _source(self) -> BatchBody:
        if (self.dataset_id is None) == (self.paths is None):
            raise ValueError("give either dataset_id (and maybe split) or paths")
        return self


class JobQuery(Page):
    format: Literal["json", "coco"] = Field("json", description="coco: detection results in COCO results format.")


class PredictHandler(CVStudioHandler):
    doc = {"post": Op("Predict one image", body=PredictBody, tags=["inference"], errors=(400, 404, 413, 422))}

    @web.authenticated
    @authorized
    async def post(self) -> None:
        b = self.parse_body(PredictBody)
        ref = (b.dataset_image.dataset_id, b.dataset_image.image_id) if b.dataset_image else None
        self.reply(
            await self.call_on(
                self.services.inference.executor,
                self.services.inference.predict,
                self.owner,
                weight_id=b.weight_id,
                run_id=b.run_id,
                image_b64=b.image,
                dataset_image=ref,
                top_k=b.top_k,
                score_threshold=b.score_threshold,
                overlay=b.overlay,
            )
        )


class PredictImageHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Predict an uploaded image (multipart form, field `file`), with an overlay PNG when asked",
            query=PredictImageQuery,
            request_media=("multipart/form-data",),
            tags=["inference"],
            errors=(400, 404, 413, 415, 422),
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        q = self.parse_query(PredictImageQuery)
        files = self.request.files.get("file")
        if not files:
            raise Invalid("Send the image as a multipart form field named `file`.", code="no_file")
        self.reply(
            await self.call_on(
                self.services.inference.executor,
                self.services.inference.predict_upload,
                self.owner,
                q.weight_id,
                files[0]["body"],
                top_k=q.top_k,
                score_threshold=q.score_threshold,
                overlay=q.overlay,
            )
        )


class BatchHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Start batch inference over a dataset split or a list of image paths",
            body=BatchBody,
            status=202,
            tags=["inference"],
            errors=(400, 403, 404, 422),
            location=True,
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        b = self.parse_body(BatchBody)
        job = await self.call(
            self.services.inference.start_batch,
            self.owner,
            b.weight_id,
            dataset_id=b.dataset_id,
            split=b.split,
            paths=b.paths,
        )
        self.created(job, f"inference/jobs/{job['job_id']}", 202)


class JobHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "A batch job's progress and a page of its results", query=JobQuery, tags=["inference"], errors=(404, 422)
        )
    }

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        q = self.parse_query(JobQuery)
        self.reply(
            await self.call(
                self.services.inference.job,
                self.owner,
                path_id(job_id, "job"),
                offset=q.offset,
                limit=q.limit,
                fmt=q.format,
            )
        )


ROUTES = [
    (rf"/{API}/inference/predict", PredictHandler),
    (rf"/{API}/inference/predict-image", PredictImageHandler),
    (rf"/{API}/inference/batch", BatchHandler),
    (rf"/{API}/inference/jobs/(?P<job_id>\d+)", JobHandler),
]
