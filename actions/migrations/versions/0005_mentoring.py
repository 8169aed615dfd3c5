"""mentors and mentoring requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("bio", sa.JSON(), nullable=False),
        sa.Column("sectors", sa.String(length=64), nullable=False),
        sa.Column("languages", sa.String(length=64), nullable=False),
        sa.Column("countries", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentors"),
        sa.UniqueConstraint("telegram_id", name="uq_mentors_telegram_id"),
    )
    op.create_table(
        "mentoring_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("languages", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("availability", sa.String(length=16), nullable=False),
        sa.Column("proposals", sa.JSON(), nullable=False),
        sa.Column("chosen_by_person", sa.Boolean(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("decline_reason", sa.String(length=16), nullable=True),
        sa.Column("coach_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["mentors.id"], name="fk_mentoring_requests_mentor_id_mentors", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mentoring_requests"),
    )
    op.create_index("ix_mentoring_requests_pseudonym", "mentoring_requests", ["pseudonym"])
    op.create_index("ix_mentoring_requests_coach_message_id", "mentoring_requests", ["coach_message_id"])
    op.create_index("ix_mentoring_requests_mentor_state", "mentoring_requests", ["mentor_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_mentoring_requests_mentor_state", table_name="mentoring_requests")
    op.drop_index("ix_mentoring_requests_coach_message_id", table_name="mentoring_requests")
    op.drop_index("ix_mentoring_requests_pseudonym", table_name="mentoring_requests")
    op.drop_table("mentoring_requests")
    op.drop_table("mentors")
