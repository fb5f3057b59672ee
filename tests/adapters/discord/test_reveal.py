"""The reveal edits the question and replies to it, and is posted once if the edit fails."""

from __future__ import annotations

import asyncio

from adapters.discord.runner import DiscordRunner
from bot.app import App
from tests.adapters.discord.conftest import TEST_COUNT_INTERVAL, VOTER_IDS
from tests.adapters.discord.double import (
    GENERAL_CHANNEL_ID,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    DiscordDouble,
    StoredMessage,
)
from tests.adapters.discord.support import (
    click_vote,
    eventually,
    footer_of,
    post_round,
    posted_message,
    private_response,
    subscribe,
)

REPLY_ROUTE = ("POST", "/channels/{channel_id}/messages")
EDIT_ROUTE = ("PATCH", "/channels/{channel_id}/messages/{message_id}")


def _public(double: DiscordDouble) -> list[StoredMessage]:
    return double.channel_messages(GENERAL_CHANNEL_ID, include_ephemeral=False)


def _field_values(message: StoredMessage) -> dict[str, str]:
    return {field["name"]: field["value"] for field in message.embeds[0].get("fields", [])}


async def test_reveal_edits_question_and_replies(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    for user, choice in zip(VOTER_IDS[:3], ("slm", "llm", "llm"), strict=True):
        await private_response(await click_vote(double, question, posted.id, choice, user))

    revealed = await app.cycle.reveal_open_round(team)

    assert revealed is not None
    answer = revealed.round.answer.label
    assert question.components == []
    assert question.embeds[0]["footer"]["text"] == (
        "Voting has closed. The answer is in the reply below."
    )
    assert _field_values(question)["Answer"] == answer
    assert _field_values(question)["Votes"] == "3"
    [_, reply] = _public(double)
    assert reply.payload["type"] == MESSAGE_REPLY
    assert reply.payload["message_reference"]["message_id"] == str(question.id)
    assert reply.embeds[0]["title"] == f"The answer: {answer}"
    bars = _field_values(reply)["Votes"]
    assert bars.startswith("```\n")
    assert bars.endswith("\n```")
    assert "1 of 3" in bars
    assert "2 of 3" in bars
    assert reply.components == []
    assert await asyncio.to_thread(app.engine.unpublished_reveals, team.id) == []
    reference = double.calls(*REPLY_ROUTE)[-1].body["message_reference"]
    assert reference["fail_if_not_exists"] is False


async def test_reveal_posted_once_when_edit_fails(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    double.fail_message_edits(GENERAL_CHANNEL_ID, question.id)

    revealed = await app.cycle.reveal_open_round(team)
    retried = await app.cycle.retry_unpublished(team)

    assert revealed is not None
    edits = double.calls("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert [call.status for call in edits] == [404]
    assert len(question.components) == 1  # the edit failed, so the buttons are still there
    [_, reply] = _public(double)
    assert reply.payload["type"] == MESSAGE_REPLY
    assert reply.payload["message_reference"]["message_id"] == str(question.id)
    assert retried == 0
    assert await asyncio.to_thread(app.engine.unpublished_reveals, team.id) == []


async def test_reveal_posted_once_after_question_deleted(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    double.delete_message(GENERAL_CHANNEL_ID, question.id)

    revealed = await app.cycle.reveal_open_round(team)
    retried = await app.cycle.retry_unpublished(team)

    assert revealed is not None
    [reply] = _public(double)
    # With fail_if_not_exists false, Discord sends a reply to a missing message plainly.
    assert reply.payload["type"] == MESSAGE_DEFAULT
    assert "message_reference" not in reply.payload
    assert reply.embeds[0]["title"].startswith("The answer: ")
    assert len(double.calls(*REPLY_ROUTE)) == 2  # the question and the reveal
    assert retried == 0
    assert await asyncio.to_thread(app.engine.unpublished_reveals, team.id) == []


async def test_live_count_stops_at_reveal(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    await private_response(await click_vote(double, question, posted.id, "hybrid", VOTER_IDS[0]))
    await eventually(lambda: footer_of(question).startswith("1 vote so far."), "the first count")
    # These votes wait for the next count edit, which comes after the reveal.
    for user in VOTER_IDS[1:5]:
        await private_response(await click_vote(double, question, posted.id, "llm", user))

    await app.cycle.reveal_open_round(team)
    edits_at_reveal = len(double.calls(*EDIT_ROUTE))
    await asyncio.sleep(TEST_COUNT_INTERVAL * 3)

    assert len(double.calls(*EDIT_ROUTE)) == edits_at_reveal
    assert question.components == []
    assert footer_of(question) == "Voting has closed. The answer is in the reply below."
    assert len(_public(double)) == 2
