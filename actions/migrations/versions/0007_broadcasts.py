"""coach broadcasts: broadcasts, their outbox, the shared rate limiter, users.invitations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitations", sa.Boolean(), nullable=True))
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("segment", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_broadcasts_event_id_events", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
    )
    op.create_table(
        "broadcast_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_outbox_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_outbox"),
        sa.UniqueConstraint("broadcast_id", "pseudonym", name="uq_broadcast_outbox_broadcast_id"),
    )
    op.create_index("ix_broadcast_outbox_broadcast_id", "broadcast_outbox", ["broadcast_id"])
    op.create_index("ix_broadcast_outbox_pseudonym", "broadcast_outbox", ["pseudonym"])
    op.create_index("ix_broadcast_outbox_sent_at", "broadcast_outbox", ["sent_at"])
    op.create_index("ix_broadcast_outbox_state_due", "broadcast_outbox", ["state", "due_at"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
    op.drop_index("ix_broadcast_outbox_state_due", table_name="broadcast_outbox")
    op.drop_index("ix_broadcast_outbox_sent_at", table_name="broadcast_outbox")
    op.drop_index("ix_broadcast_outbox_pseudonym", table_name="broadcast_outbox")
    op.drop_index("ix_broadcast_outbox_broadcast_id", table_name="broadcast_outbox")
    op.drop_table("broadcast_outbox")
    op.drop_table("broadcasts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("invitations")
