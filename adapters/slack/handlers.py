"""Bolt listeners: vote clicks, self-quiz clicks and the `/rightsize` slash command."""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
from collections.abc import Collection
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from adapters.slack import texts
from adapters.slack.admins import is_admin
from adapters.slack.guard import Delivery, Guard, log_framework_error
from adapters.slack.livecount import LiveCount
from adapters.slack.port import PLATFORM, SlackPort, format_ref
from adapters.slack.render import render_card, render_text
from bot.app import App
from bot.commands import ADMIN_COMMANDS, Invocation
from bot.compose import PRACTICE_ACTION, PRACTICE_NEXT_ACTION, VOTE_ACTION, parse_button_value
from bot.engine import VoteReceipt
from bot.errors import RoundNotFoundError
from bot.vocabulary import Choice

_log = logging.getLogger(__name__)

COMMAND = "/rightsize"
_CHOICES = "|".join(re.escape(choice.value) for choice in Choice)
VOTE_PATTERN = re.compile(rf"^{re.escape(VOTE_ACTION)}_({_CHOICES})$")
ANYTHING = re.compile(".*")
PRACTICE_PATTERN = re.compile(rf"^{re.escape(PRACTICE_ACTION)}_({_CHOICES})$")


def click_key(body: dict[str, Any]) -> str:
    """Build the delivery key of a click: a redelivered payload yields the same key.

    Slack stamps each click with an action_ts, unique for one user, and keeps it
    when it redelivers the payload over Socket Mode or retries an HTTP request.
    """
    delivery = Delivery.from_action(body)
    action_ts = str(_action(body).get("action_ts", ""))
    return f"slack:{delivery.team_id}:{delivery.user_id}:{action_ts}"


def unescape_slack(text: str) -> str:
    """Undo Slack's escaping of &, < and > in typed text, so replies escape it once."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def subcommand(text: str) -> str:
    """Return the lowercased first word of a command text, split as Commands.run splits it."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return words[0].lower() if words else ""


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    first: dict[str, Any] = actions[0]
    return first


class SlackHandlers:
    """Turn Slack requests into engine calls and reply to each one privately."""

    def __init__(
        self,
        app: App,
        *,
        port: SlackPort,
        live_count: LiveCount,
        guard: Guard,
        admin_ids: Collection[str],
    ) -> None:
        self.app = app
        self.port = port
        self.live_count = live_count
        self.guard = guard
        self.replies = guard.replies
        self.admin_ids = frozenset(admin_ids)

    def register(self, bolt: AsyncApp) -> None:
        """Attach the listeners and the framework error handler to a bolt app."""
        bolt.action(VOTE_PATTERN)(self.on_vote)
        bolt.action(PRACTICE_PATTERN)(self.on_practice_answer)
        bolt.action(PRACTICE_NEXT_ACTION)(self.on_practice_next)
        bolt.command(COMMAND)(self.on_command)
        # Registered last, so they only see what no listener above matched: a stale
        # button or another app's command still gets its acknowledgement.
        bolt.action(ANYTHING)(self.on_unknown)
        bolt.command(ANYTHING)(self.on_unknown)
        bolt.shortcut(ANYTHING)(self.on_unknown)
        bolt.error(log_framework_error)

    async def on_unknown(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Acknowledge a request Rightsize has no listener for, so Slack does not retry it."""
        await ack()
        _log.debug("Slack request of type %s acknowledged without a listener", body.get("type"))

    # Daily round

    async def on_vote(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Record a vote, acknowledge it once committed, confirm it and refresh the count."""
        delivery = Delivery.from_action(body)

        async def work() -> None:
            round_text, choice = parse_button_value(str(_action(body).get("value", "")))
            if not round_text.isdigit():
                raise RoundNotFoundError(round_text)
            round_id = int(round_text)
            key = click_key(body)
            receipt = await asyncio.to_thread(self._record_vote, delivery, round_id, choice, key)
            await ack()

            if receipt.duplicate:
                # Slack redelivers a click whose acknowledgement it missed, so the voter
                # may not have seen the first confirmation: repeat it, count nothing.
                _log.debug("Slack click %s was handled before", key)
                await self.replies.send(delivery.response_url, render_text(receipt.message))
                return
            if receipt.previous is None:
                message_ts = str((body.get("container") or {}).get("message_ts", ""))
                if message_ts:
                    self.live_count.note_vote(
                        format_ref(delivery.channel_id, message_ts), round_id
                    )
            await self.replies.send(delivery.response_url, render_text(receipt.message))

        await self.guard.run(delivery, ack, work)

    def _record_vote(
        self, delivery: Delivery, round_id: int, choice: str, key: str
    ) -> VoteReceipt:
        engine = self.app.engine
        team = engine.require_team(PLATFORM, delivery.team_id, delivery.channel_id)
        return engine.record_vote(
            team_id=team.id,
            round_id=round_id,
            member_id=delivery.user_id,
            member_name=delivery.user_name,
            choice=choice,
            delivery_key=key,
        )

    # Self-quiz

    async def on_practice_answer(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Store a self-quiz answer and replace the question with its result."""
        delivery = Delivery.from_action(body)

        async def work() -> None:
            scenario_id, choice = parse_button_value(str(_action(body).get("value", "")))
            if not await asyncio.to_thread(self.app.engine.first_delivery, click_key(body)):
                await ack()
                return
            invocation = self._invocation(delivery, "quiz", is_admin=False)
            card = await self.app.commands.answer_quiz(invocation, scenario_id, choice)
            await ack()
            await self.replies.send(
                delivery.response_url, render_card(card), replace_original=True
            )

        await self.guard.run(delivery, ack, work)

    async def on_practice_next(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Replace a self-quiz result with the next question of the sitting."""
        delivery = Delivery.from_action(body)

        async def work() -> None:
            fresh = await asyncio.to_thread(self.app.engine.first_delivery, click_key(body))
            await ack()
            if not fresh:
                return
            invocation = self._invocation(delivery, "quiz", is_admin=False)
            card = await self.app.commands.next_quiz_card(invocation)
            await self.replies.send(
                delivery.response_url, render_card(card), replace_original=True
            )

        await self.guard.run(delivery, ack, work)

    # Slash command

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Run a `/rightsize` subcommand and send its cards privately."""
        delivery = Delivery.from_command(body)

        async def work() -> None:
            trigger_id = str(body.get("trigger_id", ""))
            fresh = True
            if trigger_id:
                key = f"slack:command:{trigger_id}"
                fresh = await asyncio.to_thread(self.app.engine.first_delivery, key)
            await ack()
            if not fresh:
                _log.debug("Slack command with trigger %s was handled before", trigger_id)
                return

            text = unescape_slack(str(body.get("text", "")))
            name = subcommand(text)
            # users.info is called only for admin subcommands, the only ones that need it.
            admin = False
            if name in ADMIN_COMMANDS:
                admin = await is_admin(self.port.client, delivery.user_id, self.admin_ids)
            invocation = self._invocation(
                delivery, text, is_admin=admin, channel_name=str(body.get("channel_name", ""))
            )
            outcome = await self.app.commands.run(invocation)
            for card in outcome.cards:
                await self.replies.send(delivery.response_url, render_card(card))

        await self.guard.run(delivery, ack, work)

    @staticmethod
    def _invocation(
        delivery: Delivery, text: str, *, is_admin: bool, channel_name: str = ""
    ) -> Invocation:
        return Invocation(
            platform=PLATFORM,
            workspace_id=delivery.team_id,
            channel_id=delivery.channel_id,
            channel_name=channel_name,
            user_id=delivery.user_id,
            user_name=delivery.user_name,
            text=text,
            is_admin=is_admin,
            admins_are=texts.ADMINS_ARE,
        )
