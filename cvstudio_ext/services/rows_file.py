"""A large dataset's box rows written by a second process, beside the indexer.

Indexing a million boxes into SQLite is mostly the million rows: made and bound one by
one in Python (the GIL held), then kept in three B-trees. A worker process reads the
dataset a second time, on the other core, while the indexer reads and lints it, and
writes its rows to a plain file of its own (no index, no journal). The indexer then
copies them into the database in one `INSERT ... SELECT` inside its transaction, in C.

Both reads must find the same dataset: each side sums up what it read (`Summary`) and
the rows are used only when the two agree; otherwise (the annotations changed between
the reads, a format whose boxes need the image sizes) the indexer writes its own rows.
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..engine.datasets.recognize import read_dataset
from ..engine.datasets.walk import Listing, no_gc
from .index_rows import annotation_rows

COLUMNS = ("id", "image_id", "class_id", "x", "y", "w", "h", "area", "extra")


@dataclass(frozen=True)
class Summary:
    """What a read of a dataset found: its images in order, its boxes per image and the
    sums of their classes and coordinates."""

    files: str  # a hash of the images' files, splits and box counts, in order
    boxes: int
    class_sum: int
    coordinate_sum: float

    def agrees(self, other: Summary | None) -> bool:
        return (
            other is not None
            and (self.files, self.boxes, self.class_sum) == (other.files, other.boxes, other.class_sum)
            and math.isclose(self.coordinate_sum, other.coordinate_sum, rel_tol=1e-9, abs_tol=1e-6)
        )


def summarize(records, class_sum: int, coordinate_sum: float) -> Summary:
    files = hashlib.blake2b("".join(f"{rec.file}\0{rec.split}\0{len(rec.annotations)}\n" for rec in records).encode(),
                            digest_size=16).hexdigest()  # fmt: skip
    return Summary(files, sum(len(rec.annotations) for rec in records), class_sum, coordinate_sum)


def write_rows_file(root: str, fmt: str, listing: Listing, path: str) -> Summary | None:
    """In the worker: read the dataset and write its box rows (ids counted from 0 in
    index order, as `annotation_rows` makes them) to a new SQLite file at `path`. None
    when its boxes need image sizes (YOLO's normalized boxes): only the indexer has them."""
    with no_gc():
        parsed = read_dataset(Path(root), fmt, listing)
        records = parsed.images
        if any(a.bbox is None and a.norm_bbox is not None for rec in records for a in rec.annotations):
            return None
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute(
                "CREATE TABLE rows (id INTEGER PRIMARY KEY, image_id INTEGER, class_id INTEGER, "
                "x REAL, y REAL, w REAL, h REAL, area REAL, extra TEXT)"
            )
            con.execute("BEGIN")
            con.executemany(
                f"INSERT INTO rows VALUES ({', '.join('?' * len(COLUMNS))})", annotation_rows(records, 0, 0)
            )
            con.execute("COMMIT")
            class_sum, coordinate_sum = con.execute(
                "SELECT coalesce(sum(class_id), 0), coalesce(sum(x + y + w + h), 0.0) FROM rows"
            ).fetchone()
        finally:
            con.close()
        return summarize(records, int(class_sum), float(coordinate_sum))


def copy_rows(conn, path: str, image_base: int, ann_base: int) -> None:
    """Copy the file's rows into `annotations`, inside the connection's transaction.

    The file stays attached until the connection goes back to the pool (SQLite detaches
    no database inside a transaction): `Store` detaches it there."""
    raw = conn.connection.dbapi_connection
    raw.execute("ATTACH DATABASE ? AS cvstudio_rows", (os.fspath(path),))
    conn.connection.info.setdefault("attached", []).append("cvstudio_rows")
    cols = ", ".join(COLUMNS)
    raw.execute(
        f"INSERT INTO annotations ({cols}) SELECT id + ?, image_id + ?, class_id, x, y, w, h, area, extra "
        "FROM cvstudio_rows.rows ORDER BY id",
        (ann_base, image_base),
    )


__all__ = ["Summary", "copy_rows", "summarize", "write_rows_file"]
