"""Helpers for the Slack adapter tests: teams, rounds, clicks, commands and waits."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from adapters.slack.port import parse_ref
from bot.app import App
from bot.compose import PRACTICE_ACTION, VOTE_ACTION
from bot.engine import RoundInfo, TeamInfo
from bot.storage.models import PracticeAnswer, ProcessedEvent, Vote
from tests.adapters.slack.double import (
    DEFAULT_TIMEOUT,
    TEAM_ID,
    JSONDict,
    SlackDouble,
    SocketEnvelope,
)

COMMAND = "/rightsize"


async def subscribe(app: App, channel_id: str, *, name: str = "") -> TeamInfo:
    """Subscribe a Slack channel of the double's workspace."""
    return await asyncio.to_thread(
        lambda: app.engine.subscribe(
            platform="slack",
            workspace_id=TEAM_ID,
            channel_id=channel_id,
            name=name or channel_id.lower(),
        )
    )


async def post_round(app: App, team: TeamInfo) -> RoundInfo:
    """Claim and post today's round of a team through the cycle, as the scheduler does."""
    posted = await app.cycle.run_day(team, app.engine.today(team))
    assert posted is not None, "today's round was claimed already"
    assert posted.message_ref is not None, "the round was claimed but not posted"
    return posted


def buttons(blocks: list[JSONDict] | None) -> list[JSONDict]:
    """List the button elements of a message's blocks."""
    return [
        element
        for block in blocks or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


def button_for(blocks: list[JSONDict] | None, action_prefix: str, choice: str) -> JSONDict:
    """Find the button whose action id is `action_prefix` followed by `_choice`."""
    action_id = f"{action_prefix}_{choice}"
    for button in buttons(blocks):
        if button["action_id"] == action_id:
            return button
    found = [button["action_id"] for button in buttons(blocks)]
    raise AssertionError(f"no button {action_id!r} in the message; buttons: {found}")


async def click_vote(
    double: SlackDouble,
    message_ref: str,
    user_id: str,
    choice: str,
    *,
    user_name: str | None = None,
) -> SocketEnvelope:
    """Click a vote button of a posted question message, as Slack delivers it."""
    channel_id, ts = parse_ref(message_ref)
    button = button_for(double.latest_blocks(channel_id, ts), VOTE_ACTION, choice)
    payload = double.block_actions_payload(
        action_id=button["action_id"],
        value=button["value"],
        user_id=user_id,
        channel_id=channel_id,
        message_ts=ts,
        user_name=user_name,
        button_text=button["text"]["text"],
    )
    return await double.push_envelope("interactive", payload)


def practice_click_payload(
    double: SlackDouble,
    blocks: list[JSONDict] | None,
    *,
    action_id: str,
    user_id: str,
    channel_id: str,
) -> JSONDict:
    """Build the click on a button of an ephemeral self-quiz message."""
    for button in buttons(blocks):
        if button["action_id"] == action_id:
            return double.block_actions_payload(
                action_id=action_id,
                value=button["value"],
                user_id=user_id,
                channel_id=channel_id,
                message_ts=f"{time.time():.6f}",
                button_text=button["text"]["text"],
                is_ephemeral=True,
            )
    found = [button["action_id"] for button in buttons(blocks)]
    raise AssertionError(f"no button {action_id!r} in the message; buttons: {found}")


def practice_action(choice: str) -> str:
    return f"{PRACTICE_ACTION}_{choice}"


async def run_command(
    double: SlackDouble, text: str, *, user_id: str, channel_id: str
) -> SocketEnvelope:
    """Send `/rightsize TEXT` from a user in a channel over Socket Mode."""
    payload = double.slash_command_payload(
        command=COMMAND, text=text, user_id=user_id, channel_id=channel_id
    )
    return await double.push_envelope("slash_commands", payload)


async def wait_until(
    condition: Callable[[], bool], *, timeout: float = DEFAULT_TIMEOUT, what: str
) -> None:
    """Poll `condition` every 20 ms until it holds; raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def assert_no_reply_beyond(double: SlackDouble, count: int, *, wait: float = 0.5) -> None:
    """Wait `wait` seconds for a response_url post beyond `count`, failing if one arrives."""
    try:
        await double.wait_for_response_url_post(count=count + 1, timeout=wait)
    except TimeoutError:
        return
    raise AssertionError(
        f"expected {count} response_url posts, got {len(double.response_url_posts)}"
    )


def private_texts(double: SlackDouble, user_id: str) -> list[str]:
    """List the texts of every private message a user received, oldest first."""
    return [message.text or "" for message in double.ephemeral_messages if message.user == user_id]


def vote_rows(app: App, round_id: int) -> dict[str, Vote]:
    """Return the stored votes of a round by member id."""
    with app.database.session() as session:
        rows = session.scalars(select(Vote).where(Vote.round_id == round_id)).all()
        session.expunge_all()
    return {row.member_id: row for row in rows}


def processed_keys(app: App) -> list[str]:
    """List the stored delivery keys, in key order."""
    with app.database.session() as session:
        return sorted(session.scalars(select(ProcessedEvent.key)))


def practice_rows(app: App, person: str) -> list[tuple[str, str]]:
    """List (scenario id, choice) of a person's self-quiz answers, oldest first."""
    with app.database.session() as session:
        rows = session.execute(
            select(PracticeAnswer.scenario_id, PracticeAnswer.choice)
            .where(PracticeAnswer.person == person)
            .order_by(PracticeAnswer.id)
        ).all()
    return [(scenario_id, choice) for scenario_id, choice in rows]


def all_text_sent(double: SlackDouble) -> str:
    """Join every text and block the app sent to the double, for escaping checks."""
    parts: list[Any] = [call.arguments for call in double.calls]
    parts += [post.body for post in double.response_url_posts]
    return json.dumps(parts, ensure_ascii=False)


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
