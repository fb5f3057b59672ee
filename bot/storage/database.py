"""Open the configured database, migrate it with Alembic and hand out sessions."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import DatabaseError

_log = logging.getLogger(__name__)

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent.parent / "migrations"


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_URL_EXAMPLES = "for example sqlite:////var/lib/rightsize.sqlite3 or postgresql://user@host/db"


def normalise_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver for plain postgres:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _secrets_of(url: str) -> list[str]:
    """Return the password values a URL carries, in its user part or its query."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return []
    secrets = [str(parsed.password)] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in {"password", "passfile", "sslpassword"}:
            secrets.extend([value] if isinstance(value, str) else list(value))
    return [secret for secret in secrets if secret]


def scrub(text: str, url: str) -> str:
    """Replace every password of the URL in a text with ***."""
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return text


def safe_url(url: str) -> str:
    """Return the URL with every password masked, for messages and logs."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(an unparseable URL)"
    return scrub(shown, url)


def create_db_engine(url: str) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL database, with safe settings.

    Raises DatabaseError, naming the URL with its password masked, for a URL
    that is invalid, names another database system, an in-memory SQLite
    database, or a file whose folder is missing or not writable.
    """
    shown = safe_url(url)
    try:
        parsed = make_url(normalise_url(url))
        backend = parsed.get_backend_name()
        parsed.port  # noqa: B018 - parsing the port raises for a non-numeric one
    except (ArgumentError, ValueError):
        raise DatabaseError(shown, f"the URL is not valid; expected {_URL_EXAMPLES}") from None
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            shown, f"{backend} is not supported; use SQLite or PostgreSQL, {_URL_EXAMPLES}"
        )
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        _check_sqlite_path(shown, parsed.database)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(shown, scrub(str(exc), url)) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite opens transactions lazily; BEGIN IMMEDIATE on every transaction
        # makes writers queue on the busy timeout instead of failing to upgrade.
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _check_sqlite_path(shown: str, database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise DatabaseError(
            shown, "an in-memory database would lose every answer at exit; give a file path"
        )
    path = Path(database).expanduser()
    if path.is_dir():
        raise DatabaseError(shown, f"{path} is a folder; give the path of a database file")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise DatabaseError(shown, f"the folder {folder} does not exist")
    if not path.exists() and not os.access(folder, os.W_OK):
        raise DatabaseError(shown, f"the folder {folder} is not writable")


def sqlite_file_missing(url: str) -> Path | None:
    """Return the file of a SQLite URL if it does not exist yet, else None."""
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    path = Path(parsed.database).expanduser()
    return None if path.exists() else path


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
    url = engine.url.render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(engine), revision)
    except CommandError as exc:
        # Alembic cannot find the stored revision: a newer Rightsize wrote it.
        raise DatabaseError(
            safe_url(url),
            f"its schema revision is unknown to this version of Rightsize ({exc}); "
            "upgrade Rightsize or use another database",
        ) from None
    except _SQLAlchemyError as exc:
        raise DatabaseError(safe_url(url), scrub(_short(exc), url)) from None


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


def _short(exc: Exception) -> str:
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
        """Open the database at the URL and, unless migrate is False, migrate it to head."""
        engine = create_db_engine(url)
        try:
            with engine.connect():
                pass
        except (_SQLAlchemyError, ValueError) as exc:
            engine.dispose()
            raise DatabaseError(safe_url(url), scrub(_short(exc), url)) from None
        if migrate:
            upgrade(engine)
            _log.debug("database %s at revision %s", safe_url(url), head_revision())
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session in a transaction that commits on success, rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
