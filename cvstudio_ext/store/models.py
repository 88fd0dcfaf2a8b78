"""ORM models. Every user-owned row has an `owner` taken from the Jupyter identity."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# The largest id an INTEGER column holds on PostgreSQL: one past it is no row's, and
# saying so beats the database's "integer out of range".
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class UTCDateTime(TypeDecorator):
    """SQLite drops tzinfo; every value we store is UTC, so give it back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("owner", "name", "version", name="uq_datasets_owner_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # versions: an operation's result is a row of its own (its own index, the same image
    # files), `version` 2, 3, ... of the name, `parent_id` the version it was made from,
    # `origin_id` version 1 (NULL on version 1 itself), `lineage` the operations from
    # version 1 to this one: [{"op", "params", "parent_id", "parent_version"}]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    lineage: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # a split version changes only its images' splits, so it keeps no boxes of its own:
    # they are the rows of `boxes_from`'s images, whose ids plus `boxes_shift` are this
    # version's image ids (NULL: the boxes are this dataset's own; see index_rows.boxes_of)
    boxes_from: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    boxes_shift: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    format: Mapped[str] = mapped_column(String(32))
    task: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    managed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="indexing")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    classes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    num_images: Mapped[int] = mapped_column(Integer, default=0)
    num_annotations: Mapped[int] = mapped_column(Integer, default=0)
    splits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the server that indexes it (see services.places); NULL: any server of the database
    place: Mapped[str | None] = mapped_column(String(512), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Image(Base):
    __tablename__ = "images"
    # (dataset_id, id): the ends of a dataset's id block in O(log n). A plain dataset_id
    # index does it on SQLite (its entries end with the rowid) but not on PostgreSQL,
    # whose min(id) then walks the primary key past every other dataset's images.
    __table_args__ = (
        Index("ix_images_dataset_split", "dataset_id", "split"),
        Index("ix_images_dataset_id_id", "dataset_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(Text)
    split: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    label: Mapped[int | None] = mapped_column(Integer, nullable=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    has_issues: Mapped[bool] = mapped_column(Boolean, default=False)
    checksum: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Annotation(Base):
    """A box of one image, kept narrow: a million of them are written per large dataset.

    One index, (image_id, class_id), serves both the page of an image's boxes and the
    class filter. What few boxes carry besides (`source_class` of an unknown class,
    `iscrowd`, `difficult`, `segmentation`) lives in `extra`, NULL for a plain box.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_image_class", "image_id", "class_id"),
        Index("ix_annotations_class_image", "class_id", "image_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    x: Mapped[float | None] = mapped_column(Float, nullable=True)
    y: Mapped[float | None] = mapped_column(Float, nullable=True)
    w: Mapped[float | None] = mapped_column(Float, nullable=True)
    h: Mapped[float | None] = mapped_column(Float, nullable=True)
    area: Mapped[float | None] = mapped_column(Float, nullable=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class DatasetIssue(Base):
    __tablename__ = "dataset_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), nullable=True, index=True)
    annotation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class DatasetStats(Base):
    """Stats computed once at indexing, so reading them never scans a million boxes."""

    __tablename__ = "dataset_stats"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UserConfig(Base):
    __tablename__ = "user_config"

    owner: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Model(Base):
    """A layer graph a user builds; every save is a new version."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_models_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ModelVersion(Base):
    """The graph of each version and, when it was valid, the code generated from it."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version", name="uq_model_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid: Mapped[bool] = mapped_column(Boolean)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    class_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    code: Mapped[str | None] = mapped_column(Text, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Weight(Base):
    """A weights file in the library; each name has versions 1, 2, ..."""

    __tablename__ = "weights"
    __table_args__ = (UniqueConstraint("owner", "name", "version", name="uq_weights_owner_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    task: Mapped[str] = mapped_column(String(32))
    architecture: Mapped[str] = mapped_column(String(255))
    num_classes: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[Any]] = mapped_column(JSON)
    input_size: Mapped[list[Any]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(32))
    file: Mapped[str] = mapped_column(Text)
    file_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InferenceJob(Base):
    """A batch of predictions running in the background; results are kept row by row."""

    __tablename__ = "inference_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    weight_id: Mapped[int] = mapped_column(Integer)
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InferenceResult(Base):
    __tablename__ = "inference_results"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_inference_results_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("inference_jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Run(Base):
    """A training run. The worker process never touches this row: the supervisor folds
    the run directory's events into it."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    task: Mapped[str] = mapped_column(String(32))
    dataset_id: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    augmentation: Mapped[list[Any]] = mapped_column(JSON, default=list)
    resources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pretrained_weight_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    epochs: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid_create_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    events_offset: Mapped[int] = mapped_column(Integer, default=0)
    events_seq: Mapped[int] = mapped_column(Integer, default=0)
    weight_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The server that starts and follows it, the machine its processes run on, the GPUs
    # it holds, and when its server last said it was alive: servers sharing a database
    # and a machine hand out its GPUs and run slots through these (services.supervisor).
    place: Mapped[str | None] = mapped_column(String(512), nullable=True, index=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    gpus: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Share(Base):
    """A dataset, model or weight its owner lets another user (or, as `*`, everyone)
    read, train on and predict with; never edit or delete."""

    __tablename__ = "shares"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", "grantee", name="uq_shares_item_grantee"),
        Index("ix_shares_grantee_kind", "grantee", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # dataset | model | weight
    item_id: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(255))
    grantee: Mapped[str] = mapped_column(String(255))  # a username, or EVERYONE
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
