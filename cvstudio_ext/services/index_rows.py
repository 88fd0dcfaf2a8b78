"""Index rows written straight through the driver: a million boxes per large dataset,
no ORM objects. Indexing and every new dataset version write through these."""

from __future__ import annotations

import contextlib
import json

from sqlalchemy import delete, select

from ..store.models import Annotation, DatasetIssue, DatasetStats, Image

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


def delete_index_rows(s, dataset_id: int) -> None:
    """Everything indexing wrote for a dataset (boxes go by their images' ids)."""
    for table in (DatasetIssue, DatasetStats):
        s.execute(delete(table).where(table.dataset_id == dataset_id))
    s.execute(delete(Annotation).where(Annotation.image_id.in_(select(Image.id).where(Image.dataset_id == dataset_id))))
    s.execute(delete(Image).where(Image.dataset_id == dataset_id))


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
