"""indexes for a dataset's id block and for the class filter

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ix_images_dataset_id")
        batch_op.create_index("ix_images_dataset_id_id", ["dataset_id", "id"], unique=False)
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index("ix_annotations_class_image", ["class_id", "image_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_class_image")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ix_images_dataset_id_id")
        batch_op.create_index("ix_images_dataset_id", ["dataset_id"], unique=False)
