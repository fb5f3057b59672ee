"""Votes by click: recorded once, one private response each, counted live, closed at reveal."""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections.abc import Iterator

import pytest

from adapters.discord import texts as discord_texts
from adapters.discord.runner import DiscordRunner
from bot.app import App
from bot.engine import VoteReceipt
from bot.settings import Settings
from tests.adapters.discord.conftest import (
    OPS_CHANNEL_ID,
    TEST_COUNT_INTERVAL,
    VOTER_IDS,
    make_runner,
)
from tests.adapters.discord.double import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    FLAG_EPHEMERAL,
    GENERAL_CHANNEL_ID,
    MEMBER_USER_ID,
    DiscordDouble,
    StoredMessage,
)
from tests.adapters.discord.support import (
    assert_responded_once,
    click_vote,
    eventually,
    footer_of,
    post_round,
    posted_message,
    private_response,
    subscribe,
    vote_id,
    vote_rows,
)

CHOICES = ("slm", "hybrid", "llm")


@pytest.fixture
def db_url(database_url: str) -> str:
    """Run the voting tests on SQLite and, where configured, on PostgreSQL."""
    return database_url


def _first_choices() -> Iterator[tuple[int, str]]:
    for number, user_id in enumerate(VOTER_IDS):
        yield user_id, CHOICES[number % 3]


async def test_click_records_vote(double: DiscordDouble, app: App, runner: DiscordRunner) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    handle = await click_vote(double, question, posted.id, "hybrid", VOTER_IDS[0])
    response = await private_response(handle)

    assert response.content == "You voted Hybrid; you can change it until the reveal."
    assert response.flags & FLAG_EPHEMERAL
    assert_responded_once(handle)
    assert vote_rows(app, posted.id) == {str(VOTER_IDS[0]): ("hybrid", "hybrid", 0)}
    await eventually(lambda: footer_of(question).startswith("1 vote so far."), "the live count")


async def test_thirty_members_vote_and_change_concurrently(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    # Every member votes at once; then every third member changes, also at once.
    first_wave = await asyncio.gather(
        *(
            click_vote(double, question, posted.id, choice, user)
            for user, choice in _first_choices()
        )
    )
    first_responses = await asyncio.gather(*(private_response(handle) for handle in first_wave))
    changers = VOTER_IDS[::3]
    second_wave = await asyncio.gather(
        *(click_vote(double, question, posted.id, "llm", user) for user in changers)
    )
    second_responses = await asyncio.gather(*(private_response(handle) for handle in second_wave))

    expected = {}
    for user, choice in _first_choices():
        final = "llm" if user in changers else choice
        changes = 1 if user in changers and choice != "llm" else 0
        expected[str(user)] = (choice, final, changes)
    assert vote_rows(app, posted.id) == expected
    for handle in [*first_wave, *second_wave]:
        assert_responded_once(handle)
    assert {response.content for response in first_responses} == {
        f"You voted {label}; you can change it until the reveal."
        for label in ("Small model", "Hybrid", "Frontier model")
    }
    # Every changer voted slm first, so each response names the change.
    assert {response.content for response in second_responses} == {
        "You changed your vote from Small model to Frontier model; "
        "you can change it until the reveal."
    }
    await eventually(lambda: footer_of(question).startswith("30 votes so far."), "the final count")


async def test_live_count_edits_throttled(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    started = time.monotonic()
    for user in VOTER_IDS[:12]:
        await click_vote(double, question, posted.id, "slm", user)
        await asyncio.sleep(0.05)
    await eventually(lambda: footer_of(question).startswith("12 votes so far."), "the count")
    elapsed = time.monotonic() - started

    edits = double.calls("PATCH", "/channels/{channel_id}/messages/{message_id}")
    gaps = [
        later.received_at - earlier.received_at for earlier, later in itertools.pairwise(edits)
    ]
    assert 2 <= len(edits) <= elapsed / TEST_COUNT_INTERVAL + 2
    assert all(gap >= TEST_COUNT_INTERVAL - 0.05 for gap in gaps), gaps
    # The count shows how many voted, never the split between the choices.
    assert "Small model" not in footer_of(question)
    assert question.custom_ids() == [vote_id(posted.id, choice) for choice in CHOICES]


async def test_changed_vote_keeps_count(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    first = await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
    await private_response(first)
    await eventually(lambda: footer_of(question).startswith("1 vote so far."), "the count")
    edits_before = len(double.calls("PATCH", "/channels/{channel_id}/messages/{message_id}"))
    second = await click_vote(double, question, posted.id, "llm", VOTER_IDS[0])
    response = await private_response(second)
    await asyncio.sleep(TEST_COUNT_INTERVAL * 2)

    assert response.content.startswith("You changed your vote from Small model to Frontier model")
    assert vote_rows(app, posted.id) == {str(VOTER_IDS[0]): ("slm", "llm", 1)}
    edits_after = len(double.calls("PATCH", "/channels/{channel_id}/messages/{message_id}"))
    assert edits_after == edits_before


async def test_slow_vote_deferred_then_followed_up(
    double: DiscordDouble,
    app: App,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = await subscribe(app)
    slow_runner = make_runner(app, settings, respond_within=0.2)
    await slow_runner.start()
    try:
        posted = await post_round(app, team)
        question = posted_message(double, posted.message_ref or "")
        record_vote = app.engine.record_vote

        def slow_record_vote(**arguments: object) -> VoteReceipt:
            time.sleep(0.6)
            return record_vote(**arguments)  # type: ignore[arg-type]

        monkeypatch.setattr(app.engine, "record_vote", slow_record_vote)
        handle = await click_vote(double, question, posted.id, "llm", VOTER_IDS[1])
        response = await private_response(handle)
    finally:
        await slow_runner.stop()

    assert handle.callback is not None
    assert handle.callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert handle.callback.data == {"flags": FLAG_EPHEMERAL}
    assert response.content == "You voted Frontier model; you can change it until the reveal."
    assert_responded_once(handle)
    assert vote_rows(app, posted.id) == {str(VOTER_IDS[1]): ("llm", "llm", 0)}


async def test_click_after_reveal_is_closed(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    # A member's client may still show the buttons when the reveal edits them away.
    shown_before = copy.deepcopy(question.payload)
    voted = await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
    await private_response(voted)

    await app.cycle.reveal_open_round(team)
    stale = StoredMessage(channel_id=question.channel_id, payload=shown_before)
    late = await click_vote(double, stale, posted.id, "llm", VOTER_IDS[0])
    response = await private_response(late)

    assert question.components == []
    assert response.content == (
        "Voting on this round has closed: the answer is already revealed. "
        "Your vote was not changed."
    )
    assert_responded_once(late)
    assert vote_rows(app, posted.id) == {str(VOTER_IDS[0]): ("slm", "slm", 0)}


async def test_click_in_other_channel_rejected(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    await subscribe(app, OPS_CHANNEL_ID, name="ops")
    posted = await post_round(app, team)
    # The same buttons, copied into another subscribed channel.
    foreign = double.add_message(
        OPS_CHANNEL_ID,
        embeds=posted_message(double, posted.message_ref or "").embeds,
        components=posted_message(double, posted.message_ref or "").components,
    )

    handle = await click_vote(double, foreign, posted.id, "slm", VOTER_IDS[0])
    response = await private_response(handle)

    assert response.content == (
        f"Round {posted.id} belongs to another channel, so no vote was recorded."
    )
    assert vote_rows(app, posted.id) == {}


async def test_redelivered_click_counts_once(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    handle = await click_vote(double, question, posted.id, "hybrid", VOTER_IDS[2])
    await private_response(handle)

    # The same interaction again, as a gateway replay would deliver it.
    await double.gateway.dispatch("INTERACTION_CREATE", handle.payload)
    await eventually(lambda: len(handle.callbacks) == 2, "the second response attempt")
    await asyncio.sleep(0.2)

    assert vote_rows(app, posted.id) == {str(VOTER_IDS[2]): ("hybrid", "hybrid", 0)}
    assert [callback.accepted for callback in handle.callbacks] == [True, False]
    assert handle.followups == []


@pytest.mark.parametrize(
    "custom_id",
    [
        pytest.param("rightsize_vote:1:medium", id="unknown-choice"),
        pytest.param("some_other_bot_button", id="foreign"),
        pytest.param("rightsize_vote:" + "9" * 30 + ":slm", id="too-long-round-id"),
    ],
)
async def test_unknown_button_answered_once(
    runner: DiscordRunner, double: DiscordDouble, custom_id: str
) -> None:
    button = {"type": 2, "style": 2, "label": "Old", "custom_id": custom_id}
    message = double.add_message(
        GENERAL_CHANNEL_ID, "old message", components=[{"type": 1, "components": [button]}]
    )

    handle = await double.click_button(message, custom_id, user_id=MEMBER_USER_ID)
    response = await private_response(handle)

    assert_responded_once(handle)
    assert response.content == discord_texts.UNKNOWN_BUTTON
