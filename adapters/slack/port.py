"""The Slack chat port: post, edit and reply to team messages through the Web API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import texts
from adapters.slack.render import render_card
from bot.cards import Card
from bot.engine import TeamInfo
from bot.ports import ChannelUnavailableError, MessageLocks

_log = logging.getLogger(__name__)

PLATFORM = "slack"
# Web API error codes that mean the channel takes no messages from the bot at all.
CHANNEL_ERRORS = frozenset(
    {"is_archived", "channel_is_archived", "channel_not_found", "not_in_channel"}
)


def format_ref(channel_id: str, ts: str) -> str:
    """Build the handle of a Slack message, "CHANNEL:TS", as the engine stores it."""
    return f"{channel_id}:{ts}"


def parse_ref(ref: str) -> tuple[str, str]:
    """Split a "CHANNEL:TS" handle; raise ValueError for anything else."""
    channel_id, separator, ts = ref.partition(":")
    if not separator or not channel_id or not ts:
        raise ValueError(f"invalid Slack message handle {ref!r}: expected CHANNEL:TS")
    return channel_id, ts


def _post_arguments(card: Card) -> dict[str, Any]:
    # Link and media previews are off, because cards carry no links worth unfolding.
    return {**render_card(card).arguments(), "unfurl_links": False, "unfurl_media": False}


class SlackPort:
    """Post and edit the cards of Slack team channels with chat.postMessage and chat.update.

    Edits of one message are serialised by a lock per message, so a live count
    refresh and the reveal's edit never interleave.
    """

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._locks = MessageLocks()

    async def post(self, team: TeamInfo, card: Card) -> str:
        response = await self._send(
            team.channel_id,
            lambda: self.client.chat_postMessage(channel=team.channel_id, **_post_arguments(card)),
        )
        return format_ref(str(response["channel"]), str(response["ts"]))

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        async with self.lock(message_ref):
            await self.edit(message_ref, card)

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        channel_id, ts = parse_ref(message_ref)
        response = await self._send(
            channel_id,
            lambda: self.client.chat_postMessage(
                channel=channel_id, thread_ts=ts, **_post_arguments(card)
            ),
        )
        return format_ref(str(response["channel"]), str(response["ts"]))

    def lock(self, message_ref: str) -> asyncio.Lock:
        """Return the lock that serialises the edits of one message."""
        return self._locks.lock(message_ref)

    async def edit(self, message_ref: str, card: Card) -> None:
        """Replace a message with a card; the caller holds the message's lock."""
        channel_id, ts = parse_ref(message_ref)
        await self._send(
            channel_id,
            lambda: self.client.chat_update(
                channel=channel_id, ts=ts, **render_card(card).arguments()
            ),
        )

    @staticmethod
    async def _send(
        channel_id: str, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        try:
            return await call()
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in CHANNEL_ERRORS:
                _log.warning("Slack channel %s is unavailable: %s", channel_id, error)
                raise ChannelUnavailableError(channel_id, texts.channel_problem(error)) from exc
            raise
