"""Keep the vote count of question messages current, editing each at most once per interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.discord.port import DiscordPort
from bot.cards import CardKind
from bot.engine import Engine

_log = logging.getLogger(__name__)

# Seconds that stop() lets a running edit finish before it cancels the task.
STOP_GRACE = 5.0
# Edit one question message: (message handle, round id) -> None.
Refresh = Callable[[str, int], Awaitable[None]]


@dataclass
class _Pending:
    round_id: int
    task: asyncio.Task[None] | None = None
    # True when a vote arrived that the last edit does not show.
    stale: bool = True
    # True while an edit runs; its database read in a worker thread cannot be cancelled.
    refreshing: bool = False


class LiveCount:
    """Throttle the count edits of each question message.

    The first vote on a message edits it at once. Votes that arrive in the next
    `interval` seconds are shown together by one edit after the interval, so a
    burst of clicks costs one edit per interval and the last edit shows the
    final count. Each message has one named task, which `stop()` cancels.
    """

    def __init__(self, refresh: Refresh, *, interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"the live count interval must be positive, got {interval}")
        self._refresh = refresh
        self.interval = interval
        self._pending: dict[str, _Pending] = {}
        self._stopped = False

    def note_vote(self, message_ref: str, round_id: int) -> None:
        """Mark a message's count as out of date; an edit follows within one interval."""
        if self._stopped:
            return
        pending = self._pending.get(message_ref)
        if pending is not None:
            pending.stale = True
            return
        pending = _Pending(round_id=round_id)
        self._pending[message_ref] = pending
        pending.task = asyncio.create_task(
            self._drive(message_ref, pending), name=f"discord-live-count {message_ref}"
        )

    def tasks(self) -> list[asyncio.Task[None]]:
        """List the edit tasks that are still running."""
        return [
            pending.task
            for pending in self._pending.values()
            if pending.task is not None and not pending.task.done()
        ]

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Cancel the waiting edits, let running ones finish within `grace` seconds, then end.

        A running edit is not cancelled, because its worker thread would go on
        using a database connection after the application closed the pool.
        """
        self._stopped = True
        running = self.tasks()
        for pending in self._pending.values():
            if pending.task is not None and not pending.refreshing:
                pending.task.cancel()
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                _log.warning(
                    "cancelling the live count task %s after %s s", task.get_name(), grace
                )
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self._pending.clear()

    async def _drive(self, message_ref: str, pending: _Pending) -> None:
        try:
            while pending.stale and not self._stopped:
                pending.stale = False
                pending.refreshing = True
                try:
                    await self._refresh(message_ref, pending.round_id)
                except Exception:
                    _log.exception(
                        "refreshing the vote count of message %s (round %s) failed",
                        message_ref,
                        pending.round_id,
                    )
                finally:
                    pending.refreshing = False
                if self._stopped:
                    break
                # The task lives one more interval, so votes in it wait for the next edit.
                await asyncio.sleep(self.interval)
        finally:
            if self._pending.get(message_ref) is pending:
                del self._pending[message_ref]


async def refresh_question(
    port: DiscordPort, engine: Engine, message_ref: str, round_id: int
) -> None:
    """Edit a question message to show its current vote count, unless the round is revealed."""
    async with port.lock(message_ref):
        card = await asyncio.to_thread(engine.question_card, round_id)
        if card.kind is not CardKind.QUESTION:
            # The reveal's edit owns the message now.
            return
        await port.edit(message_ref, card)
