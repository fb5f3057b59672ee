"""The quiz engine: teams, rounds, votes, reveals, leaderboards and stats.

Every method takes plain values and returns plain values or cards. Methods are
synchronous and each runs in one database transaction; adapters on the event
loop call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot import compose, texts
from bot.cards import Card
from bot.clock import Clock, SystemClock
from bot.errors import (
    InvalidSettingError,
    NoScenarioError,
    RoundNotFoundError,
    RoundOfAnotherTeamError,
    TeamNotFoundError,
    VotingClosedError,
)
from bot.scenarios import Scenario, ScenarioPool
from bot.scoring import BiasStats, Outcome, RoundResult, Standing, bias_stats, standings
from bot.storage.database import Database
from bot.storage.models import OffDay, ProcessedEvent, Round, Season, Team, Vote
from bot.vocabulary import Choice, parse_choice

_log = logging.getLogger(__name__)

ALL_WEEKDAYS = 0b1111111
WORKDAYS = 0b0011111
DEFAULT_POST_TIME = time(9, 30)
MEMBER_NAME_MAX = 200
# A failed post is retried on later ticks, this many attempts in all.
MAX_POST_ATTEMPTS = 5
# Round ids are 64-bit integers in both databases; a larger id cannot exist.
ROUND_ID_LIMIT = 2**63
# How long one process may take to post a round before another may retry it.
POST_LEASE = timedelta(minutes=2)
# The maximum range one `off` command may add or remove, so a typo cannot write years.
OFF_RANGE_MAX_DAYS = 366


@dataclass(frozen=True)
class TeamInfo:
    """A team's identity and schedule, detached from the database session."""

    id: int
    platform: str
    workspace_id: str
    channel_id: str
    name: str
    timezone: str
    post_time: time
    weekdays: int
    paused: bool
    pause_reason: str | None
    created_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """Return the team's local date at a UTC moment."""
        return moment.astimezone(self.zone).date()

    def is_active_day(self, day: date) -> bool:
        return bool(self.weekdays & (1 << day.weekday()))


@dataclass(frozen=True)
class RoundInfo:
    """A round's identity and state, detached from the database session."""

    id: int
    team_id: int
    scenario_id: str
    answer: Choice
    local_date: date
    season_number: int
    position: int
    message_ref: str | None
    posted: bool
    revealed: bool


@dataclass(frozen=True)
class TeamState:
    """The scheduler's view of one team, read for all teams in a few queries."""

    team: TeamInfo
    latest_date: date | None
    has_unposted: bool
    has_unpublished: bool
    # An unrevealed round older than the newest one: a process died between
    # claiming a day and revealing the day before.
    has_stale_open: bool
    off_days: frozenset[date]


@dataclass(frozen=True)
class OpenedRound:
    """A freshly claimed round with the question card to post."""

    round: RoundInfo
    card: Card


@dataclass(frozen=True)
class Reveal:
    """A revealed round: the closed question to edit in and the reveal card to post."""

    round: RoundInfo
    closed_question: Card
    reveal: Card


@dataclass(frozen=True)
class VoteReceipt:
    """A committed vote, with what to tell the voter and the new live count."""

    round_id: int
    choice: Choice
    previous: Choice | None
    vote_count: int
    message: str
    # True when this delivery id was handled before, so nothing was written now.
    duplicate: bool = False


def _team_info(team: Team) -> TeamInfo:
    return TeamInfo(
        id=team.id,
        platform=team.platform,
        workspace_id=team.workspace_id,
        channel_id=team.channel_id,
        name=team.name,
        timezone=team.timezone,
        post_time=team.post_time,
        weekdays=team.weekdays,
        paused=team.paused,
        pause_reason=team.pause_reason,
        created_at=team.created_at,
    )


def _round_info(row: Round, season_number: int) -> RoundInfo:
    return RoundInfo(
        id=row.id,
        team_id=row.team_id,
        scenario_id=row.scenario_id,
        answer=Choice(row.answer),
        local_date=row.local_date,
        season_number=season_number,
        position=row.position,
        message_ref=row.message_ref,
        posted=row.posted_at is not None,
        revealed=row.revealed_at is not None,
    )


class Engine:
    """The platform-neutral operations that every adapter calls."""

    def __init__(
        self,
        *,
        database: Database,
        pool: ScenarioPool,
        clock: Clock | None = None,
        seed: int | None = None,
    ) -> None:
        self.database = database
        self.pool = pool
        self.clock: Clock = clock or SystemClock()
        # Season orders derive from the seed, the team and the season number, so
        # a restarted process with the same seed shuffles exactly as before.
        self._seed = random.randrange(2**32) if seed is None else seed

    # Teams

    def find_team(self, platform: str, workspace_id: str, channel_id: str) -> TeamInfo | None:
        """Return the team of a channel, or None if the channel never subscribed."""
        with self.database.session() as session:
            team = self._find_team_row(session, platform, workspace_id, channel_id)
            return None if team is None else _team_info(team)

    def require_team(self, platform: str, workspace_id: str, channel_id: str) -> TeamInfo:
        """Return the team of a channel; raise TeamNotFoundError if it is not set up."""
        team = self.find_team(platform, workspace_id, channel_id)
        if team is None:
            raise TeamNotFoundError(channel_id)
        return team

    def get_team(self, team_id: int) -> TeamInfo:
        with self.database.session() as session:
            return _team_info(self._team_row(session, team_id))

    def list_teams(self, platform: str | None = None) -> list[TeamInfo]:
        """List subscribed teams, optionally of one platform, oldest first."""
        query = select(Team).order_by(Team.id)
        if platform is not None:
            query = query.where(Team.platform == platform)
        with self.database.session() as session:
            return [_team_info(team) for team in session.scalars(query)]

    def team_states(self) -> list[TeamState]:
        """Read every unpaused team with its latest round date, pending work and off days.

        Off days are read for the two days around today in every zone, which
        covers each team's local today. The cost is four queries however many
        teams there are.
        """
        now = self.clock.now()
        with self.database.session() as session:
            teams = [
                _team_info(team)
                for team in session.scalars(
                    select(Team).where(Team.paused.is_(False)).order_by(Team.id)
                )
            ]
            latest = dict(
                session.execute(
                    select(Round.team_id, func.max(Round.local_date)).group_by(Round.team_id)
                ).all()
            )
            unposted = set(session.scalars(select(Round.team_id).where(*_awaiting_post())))
            newer = aliased(Round)
            stale = set(
                session.scalars(
                    select(Round.team_id).where(
                        Round.revealed_at.is_(None),
                        select(newer.id)
                        .where(newer.team_id == Round.team_id, newer.local_date > Round.local_date)
                        .exists(),
                    )
                )
            )
            unpublished = set(session.scalars(select(Round.team_id).where(*_awaiting_reveal())))
            window = (now - timedelta(days=1)).date(), (now + timedelta(days=1)).date()
            off: dict[int, set[date]] = {}
            for team_id, day in session.execute(
                select(OffDay.team_id, OffDay.day).where(OffDay.day.between(*window))
            ):
                off.setdefault(team_id, set()).add(day)
        return [
            TeamState(
                team=team,
                latest_date=latest.get(team.id),
                has_unposted=team.id in unposted,
                has_unpublished=team.id in unpublished,
                has_stale_open=team.id in stale,
                off_days=frozenset(off.get(team.id, ())),
            )
            for team in teams
        ]

    def subscribe(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        name: str = "",
        timezone: str = "UTC",
        post_time: time = DEFAULT_POST_TIME,
        weekdays: int = WORKDAYS,
    ) -> TeamInfo:
        """Subscribe a channel, or change its schedule if it is subscribed already."""
        ZoneInfo(timezone)  # raises for an unknown zone before anything is written
        with self.database.session() as session:
            team = self._find_team_row(session, platform, workspace_id, channel_id)
            if team is None:
                team = Team(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    created_at=self.clock.now(),
                    paused=False,
                )
                session.add(team)
                _log.info("team subscribed: %s %s/%s", platform, workspace_id, channel_id)
            team.name = name[:MEMBER_NAME_MAX] or team.name or channel_id
            team.timezone = timezone
            team.post_time = post_time.replace(second=0, microsecond=0)
            team.weekdays = weekdays
            session.flush()
            return _team_info(team)

    def set_paused(self, team_id: int, paused: bool, reason: str | None = None) -> TeamInfo:
        """Pause or resume a team's daily cycle; a reason is kept for a pause."""
        with self.database.session() as session:
            team = self._team_row(session, team_id)
            team.paused = paused
            team.pause_reason = reason if paused else None
            if paused:
                _log.warning("team %s paused: %s", team_id, reason or "by an admin")
            else:
                _log.info("team %s resumed", team_id)
            return _team_info(team)

    @staticmethod
    def _find_team_row(
        session: Session, platform: str, workspace_id: str, channel_id: str
    ) -> Team | None:
        query = select(Team).where(
            Team.platform == platform,
            Team.workspace_id == workspace_id,
            Team.channel_id == channel_id,
        )
        return session.scalars(query).one_or_none()

    @staticmethod
    def _team_row(session: Session, team_id: int) -> Team:
        team = session.get(Team, team_id)
        if team is None:
            raise TeamNotFoundError(f"#{team_id}")
        return team

    # Rounds

    def today(self, team: TeamInfo) -> date:
        """Return the team's local date now."""
        return team.local_date(self.clock.now())

    def open_round(self, team_id: int) -> RoundInfo | None:
        """Return the team's unrevealed round, or None."""
        with self.database.session() as session:
            row = session.scalars(
                select(Round)
                .where(Round.team_id == team_id, Round.revealed_at.is_(None))
                .order_by(Round.local_date.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else self._detached(session, row)

    def latest_round(self, team_id: int) -> RoundInfo | None:
        """Return the team's newest round, revealed or not, or None."""
        with self.database.session() as session:
            row = session.scalars(
                select(Round)
                .where(Round.team_id == team_id)
                .order_by(Round.local_date.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else self._detached(session, row)

    def get_round(self, round_id: int) -> RoundInfo:
        with self.database.session() as session:
            row = session.get(Round, round_id)
            if row is None:
                raise RoundNotFoundError(round_id)
            return self._detached(session, row)

    def claim_round(self, team_id: int, local_date: date) -> OpenedRound | None:
        """Claim the team's round for a local date and pick its scenario.

        The unique row on (team, local date) decides who posts: a second claim for
        the same date, from this process or another, returns None.
        """
        if not self.pool.scenarios:
            raise NoScenarioError("(any)")
        try:
            with self.database.session() as session:
                self._team_row(session, team_id)
                season, position, scenario = self._next_in_season(session, team_id)
                row = Round(
                    team_id=team_id,
                    season_id=season.id,
                    position=position,
                    scenario_id=scenario.id,
                    answer=scenario.answer.value,
                    local_date=local_date,
                    claimed_at=self.clock.now(),
                    post_attempts=0,
                    post_lease_until=self.clock.now() + POST_LEASE,
                )
                session.add(row)
                session.flush()
                info = _round_info(row, season.number)
        except IntegrityError:
            _log.debug("round for team %s on %s already claimed", team_id, local_date)
            return None
        _log.info(
            "round %s claimed: team %s, %s, scenario %s",
            info.id,
            team_id,
            local_date,
            scenario.id,
        )
        return OpenedRound(round=info, card=compose.question_card(scenario, info.id, 0))

    def _next_in_season(self, session: Session, team_id: int) -> tuple[Season, int, Scenario]:
        season = session.scalars(
            select(Season).where(Season.team_id == team_id).order_by(Season.number.desc()).limit(1)
        ).one_or_none()
        if season is not None:
            last = session.scalar(
                select(func.max(Round.position)).where(Round.season_id == season.id)
            )
            start = 0 if last is None else last + 1
            # A scenario removed from the pool since the season began is skipped.
            for position in range(start, len(season.scenario_order)):
                scenario = self.pool.get(season.scenario_order[position])
                if scenario is not None:
                    return season, position, scenario
        season = self._new_season(session, team_id, season)
        return season, 0, self.pool.scenarios[season.scenario_order[0]]

    def _new_season(self, session: Session, team_id: int, previous: Season | None) -> Season:
        number = 1 if previous is None else previous.number + 1
        order = self.pool.ids
        random.Random(f"{self._seed}:{team_id}:{number}").shuffle(order)
        # Avoid the same scenario on the last day of one season and the first of the next.
        last = previous.scenario_order[-1:] if previous is not None else []
        if len(order) > 1 and order[:1] == last:
            order[0], order[-1] = order[-1], order[0]
        season = Season(
            team_id=team_id,
            number=number,
            scenario_order=order,
            started_at=self.clock.now(),
        )
        session.add(season)
        session.flush()
        _log.info(
            "team %s started season %s with %s scenarios",
            team_id,
            season.number,
            len(order),
        )
        return season

    def mark_posted(self, round_id: int, message_ref: str) -> None:
        """Store the platform's handle of the posted question message."""
        with self.database.session() as session:
            row = self._round_row(session, round_id)
            row.message_ref = message_ref
            row.posted_at = self.clock.now()
            row.post_attempts += 1

    def record_post_failure(self, round_id: int, retry_after: timedelta) -> int:
        """Count a failed attempt to post a claimed round; return the attempts so far.

        The lease is shortened so that any process may retry after ``retry_after``.
        """
        with self.database.session() as session:
            row = self._round_row(session, round_id)
            row.post_attempts += 1
            row.post_lease_until = self.clock.now() + retry_after
            return row.post_attempts

    def unposted_rounds(self, team_id: int) -> list[RoundInfo]:
        """List the team's claimed, unrevealed rounds whose question is not posted yet."""
        return self._rounds_where(team_id, _awaiting_post())

    def acquire_post_retry(self, round_id: int) -> bool:
        """Take the lease to retry posting a round; False if another process holds it."""
        return self._take_lease(round_id, _awaiting_post(), Round.post_lease_until)

    def open_rounds_before(self, team_id: int, local_date: date) -> list[RoundInfo]:
        """List the team's unrevealed rounds dated before a local date, oldest first."""
        with self.database.session() as session:
            rows = session.scalars(
                select(Round)
                .where(
                    Round.team_id == team_id,
                    Round.revealed_at.is_(None),
                    Round.local_date < local_date,
                )
                .order_by(Round.local_date)
            )
            return [self._detached(session, row) for row in rows]

    def first_delivery(self, key: str) -> bool:
        """Record a platform delivery id; False if it was seen before (a redelivery)."""
        try:
            with self.database.session() as session:
                session.add(ProcessedEvent(key=key[:200], received_at=self.clock.now()))
        except IntegrityError:
            return False
        return True

    # Off days

    def add_off_days(self, team_id: int, first: date, last: date) -> int:
        """Mark every date from first to last as off; return how many were new."""
        days = _date_range(first, last)
        with self.database.session() as session:
            self._team_row(session, team_id)
            existing = set(
                session.scalars(
                    select(OffDay.day).where(OffDay.team_id == team_id, OffDay.day.in_(days))
                )
            )
            new = [day for day in days if day not in existing]
            session.add_all(OffDay(team_id=team_id, day=day) for day in new)
        return len(new)

    def remove_off_days(self, team_id: int, first: date, last: date) -> int:
        """Remove off days from first to last; return how many were removed."""
        days = _date_range(first, last)
        with self.database.session() as session:
            self._team_row(session, team_id)
            rows = list(
                session.scalars(
                    select(OffDay).where(OffDay.team_id == team_id, OffDay.day.in_(days))
                )
            )
            for row in rows:
                session.delete(row)
        return len(rows)

    def off_days(self, team_id: int, since: date | None = None) -> list[date]:
        """List the team's off days, optionally from a date on, in order."""
        query = select(OffDay.day).where(OffDay.team_id == team_id)
        if since is not None:
            query = query.where(OffDay.day >= since)
        with self.database.session() as session:
            return list(session.scalars(query.order_by(OffDay.day)))

    def question_card(self, round_id: int) -> Card:
        """Build the question card of a round with its current vote count."""
        with self.database.session() as session:
            row = self._round_row(session, round_id)
            count = self._vote_count(session, round_id)
            scenario = self._scenario(row.scenario_id)
            if row.revealed_at is not None:
                return compose.closed_question_card(scenario, row.id, count)
            return compose.question_card(scenario, row.id, count)

    def reveal(self, round_id: int) -> Reveal | None:
        """Close a round and build its reveal; return None if it was revealed already.

        The conditional update is the lock, because of two callers only one changes the row.
        """
        with self.database.session() as session:
            result = session.execute(
                update(Round)
                .where(Round.id == round_id, Round.revealed_at.is_(None))
                .values(
                    revealed_at=self.clock.now(),
                    reveal_lease_until=self.clock.now() + POST_LEASE,
                )
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                if session.get(Round, round_id) is None:
                    raise RoundNotFoundError(round_id)
                return None
        revealed = self.reveal_cards(round_id)
        _log.info(
            "round %s revealed: team %s, %s votes",
            round_id,
            revealed.round.team_id,
            sum(bar.count for bar in revealed.reveal.bars),
        )
        return revealed

    def mark_reveal_posted(self, round_id: int) -> None:
        with self.database.session() as session:
            self._round_row(session, round_id).reveal_posted_at = self.clock.now()

    def record_reveal_failure(self, round_id: int, retry_after: timedelta) -> int:
        """Count a failed attempt to publish a reveal; return the attempts so far."""
        with self.database.session() as session:
            row = self._round_row(session, round_id)
            row.reveal_attempts += 1
            row.reveal_lease_until = self.clock.now() + retry_after
            return row.reveal_attempts

    def unpublished_reveals(self, team_id: int) -> list[RoundInfo]:
        """List revealed rounds whose reveal message has not reached the channel yet."""
        return self._rounds_where(team_id, _awaiting_reveal())

    def acquire_reveal_retry(self, round_id: int) -> bool:
        """Take the lease to retry publishing a reveal; False if another process holds it."""
        return self._take_lease(round_id, _awaiting_reveal(), Round.reveal_lease_until)

    def _rounds_where(
        self, team_id: int, conditions: list[ColumnElement[bool]]
    ) -> list[RoundInfo]:
        with self.database.session() as session:
            rows = session.scalars(
                select(Round)
                .where(Round.team_id == team_id, *conditions)
                .order_by(Round.local_date)
            )
            return [self._detached(session, row) for row in rows]

    def _take_lease(
        self,
        round_id: int,
        conditions: list[ColumnElement[bool]],
        lease: InstrumentedAttribute[datetime | None],
    ) -> bool:
        """Set a lease column if it expired; the conditional update decides between processes."""
        now = self.clock.now()
        with self.database.session() as session:
            result = session.execute(
                update(Round)
                .where(Round.id == round_id, *conditions, lease.is_(None) | (lease <= now))
                .values({lease: now + POST_LEASE})
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def reveal_cards(self, round_id: int) -> Reveal:
        """Build the reveal cards of a round that is already revealed."""
        with self.database.session() as session:
            row = self._round_row(session, round_id)
            choices = [
                Choice(choice)
                for choice in session.scalars(select(Vote.choice).where(Vote.round_id == round_id))
            ]
            info = self._detached(session, row)
        scenario = self._scenario(info.scenario_id)
        return Reveal(
            round=info,
            closed_question=compose.closed_question_card(scenario, round_id, len(choices)),
            reveal=compose.reveal_card(scenario, round_id, choices),
        )

    # Votes

    def record_vote(
        self,
        *,
        team_id: int,
        round_id: int,
        member_id: str,
        member_name: str,
        choice: str,
        delivery_key: str | None = None,
    ) -> VoteReceipt:
        """Record or change a member's vote; the last one counts, the first is kept.

        A ``delivery_key`` (the platform's id of this click) is stored in the same
        transaction, so a redelivered click has no second effect. Raises
        UnknownChoiceError, RoundNotFoundError, RoundOfAnotherTeamError or
        VotingClosedError without writing anything.
        """
        picked = parse_choice(choice)
        if not 0 < round_id < ROUND_ID_LIMIT:
            raise RoundNotFoundError(round_id)
        try:
            return self._record_vote(
                team_id, round_id, member_id, member_name, picked, delivery_key
            )
        except IntegrityError:
            # A concurrent copy of the same delivery committed first.
            if delivery_key is None:
                raise
            return self._duplicate_receipt(round_id, member_id, picked)

    def _duplicate_receipt(self, round_id: int, member_id: str, picked: Choice) -> VoteReceipt:
        with self.database.session() as session:
            return self._stored_receipt(session, round_id, member_id, picked)

    def _stored_receipt(
        self, session: Session, round_id: int, member_id: str, picked: Choice
    ) -> VoteReceipt:
        stored = session.scalar(
            select(Vote.choice).where(Vote.round_id == round_id, Vote.member_id == member_id)
        )
        count = self._vote_count(session, round_id)
        current = Choice(stored) if stored else picked
        return VoteReceipt(
            round_id=round_id,
            choice=current,
            previous=None,
            vote_count=count,
            message=texts.vote_confirmation(current, changed_from=None),
            duplicate=True,
        )

    def _record_vote(
        self,
        team_id: int,
        round_id: int,
        member_id: str,
        member_name: str,
        picked: Choice,
        delivery_key: str | None,
    ) -> VoteReceipt:
        now = self.clock.now()
        with self.database.session() as session:
            # A shared row lock makes a concurrent reveal wait for this vote to commit.
            row = session.scalars(
                select(Round).where(Round.id == round_id).with_for_update(read=True)
            ).one_or_none()
            if row is None:
                raise RoundNotFoundError(round_id)
            if row.team_id != team_id:
                raise RoundOfAnotherTeamError(round_id)
            if row.revealed_at is not None:
                raise VotingClosedError(round_id)
            if delivery_key is not None:
                if session.get(ProcessedEvent, delivery_key) is not None:
                    return self._stored_receipt(session, round_id, member_id, picked)
                session.add(ProcessedEvent(key=delivery_key, received_at=now))
            previous = session.scalar(
                select(Vote.choice).where(Vote.round_id == round_id, Vote.member_id == member_id)
            )
            self._upsert_vote(session, row, member_id, member_name[:MEMBER_NAME_MAX], picked, now)
            count = self._vote_count(session, round_id)
        before = None if previous is None else Choice(previous)
        return VoteReceipt(
            round_id=round_id,
            choice=picked,
            previous=before,
            vote_count=count,
            message=texts.vote_confirmation(picked, changed_from=before),
        )

    @staticmethod
    def _upsert_vote(
        session: Session,
        row: Round,
        member_id: str,
        name: str,
        choice: Choice,
        now: datetime,
    ) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(Vote).values(
            round_id=row.id,
            team_id=row.team_id,
            member_id=member_id,
            member_name=name,
            first_choice=choice.value,
            choice=choice.value,
            changes=0,
            voted_at=now,
            updated_at=now,
        )
        changed = statement.excluded.choice != Vote.choice
        statement = statement.on_conflict_do_update(
            index_elements=[Vote.round_id, Vote.member_id],
            set_={
                "choice": statement.excluded.choice,
                "member_name": statement.excluded.member_name,
                "updated_at": statement.excluded.updated_at,
                "changes": Vote.changes + func.cast(changed, Vote.changes.type),
            },
        )
        session.execute(statement)

    @staticmethod
    def _vote_count(session: Session, round_id: int) -> int:
        return (
            session.scalar(select(func.count()).select_from(Vote).where(Vote.round_id == round_id))
            or 0
        )

    # Scores

    def _results(
        self, team_id: int, season_only: bool
    ) -> tuple[list[RoundResult], dict[str, str], list[Outcome]]:
        """Load a team's revealed rounds with their votes, oldest first."""
        with self.database.session() as session:
            query = select(Round).where(Round.team_id == team_id, Round.revealed_at.is_not(None))
            if season_only:
                latest = session.scalar(
                    select(func.max(Season.id)).where(Season.team_id == team_id)
                )
                query = query.where(Round.season_id == latest)
            rounds = list(session.scalars(query.order_by(Round.local_date)))
            ids = [row.id for row in rounds]
            votes = (
                list(
                    session.scalars(
                        select(Vote).where(Vote.team_id == team_id, Vote.round_id.in_(ids))
                    )
                )
                if ids
                else []
            )
        by_round: dict[int, dict[str, Choice]] = {row.id: {} for row in rounds}
        names: dict[str, str] = {}
        outcomes: list[Outcome] = []
        for vote in sorted(votes, key=lambda item: item.updated_at):
            choice = Choice(vote.choice)
            by_round[vote.round_id][vote.member_id] = choice
            names[vote.member_id] = vote.member_name
        for row in rounds:
            for choice in by_round[row.id].values():
                outcomes.append(self._outcome(row.scenario_id, row.answer, choice))
        results = [
            RoundResult(answer=Choice(row.answer), votes=by_round[row.id]) for row in rounds
        ]
        return results, names, outcomes

    def standings(self, team_id: int, *, season_only: bool) -> list[Standing]:
        """Rank the team's members over the current season or all time."""
        results, names, _ = self._results(team_id, season_only)
        return standings(results, names)

    def leaderboard_card(self, team_id: int, *, season_only: bool) -> Card:
        scope = "this season" if season_only else "all time"
        return compose.leaderboard_card(
            f"Leaderboard, {scope}", self.standings(team_id, season_only=season_only)
        )

    def team_stats(self, team_id: int) -> BiasStats:
        """Compute the team's bias stats over all revealed rounds."""
        _, _, outcomes = self._results(team_id, season_only=False)
        return bias_stats(outcomes)

    def member_stats(self, team_id: int, member_id: str) -> BiasStats:
        """Compute one member's bias stats over the team's revealed rounds."""
        with self.database.session() as session:
            rows = session.execute(
                select(Round.scenario_id, Round.answer, Vote.choice)
                .join(Vote, Vote.round_id == Round.id)
                .where(
                    Round.team_id == team_id,
                    Round.revealed_at.is_not(None),
                    Vote.member_id == member_id,
                )
            ).all()
        return bias_stats(self._outcome(*row) for row in rows)

    def team_stats_card(self, team_id: int) -> Card:
        return compose.stats_card("Team bias stats", self.team_stats(team_id))

    def member_stats_card(self, team_id: int, member_id: str, name: str) -> Card:
        return compose.stats_card(f"Bias stats of {name}", self.member_stats(team_id, member_id))

    def open_scenarios(self, platform: str, workspace_id: str) -> set[str]:
        """Return the scenario ids of open rounds in one workspace, hidden from self-quizzes."""
        with self.database.session() as session:
            ids = session.scalars(
                select(Round.scenario_id)
                .join(Team, Team.id == Round.team_id)
                .where(
                    Team.platform == platform,
                    Team.workspace_id == workspace_id,
                    Round.revealed_at.is_(None),
                )
            )
            return set(ids)

    # Helpers

    def _outcome(self, scenario_id: str, answer: str, choice: str) -> Outcome:
        signals = self.pool.signals_of(scenario_id)
        return Outcome(answer=Choice(answer), choice=Choice(choice), signals=signals)

    def _scenario(self, scenario_id: str) -> Scenario:
        scenario = self.pool.get(scenario_id)
        if scenario is None:
            raise NoScenarioError(scenario_id)
        return scenario

    @staticmethod
    def _round_row(session: Session, round_id: int) -> Round:
        row = session.get(Round, round_id)
        if row is None:
            raise RoundNotFoundError(round_id)
        return row

    @staticmethod
    def _detached(session: Session, row: Round) -> RoundInfo:
        number = session.scalar(select(Season.number).where(Season.id == row.season_id)) or 0
        return _round_info(row, number)


def _awaiting_post() -> list[ColumnElement[bool]]:
    """Conditions of a claimed round whose question still has to be posted."""
    return [
        Round.posted_at.is_(None),
        Round.revealed_at.is_(None),
        Round.post_attempts < MAX_POST_ATTEMPTS,
    ]


def _awaiting_reveal() -> list[ColumnElement[bool]]:
    """Conditions of a revealed round whose reveal still has to reach the channel."""
    return [
        Round.revealed_at.is_not(None),
        Round.reveal_posted_at.is_(None),
        Round.posted_at.is_not(None),
        Round.reveal_attempts < MAX_POST_ATTEMPTS,
    ]


def _date_range(first: date, last: date) -> list[date]:
    span = (last - first).days
    if span < 0:
        raise InvalidSettingError(
            "date range", f"{first}..{last}", "a first date on or before the last date"
        )
    if span >= OFF_RANGE_MAX_DAYS:
        raise InvalidSettingError(
            "date range", f"{first}..{last}", f"at most {OFF_RANGE_MAX_DAYS} days at once"
        )
    return [first + timedelta(days=offset) for offset in range(span + 1)]


def next_free_date(latest: date | None, today: date) -> date:
    """Return today, or the day after the latest round if that is later."""
    if latest is None or latest < today:
        return today
    return latest + timedelta(days=1)
