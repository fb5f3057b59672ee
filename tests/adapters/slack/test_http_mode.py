"""HTTP mode: signed requests are served, bad or stale signatures get 401, retries count once."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr

from adapters.slack.runner import HTTP_PATH, SlackRunner, create_runner
from bot.app import App
from bot.settings import Settings
from bot.texts import vote_confirmation
from bot.vocabulary import Choice
from tests.adapters.slack.conftest import TEST_COUNT_INTERVAL
from tests.adapters.slack.double import SIGNING_SECRET, JSONDict, SlackDouble, sign_request
from tests.adapters.slack.support import (
    assert_no_reply_beyond,
    button_for,
    free_port,
    post_round,
    private_texts,
    processed_keys,
    subscribe,
    vote_rows,
    wait_until,
)

CHANNEL = "C0HTTP"
MEMBER = "U0MEMBER"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Slack's signature check rejects requests whose timestamp is more than five minutes old.
STALE_SECONDS = 5 * 60 + 30


@pytest_asyncio.fixture
async def http_runner(app: App, settings: Settings) -> AsyncIterator[SlackRunner]:
    http_settings = settings.model_copy(
        update={
            "slack_app_token": None,
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_http_port": free_port(),
            "slack_http_host": "127.0.0.1",
        }
    )
    started = create_runner(app, http_settings, count_interval=TEST_COUNT_INTERVAL)
    app.attach({started.port.platform: started.port})
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url_of(runner: SlackRunner) -> str:
    return f"http://127.0.0.1:{runner.http_port}{HTTP_PATH}"


def command_body(double: SlackDouble, text: str) -> str:
    payload = double.slash_command_payload(
        command="/rightsize", text=text, user_id=MEMBER, channel_id=CHANNEL
    )
    return urlencode(payload)


def click_body(payload: JSONDict) -> str:
    return urlencode({"payload": json.dumps(payload)})


async def send(
    http: aiohttp.ClientSession, url: str, body: str, headers: dict[str, str]
) -> tuple[int, str]:
    async with http.post(url, data=body, headers={**FORM, **headers}) as response:
        return response.status, await response.text()


async def test_signed_command_is_served(
    http_runner: SlackRunner, slack_double: SlackDouble, http: aiohttp.ClientSession
) -> None:
    body = command_body(slack_double, "help")

    status, text = await send(http, url_of(http_runner), body, sign_request(body, SIGNING_SECRET))
    await wait_until(lambda: len(private_texts(slack_double, MEMBER)) == 1, what="the reply")

    assert status == 200
    assert text == ""
    assert private_texts(slack_double, MEMBER)[0].startswith("Rightsize commands")
    assert slack_double.socket_connections == []
    assert slack_double.calls_to("apps.connections.open") == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "0"}, id="junk"),
        pytest.param(
            {"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "abc"}, id="non-numeric"
        ),
        pytest.param("forged", id="wrong-secret"),
        pytest.param("stale", id="stale"),
    ],
)
async def test_unverified_request_gets_401(
    app: App,
    http_runner: SlackRunner,
    slack_double: SlackDouble,
    http: aiohttp.ClientSession,
    headers: dict[str, str] | str,
) -> None:
    team = await subscribe(app, CHANNEL)
    body = command_body(slack_double, "pause")
    if headers == "forged":
        headers = sign_request(body, "some-other-secret")
    elif headers == "stale":
        headers = sign_request(body, SIGNING_SECRET, timestamp=int(time.time()) - STALE_SECONDS)
    assert isinstance(headers, dict)
    slack_double.add_user(MEMBER, is_admin=True)

    status, _ = await send(http, url_of(http_runner), body, headers)

    assert status == 401
    assert processed_keys(app) == []
    assert slack_double.response_url_posts == []
    assert slack_double.calls_to("users.info") == []
    assert app.engine.get_team(team.id).paused is False


async def test_retried_click_counts_once(
    app: App, http_runner: SlackRunner, slack_double: SlackDouble, http: aiohttp.ClientSession
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    button = button_for(slack_double.latest_blocks(channel_id, ts), "rightsize_vote", "llm")
    payload = slack_double.block_actions_payload(
        action_id=button["action_id"],
        value=button["value"],
        user_id=MEMBER,
        channel_id=channel_id,
        message_ts=ts,
    )
    body = click_body(payload)

    first, _ = await send(http, url_of(http_runner), body, sign_request(body, SIGNING_SECRET))
    retry_headers = {
        **sign_request(body, SIGNING_SECRET),
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    retried, _ = await send(http, url_of(http_runner), body, retry_headers)
    await wait_until(lambda: len(private_texts(slack_double, MEMBER)) >= 2, what="the replies")
    await assert_no_reply_beyond(slack_double, 2)

    assert first == 200
    assert retried == 200
    assert vote_rows(app, posted.id)[MEMBER].choice == "llm"
    assert len(vote_rows(app, posted.id)) == 1
    assert len(processed_keys(app)) == 1
    confirmation = vote_confirmation(Choice.LLM, changed_from=None)
    # The retry repeats the confirmation, because Slack retries when it missed the first.
    assert private_texts(slack_double, MEMBER) == [confirmation, confirmation]


async def test_retried_command_runs_once(
    app: App, http_runner: SlackRunner, slack_double: SlackDouble, http: aiohttp.ClientSession
) -> None:
    await subscribe(app, CHANNEL)
    body = command_body(slack_double, "status")

    first, _ = await send(http, url_of(http_runner), body, sign_request(body, SIGNING_SECRET))
    retry_headers = {**sign_request(body, SIGNING_SECRET), "X-Slack-Retry-Num": "1"}
    retried, _ = await send(http, url_of(http_runner), body, retry_headers)
    await wait_until(lambda: len(private_texts(slack_double, MEMBER)) >= 1, what="the reply")
    await assert_no_reply_beyond(slack_double, 1)

    assert first == 200
    assert retried == 200
    assert len(processed_keys(app)) == 1
    assert len(private_texts(slack_double, MEMBER)) == 1
