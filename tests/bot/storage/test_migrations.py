"""Migrations run up, down and up again on a populated database, and match the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from bot.storage.database import (
    Database,
    create_db_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from bot.storage.models import Base, Round, Season, Team, Vote

NOW = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)


def populate(database: Database) -> None:
    with database.session() as session:
        team = Team(platform="slack", workspace_id="T1", channel_id="C1", name="c", created_at=NOW)
        session.add(team)
        session.flush()
        season = Season(team_id=team.id, number=1, scenario_order=["a", "b"], started_at=NOW)
        session.add(season)
        session.flush()
        row = Round(
            team_id=team.id,
            season_id=season.id,
            position=0,
            scenario_id="a",
            answer="slm",
            local_date=date(2027, 1, 4),
            claimed_at=NOW,
            post_attempts=0,
        )
        session.add(row)
        session.flush()
        session.add(
            Vote(
                round_id=row.id,
                team_id=team.id,
                member_id="U1",
                member_name="Ada",
                first_choice="llm",
                choice="slm",
                changes=1,
                voted_at=NOW,
                updated_at=NOW,
            )
        )


def test_migrations_up_down_up(database_url: str) -> None:
    database = Database.open(database_url)
    try:
        populate(database)
        assert current_revision(database.engine) == head_revision()

        downgrade(database.engine, "base")
        assert current_revision(database.engine) is None
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}

        upgrade(database.engine)
        populate(database)
        with database.session() as session:
            vote = session.scalars(select(Vote)).one()
        assert vote.voted_at == NOW
        assert current_revision(database.engine) == head_revision()
    finally:
        database.close()


def test_models_match_migrated_schema(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    assert differences == []


def test_stored_times_come_back_in_utc(database_url: str) -> None:
    database = Database.open(database_url)
    try:
        populate(database)
        with database.session() as session:
            team = session.scalars(select(Team)).one()
        assert team.created_at.tzinfo is not None
        assert team.created_at.utcoffset() is not None
        assert team.created_at == NOW
    finally:
        database.close()
