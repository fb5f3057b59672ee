"""A local team channel in the terminal, driven through the same port as Slack and Discord."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TextIO

from adapters.console.port import ConsolePort
from bot import texts
from bot.app import App
from bot.commands import Invocation
from bot.engine import TeamInfo, next_free_date
from bot.errors import InvalidSettingError, RightsizeError, UnknownCommandError

_log = logging.getLogger(__name__)

WORKSPACE = "local"
HELP = """\
Vote:        NAME CHOICE   (for example: ada hybrid, or: grace 1)
             vote NAME CHOICE, for a member whose name is also a command
Round:       reveal | next (reveal, then post the next round) | show
Scores:      leaderboard [season|all] | stats [NAME]
Team:        status | setup TIME TZ [DAYS] | pause | resume | post-now | reveal-now
Off days:    off DATE[..DATE] | off list | off remove DATE[..DATE]
Other:       quiz | help | quit"""
# The channel's own commands; each takes no arguments.
ROUND_COMMANDS = frozenset({"reveal", "next", "show", "help", "?", "quit", "exit"})

ReadLine = Callable[[str], Awaitable[str | None]]


class ConsoleChannel:
    """One terminal channel: members vote by name, commands run as an admin would."""

    def __init__(self, app: App, *, out: TextIO, channel: str = "terminal") -> None:
        self.app = app
        self.out = out
        self.port = ConsolePort(out)
        self.channel = channel
        app.attach({self.port.platform: self.port})

    async def start(self) -> TeamInfo:
        """Subscribe the channel if needed and post a round if none is open."""
        engine = self.app.engine
        team = await asyncio.to_thread(
            engine.find_team, self.port.platform, WORKSPACE, self.channel
        )
        if team is None:
            team = await asyncio.to_thread(
                lambda: engine.subscribe(
                    platform=self.port.platform,
                    workspace_id=WORKSPACE,
                    channel_id=self.channel,
                    name=self.channel,
                )
            )
        current = await asyncio.to_thread(engine.open_round, team.id)
        if current is None:
            await self._post_next(team)
        else:
            card = await asyncio.to_thread(engine.question_card, current.id)
            self.port.show(card, f"[{team.name}] open round")
        self.say("Type `help` for the commands.")
        return team

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def serve(self, read: ReadLine) -> None:
        """Read lines until end of input or `quit`, running each one."""
        team = await self.start()
        while True:
            line = await read("> ")
            if line is None or line.strip().lower() in {"quit", "exit"}:
                break
            if not line.strip():
                continue
            try:
                team = await self.handle(team, line)
            except RightsizeError as exc:
                self.say(exc.message)
            except Exception:
                _log.exception("console command %r failed in team %s", line.strip()[:80], team.id)
                self.say("Sorry, that command failed; the details are in the log.")

    async def handle(self, team: TeamInfo, line: str) -> TeamInfo:
        """Run one line: a vote, a round command or a `/rightsize` subcommand."""
        words = line.split()
        head = words[0].lower()
        engine = self.app.engine
        if head in ROUND_COMMANDS and len(words) > 1:
            raise InvalidSettingError(
                head,
                line,
                f"`{head}` alone; to vote as a member named {words[0]}, type "
                f"`vote {words[0]} {words[-1]}`",
            )
        if head == "vote":
            if len(words) != 3:
                raise InvalidSettingError("vote", line, "vote NAME CHOICE, for example vote ada 2")
            await self._vote(team, words[1], words[2])
        elif head == "reveal":
            if await self.app.cycle.reveal_open_round(team) is None:
                self.say("There is no open round to reveal.")
        elif head == "next":
            await self._post_next(team)
        elif head == "show":
            current = await asyncio.to_thread(engine.open_round, team.id)
            if current is None:
                self.say("There is no open round; type `next` to post one.")
            else:
                self.port.show(await asyncio.to_thread(engine.question_card, current.id))
        elif head == "stats" and len(words) == 2 and words[1].lower() != "me":
            member = words[1]
            card = await asyncio.to_thread(
                engine.member_stats_card, team.id, member.lower(), member
            )
            self.port.show(card)
        elif head in {"help", "?"}:
            self.say(HELP)
        elif head not in self.app.commands.names():
            # Anything that is not a command is a vote: NAME CHOICE.
            if len(words) != 2:
                raise UnknownCommandError(line)
            await self._vote(team, words[0], words[1])
        else:
            outcome = await self.app.commands.run(self._invocation(line))
            for card in outcome.cards:
                self.port.show(card)
        return await asyncio.to_thread(engine.get_team, team.id)

    async def _vote(self, team: TeamInfo, name: str, choice: str) -> None:
        current = await asyncio.to_thread(self.app.engine.open_round, team.id)
        if current is None:
            self.say("There is no open round; type `next` to post one.")
            return
        receipt = await asyncio.to_thread(
            lambda: self.app.engine.record_vote(
                team_id=team.id,
                round_id=current.id,
                member_id=name.lower(),
                member_name=name,
                choice=choice,
            )
        )
        self.say(f"{name}: {receipt.message} {texts.vote_count(receipt.vote_count)}")

    async def _post_next(self, team: TeamInfo) -> None:
        engine = self.app.engine
        latest = await asyncio.to_thread(engine.latest_round, team.id)
        # The terminal may play several rounds a day; each takes the next free date.
        day = next_free_date(latest.local_date if latest else None, engine.today(team))
        await self.app.cycle.run_day(team, day)

    def _invocation(self, line: str) -> Invocation:
        return Invocation(
            platform=self.port.platform,
            workspace_id=WORKSPACE,
            channel_id=self.channel,
            channel_name=self.channel,
            user_id="console",
            user_name="console",
            text=line,
            is_admin=True,
        )
