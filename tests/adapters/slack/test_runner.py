"""The runner: mode from the settings, the double's base URL, token checks and clean stops."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)

from adapters.runtime import Runner
from adapters.slack.errors import SlackTokenRejectedError
from adapters.slack.mode import HttpMode, SocketMode
from adapters.slack.port import SlackPort
from adapters.slack.runner import SlackRunner, create_runner
from bot.app import App
from bot.ports import ChatPort
from bot.settings import Settings, SettingsError
from tests.adapters.slack.double import APP_TOKEN, SIGNING_SECRET, SlackDouble
from tests.adapters.slack.support import (
    click_vote,
    free_port,
    post_round,
    subscribe,
    wait_until,
)


def test_socket_mode_by_default(app: App, settings: Settings, slack_double: SlackDouble) -> None:
    runner: Runner = create_runner(app, settings)

    assert isinstance(runner, SlackRunner)
    assert runner.name == "slack"
    assert runner.mode == SocketMode(app_token=APP_TOKEN)
    assert isinstance(runner.port, SlackPort)
    assert isinstance(runner.port, ChatPort)
    assert runner.client.base_url == slack_double.api_url
    assert runner.bolt.client is runner.client
    kinds = {type(handler) for handler in runner.client.retry_handlers}
    assert kinds == {AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler}


def test_http_mode_when_port_set(app: App, settings: Settings) -> None:
    port = free_port()
    http = settings.model_copy(
        update={"slack_http_port": port, "slack_signing_secret": SecretStr(SIGNING_SECRET)}
    )

    runner = create_runner(app, http)

    assert runner.mode == HttpMode(signing_secret=SIGNING_SECRET, host="0.0.0.0", port=port)


@pytest.mark.parametrize(
    ("update", "variable"),
    [
        pytest.param({"slack_app_token": None}, "SLACK_APP_TOKEN", id="no-app-token"),
        pytest.param({"slack_http_port": 3000}, "SLACK_SIGNING_SECRET", id="no-signing-secret"),
        pytest.param({"slack_bot_token": None}, "SLACK_BOT_TOKEN", id="no-bot-token"),
    ],
)
def test_missing_token_is_named(
    app: App, settings: Settings, update: dict[str, object], variable: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        create_runner(app, settings.model_copy(update=update))

    assert variable in raised.value.message


@pytest.mark.parametrize(
    ("update", "variable"),
    [
        pytest.param({"slack_bot_token": SecretStr("xoxb-wrong")}, "SLACK_BOT_TOKEN", id="bot"),
        pytest.param({"slack_app_token": SecretStr("xapp-wrong")}, "SLACK_APP_TOKEN", id="app"),
    ],
)
async def test_rejected_token_stops_start(
    app: App,
    settings: Settings,
    slack_double: SlackDouble,
    update: dict[str, object],
    variable: str,
) -> None:
    runner = create_runner(app, settings.model_copy(update=update))

    with pytest.raises(SlackTokenRejectedError) as raised:
        await asyncio.wait_for(runner.start(), 5)

    assert raised.value.variable == variable
    assert raised.value.error == "invalid_auth"
    assert "wrong" not in raised.value.message
    assert slack_double.socket_connections == []


async def test_stop_cancels_refreshes_and_closes(
    app: App, settings: Settings, slack_double: SlackDouble
) -> None:
    runner = create_runner(app, settings, count_interval=60)
    app.attach({runner.port.platform: runner.port})
    await runner.start()
    team = await subscribe(app, "C0RUN")
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    for voter in ["U1", "U2"]:
        envelope = await click_vote(slack_double, posted.message_ref, voter, "slm")
        await slack_double.wait_for_ack(envelope.envelope_id)
    pending = runner.live_count.tasks()

    await asyncio.wait_for(runner.stop(), 10)
    await wait_until(lambda: slack_double.socket_connections[0].closed, what="the socket to close")

    assert [task.get_name() for task in pending] == [f"slack-live-count {posted.message_ref}"]
    assert all(task.done() for task in pending)
    assert runner.live_count.tasks() == []
    assert runner.client.session is None
