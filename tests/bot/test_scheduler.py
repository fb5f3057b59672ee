"""The daily cycle with an injected clock: time zones, daylight saving, restarts, off days."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cards import Card, CardKind
from bot.clock import FixedClock
from bot.cycle import Cycle
from bot.engine import Engine, TeamInfo
from bot.ports import ChannelUnavailableError
from bot.scenarios import ScenarioPool
from bot.schedule import next_post, post_moment
from bot.scheduler import DailyCycle
from bot.storage.database import Database
from bot.storage.models import Round
from tests.bot.recording_port import RecordingPort, SimulatedCrash

WEEKDAYS = 0b0011111
EVERY_DAY = 0b1111111


@dataclass
class Process:
    """One simulated bot process: its own engine and cycle objects on a shared database."""

    engine: Engine
    daily: DailyCycle


def start_process(
    database: Database, pool: ScenarioPool, clock: FixedClock, port: RecordingPort
) -> Process:
    engine = Engine(database=database, pool=pool, clock=clock, seed=11)
    return Process(engine=engine, daily=DailyCycle(engine, Cycle(engine, {port.platform: port})))


def subscribe(engine: Engine, channel: str, zone: str, at: time, days: int = WEEKDAYS) -> TeamInfo:
    return engine.subscribe(
        platform="test",
        workspace_id="W",
        channel_id=channel,
        timezone=zone,
        post_time=at,
        weekdays=days,
    )


async def tick(process: Process) -> None:
    await asyncio.wait_for(process.daily.tick(), timeout=30)


def rounds_by_team(database: Database) -> dict[int, list[tuple[date, str, bool, bool, bool]]]:
    with database.session() as session:
        rows = session.scalars(select(Round).order_by(Round.team_id, Round.local_date)).all()
    result: dict[int, list[tuple[date, str, bool, bool, bool]]] = {}
    for row in rows:
        result.setdefault(row.team_id, []).append(
            (
                row.local_date,
                row.scenario_id,
                row.posted_at is not None,
                row.revealed_at is not None,
                row.reveal_posted_at is not None,
            )
        )
    return result


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        pytest.param(
            "Europe/Berlin",
            date(2027, 3, 28),
            time(2, 30),
            datetime(2027, 3, 28, 1, 0),
            id="berlin-gap",
        ),
        pytest.param(
            "Europe/Berlin",
            date(2027, 10, 31),
            time(2, 30),
            datetime(2027, 10, 31, 0, 30),
            id="berlin-repeat",
        ),
        pytest.param(
            "America/Los_Angeles",
            date(2027, 3, 14),
            time(2, 15),
            datetime(2027, 3, 14, 10, 0),
            id="la-gap",
        ),
        pytest.param(
            "America/Los_Angeles",
            date(2027, 11, 7),
            time(1, 30),
            datetime(2027, 11, 7, 8, 30),
            id="la-repeat",
        ),
        pytest.param(
            "Asia/Kolkata",
            date(2027, 6, 1),
            time(9, 0),
            datetime(2027, 6, 1, 3, 30),
            id="half-hour-offset",
        ),
        pytest.param(
            "Asia/Kathmandu",
            date(2027, 6, 1),
            time(9, 0),
            datetime(2027, 6, 1, 3, 15),
            id="45-minute-offset",
        ),
        pytest.param(
            "UTC", date(2028, 2, 29), time(9, 30), datetime(2028, 2, 29, 9, 30), id="leap-day"
        ),
    ],
)
def test_post_moment_rules(zone: str, day: date, at: time, expected_utc: datetime) -> None:
    assert post_moment(day, at, ZoneInfo(zone)) == expected_utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at"),
    [
        pytest.param("Europe/Berlin", date(2027, 3, 28), time(2, 30), id="berlin-spring"),
        pytest.param("Europe/Berlin", date(2027, 10, 31), time(2, 30), id="berlin-autumn"),
        pytest.param("America/Los_Angeles", date(2027, 3, 14), time(2, 15), id="la-spring"),
        pytest.param("America/Los_Angeles", date(2027, 11, 7), time(1, 30), id="la-autumn"),
    ],
)
async def test_transition_day_posts_once(
    database: Database, pool: ScenarioPool, zone: str, day: date, at: time
) -> None:
    clock = FixedClock(datetime.combine(day - timedelta(days=1), time(12), tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", zone, at, EVERY_DAY)

    # Tick every ten minutes across the whole transition day and the next.
    while clock.now() < datetime.combine(day + timedelta(days=1), time(23), tzinfo=UTC):
        await tick(process)
        clock.advance(timedelta(minutes=10))

    dates = [row[0] for row in rounds_by_team(database)[team.id]]
    assert Counter(dates)[day] == 1
    assert len(port.of("post")) == len(dates)
    assert len(set(dates)) == len(dates)


async def test_catch_up_posts_once_and_skips_missed_days(
    database: Database, pool: ScenarioPool
) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 6, 0, tzinfo=UTC))  # a Monday
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "UTC", time(9, 0))
    clock.set(datetime(2027, 5, 3, 9, 5, tzinfo=UTC))
    await tick(process)

    # The process is down from Monday until Thursday afternoon.
    clock.set(datetime(2027, 5, 6, 15, 0, tzinfo=UTC))
    restarted = start_process(database, pool, clock, port)
    await tick(restarted)
    await tick(restarted)

    dates = [row[0] for row in rounds_by_team(database)[team.id]]
    assert dates == [date(2027, 5, 3), date(2027, 5, 6)]
    assert len(port.of("reply")) == 1
    assert [event.card.kind for event in port.events] == [
        CardKind.QUESTION,
        CardKind.CLOSED_QUESTION,
        CardKind.REVEAL,
        CardKind.QUESTION,
    ]


async def test_off_days_weekends_and_pause(database: Database, pool: ScenarioPool) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 0, 0, tzinfo=UTC))  # Monday
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "UTC", time(9, 0))
    process.engine.add_off_days(team.id, date(2027, 5, 5), date(2027, 5, 5))

    for _ in range(14 * 24 // 3):
        if clock.now() == datetime(2027, 5, 11, 0, 0, tzinfo=UTC):
            process.engine.set_paused(team.id, True, "test")
        if clock.now() == datetime(2027, 5, 13, 0, 0, tzinfo=UTC):
            process.engine.set_paused(team.id, False)
        await tick(process)
        clock.advance(timedelta(hours=3))

    dates = [row[0] for row in rounds_by_team(database)[team.id]]
    assert date(2027, 5, 5) not in dates
    assert all(day.weekday() < 5 for day in dates)
    assert date(2027, 5, 11) not in dates
    assert date(2027, 5, 12) not in dates
    assert dates == [
        date(2027, 5, 3),
        date(2027, 5, 4),
        date(2027, 5, 6),
        date(2027, 5, 7),
        date(2027, 5, 10),
        date(2027, 5, 13),
        date(2027, 5, 14),
    ]


async def test_first_round_waits_for_next_post_time(
    database: Database, pool: ScenarioPool
) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 15, 0, tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "UTC", time(9, 0), EVERY_DAY)

    await tick(process)
    clock.set(datetime(2027, 5, 4, 8, 59, tzinfo=UTC))
    await tick(process)
    assert team.id not in rounds_by_team(database)

    clock.set(datetime(2027, 5, 4, 9, 0, tzinfo=UTC))
    await tick(process)
    assert [row[0] for row in rounds_by_team(database)[team.id]] == [date(2027, 5, 4)]


async def test_schedule_change_applies_without_second_post(
    database: Database, pool: ScenarioPool
) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "UTC", time(9, 0), EVERY_DAY)
    clock.set(datetime(2027, 5, 3, 9, 1, tzinfo=UTC))
    await tick(process)

    # Moved to a later time and another zone after today's post: nothing more today.
    subscribe(process.engine, "C1", "America/New_York", time(14, 0), EVERY_DAY)
    for _ in range(8):
        clock.advance(timedelta(hours=1))
        await tick(process)
    assert len(rounds_by_team(database)[team.id]) == 1

    # The next day posts at the new time in the new zone (18:00 UTC in summer).
    clock.set(datetime(2027, 5, 4, 17, 59, tzinfo=UTC))
    await tick(process)
    assert len(rounds_by_team(database)[team.id]) == 1
    clock.set(datetime(2027, 5, 4, 18, 0, tzinfo=UTC))
    await tick(process)
    assert len(rounds_by_team(database)[team.id]) == 2


async def test_failing_team_does_not_stop_others(database: Database, pool: ScenarioPool) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    broken = subscribe(process.engine, "GONE", "UTC", time(9, 0))
    flaky = subscribe(process.engine, "FLAKY", "UTC", time(9, 0))
    healthy = subscribe(process.engine, "OK", "UTC", time(9, 0))
    clock.set(datetime(2027, 5, 3, 9, 30, tzinfo=UTC))
    failures = {"FLAKY": 2}

    def fault(kind: str, team: TeamInfo, card: Card) -> None:
        if team.channel_id == "GONE":
            raise ChannelUnavailableError(team.channel_id, "channel_not_found")
        if team.channel_id == "FLAKY" and failures["FLAKY"] > 0:
            failures["FLAKY"] -= 1
            raise RuntimeError("platform error 500")

    port.fault = fault
    for _ in range(6):
        await tick(process)
        clock.advance(timedelta(minutes=1))

    assert process.engine.get_team(broken.id).paused
    assert len(port.of("post", healthy.id)) == 1
    assert len(port.of("post", flaky.id)) == 1
    assert port.of("post", broken.id) == []
    flaky_round = process.engine.latest_round(flaky.id)
    assert flaky_round is not None and flaky_round.posted


async def test_retry_is_bounded(database: Database, pool: ScenarioPool) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "UTC", time(9, 0))
    clock.set(datetime(2027, 5, 3, 9, 30, tzinfo=UTC))
    attempts = Counter[str]()

    def fault(kind: str, team: TeamInfo, card: Card) -> None:
        attempts[kind] += 1
        raise RuntimeError("platform down")

    port.fault = fault
    for _ in range(40):
        await tick(process)
        clock.advance(timedelta(minutes=1))

    assert attempts["post"] == 5
    latest = process.engine.latest_round(team.id)
    assert latest is not None and not latest.posted


SIXTY_DAY_ZONES = [
    ("Europe/Berlin", time(9, 30), WEEKDAYS),
    ("America/Los_Angeles", time(8, 0), WEEKDAYS),
    ("Asia/Kolkata", time(10, 0), EVERY_DAY),
    ("Asia/Kathmandu", time(9, 15), WEEKDAYS),
    ("Australia/Adelaide", time(2, 30), WEEKDAYS),
    ("Pacific/Chatham", time(23, 45), EVERY_DAY),
    ("America/St_Johns", time(7, 0), 0b1010101),
    ("UTC", time(0, 0), EVERY_DAY),
    ("Asia/Tokyo", time(18, 0), WEEKDAYS),
    ("America/Sao_Paulo", time(12, 0), 0b1100000),
]


def tick_times(teams: list[TeamInfo], start: datetime, days: int) -> list[datetime]:
    """Return one minute after each team's post moment, plus every sixth hour, in order."""
    moments = {start + timedelta(hours=hour) for hour in range(0, days * 24, 6)}
    for team in teams:
        now = start
        while True:
            moment = next_post(now=now, zone=team.zone, at=team.post_time, weekdays=team.weekdays)
            if moment is None or moment >= start + timedelta(days=days):
                break
            moments.add(moment + timedelta(minutes=1))
            now = moment + timedelta(minutes=1)
    return sorted(moments)


def expected_dates(team: TeamInfo, start: datetime, end: datetime) -> list[date]:
    days = []
    now = start
    while (
        moment := next_post(now=now, zone=team.zone, at=team.post_time, weekdays=team.weekdays)
    ) and moment < end:
        days.append(moment.astimezone(team.zone).date())
        now = moment + timedelta(minutes=1)
    return days


CRASH_POINTS = [
    ("post", 0),
    ("update", 0),
    ("reply", 0),
    ("post", 1),
]


async def test_sixty_days_twenty_teams_with_restarts(tmp_path: object, pool: ScenarioPool) -> None:
    start = datetime(2027, 2, 20, 0, 0, tzinfo=UTC)
    days = 60
    end = start + timedelta(days=days)

    async def simulate(
        url: str, crash_every: int | None
    ) -> tuple[dict[int, list[tuple[date, str, bool, bool, bool]]], RecordingPort, list[TeamInfo]]:
        database = Database.open(url)
        clock = FixedClock(start)
        port = RecordingPort()
        process = start_process(database, pool, clock, port)
        teams = [
            subscribe(
                process.engine, f"C{number:02}", *SIXTY_DAY_ZONES[number % len(SIXTY_DAY_ZONES)]
            )
            for number in range(20)
        ]
        calls = Counter[str]()

        def fault(kind: str, team: TeamInfo, card: Card) -> None:
            calls[kind] += 1
            if crash_every and calls[kind] % crash_every == 0:
                raise SimulatedCrash(kind)

        port.fault = fault
        crashes = 0
        for moment in tick_times(teams, start, days):
            clock.set(max(moment, clock.now()))
            while True:
                try:
                    await tick(process)
                    break
                except SimulatedCrash:
                    crashes += 1
                    # The process died; a new one starts a few minutes later and catches up.
                    clock.advance(timedelta(minutes=3))
                    process = start_process(database, pool, clock, port)
        # Leases of posts that died mid-call expire; let the last process settle.
        clock.advance(timedelta(minutes=5))
        port.fault = None
        await tick(process)
        if crash_every:
            assert crashes > 10
        result = rounds_by_team(database)
        database.close()
        return result, port, teams

    steady, steady_port, teams = await simulate(f"sqlite:///{tmp_path}/steady.sqlite3", None)
    crashed, _, _ = await simulate(f"sqlite:///{tmp_path}/crashed.sqlite3", 7)

    for team in teams:
        dates = [row[0] for row in steady[team.id]]
        assert dates == expected_dates(team, start, end), team.timezone
        assert all(row[2] for row in steady[team.id])
        assert all(row[3] and row[4] for row in steady[team.id][:-1])
        assert len(steady_port.of("post", team.id)) == len(dates)
        assert len(steady_port.of("reply", team.id)) == len(dates) - 1
    differences = {
        team_id: [
            (expected, got)
            for expected, got in itertools.zip_longest(steady[team_id], crashed.get(team_id, []))
            if expected != got
        ]
        for team_id in steady
        if crashed.get(team_id) != steady[team_id]
    }
    assert differences == {}


async def test_leap_day_gets_its_round(database: Database, pool: ScenarioPool) -> None:
    clock = FixedClock(datetime(2028, 2, 27, 12, 0, tzinfo=UTC))
    port = RecordingPort()
    process = start_process(database, pool, clock, port)
    team = subscribe(process.engine, "C1", "Asia/Kolkata", time(9, 0), EVERY_DAY)

    while clock.now() < datetime(2028, 3, 2, 12, 0, tzinfo=UTC):
        await tick(process)
        clock.advance(timedelta(minutes=30))

    dates = [row[0] for row in rounds_by_team(database)[team.id]]
    assert dates == [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1), date(2028, 3, 2)]


class StallingPort(RecordingPort):
    """A port whose posts to one channel wait until released, as under a long rate limit."""

    def __init__(self, stalled_channel: str) -> None:
        super().__init__()
        self.stalled_channel = stalled_channel
        self.release = asyncio.Event()

    async def post(self, team: TeamInfo, card: Card) -> str:
        if team.channel_id == self.stalled_channel:
            await self.release.wait()
        return await super().post(team, card)


async def test_stalled_channel_does_not_hold_up_others(
    database: Database, pool: ScenarioPool
) -> None:
    clock = FixedClock(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
    port = StallingPort("SLOW")
    process = start_process(database, pool, clock, port)
    slow = subscribe(process.engine, "SLOW", "UTC", time(9, 0))
    fast = subscribe(process.engine, "FAST", "UTC", time(9, 0))
    clock.set(datetime(2027, 5, 3, 9, 1, tzinfo=UTC))

    ticking = asyncio.create_task(process.daily.tick(), name="tick under test")
    for _ in range(200):
        if port.of("post", fast.id):
            break
        await asyncio.sleep(0.01)
    fast_posted_while_slow_waits = bool(port.of("post", fast.id)) and not ticking.done()
    port.release.set()
    await asyncio.wait_for(ticking, timeout=30)

    assert fast_posted_while_slow_waits
    assert len(port.of("post", slow.id)) == 1
