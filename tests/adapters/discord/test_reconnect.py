"""A gateway reconnect keeps the bot working without repeating its start-up work."""

from __future__ import annotations

import pytest

from adapters.discord.runner import DiscordRunner
from adapters.discord.views import DYNAMIC_ITEMS
from bot.app import App
from tests.adapters.discord.conftest import VOTER_IDS
from tests.adapters.discord.double import DiscordDouble
from tests.adapters.discord.support import (
    assert_responded_once,
    click_vote,
    eventually,
    post_round,
    posted_message,
    private_response,
    subscribe,
    vote_rows,
)

# discord.py waits 5 s before identifying again, so a new session takes that long.
REIDENTIFY_TIMEOUT = 15.0


def _registered_items(runner: DiscordRunner) -> list[type]:
    store = runner.client._connection._view_store
    return list(store._dynamic_items.values())


async def test_new_session_fires_ready_without_startup(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    assert await double.gateway.invalidate_sessions(resumable=False) == 1
    await double.gateway.wait_for_ready(2, timeout=REIDENTIFY_TIMEOUT)
    await eventually(lambda: runner.client.ready_events == 2, "on_ready number 2")
    handle = await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
    await private_response(handle)

    assert runner.client.startup_runs == 1
    assert len(double.command_syncs) == 1
    assert _registered_items(runner) == list(DYNAMIC_ITEMS)
    assert_responded_once(handle)
    assert vote_rows(app, posted.id) == {str(VOTER_IDS[0]): ("slm", "slm", 0)}


@pytest.mark.parametrize("close_code", [4000, 1001])
async def test_resumed_session_fires_no_ready(
    double: DiscordDouble, app: App, runner: DiscordRunner, close_code: int
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    await double.gateway.disconnect(close_code, resumable=True)
    await double.gateway.wait_for_resumed()
    handle = await click_vote(double, question, posted.id, "llm", VOTER_IDS[1])
    await private_response(handle)

    assert runner.client.ready_events == 1
    assert runner.client.startup_runs == 1
    assert len(double.command_syncs) == 1
    assert_responded_once(handle)
