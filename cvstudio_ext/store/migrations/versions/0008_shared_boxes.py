"""split versions share their parent's box rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 18:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("boxes_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("boxes_shift", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_datasets_boxes_from", ["boxes_from"], unique=False)


def downgrade() -> None:
    """Each sharing version gets a copy of its boxes (new ids past the last), and its
    defects and stats follow the copies' ids: the older schema reads boxes by image only."""
    conn = op.get_bind()
    sharing = conn.execute(
        sa.text("SELECT id, boxes_from, boxes_shift FROM datasets WHERE boxes_from IS NOT NULL ORDER BY id")
    ).all()
    for dataset_id, owner, shift in sharing:
        lo, hi = conn.execute(sa.text("SELECT min(id), max(id) FROM images WHERE dataset_id = :d"), {"d": owner}).one()
        first = conn.execute(
            sa.text("SELECT min(id) FROM annotations WHERE image_id BETWEEN :lo AND :hi"), {"lo": lo, "hi": hi}
        ).scalar()
        if first is None:
            continue
        moved = (conn.execute(sa.text("SELECT max(id) FROM annotations")).scalar() or 0) + 1 - first
        ids = {"moved": moved, "shift": shift, "lo": lo, "hi": hi, "d": dataset_id}
        conn.execute(sa.text(
            "INSERT INTO annotations (id, image_id, class_id, x, y, w, h, area, extra) "
            "SELECT id + :moved, image_id + :shift, class_id, x, y, w, h, area, extra FROM annotations "
            "WHERE image_id BETWEEN :lo AND :hi"
        ), ids)  # fmt: skip
        conn.execute(sa.text(
            "UPDATE dataset_issues SET annotation_id = annotation_id + :moved "
            "WHERE dataset_id = :d AND annotation_id IS NOT NULL"
        ), ids)  # fmt: skip
        stats = conn.execute(sa.text("SELECT data FROM dataset_stats WHERE dataset_id = :d"), ids).scalar()
        if stats is not None:
            data = json.loads(stats) if isinstance(stats, (str, bytes)) else stats
            for issue in data.get("issues", []):
                if issue.get("annotation_id") is not None:
                    issue["annotation_id"] += moved
            conn.execute(
                sa.text("UPDATE dataset_stats SET data = :data WHERE dataset_id = :d"),
                {"data": json.dumps(data), **ids},
            )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_datasets_boxes_from")
        batch_op.drop_column("boxes_shift")
        batch_op.drop_column("boxes_from")
