"""The daily cycle of every team, driven by APScheduler on the process's event loop."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.cycle import Cycle
from bot.engine import Engine, RoundInfo, TeamInfo, TeamState
from bot.ports import ChannelUnavailableError
from bot.schedule import post_moment

_log = logging.getLogger(__name__)

# How often every team is checked; a post goes out at most this long after its time.
TICK_SECONDS = 20
JOB_ID = "rightsize-daily-cycle"
# Teams handled at once in one tick. Each uses a database connection while it works.
TEAMS_AT_ONCE = 8


def due_date(team: TeamInfo, now: datetime, off_days: frozenset[date]) -> date | None:
    """Return the team's local date if its post is due now, else None.

    A post is due on an active, not-off local date once the post moment of that
    date has passed. Only today counts, so days missed entirely are skipped. A
    team's first round waits for the first post moment after it subscribed.
    """
    today = team.local_date(now)
    if not team.is_active_day(today) or today in off_days:
        return None
    moment = post_moment(today, team.post_time, team.zone)
    if now < moment or moment < team.created_at:
        return None
    return today


class DailyCycle:
    """Check every team and run its day when due; one team's failure stops no other."""

    def __init__(self, engine: Engine, cycle: Cycle) -> None:
        self.engine = engine
        self.cycle = cycle

    async def tick(self) -> list[RoundInfo]:
        """Run one pass over all teams of running platforms; return the rounds posted.

        Teams run concurrently, at most TEAMS_AT_ONCE at a time, so one channel
        that waits out a rate limit does not hold up the posts of the others.
        """
        states = await asyncio.to_thread(self.engine.team_states)
        gate = asyncio.Semaphore(TEAMS_AT_ONCE)

        async def run_one(state: TeamState) -> RoundInfo | None:
            async with gate:
                try:
                    return await self.run_team(state)
                except ChannelUnavailableError as exc:
                    _log.warning("team %s paused: %s", state.team.id, exc.reason)
                except Exception:
                    _log.exception("daily cycle failed for team %s", state.team.id)
                return None

        tasks = [
            asyncio.create_task(run_one(state), name=f"daily cycle of team {state.team.id}")
            for state in states
            if state.team.platform in self.cycle.ports
        ]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            # The tick itself is ending (cancelled, or the process is going down), so no
            # team's work may outlive it.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [result for result in results if result is not None]

    async def run_team(self, state: TeamState) -> RoundInfo | None:
        """Retry failed posts and reveals, then post today's round if due and unclaimed."""
        team = state.team
        # Reveals first, so a retried question never goes out before the previous answer.
        if state.has_stale_open and state.latest_date is not None:
            stale = await asyncio.to_thread(
                self.engine.open_rounds_before, team.id, state.latest_date
            )
            for previous in stale:
                _log.info("revealing round %s of team %s, left open", previous.id, team.id)
                await self.cycle.reveal_round(team, previous)
        if state.has_unpublished:
            await self.cycle.retry_unpublished(team)
        if state.has_unposted:
            await self.cycle.retry_unposted(team)
        day = due_date(team, self.engine.clock.now(), state.off_days)
        if day is None or (state.latest_date is not None and state.latest_date >= day):
            return None
        return await self.cycle.run_day(team, day)


class Scheduler:
    """Run DailyCycle.tick on an interval with APScheduler, starting at once to catch up."""

    def __init__(self, daily: DailyCycle, *, interval_seconds: float = TICK_SECONDS) -> None:
        self.daily = daily
        self.interval = interval_seconds
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def start(self) -> None:
        """Start ticking on the running event loop; the first tick runs immediately."""
        self._scheduler.add_job(
            self.daily.tick,
            IntervalTrigger(seconds=self.interval),
            id=JOB_ID,
            name="daily cycle of every team",
            next_run_time=datetime.now(UTC) + timedelta(milliseconds=10),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )
        self._scheduler.start()
        _log.info("scheduler started: every team checked every %s seconds", self.interval)

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            _log.info("scheduler stopped")
