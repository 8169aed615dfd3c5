"""staff roles with country scopes, jobs, reachability, retention-ready tickets, named constraints

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("countries", sa.String(length=32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_roles_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
    )
    op.execute(
        "INSERT INTO user_roles (user_id, role, countries, granted_at) "
        "SELECT id, 'admin', '', created_at FROM users WHERE roles LIKE '%admin%'"
    )
    op.execute(
        "INSERT INTO user_roles (user_id, role, countries, granted_at) "
        "SELECT id, 'coach', '', created_at FROM users WHERE roles LIKE '%coach%'"
    )
    op.execute(
        "INSERT INTO user_roles (user_id, role, countries, granted_at) "
        "SELECT id, 'partner', '', created_at FROM users WHERE roles LIKE '%partner%'"
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=True),
        sa.Column("dedupe_key", sa.String(length=128), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("dedupe_key", name="uq_jobs_dedupe_key"),
    )
    op.create_index("ix_jobs_state_due", "jobs", ["state", "due_at"])
    op.create_index("ix_jobs_pseudonym", "jobs", ["pseudonym"])

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Databases created before the naming convention carry PostgreSQL's default names.
        names = {constraint["name"] for constraint in sa.inspect(bind).get_unique_constraints("users")}
        for column in ("pseudonym", "telegram_id"):
            if f"users_{column}_key" in names:
                op.execute(f"ALTER TABLE users RENAME CONSTRAINT users_{column}_key TO uq_users_{column}")
    with op.batch_alter_table("users", recreate="auto") as batch:
        batch.drop_column("roles")
        batch.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_users_last_seen_at", ["last_seen_at"])
    if bind.dialect.name == "sqlite":
        # SQLite keeps the unique constraints unnamed; give them the convention's names by rebuilding.
        with op.batch_alter_table(
            "users",
            recreate="always",
            table_args=(
                sa.UniqueConstraint("pseudonym", name="uq_users_pseudonym"),
                sa.UniqueConstraint("telegram_id", name="uq_users_telegram_id"),
            ),
            reflect_args=(),
        ) as batch:
            pass
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("question", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("question", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_last_seen_at")
        batch.drop_column("unreachable_at")
        batch.add_column(sa.Column("roles", sa.String(length=64), nullable=False, server_default="user"))
    op.drop_index("ix_jobs_pseudonym", table_name="jobs")
    op.drop_index("ix_jobs_state_due", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("user_roles")
