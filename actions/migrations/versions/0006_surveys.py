"""questionnaires: responses, answers, invitations

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("survey", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("current", sa.String(length=48), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("free_text", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("sector", sa.String(length=16), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
        sa.UniqueConstraint(
            "pseudonym", "survey", "version", "event_id", name="uq_survey_responses_pseudonym"
        ),
    )
    op.create_index("ix_survey_responses_pseudonym", "survey_responses", ["pseudonym"])
    op.create_index("ix_survey_responses_survey", "survey_responses", ["survey", "version"])
    op.create_table(
        "survey_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=48), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name="fk_survey_answers_response_id_survey_responses",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question", name="pk_survey_answers"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("survey", sa.String(length=48), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "survey", name="pk_survey_invitations"),
    )


def downgrade() -> None:
    op.drop_table("survey_invitations")
    op.drop_table("survey_answers")
    op.drop_index("ix_survey_responses_survey", table_name="survey_responses")
    op.drop_index("ix_survey_responses_pseudonym", table_name="survey_responses")
    op.drop_table("survey_responses")
