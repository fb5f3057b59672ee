"""Throttle the edits that show the live vote count of each question message."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.slack.port import SlackPort
from bot.engine import Engine
from bot.ports import ChannelUnavailableError

_log = logging.getLogger(__name__)

# Refresh one message: (message handle, round id) -> None.
Refresh = Callable[[str, int], Awaitable[None]]


@dataclass
class _Message:
    round_id: int
    # True when a vote arrived after the last refresh began.
    stale: bool = True
    # time.monotonic() when the last refresh began, or None before the first.
    refreshed_at: float | None = None
    task: asyncio.Task[None] | None = None


class LiveCount:
    """Throttle the count refreshes of each question message.

    However fast votes arrive, one message gets a refresh at once and then at
    most one per `interval` seconds from this process. A vote noted during a
    refresh is shown by the next one, so the last refresh shows the final count.
    Each message's refreshes run in one named task, which `stop()` cancels.
    """

    def __init__(self, refresh: Refresh, *, interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"the live count interval must be positive, got {interval}")
        self._refresh = refresh
        self.interval = interval
        self._messages: dict[str, _Message] = {}
        self._stopped = False

    def note_vote(self, message_ref: str, round_id: int) -> None:
        """Mark a message's count as out of date and make sure a refresh is coming."""
        if self._stopped:
            return
        self._forget_idle()
        message = self._messages.get(message_ref)
        if message is None:
            message = _Message(round_id=round_id)
            self._messages[message_ref] = message
        message.stale = True
        if message.task is None or message.task.done():
            message.task = asyncio.create_task(
                self._run(message_ref, message), name=f"slack-live-count {message_ref}"
            )

    def tasks(self) -> list[asyncio.Task[None]]:
        """List the refresh tasks that are still running."""
        return [
            message.task
            for message in self._messages.values()
            if message.task is not None and not message.task.done()
        ]

    async def stop(self) -> None:
        """Cancel every pending refresh and wait for the tasks to end."""
        self._stopped = True
        running = self.tasks()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._messages.clear()

    async def _run(self, message_ref: str, message: _Message) -> None:
        while message.stale:
            if message.refreshed_at is not None:
                wait = message.refreshed_at + self.interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            message.stale = False
            message.refreshed_at = time.monotonic()
            try:
                await self._refresh(message_ref, message.round_id)
            except ChannelUnavailableError as exc:
                # The next post to the channel pauses the team; a count edit only gives up.
                _log.warning(
                    "the vote count of message %s was not refreshed: %s", message_ref, exc.reason
                )
            except Exception:
                _log.exception(
                    "refreshing the vote count of message %s (round %s) failed",
                    message_ref,
                    message.round_id,
                )

    def _forget_idle(self) -> None:
        """Drop messages whose last refresh is older than the interval and which wait for none."""
        now = time.monotonic()
        idle = [
            ref
            for ref, message in self._messages.items()
            if (message.task is None or message.task.done())
            and (message.refreshed_at is None or now - message.refreshed_at >= self.interval)
        ]
        for ref in idle:
            del self._messages[ref]


async def refresh_question(
    port: SlackPort, engine: Engine, message_ref: str, round_id: int
) -> None:
    """Edit a question message to show its current vote count, unless it is closed."""
    async with port.lock(message_ref):
        card = await asyncio.to_thread(engine.question_card, round_id)
        if not card.buttons:
            # The round is revealed, so the reveal's edit owns the message now.
            return
        await port.edit(message_ref, card)
