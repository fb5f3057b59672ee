"""The adapter's error handler: a mistake gets its message, a fault a log entry and an apology."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.slack.guard import log_framework_error
from adapters.slack.runner import SlackRunner
from bot import texts
from bot.app import App
from bot.engine import VoteReceipt
from tests.adapters.slack.double import APP_TOKEN, BOT_TOKEN, TEAM_ID, SlackDouble
from tests.adapters.slack.support import (
    click_vote,
    post_round,
    private_texts,
    run_command,
    subscribe,
    vote_rows,
    wait_until,
)

CHANNEL = "C0FAULTS"
MEMBER = "U0MEMBER"


def broken_record_vote(**arguments: Any) -> VoteReceipt:
    raise RuntimeError("database on fire")


async def test_fault_is_logged_with_ids_and_apologised(
    app: App,
    runner: SlackRunner,
    slack_double: SlackDouble,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    monkeypatch.setattr(app.engine, "record_vote", broken_record_vote)

    envelope = await click_vote(slack_double, posted.message_ref, MEMBER, "slm")
    ack = await slack_double.wait_for_ack(envelope.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, MEMBER)) == 1, what="the apology")

    faults = [r for r in caplog.records if r.name == "adapters.slack.guard" and r.exc_info]
    assert ack.payload is None
    assert private_texts(slack_double, MEMBER) == [texts.UNKNOWN_ERROR]
    assert len(faults) == 1
    assert faults[0].levelno == logging.ERROR
    message = faults[0].getMessage()
    assert TEAM_ID in message
    assert CHANNEL in message
    assert MEMBER in message
    assert "database on fire" in caplog.text
    assert BOT_TOKEN not in caplog.text
    assert APP_TOKEN not in caplog.text
    assert vote_rows(app, posted.id) == {}


async def test_mistake_gets_message_and_no_traceback(
    app: App,
    runner: SlackRunner,
    slack_double: SlackDouble,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    slack_double.add_user(MEMBER, is_admin=True)

    envelope = await run_command(
        slack_double, "setup 25:00 Europe/Berlin", user_id=MEMBER, channel_id=CHANNEL
    )
    await slack_double.wait_for_ack(envelope.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, MEMBER)) == 1, what="the reply")

    reply = private_texts(slack_double, MEMBER)[0]
    assert reply.startswith("Invalid ")
    assert "25:00" in reply
    assert not [r for r in caplog.records if r.exc_info]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert app.engine.find_team("slack", TEAM_ID, CHANNEL) is None


async def test_framework_error_logged_with_ids(
    slack_double: SlackDouble, caplog: pytest.LogCaptureFixture
) -> None:
    payload = slack_double.slash_command_payload(
        command="/rightsize", user_id=MEMBER, channel_id=CHANNEL
    )

    await log_framework_error(RuntimeError("middleware broke"), payload)

    record = caplog.records[-1]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert f"team {TEAM_ID}, channel {CHANNEL}, user {MEMBER}" in record.getMessage()
    assert payload["response_url"] not in caplog.text
