"""Helpers for the Discord adapter tests: teams, rounds, clicks, responses and database rows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from adapters.discord.port import parse_ref
from bot.app import App
from bot.compose import VOTE_ACTION
from bot.engine import RoundInfo, TeamInfo
from bot.storage.models import Vote
from tests.adapters.discord.double import (
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    DEFAULT_TIMEOUT,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    DiscordDouble,
    InteractionHandle,
    RestCall,
    StoredMessage,
)

MESSAGE_ROUTES = (
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{application_id}/{interaction_token}"),
    ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"),
)
CALLBACK_ROUTE = ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")


async def subscribe(
    app: App, channel_id: int = GENERAL_CHANNEL_ID, *, name: str = "general"
) -> TeamInfo:
    """Subscribe a channel of the double's guild, posting at 09:30 UTC on weekdays."""
    return await asyncio.to_thread(
        lambda: app.engine.subscribe(
            platform="discord",
            workspace_id=str(GUILD_ID),
            channel_id=str(channel_id),
            name=name,
        )
    )


async def post_round(app: App, team: TeamInfo) -> RoundInfo:
    """Claim and post today's round of a team through the cycle, as the scheduler does."""
    posted = await app.cycle.run_day(team, app.engine.today(team))
    assert posted is not None, "today's round was claimed already"
    assert posted.message_ref is not None, "the round was claimed but not posted"
    return posted


def posted_message(double: DiscordDouble, message_ref: str) -> StoredMessage:
    """Return the double's copy of a message that the port posted."""
    channel_id, message_id = parse_ref(message_ref)
    return double.message(channel_id, message_id)


def vote_id(round_id: int, choice: str) -> str:
    """Return the custom id of a vote button."""
    return f"{VOTE_ACTION}:{round_id}:{choice}"


async def click_vote(
    double: DiscordDouble, message: StoredMessage, round_id: int, choice: str, user_id: int
) -> InteractionHandle:
    """Click a vote button of a question message as one member."""
    return await double.click_button(message, vote_id(round_id, choice), user_id=user_id)


def assert_responded_once(handle: InteractionHandle) -> None:
    """Check that the bot acknowledged an interaction exactly once, with no rejected attempt."""
    accepted = [callback for callback in handle.callbacks if callback.accepted]
    rejected = [callback.error_code for callback in handle.callbacks if not callback.accepted]
    assert len(accepted) == 1, f"interaction {handle.id} has {len(accepted)} accepted callbacks"
    assert rejected == [], f"interaction {handle.id} has rejected callbacks {rejected}"


async def private_response(
    handle: InteractionHandle, timeout: float = DEFAULT_TIMEOUT
) -> StoredMessage:
    """Wait for the private message that responds to an interaction and return it.

    A direct response is the interaction's original message. After a deferral
    it is the first follow-up, which fills the loading message.
    """
    callback = await handle.wait_for_callback(timeout)
    if callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
        await handle.wait_for_followups(1, timeout)
    elif callback.type != CALLBACK_CHANNEL_MESSAGE:
        raise AssertionError(f"interaction {handle.id} got callback type {callback.type}")
    message = handle.original_message
    assert message is not None, f"interaction {handle.id} has no response message"
    assert message.ephemeral, f"the response to interaction {handle.id} is not private"
    return message


async def replaced_message(
    handle: InteractionHandle, timeout: float = DEFAULT_TIMEOUT
) -> StoredMessage:
    """Wait until the bot replaced the clicked message and return the new version."""
    callback = await handle.wait_for_callback(timeout)
    if callback.type == CALLBACK_DEFERRED_UPDATE_MESSAGE:
        await handle.wait_for_original_edits(1, timeout)
    elif callback.type != CALLBACK_UPDATE_MESSAGE:
        raise AssertionError(f"interaction {handle.id} got callback type {callback.type}")
    message = handle.original_message
    assert message is not None
    return message


async def eventually(
    condition: Callable[[], bool], description: str, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Poll a condition every 20 ms until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {description}")
        await asyncio.sleep(0.02)


def vote_rows(app: App, round_id: int) -> dict[str, tuple[str, str, int]]:
    """Map member id to (first choice, choice, changes) for every vote row of a round."""
    with app.database.session() as session:
        rows = session.scalars(select(Vote).where(Vote.round_id == round_id))
        return {row.member_id: (row.first_choice, row.choice, row.changes) for row in rows}


def sent_message_bodies(double: DiscordDouble) -> list[tuple[RestCall, dict[str, Any]]]:
    """List every message body the bot sent: channel posts, edits, callbacks and follow-ups.

    Deferrals carry no message, so they are left out.
    """
    bodies: list[tuple[RestCall, dict[str, Any]]] = []
    for method, route in MESSAGE_ROUTES:
        bodies += [(call, call.body) for call in double.calls(method, route)]
    for call in double.calls(*CALLBACK_ROUTE):
        if call.body.get("type") in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            bodies.append((call, call.body["data"]))
    return bodies


def assert_pings_nobody(allowed: Any, where: str) -> None:
    """Check an allowed_mentions object: no parsed kinds, no listed ids, no reply ping."""
    assert isinstance(allowed, dict), f"{where} has no allowed_mentions"
    assert allowed.get("parse") == [], f"{where} parses mentions: {allowed}"
    assert not allowed.get("users"), f"{where} lists users: {allowed}"
    assert not allowed.get("roles"), f"{where} lists roles: {allowed}"
    assert not allowed.get("replied_user"), f"{where} pings the replied-to author"


def footer_of(message: StoredMessage) -> str:
    """Return the footer text of a message's first embed."""
    return str(message.embeds[0].get("footer", {}).get("text", ""))
