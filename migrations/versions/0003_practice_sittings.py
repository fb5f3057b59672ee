"""Add self-quiz sittings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_sittings",
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("started_at", bot.storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person", name=op.f("pk_practice_sittings")),
    )


def downgrade() -> None:
    op.drop_table("practice_sittings")
