"""One error handler: a user's mistake gets its message, a fault an apology, each once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.discord.runner import DiscordRunner
from bot import texts as bot_texts
from bot.app import App
from bot.commands import Invocation, Outcome
from bot.engine import VoteReceipt
from bot.settings import Settings
from tests.adapters.discord.conftest import VOTER_IDS, make_runner
from tests.adapters.discord.double import (
    BOT_TOKEN,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_USER_ID,
    DiscordDouble,
)
from tests.adapters.discord.support import (
    assert_responded_once,
    click_vote,
    post_round,
    posted_message,
    private_response,
    subscribe,
    vote_rows,
)

GUARD_LOGGER = "adapters.discord.guard"


def _fault_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == GUARD_LOGGER and record.levelno >= logging.ERROR
    ]


async def test_command_fault_apologises_once(
    double: DiscordDouble,
    app: App,
    runner: DiscordRunner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def broken(invocation: Invocation) -> Outcome:
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(app.commands, "run", broken)
    handle = await double.invoke_command("status", user_id=MEMBER_USER_ID)
    response = await private_response(handle)

    assert response.content == bot_texts.UNKNOWN_ERROR
    assert_responded_once(handle)
    assert handle.followups == []
    [record] = _fault_records(caplog)
    message = record.getMessage()
    assert "/rightsize status failed" in message
    assert f"guild {GUILD_ID}" in message
    assert f"channel {GENERAL_CHANNEL_ID}" in message
    assert f"user {MEMBER_USER_ID}" in message
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "the database is on fire" in caplog.text  # the traceback is in the log
    assert BOT_TOKEN not in caplog.text


async def test_vote_fault_apologises_once(
    double: DiscordDouble,
    app: App,
    runner: DiscordRunner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    def broken(**arguments: object) -> VoteReceipt:
        raise LookupError("no such table")

    monkeypatch.setattr(app.engine, "record_vote", broken)
    handle = await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
    response = await private_response(handle)

    assert response.content == bot_texts.UNKNOWN_ERROR
    assert_responded_once(handle)
    [record] = _fault_records(caplog)
    assert record.getMessage().startswith("vote click failed")
    assert f"user {VOTER_IDS[0]}" in record.getMessage()
    assert vote_rows(app, posted.id) == {}


async def test_fault_after_deferral_apologises_once(
    double: DiscordDouble,
    app: App,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slow = make_runner(app, settings, respond_within=0.1)
    await slow.start()
    try:

        async def slow_then_broken(invocation: Invocation) -> Outcome:
            await asyncio.sleep(0.4)
            raise RuntimeError("timed out talking to the database")

        monkeypatch.setattr(app.commands, "run", slow_then_broken)
        handle = await double.invoke_command("help", user_id=MEMBER_USER_ID)
        response = await private_response(handle)
        await asyncio.sleep(0.2)
    finally:
        await slow.stop()

    assert handle.callback is not None
    assert handle.callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert_responded_once(handle)
    assert response.content == bot_texts.UNKNOWN_ERROR
    assert len(handle.followups) == 1
    assert len(_fault_records(caplog)) == 1


async def test_user_mistake_logs_no_fault(
    double: DiscordDouble, app: App, runner: DiscordRunner, caplog: pytest.LogCaptureFixture
) -> None:
    # The channel is not set up, which is the member's mistake to fix.
    handle = await double.invoke_command("leaderboard", user_id=MEMBER_USER_ID)
    response = await private_response(handle)

    assert response.content.startswith(f"Channel {GENERAL_CHANNEL_ID} is not set up for Rightsize")
    assert_responded_once(handle)
    assert _fault_records(caplog) == []


async def test_unknown_subcommand_named_once(
    double: DiscordDouble, runner: DiscordRunner, caplog: pytest.LogCaptureFixture
) -> None:
    # A stale client may still offer a subcommand that this version no longer has.
    handle = await double.invoke_command("retired", user_id=MEMBER_USER_ID)
    response = await private_response(handle)

    assert response.content.startswith("'rightsize retired' is not a Rightsize command")
    assert_responded_once(handle)
    assert _fault_records(caplog) == []


async def test_token_never_logged(
    double: DiscordDouble, app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = make_runner(app, settings)
    await started.start()
    try:
        team = await subscribe(app)
        posted = await post_round(app, team)
        question = posted_message(double, posted.message_ref or "")
        await private_response(await click_vote(double, question, posted.id, "llm", VOTER_IDS[3]))
        await private_response(await double.invoke_command("status", user_id=MEMBER_USER_ID))
    finally:
        await started.stop()

    # discord.py's own debug lines, the gateway's included, are in the capture too.
    assert any(record.name == "discord.gateway" for record in caplog.records)
    assert BOT_TOKEN not in caplog.text
