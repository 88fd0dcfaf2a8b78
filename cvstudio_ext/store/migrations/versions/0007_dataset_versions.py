"""dataset versions: each operation's result is a dataset row of its own

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lineage", sa.JSON(), nullable=True))
        batch_op.drop_constraint("uq_datasets_owner_name", type_="unique")
        batch_op.create_unique_constraint("uq_datasets_owner_name_version", ["owner", "name", "version"])
        batch_op.create_index("ix_datasets_origin_id", ["origin_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM datasets WHERE version > 1")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_datasets_origin_id")
        batch_op.drop_constraint("uq_datasets_owner_name_version", type_="unique")
        batch_op.create_unique_constraint("uq_datasets_owner_name", ["owner", "name"])
        batch_op.drop_column("lineage")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("version")
