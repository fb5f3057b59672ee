"""The interface every chat adapter implements: Slack, Discord and the terminal."""

from __future__ import annotations

import asyncio
import weakref
from typing import Protocol, runtime_checkable

from bot.cards import Card
from bot.engine import TeamInfo


class ChannelUnavailableError(Exception):
    """The platform will not take messages for a channel (archived, deleted, no access).

    Adapters raise it from any port method; the cycle then pauses that team and
    goes on with the others.
    """

    def __init__(self, channel_id: str, reason: str) -> None:
        super().__init__(f"channel {channel_id} is unavailable: {reason}")
        self.channel_id = channel_id
        self.reason = reason


class MessageLocks:
    """One asyncio lock per message handle, so edits of one message never interleave.

    The locks are held weakly, so a message nobody edits any more costs no memory.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, message_ref: str) -> asyncio.Lock:
        """Return the lock that serialises the edits of one message."""
        lock = self._locks.get(message_ref)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[message_ref] = lock
        return lock


@runtime_checkable
class ChatPort(Protocol):
    """Posts and edits the cards of one platform's team channels."""

    platform: str

    async def post(self, team: TeamInfo, card: Card) -> str:
        """Post a card to the team's channel and return the message handle."""
        ...

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        """Replace a posted message with a new card (buttons go if it has none)."""
        ...

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        """Post a card as a reply to a posted message and return its handle."""
        ...
