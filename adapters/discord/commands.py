"""The `/rightsize` slash command group: each subcommand and option becomes command words."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord import texts

# Run one subcommand, given as the words the engine parses: ("setup", "09:30", ...).
RunCommand = Callable[[discord.Interaction[Any], Sequence[str]], Awaitable[None]]
# Discord shows at most 25 autocomplete choices.
AUTOCOMPLETE_MAX = 25


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """List up to 25 IANA time zones that contain the typed text, ignoring case."""
    typed = current.strip().lower()
    matches = [zone for zone in _zones() if typed in zone.lower()]
    return [app_commands.Choice(name=zone, value=zone) for zone in matches[:AUTOCOMPLETE_MAX]]


class RightsizeGroup(app_commands.Group):
    """The `/rightsize` command and its subcommands, offered in server channels only.

    Admin subcommands are visible to everyone. The engine rejects them for
    members without Manage Server, with a private message naming who may run them.
    """

    def __init__(self, run: RunCommand) -> None:
        super().__init__(
            name="rightsize",
            description=texts.GROUP_DESCRIPTION,
            guild_only=True,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )
        self._run = run

    @app_commands.command(name="quiz", description=texts.QUIZ)
    async def quiz(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["quiz"])

    @app_commands.command(name="leaderboard", description=texts.LEADERBOARD)
    @app_commands.describe(scope=texts.LEADERBOARD_SCOPE)
    async def leaderboard(
        self, interaction: discord.Interaction[Any], scope: Literal["season", "all"] = "season"
    ) -> None:
        await self._run(interaction, ["leaderboard", scope])

    @app_commands.command(name="stats", description=texts.STATS)
    @app_commands.describe(me=texts.STATS_ME)
    async def stats(self, interaction: discord.Interaction[Any], me: bool = False) -> None:
        await self._run(interaction, ["stats", "me"] if me else ["stats"])

    @app_commands.command(name="status", description=texts.STATUS)
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["status"])

    @app_commands.command(name="help", description=texts.HELP)
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["help"])

    @app_commands.command(name="setup", description=texts.SETUP)
    @app_commands.describe(time=texts.SETUP_TIME, tz=texts.SETUP_TZ, days=texts.SETUP_DAYS)
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        time: str,
        tz: str,
        days: str | None = None,
    ) -> None:
        words = ["setup", time, tz]
        if days is not None:
            words.append(days)
        await self._run(interaction, words)

    @setup.autocomplete("tz")
    async def _complete_zone(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(name="pause", description=texts.PAUSE)
    async def pause(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["pause"])

    @app_commands.command(name="resume", description=texts.RESUME)
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["resume"])

    off = app_commands.Group(name="off", description=texts.OFF)

    @off.command(name="add", description=texts.OFF_ADD)
    @app_commands.describe(dates=texts.OFF_DATES)
    async def off_add(self, interaction: discord.Interaction[Any], dates: str) -> None:
        # A leading digit keeps a value such as "list" from being read as a subcommand.
        value = dates.strip()
        words = ["off", value] if value[:1].isdigit() else ["off", "add", value]
        await self._run(interaction, words)

    @off.command(name="list", description=texts.OFF_LIST)
    async def off_list(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["off", "list"])

    @off.command(name="remove", description=texts.OFF_REMOVE)
    @app_commands.describe(dates=texts.OFF_DATES)
    async def off_remove(self, interaction: discord.Interaction[Any], dates: str) -> None:
        await self._run(interaction, ["off", "remove", dates])

    @app_commands.command(name="post-now", description=texts.POST_NOW)
    async def post_now(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["post-now"])

    @app_commands.command(name="reveal-now", description=texts.REVEAL_NOW)
    async def reveal_now(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, ["reveal-now"])


ErrorHandler = Callable[
    [discord.Interaction[Any], app_commands.AppCommandError], Coroutine[Any, Any, None]
]


def build_tree(
    client: discord.Client, run: RunCommand, *, on_error: ErrorHandler | None = None
) -> app_commands.CommandTree[Any]:
    """Build the client's command tree with the `/rightsize` group as a global command."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    tree.add_command(RightsizeGroup(run))
    if on_error is not None:
        tree.error(on_error)
    return tree
