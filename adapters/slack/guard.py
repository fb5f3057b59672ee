"""The Slack adapter's one error handler: a private reply for mistakes, a log for faults."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from adapters.slack.render import render_text
from adapters.slack.replies import PrivateReplies
from bot import texts
from bot.errors import RightsizeError

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """The ids of one request from Slack, for replies, deduplication and logs."""

    kind: str
    team_id: str
    channel_id: str
    user_id: str
    user_name: str
    response_url: str | None

    @classmethod
    def from_action(cls, body: dict[str, Any]) -> Delivery:
        """Read the ids of a block_actions payload."""
        user = body.get("user") or {}
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        team = body.get("team") or {}
        user_id = str(user.get("id", ""))
        return cls(
            kind="click",
            team_id=str(team.get("id") or user.get("team_id") or ""),
            channel_id=str(channel.get("id") or container.get("channel_id") or ""),
            user_id=user_id,
            user_name=str(user.get("name") or user.get("username") or user_id),
            response_url=body.get("response_url"),
        )

    @classmethod
    def from_command(cls, body: dict[str, Any]) -> Delivery:
        """Read the ids of a slash command payload."""
        user_id = str(body.get("user_id", ""))
        return cls(
            kind="command",
            team_id=str(body.get("team_id", "")),
            channel_id=str(body.get("channel_id", "")),
            user_id=user_id,
            user_name=str(body.get("user_name") or user_id),
            response_url=body.get("response_url"),
        )


class Guard:
    """Run listener work so that every request is acknowledged and every failure gets a reply.

    A RightsizeError is the user's mistake: its message goes back privately. Any
    other exception is logged with its traceback and the request's ids, and the
    user gets a short apology. The guard also tracks the work in flight, so the
    runner can let it finish before closing the HTTP session.
    """

    def __init__(self, replies: PrivateReplies) -> None:
        self.replies = replies
        self._running: set[asyncio.Task[Any]] = set()

    async def run(
        self, delivery: Delivery, ack: AsyncAck, work: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `work`, acknowledging and replying privately if it raises."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await work()
        except RightsizeError as exc:
            _log.debug(
                "Slack %s rejected (team %s, channel %s, user %s): %s",
                delivery.kind,
                delivery.team_id,
                delivery.channel_id,
                delivery.user_id,
                exc.message,
            )
            await self._answer(delivery, ack, exc.message)
        except Exception:
            _log.exception(
                "Slack %s failed (team %s, channel %s, user %s)",
                delivery.kind,
                delivery.team_id,
                delivery.channel_id,
                delivery.user_id,
            )
            await self._answer(delivery, ack, texts.UNKNOWN_ERROR)
        finally:
            if task is not None:
                self._running.discard(task)

    async def wait_idle(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the work in flight, then cancel what is left."""
        running = [task for task in self._running if task is not asyncio.current_task()]
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            _log.warning("cancelled %s Slack requests still running at shutdown", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)

    async def _answer(self, delivery: Delivery, ack: AsyncAck, message: str) -> None:
        try:
            if ack.response is None:
                await ack()
            await self.replies.send(delivery.response_url, render_text(message))
        except Exception:
            _log.exception(
                "the private error reply to Slack user %s in channel %s failed",
                delivery.user_id,
                delivery.channel_id,
            )


async def log_framework_error(error: Exception, body: dict[str, Any]) -> None:
    """Log an error that slack_bolt caught outside the guarded listeners, with the ids."""
    delivery = Delivery.from_command(body) if "command" in body else Delivery.from_action(body)
    _log.error(
        "Slack request failed in slack_bolt (team %s, channel %s, user %s)",
        delivery.team_id,
        delivery.channel_id,
        delivery.user_id,
        exc_info=error,
    )
