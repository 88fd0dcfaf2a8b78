"""Index rows written straight through the driver: a million boxes per large dataset,
no ORM objects. Indexing and every new dataset version write through these."""

from __future__ import annotations

import contextlib
import json

from sqlalchemy import delete, func, select, text, update

from ..store.models import Annotation, Dataset, DatasetIssue, DatasetStats, Image

NO_BOX = (None, None, None, None)
ANNOTATION_COLUMNS = ("id", "image_id", "class_id", "x", "y", "w", "h", "area", "extra")


def annotation_rows(records, image_base: int, ann_base: int):
    """Rows for bulk_insert, in index order; areas missing from the source are w*h."""
    dumps = json.dumps
    j = ann_base
    for i, rec in enumerate(records):
        image_id = image_base + i
        for a in rec.annotations:
            box = a.bbox or NO_BOX
            area = a.area
            if area is None and a.bbox is not None:
                area = max(box[2], 0.0) * max(box[3], 0.0)
            extra = None
            if a.source_class is not None or a.iscrowd or a.difficult or a.segmentation is not None:
                extra = dumps(
                    {
                        k: v
                        for k, v in (
                            ("source_class", a.source_class),
                            ("iscrowd", a.iscrowd),
                            ("difficult", a.difficult),
                            ("segmentation", a.segmentation),
                        )
                        if v
                    }
                )
            yield (j, image_id, a.class_id, *box, area, extra)
            j += 1


def boxes_of(ds: Dataset) -> tuple[int, int]:
    """The dataset whose images' ids the box rows of `ds` carry, and what to add to those
    ids to get the image ids of `ds`: a split version shares its parent's rows."""
    return (ds.id, 0) if ds.boxes_from is None else (ds.boxes_from, ds.boxes_shift)


def shifted(column, shift: int):
    """`column + shift`, or the bare column (which keeps the query's plan) when 0."""
    return column + shift if shift else column


def delete_index_rows(s, dataset_id: int) -> None:
    """Everything indexing wrote for a dataset (boxes go by their images' ids). Boxes that
    versions share are handed to the oldest of them first: one UPDATE, nothing copied.
    The rows are locked first, in id order, as a split that is writing one more sharer
    locks them (see DatasetVersions._box_holder)."""
    s.execute(select(Dataset.id).where(Dataset.id == dataset_id).with_for_update())
    for table in (DatasetIssue, DatasetStats):
        s.execute(delete(table).where(table.dataset_id == dataset_id))
    sharers = select(Dataset).where(Dataset.boxes_from == dataset_id).order_by(Dataset.id)
    sharing = list(s.scalars(sharers.with_for_update()))
    if sharing:
        heir, lo, hi = sharing[0], *s.execute(
            select(func.min(Image.id), func.max(Image.id)).where(Image.dataset_id == dataset_id)
        ).one()  # fmt: skip
        s.execute(
            update(Annotation)
            .where(Annotation.image_id.between(lo, hi))
            .values(image_id=Annotation.image_id + heir.boxes_shift)
            .execution_options(synchronize_session=False)
        )
        for other in sharing[1:]:
            other.boxes_from, other.boxes_shift = heir.id, other.boxes_shift - heir.boxes_shift
        heir.boxes_from, heir.boxes_shift = None, 0
        s.flush()
    else:
        s.execute(
            delete(Annotation).where(Annotation.image_id.in_(select(Image.id).where(Image.dataset_id == dataset_id)))
        )
    s.execute(delete(Image).where(Image.dataset_id == dataset_id))


def clear_and_reserve(s, dataset_id: int) -> tuple[int, int]:
    """Drop a previous index of the dataset and pick the first free ids.

    Ids are assigned here under the write lock (the server is the only writer), so a
    million rows go in through executemany with no ORM objects and no RETURNING. The
    images of one index get one contiguous block of ids, which paging relies on.
    """
    delete_index_rows(s, dataset_id)
    image_base = (s.scalar(select(func.max(Image.id))) or 0) + 1
    ann_base = (s.scalar(select(func.max(Annotation.id))) or 0) + 1
    return image_base, ann_base


def insert_parsed_images(conn, dataset_id: int, parsed, image_base: int) -> None:
    """The images as read, before probing: sizes and defects follow in `write_rest`."""
    bulk_insert(
        conn,
        Image,
        ("id", "dataset_id", "file", "split", "width", "height", "label", "present", "has_issues"),
        (
            (image_base + i, dataset_id, rec.file, rec.split, rec.width, rec.height, rec.label, True, False)
            for i, rec in enumerate(parsed.images)
        ),
    )


def insert_indexed_images(conn, dataset_id: int, index, image_base: int) -> None:
    """The images of a finished index, as they are to stay (no update after)."""
    bulk_insert(
        conn,
        Image,
        ("id", "dataset_id", "file", "split", "width", "height", "label", "present", "has_issues", "checksum"),
        (
            (
                image_base + i,
                dataset_id,
                im.file,
                im.split,
                im.width,
                im.height,
                im.label,
                im.present,
                im.has_issues,
                im.checksum,
            )
            for i, im in enumerate(index.images)
        ),  # fmt: skip
    )


def write_rest(s, row: Dataset, index, image_base: int, ann_base: int, *, images_final: bool = False) -> None:
    """Issues, stats and the dataset's row; the images' probed values too, unless they
    went in with them (`images_final`)."""
    from ..engine.datasets.stats import compute_stats

    dataset_id = row.id
    conn = s.connection()
    if not images_final:
        bulk_update(
            conn,
            Image,
            ("width", "height", "present", "has_issues", "checksum"),
            (
                (im.width, im.height, im.present, im.has_issues, im.checksum, image_base + i)
                for i, im in enumerate(index.images)
            ),
        )
    bulk_insert(
        conn,
        DatasetIssue,
        ("dataset_id", "image_id", "annotation_id", "kind", "detail"),
        (
            (
                dataset_id,
                None if it.image is None else image_base + it.image,
                None if it.annotation is None else ann_base + it.annotation,
                it.kind,
                it.detail,
            )
            for it in index.issues
        ),
    )
    image_ids = range(image_base, image_base + len(index.images))
    ann_ids = range(ann_base, ann_base + index.num_boxes)
    s.add(DatasetStats(dataset_id=dataset_id, data=compute_stats(index, image_ids, ann_ids)))
    row.classes = list(index.classes)
    row.task = index.task
    row.num_images = index.num_images
    row.num_annotations = index.num_annotations
    row.splits = index.splits()
    row.meta = index.meta
    row.status, row.progress, row.error = "ready", 1.0, None


def copy_images(conn, parent_id: int, new_id: int, moved: int, first: int, splits: list[str]) -> None:
    """A version's image rows from its parent's (one block of ids from `first`), ids moved
    by `moved`, the i-th image in splits[i]: one INSERT ... SELECT, no row through Python
    (100,000 rows: 1.9 s through the driver's executemany)."""
    if conn.dialect.name == "postgresql":
        source, split = (
            "unnest(CAST(:splits AS text[])) WITH ORDINALITY AS j(split, n) JOIN images p ON p.id = j.n - 1 + :first",
            "j.split",
        )
        values = splits
    else:  # SQLite: the array walked in order, each image found by its id
        source, split = "json_each(:splits) AS j CROSS JOIN images AS p ON p.id = j.key + :first", "j.value"
        values = json.dumps(splits)
    columns = ("file", "width", "height", "label", "present", "has_issues", "checksum")
    copied = conn.execute(text(
        f"INSERT INTO images (id, dataset_id, split, {', '.join(columns)}) "
        f"SELECT p.id + :moved, :new, {split}, {', '.join('p.' + c for c in columns)} FROM {source} "
        "WHERE p.dataset_id = :parent"
    ), {"splits": values, "first": first, "moved": moved, "new": new_id, "parent": parent_id})  # fmt: skip
    if copied.rowcount != len(splits):
        raise RuntimeError(f"dataset {parent_id}'s images are not one block of ids from {first}")


def bulk_insert(conn, model, columns: tuple[str, ...], rows) -> None:
    """Rows straight through the driver, in the session's transaction: executemany, or on
    PostgreSQL COPY, as an INSERT a row there runs the executor once per row (a million
    boxes took half as long again)."""
    if conn.dialect.name == "postgresql":
        with contextlib.closing(conn.connection.cursor()) as cursor:
            with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    mark = _mark(conn)
    sql = f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    _executemany(conn, sql, rows)


def bulk_update(conn, model, columns: tuple[str, ...], rows) -> None:
    """Rows are the new values of `columns` followed by the row's id."""
    mark = _mark(conn)
    sql = f"UPDATE {model.__tablename__} SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}"
    _executemany(conn, sql, rows)


def fetch_rows(conn, sql: str, params: tuple):
    """Rows of a query (written with `?` marks) straight from the driver, as tuples: no
    result objects for a million boxes. JSON columns come as the driver gives them."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s"), params)
        yield from cursor
    finally:
        cursor.close()


def _mark(conn) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _executemany(conn, sql: str, rows) -> None:
    cursor = conn.connection.cursor()
    try:
        if conn.dialect.paramstyle == "qmark":
            cursor.executemany(sql, rows)
        else:
            cursor.executemany(sql, list(rows))
    finally:
        cursor.close()
