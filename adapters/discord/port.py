"""The Discord chat port: post, edit and reply to team messages through discord.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord

from adapters.discord import texts
from adapters.discord.client import NO_MENTIONS
from adapters.discord.render import render_card
from adapters.discord.views import build_view
from bot.cards import Card
from bot.engine import TeamInfo
from bot.ports import ChannelUnavailableError, MessageLocks

_log = logging.getLogger(__name__)

PLATFORM = "discord"
# JSON error codes from Discord's API docs that mean the channel takes no
# messages from the bot: Unknown Channel, Missing Access, Missing Permissions.
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
_CHANNEL_PROBLEMS = {
    UNKNOWN_CHANNEL: texts.CHANNEL_NOT_FOUND,
    MISSING_ACCESS: texts.MISSING_ACCESS,
    MISSING_PERMISSIONS: texts.MISSING_PERMISSIONS,
}


def format_ref(channel_id: int | str, message_id: int | str) -> str:
    """Build the handle of a Discord message, "CHANNEL_ID:MESSAGE_ID", as the engine stores it."""
    return f"{channel_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int]:
    """Split a "CHANNEL_ID:MESSAGE_ID" handle; raise ValueError for anything else."""
    channel_text, separator, message_text = ref.partition(":")
    if not (separator and channel_text.isdigit() and message_text.isdigit()):
        raise ValueError(f"invalid Discord message handle {ref!r}: expected CHANNEL_ID:MESSAGE_ID")
    return int(channel_text), int(message_text)


class DiscordPort:
    """Post and edit the cards of Discord team channels.

    Channels are addressed by id through partial messageables, so posting needs
    no channel cache and no members intent. Edits of one message are serialised
    by a lock per message, so a live count refresh and the reveal's edit never
    interleave. Every message goes out with mentions disabled.
    """

    platform = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._locks = MessageLocks()

    async def post(self, team: TeamInfo, card: Card) -> str:
        channel = self._channel(team.channel_id, team.workspace_id)
        message = await _checked(team.channel_id, channel.send(**_send_parts(card)))
        return format_ref(channel.id, message.id)

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        async with self.lock(message_ref):
            await self.edit(message_ref, card)

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        """Post a card as a reply to a message; if that message is gone, post it plainly."""
        channel_id, message_id = parse_ref(message_ref)
        channel = self._channel(str(channel_id), team.workspace_id)
        reference = discord.MessageReference(
            message_id=message_id,
            channel_id=channel_id,
            fail_if_not_exists=False,
        )
        send = channel.send(**_send_parts(card), reference=reference, mention_author=False)
        message = await _checked(str(channel_id), send)
        return format_ref(channel.id, message.id)

    def lock(self, message_ref: str) -> asyncio.Lock:
        """Return the lock that serialises the edits of one message."""
        return self._locks.lock(message_ref)

    async def edit(self, message_ref: str, card: Card) -> None:
        """Replace a message with a card, removing its buttons if the card has none.

        The caller holds the message's lock.
        """
        channel_id, message_id = parse_ref(message_ref)
        message = self._channel(str(channel_id)).get_partial_message(message_id)
        rendered = render_card(card)
        edit = message.edit(
            embed=rendered.embed,
            view=build_view(rendered.buttons),
            allowed_mentions=NO_MENTIONS,
        )
        await _checked(str(channel_id), edit)

    def _channel(self, channel_id: str, guild_id: str | None = None) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(
            int(channel_id), guild_id=int(guild_id) if guild_id else None
        )


def _send_parts(card: Card) -> dict[str, Any]:
    """Return the embed, view and mention arguments of a new message with a card."""
    rendered = render_card(card)
    parts: dict[str, Any] = {"embed": rendered.embed, "allowed_mentions": NO_MENTIONS}
    view = build_view(rendered.buttons)
    if view is not None:
        parts["view"] = view
    return parts


async def _checked(channel_id: str, call: Awaitable[discord.Message]) -> discord.Message:
    """Await a REST call on a channel; raise ChannelUnavailableError if the channel is gone."""
    try:
        return await call
    except (discord.NotFound, discord.Forbidden) as exc:
        reason = _CHANNEL_PROBLEMS.get(exc.code)
        if reason is None:
            raise
        _log.warning(
            "Discord channel %s is unavailable: HTTP %s, code %s", channel_id, exc.status, exc.code
        )
        raise ChannelUnavailableError(channel_id, reason) from exc
