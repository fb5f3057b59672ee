"""The discord.py client of the bot: guilds intent only, no mentions, start-up work once."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import discord

from adapters.discord import texts
from adapters.discord.custom_ids import BUTTON_TEMPLATES
from adapters.discord.permissions import invite_url

_log = logging.getLogger(__name__)

# Interactions reach a bot whatever its intents; the guilds intent adds the
# server and channel cache. Nothing here needs a privileged intent.
INTENTS = discord.Intents(guilds=True)
NO_MENTIONS = discord.AllowedMentions.none()


class ClickHandler(Protocol):
    """The handlers that Rightsize buttons call on a click."""

    async def on_vote(
        self, interaction: discord.Interaction[Any], round_id: int, choice: str
    ) -> None: ...

    async def on_practice_answer(
        self, interaction: discord.Interaction[Any], scenario_id: str, choice: str
    ) -> None: ...

    async def on_practice_next(self, interaction: discord.Interaction[Any]) -> None: ...


def client_options(
    *, http_trace: aiohttp.TraceConfig | None = None, guild_ready_timeout: float = 2.0
) -> dict[str, Any]:
    """Return the discord.Client options every Rightsize client uses."""
    return {
        "intents": INTENTS,
        "allowed_mentions": NO_MENTIONS,
        # The bot reads no messages, so it keeps none in memory.
        "max_messages": None,
        "chunk_guilds_at_startup": False,
        "http_trace": http_trace,
        "guild_ready_timeout": guild_ready_timeout,
    }


class RightsizeClient(discord.Client):
    """A discord.Client that runs its start-up work once and signals its first on_ready.

    discord.py calls ``setup_hook`` once per login, before the gateway connects,
    and fires on_ready after every new gateway session, so a reconnect that
    identifies again fires it once more. The start-up work runs in the first
    ``setup_hook`` only.
    """

    def __init__(
        self,
        *,
        startup: Callable[[RightsizeClient], Awaitable[None]],
        http_trace: aiohttp.TraceConfig | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            **client_options(http_trace=http_trace, guild_ready_timeout=guild_ready_timeout)
        )
        self._startup = startup
        self.clicks: ClickHandler | None = None
        self.ready = asyncio.Event()
        self.startup_runs = 0
        self.ready_events = 0

    async def setup_hook(self) -> None:
        if self.startup_runs:
            return
        self.startup_runs += 1
        await self._startup(self)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Answer a click on a button that no Rightsize handler matches, such as a stale one.

        discord.py silently drops a component interaction whose custom id fits no
        registered item, which Discord shows as a failed interaction.
        """
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if any(re.fullmatch(template, custom_id) for template in BUTTON_TEMPLATES):
            return
        _log.warning(
            "click on an unknown button %r: guild %s, user %s",
            custom_id[:100],
            interaction.guild_id,
            interaction.user.id,
        )
        if not interaction.response.is_done():
            await interaction.response.send_message(texts.UNKNOWN_BUTTON, ephemeral=True)

    async def on_ready(self) -> None:
        self.ready_events += 1
        if self.ready_events > 1:
            _log.info(
                "Discord gateway session %s is ready again; start-up work is not repeated",
                self.ready_events,
            )
        else:
            _log.info(
                "Discord bot %s is ready in %s servers; invite it with %s",
                self.user,
                len(self.guilds),
                invite_url(self.application_id or 0),
            )
        self.ready.set()
