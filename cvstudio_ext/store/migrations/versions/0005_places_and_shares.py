"""where each run and dataset is worked on, and what is shared with whom

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("gpus", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_runs_place"), ["place"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_host"), ["host"], unique=False)
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=512), nullable=True))
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("grantee", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "item_id", "grantee", name="uq_shares_item_grantee"),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index("ix_shares_grantee_kind", ["grantee", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index("ix_shares_grantee_kind")
    op.drop_table("shares")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("place")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_host"))
        batch_op.drop_index(batch_op.f("ix_runs_place"))
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("gpus")
        batch_op.drop_column("host")
        batch_op.drop_column("place")
