"""broadcasts.is_html: the bot's broadcasts are stored as Telegram HTML (the invitation card's bold title)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before stay plain text (False), and are escaped when sent, as they were.
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("is_html", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("is_html")
