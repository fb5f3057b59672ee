"""Private responses to one interaction: in time, deferred when the work runs long, never twice."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from adapters.discord.client import NO_MENTIONS
from adapters.discord.render import DiscordMessage, render_text
from adapters.discord.views import build_view

_log = logging.getLogger(__name__)

Result = TypeVar("Result")


class Reply:
    """The response to one interaction, which Discord accepts only within 3 seconds.

    `run` does the work and defers the response if the work is not done
    `respond_within` seconds after the interaction arrived. A new private
    message is deferred as an ephemeral "thinking" state, and a replacement of
    the clicked message as a deferred update. `send` and `replace` then use the
    initial response if it is still unused, else a follow-up or an edit of it.
    """

    def __init__(
        self,
        interaction: discord.Interaction[Any],
        *,
        respond_within: float,
        replaces_message: bool = False,
    ) -> None:
        self.interaction = interaction
        self.respond_within = respond_within
        self.replaces_message = replaces_message
        self.received_at = time.monotonic()
        # True once the final response went out; an error after that is only logged.
        self.finished = False

    async def run(self, work: Callable[[], Awaitable[Result]]) -> Result:
        """Await the work, deferring the response if the work outlasts the time left."""

        async def call() -> Result:
            return await work()

        task = asyncio.create_task(call(), name=f"discord-interaction {self.interaction.id}")
        try:
            left = self.received_at + self.respond_within - time.monotonic()
            done, _ = await asyncio.wait({task}, timeout=max(left, 0.0))
            if not done:
                await self.defer()
            return await task
        finally:
            if not task.done():
                task.cancel()

    async def defer(self) -> None:
        """Acknowledge the interaction now, so the response may come later."""
        response = self.interaction.response
        if response.is_done():
            return
        if self.replaces_message:
            await response.defer()
        else:
            await response.defer(ephemeral=True, thinking=True)
        _log.debug("interaction %s deferred", self.interaction.id)

    async def send_text(self, text: str) -> None:
        """Send a plain private message, such as a vote confirmation or an error."""
        await self._send(content=render_text(text))

    async def send(self, message: DiscordMessage) -> None:
        """Send a rendered card as a private message."""
        await self._send(embed=message.embed, view=build_view(message.buttons))

    async def replace(self, message: DiscordMessage) -> None:
        """Replace the clicked message with a rendered card, as the self-quiz does."""
        response = self.interaction.response
        view = build_view(message.buttons)
        if response.is_done():
            await self.interaction.edit_original_response(
                embed=message.embed, view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await response.edit_message(
                embed=message.embed, view=view, allowed_mentions=NO_MENTIONS
            )
        self.finished = True

    async def _send(
        self,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        # discord.py marks an unset argument with MISSING, not None, so only set ones are passed.
        parts: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NO_MENTIONS}
        if content is not None:
            parts["content"] = content
        if embed is not None:
            parts["embed"] = embed
        if view is not None:
            parts["view"] = view
        if self.interaction.response.is_done():
            await self.interaction.followup.send(**parts)
        else:
            await self.interaction.response.send_message(**parts)
        self.finished = True
