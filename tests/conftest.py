"""Shared fixtures: a real SQLite file and, where configured, a real PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.engine import Engine
from bot.practice import Practice
from bot.scenarios import SHIPPED_FOLDER, ScenarioPool, load_pool
from bot.storage.database import Database, normalise_url

POSTGRES_ENV = "RIGHTSIZE_TEST_POSTGRES_URL"
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def postgres_server_url() -> str | None:
    """Return the admin URL of the test PostgreSQL server, or None if none is set.

    CI sets the variable; a run with CI=true and no server fails instead of skipping.
    """
    url = os.environ.get(POSTGRES_ENV)
    if not url and os.environ.get("CI"):
        pytest.fail(f"CI is set but {POSTGRES_ENV} is not, so PostgreSQL tests cannot run")
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def pool() -> ScenarioPool:
    return load_pool([SHIPPED_FOLDER])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rightsize.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Create a fresh PostgreSQL database for one test and drop it afterwards."""
    server = postgres_server_url()
    if server is None:
        pytest.skip(f"no PostgreSQL server configured; set {POSTGRES_ENV} to run this test")
    name = f"rightsize_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Yield a database URL for each backend; PostgreSQL skips only without a server."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.open(database_url)
    yield db
    db.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def engine(database: Database, pool: ScenarioPool, clock: FixedClock) -> Engine:
    return Engine(database=database, pool=pool, clock=clock, seed=7)


@pytest.fixture
def practice(database: Database, pool: ScenarioPool, clock: FixedClock) -> Practice:
    return Practice(database=database, pool=pool, clock=clock)
