"""A restarted bot still counts clicks on the question that an earlier process posted."""

from __future__ import annotations

import pytest

from bot.app import build_app
from bot.clock import FixedClock
from tests.adapters.discord.conftest import VOTER_IDS, discord_settings, make_runner
from tests.adapters.discord.double import GENERAL_CHANNEL_ID, MESSAGE_REPLY, DiscordDouble
from tests.adapters.discord.support import (
    assert_responded_once,
    click_vote,
    eventually,
    footer_of,
    post_round,
    posted_message,
    private_response,
    subscribe,
    vote_rows,
)


@pytest.fixture
def db_url(database_url: str) -> str:
    """Restart on SQLite and, where configured, on PostgreSQL."""
    return database_url


async def test_old_question_counts_after_restart(
    double: DiscordDouble, db_url: str, clock: FixedClock
) -> None:
    settings = discord_settings(db_url, double)
    first_app = build_app(settings, clock=clock)
    first = make_runner(first_app, settings)
    await first.start()
    try:
        team = await subscribe(first_app)
        posted = await post_round(first_app, team)
        question = posted_message(double, posted.message_ref or "")
        before = await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
        await private_response(before)
    finally:
        await first.stop()
        first_app.close()

    # A new process: a new application on the same database, a new client.
    second_app = build_app(settings, clock=clock)
    second = make_runner(second_app, settings)
    await second.start()
    try:
        changed = await click_vote(double, question, posted.id, "hybrid", VOTER_IDS[0])
        added = await click_vote(double, question, posted.id, "llm", VOTER_IDS[1])
        changed_response = await private_response(changed)
        added_response = await private_response(added)
        await eventually(lambda: footer_of(question).startswith("2 votes so far."), "the count")
        revealed = await second_app.cycle.reveal_open_round(team)
        rows = vote_rows(second_app, posted.id)
    finally:
        await second.stop()
        second_app.close()

    assert changed_response.content.startswith("You changed your vote from Small model to Hybrid")
    assert added_response.content.startswith("You voted Frontier model")
    for handle in (before, changed, added):
        assert_responded_once(handle)
    assert rows == {
        str(VOTER_IDS[0]): ("slm", "hybrid", 1),
        str(VOTER_IDS[1]): ("llm", "llm", 0),
    }
    assert revealed is not None
    public = double.channel_messages(GENERAL_CHANNEL_ID, include_ephemeral=False)
    assert [message.payload["type"] for message in public] == [0, MESSAGE_REPLY]
    assert question.components == []
    # Each process start identifies once and syncs the commands once.
    assert double.gateway.ready_count == 2
    assert len(double.command_syncs) == 2
