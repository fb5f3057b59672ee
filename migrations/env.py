"""Alembic environment: runs migrations on the engine that Rightsize hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from bot.storage.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `rightsize db upgrade`, not alembic")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
