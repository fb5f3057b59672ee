"""The `/rightsize` subcommands, parsed and run the same way for every adapter."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import compose, texts
from bot.cards import Card
from bot.cycle import Cycle
from bot.engine import Engine, TeamInfo
from bot.errors import (
    InvalidSettingError,
    NotAdminError,
    PostFailedError,
    RevealFailedError,
    RoundAlreadyPostedError,
    ScenarioOpenError,
    UnexpectedArgumentsError,
    UnknownCommandError,
)
from bot.ports import ChannelUnavailableError
from bot.practice import Practice
from bot.schedule import (
    format_weekdays,
    next_post,
    parse_date_range,
    parse_time,
    parse_timezone,
    parse_weekdays,
)

NO_ARGUMENT_COMMANDS = frozenset({"quiz", "status", "pause", "resume", "post-now", "reveal-now"})
ADMIN_COMMANDS = frozenset({"setup", "pause", "resume", "off", "post-now", "reveal-now"})
HELP_TEXT = """\
quiz: a private self-quiz scenario (never today's open one)
leaderboard [season|all]: points, accuracy and streaks (default: season)
stats [me]: the team's bias stats, or your own with `me`
status: the next post in local time, season progress, paused or not
help: this list
Admins only:
setup TIME TZ [DAYS]: subscribe this channel, e.g. `setup 09:30 Europe/Berlin mon-fri`
pause / resume: stop or restart the daily post
off DATE[..DATE]: no round on those dates, e.g. `off 2027-12-24..2027-12-31`
off list / off remove DATE[..DATE]: show or remove off days
post-now: post today's round now
reveal-now: reveal the open round now"""


@dataclass(frozen=True)
class Invocation:
    """One `/rightsize` command as an adapter received it."""

    platform: str
    workspace_id: str
    channel_id: str
    user_id: str
    user_name: str
    text: str
    is_admin: bool
    channel_name: str = ""
    # Who may run admin commands on this platform, for the rejection message.
    admins_are: str = "admins"

    @property
    def person(self) -> str:
        """Return the platform-qualified key of the person, for the self-quiz."""
        return f"{self.platform}:{self.workspace_id}:{self.user_id}"


@dataclass(frozen=True)
class Outcome:
    """The private cards a command produced for its caller."""

    cards: list[Card] = field(default_factory=list)


class Commands:
    """Run subcommands against the engine, the self-quiz and the cycle."""

    def __init__(self, *, engine: Engine, practice: Practice, cycle: Cycle) -> None:
        self.engine = engine
        self.practice = practice
        self.cycle = cycle

    async def run(self, invocation: Invocation) -> Outcome:
        """Parse and run one command; raise a RightsizeError for a user mistake."""
        try:
            words = shlex.split(invocation.text)
        except ValueError:
            words = invocation.text.split()
        name = words[0].lower() if words else "help"
        args = words[1:]
        if name in ADMIN_COMMANDS and not invocation.is_admin:
            raise NotAdminError(name, invocation.admins_are)
        handler = self._handlers().get(name)
        if handler is None:
            raise UnknownCommandError(name)
        if name in NO_ARGUMENT_COMMANDS and args:
            raise UnexpectedArgumentsError(name, " ".join(args))
        return Outcome(cards=await handler(invocation, args))

    def names(self) -> frozenset[str]:
        """Return every subcommand name."""
        return frozenset(self._handlers())

    def _handlers(self) -> dict[str, Callable[[Invocation, list[str]], Awaitable[list[Card]]]]:
        return {
            "help": self._help,
            "quiz": self._quiz,
            "leaderboard": self._leaderboard,
            "stats": self._stats,
            "status": self._status,
            "setup": self._setup,
            "pause": self._pause,
            "resume": self._resume,
            "off": self._off,
            "post-now": self._post_now,
            "reveal-now": self._reveal_now,
        }

    async def _team(self, invocation: Invocation) -> TeamInfo:
        return await asyncio.to_thread(
            self.engine.require_team,
            invocation.platform,
            invocation.workspace_id,
            invocation.channel_id,
        )

    async def _help(self, invocation: Invocation, args: list[str]) -> list[Card]:
        return [compose.notice_card("Rightsize commands", HELP_TEXT)]

    async def _quiz(self, invocation: Invocation, args: list[str]) -> list[Card]:
        await asyncio.to_thread(self.practice.start_sitting, invocation.person)
        return [await self.next_quiz_card(invocation)]

    async def answer_quiz(self, invocation: Invocation, scenario_id: str, choice: str) -> Card:
        """Store a self-quiz answer and return its result card with the explanation.

        A scenario that is a team's open round in the caller's workspace is
        rejected, so an old quiz button cannot give away that round's answer.
        """
        hidden = await asyncio.to_thread(
            self.engine.open_scenarios, invocation.platform, invocation.workspace_id
        )
        if scenario_id in hidden:
            raise ScenarioOpenError(scenario_id)
        result = await asyncio.to_thread(
            self.practice.answer, invocation.person, scenario_id, choice
        )
        return result.card

    async def next_quiz_card(self, invocation: Invocation) -> Card:
        """Build the next self-quiz question of the caller's sitting, or its closing card.

        The open rounds of the caller's workspace stay hidden, so the quiz never
        gives away a team's answer. Adapters call this for the Next button.
        """
        hidden = await asyncio.to_thread(
            self.engine.open_scenarios, invocation.platform, invocation.workspace_id
        )
        scenario = await asyncio.to_thread(
            lambda: self.practice.next_in_sitting(invocation.person, hidden=hidden)
        )
        if scenario is not None:
            return compose.practice_question_card(scenario)
        stats = await asyncio.to_thread(self.practice.stats_card, invocation.person)
        return compose.notice_card(
            texts.PRACTICE_DONE_TITLE, f"{texts.PRACTICE_ALL_DONE}\n\n{stats.plain_text()}"
        )

    async def _leaderboard(self, invocation: Invocation, args: list[str]) -> list[Card]:
        scope = args[0].lower() if args else "season"
        if scope not in {"season", "all"} or len(args) > 1:
            raise InvalidSettingError("leaderboard scope", " ".join(args), "season or all")
        team = await self._team(invocation)
        card = await asyncio.to_thread(
            self.engine.leaderboard_card, team.id, season_only=scope == "season"
        )
        return [card]

    async def _stats(self, invocation: Invocation, args: list[str]) -> list[Card]:
        if args and (args[0].lower() != "me" or len(args) > 1):
            raise InvalidSettingError("stats option", " ".join(args), "nothing (team stats) or me")
        team = await self._team(invocation)
        if args:
            card = await asyncio.to_thread(
                self.engine.member_stats_card,
                team.id,
                invocation.user_id,
                invocation.user_name,
            )
        else:
            card = await asyncio.to_thread(self.engine.team_stats_card, team.id)
        return [card]

    async def _status(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        return [await asyncio.to_thread(self.status_card, team)]

    def status_card(self, team: TeamInfo) -> Card:
        """Describe the next post in local time, the season's progress and pausing."""
        latest = self.engine.latest_round(team.id)
        now = self.engine.clock.now()
        moment = next_post(
            now=now,
            zone=team.zone,
            at=team.post_time,
            weekdays=team.weekdays,
            off_days=set(self.engine.off_days(team.id, team.local_date(now))),
            after=latest.local_date if latest else None,
        )
        if team.paused:
            reason = f" ({team.pause_reason})" if team.pause_reason else ""
            when = f"Paused{reason}. An admin can run `resume`."
        elif moment is None:
            when = "No active days are set, so nothing will be posted."
        else:
            local = moment.astimezone(team.zone)
            when = f"Next post: {local:%A %Y-%m-%d %H:%M} {team.timezone}"
        schedule = (
            f"Posts at {team.post_time:%H:%M} {team.timezone}, {format_weekdays(team.weekdays)}"
        )
        if latest is None:
            season = "No round posted yet."
        else:
            total = len(self.engine.pool)
            season = f"Season {latest.season_number}: round {latest.position + 1} of {total}"
        return compose.notice_card("Rightsize status", "\n".join([when, schedule, season]))

    async def _setup(self, invocation: Invocation, args: list[str]) -> list[Card]:
        if len(args) not in (2, 3):
            raise InvalidSettingError(
                "setup",
                " ".join(args),
                "TIME TZ [DAYS], for example `setup 09:30 Europe/Berlin mon-fri`",
            )
        at = parse_time(args[0])
        zone = parse_timezone(args[1])
        days = parse_weekdays(args[2]) if len(args) == 3 else parse_weekdays("mon-fri")
        team = await asyncio.to_thread(
            lambda: self.engine.subscribe(
                platform=invocation.platform,
                workspace_id=invocation.workspace_id,
                channel_id=invocation.channel_id,
                name=invocation.channel_name,
                timezone=zone,
                post_time=at,
                weekdays=days,
            )
        )
        return [await asyncio.to_thread(self.status_card, team)]

    async def _pause(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        await asyncio.to_thread(
            self.engine.set_paused, team.id, True, f"paused by {invocation.user_name}"
        )
        return [compose.notice_card("Paused", texts.PAUSED)]

    async def _resume(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        team = await asyncio.to_thread(self.engine.set_paused, team.id, False)
        status = await asyncio.to_thread(self.status_card, team)
        return [compose.notice_card("Resumed", f"{texts.RESUMED}\n\n{status.text}")]

    async def _off(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        action = args[0].lower() if args else "list"
        if action == "list" and len(args) <= 1:
            days = await asyncio.to_thread(self.engine.off_days, team.id, self.engine.today(team))
            listing = ", ".join(day.isoformat() for day in days) or "none"
            return [compose.notice_card("Off days", f"Upcoming off days: {listing}.")]
        removing = action == "remove"
        spans = args[1:] if removing or action == "add" else args
        if len(spans) != 1:
            raise InvalidSettingError(
                "off days", " ".join(args), "`off DATE[..DATE]`, `off list` or `off remove DATE`"
            )
        first, last = parse_date_range(spans[0])
        if removing:
            count = await asyncio.to_thread(self.engine.remove_off_days, team.id, first, last)
            return [compose.notice_card("Off days", texts.off_days_removed(count))]
        today = self.engine.today(team)
        if first < today:
            raise InvalidSettingError("off days", spans[0], f"dates from today ({today}) on")
        count = await asyncio.to_thread(self.engine.add_off_days, team.id, first, last)
        return [compose.notice_card("Off days", texts.off_days_added(count, first, last))]

    async def _post_now(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        today = self.engine.today(team)
        latest = await asyncio.to_thread(self.engine.latest_round, team.id)
        if latest is not None and latest.local_date >= today:
            if not latest.posted and not latest.revealed:
                raise PostFailedError("an earlier attempt failed")
            raise RoundAlreadyPostedError(latest.local_date, revealed=latest.revealed)
        try:
            posted = await self.cycle.run_day(team, today)
        except ChannelUnavailableError as exc:
            raise PostFailedError(f"{exc.reason}; the team is paused until `resume`") from None
        except Exception as exc:
            # The cycle logged the failure with its traceback and counted the attempt.
            raise PostFailedError(f"the platform call failed ({type(exc).__name__})") from None
        if posted is None:
            raise RoundAlreadyPostedError(today, revealed=False)
        return [compose.notice_card("Posted", "Today's round is in the channel.")]

    async def _reveal_now(self, invocation: Invocation, args: list[str]) -> list[Card]:
        team = await self._team(invocation)
        try:
            revealed = await self.cycle.reveal_open_round(team)
        except ChannelUnavailableError as exc:
            raise RevealFailedError(f"{exc.reason}; the team is paused until `resume`") from None
        except Exception as exc:
            # The cycle logged the failure and counted the attempt; a later check retries.
            raise RevealFailedError(f"the platform call failed ({type(exc).__name__})") from None
        if revealed is not None and revealed.round.message_ref is None:
            return [compose.notice_card("Closed", texts.CLOSED_UNPOSTED)]
        if revealed is None:
            return [
                compose.notice_card("Nothing to reveal", "There is no open round in this channel.")
            ]
        return [compose.notice_card("Revealed", "The answer is posted in the channel.")]
