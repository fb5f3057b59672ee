"""Open the configured database, migrate it with Alembic and hand out sessions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import DatabaseError

_log = logging.getLogger(__name__)

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver for plain postgres:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def safe_url(url: str) -> str:
    """Return the URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def create_db_engine(url: str) -> Engine:
    """Create an engine; for SQLite, create the parent folder and set safe pragmas."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            safe_url(url),
            "the URL is not valid; expected for example "
            "sqlite:///rightsize.sqlite3 or postgresql://user@host/db",
        ) from None
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(safe_url(url), f"the folder {folder} does not exist")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(safe_url(url), str(exc)) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite opens transactions lazily; BEGIN IMMEDIATE on every transaction
        # makes writers queue on the busy timeout instead of failing to upgrade.
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine | None = None) -> Config:
    """Build the Alembic configuration, pointing at the migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to the revision."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise DatabaseError(safe_url(str(engine.url)), _short(exc)) from None


def downgrade(engine: Engine, revision: str) -> None:
    """Run the Alembic migrations down to the revision."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Return the newest revision in the migrations folder."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _short(exc: _SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class Database:
    """An engine with its session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Open the database at the URL, migrating it to head unless told not to."""
        engine = create_db_engine(url)
        try:
            with engine.connect():
                pass
        except _SQLAlchemyError as exc:
            engine.dispose()
            raise DatabaseError(safe_url(str(engine.url)), _short(exc)) from None
        if migrate:
            upgrade(engine)
            _log.debug("database %s at revision %s", safe_url(str(engine.url)), head_revision())
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session in a transaction that commits on success, rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
