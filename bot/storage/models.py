"""SQLAlchemy 2 models; every time is stored in UTC as a timezone-aware value."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that must be aware on the way in and comes back aware in UTC.

    SQLite has no time zone type, so values are normalised to UTC before they
    are stored and tagged as UTC when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Team(Base):
    """One channel subscribed to the daily quiz, with its schedule."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    post_time: Mapped[time] = mapped_column(Time, default=time(9, 30))
    # Active weekdays as a bit set, Monday = bit 0 ... Sunday = bit 6.
    weekdays: Mapped[int] = mapped_column(Integer, default=0b0011111)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Season(Base):
    """One pass of a team through the scenario pool in a fixed shuffled order."""

    __tablename__ = "seasons"
    __table_args__ = (UniqueConstraint("team_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    scenario_order: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Round(Base):
    """One scenario posted to one team on one local date; open until revealed."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("team_id", "local_date"),
        Index("ix_rounds_team_id_revealed_at", "team_id", "revealed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    scenario_id: Mapped[str] = mapped_column(String(64))
    # The scenario's answer when the round was opened, so later edits of a pack
    # do not rewrite the history of scores.
    answer: Mapped[str] = mapped_column(String(8))
    local_date: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The adapter's handle of the posted question message (for example "C1:171.2").
    message_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    post_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # While this moment is in the future one process is posting the round, so no
    # other process retries it.
    post_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reveal_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reveal_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Like post_lease_until, for publishing the reveal.
    reveal_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OffDay(Base):
    """A local date on which a team gets no round."""

    __tablename__ = "off_days"
    __table_args__ = (UniqueConstraint("team_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


class Vote(Base):
    """One member's choice in a round; the last choice counts, the first is kept."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[str] = mapped_column(String(64))
    member_name: Mapped[str] = mapped_column(String(200))
    first_choice: Mapped[str] = mapped_column(String(8))
    choice: Mapped[str] = mapped_column(String(8))
    changes: Mapped[int] = mapped_column(Integer, default=0)
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PracticeAnswer(Base):
    """One self-quiz answer of one person; never mixed into team rounds."""

    __tablename__ = "practice_answers"
    __table_args__ = (Index("ix_practice_answers_person", "person", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Platform-qualified person key, for example "slack:T01:U02" or "console:ada".
    person: Mapped[str] = mapped_column(String(200))
    scenario_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str] = mapped_column(String(8))
    answer: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PracticeSitting(Base):
    """When a person last started a self-quiz: the answers since then are one sitting."""

    __tablename__ = "practice_sittings"

    person: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedEvent(Base):
    """A platform delivery id already handled, so a redelivery has one effect."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
