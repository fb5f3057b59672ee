"""The adapter's one error handler, and the count of interactions still being handled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands

from adapters.discord.replies import Reply
from bot import texts as bot_texts
from bot.errors import RightsizeError, UnknownCommandError

_log = logging.getLogger(__name__)

# JSON error codes after which no response to the interaction is possible:
# Unknown Interaction (its token expired) and Interaction Already Acknowledged.
CANNOT_RESPOND = frozenset({10062, 40060})


class Guard:
    """Handle every interaction's failure the same way and know when none is in progress.

    A RightsizeError is a user's mistake, so its message goes back as a private
    reply. Anything else is a fault: the full traceback goes to the log with the
    guild, channel and user ids, and the user gets a short apology. Either reply
    is sent at most once, and never after the final response went out.
    """

    def __init__(self, *, respond_within: float) -> None:
        self.respond_within = respond_within
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def handling(
        self, interaction: discord.Interaction[Any], action: str, *, replaces_message: bool = False
    ) -> AsyncIterator[Reply]:
        """Yield the reply of an interaction and report any error raised inside the block."""
        reply = Reply(
            interaction, respond_within=self.respond_within, replaces_message=replaces_message
        )
        self._active += 1
        self._idle.clear()
        try:
            yield reply
        except Exception as exc:
            await self.report(interaction, exc, action, reply=reply)
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Report a slash command error that discord.py's command tree caught."""
        original: BaseException = (
            error.original if isinstance(error, app_commands.CommandInvokeError) else error
        )
        if isinstance(error, app_commands.CommandNotFound):
            # A command another version registered, still in the member's client.
            original = UnknownCommandError(" ".join([*error.parents, error.name]))
        name = interaction.command.qualified_name if interaction.command else "unknown command"
        await self.report(interaction, original, f"/{name}")

    async def report(
        self,
        interaction: discord.Interaction[Any],
        error: BaseException,
        action: str,
        *,
        reply: Reply | None = None,
    ) -> None:
        """Log an error and send the user one private reply: its message or an apology."""
        if isinstance(error, discord.HTTPException) and error.code in CANNOT_RESPOND:
            # The interaction was answered already (a second delivery) or has expired,
            # so no reply can be sent.
            _log.warning(
                "%s: interaction %s can no longer be answered (code %s)",
                action,
                interaction.id,
                error.code,
            )
            return
        if isinstance(error, RightsizeError):
            _log.debug("%s by user %s rejected: %s", action, interaction.user.id, error.message)
            text = error.message
        else:
            _log.error(
                "%s failed: guild %s, channel %s, user %s, interaction %s",
                action,
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                interaction.id,
                exc_info=error,
            )
            text = bot_texts.UNKNOWN_ERROR

        if isinstance(error, discord.HTTPException) and error.code in CANNOT_RESPOND:
            return
        target = reply or Reply(interaction, respond_within=self.respond_within)
        if target.finished:
            return
        try:
            await target.send_text(text)
        except discord.HTTPException as exc:
            _log.warning(
                "the error reply to interaction %s failed: HTTP %s, code %s",
                interaction.id,
                exc.status,
                exc.code,
            )

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no interaction is being handled; False if some still are after `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            _log.warning("%s Discord interactions were still running at stop", self._active)
            return False
        return True
