"""Tests that drive the Slack double with the real slack-bolt and slack_sdk clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters.slack import double as slack_double_module
from tests.adapters.slack.double import (
    APP_TOKEN,
    BOT_TOKEN,
    PROXY_VARIABLES,
    SIGNING_SECRET,
    SlackDouble,
    bolt_http_server,
    running_slack_double,
    sign_request,
    socket_mode_handler,
)

# Pytest collects fixtures from module attributes, so this name brings in the
# double's fixture without a conftest.py.
slack_double = slack_double_module.slack_double

CHANNEL = "C0VOTES"
VOTER = "U0VOTER"
QUESTION_BLOCKS = [
    {
        "type": "actions",
        "block_id": "choices",
        "elements": [
            {
                "type": "button",
                "action_id": "vote",
                "text": {"type": "plain_text", "text": "Small model"},
                "value": "small",
            }
        ],
    }
]


@pytest_asyncio.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture
async def bolt_app(slack_double: SlackDouble, http_session: aiohttp.ClientSession) -> AsyncApp:
    return AsyncApp(client=slack_double.web_client(session=http_session))


async def post_question(client: AsyncWebClient) -> str:
    """Post the message with the vote button and return its ts."""
    response = await client.chat_postMessage(
        channel=CHANNEL, text="Which model?", blocks=QUESTION_BLOCKS
    )
    ts = response["ts"]
    assert isinstance(ts, str)
    return ts


async def test_button_click_acks_and_posts(slack_double: SlackDouble, bolt_app: AsyncApp) -> None:
    @bolt_app.action("vote")
    async def record_vote(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(
            channel=body["channel"]["id"],
            thread_ts=body["container"]["message_ts"],
            text=f"Vote recorded: {body['actions'][0]['value']}",
        )

    question_ts = await post_question(bolt_app.client)

    async with socket_mode_handler(bolt_app, slack_double):
        payload = slack_double.block_actions_payload(
            action_id="vote",
            value="small",
            user_id=VOTER,
            channel_id=CHANNEL,
            message_ts=question_ts,
            block_id="choices",
        )
        envelope = await slack_double.push_envelope("interactive", payload)
        ack = await slack_double.wait_for_ack(envelope.envelope_id)
        reply = await slack_double.wait_for_call("chat.postMessage", count=2)

    assert ack.payload is None
    assert envelope.accepts_response_payload is False
    assert reply.status == 200
    assert reply.arguments["channel"] == CHANNEL
    assert reply.arguments["thread_ts"] == question_ts
    assert reply.arguments["text"] == "Vote recorded: small"
    assert reply.token == BOT_TOKEN
    assert payload["message"]["blocks"] == QUESTION_BLOCKS
    assert slack_double.latest_blocks(CHANNEL, question_ts) == QUESTION_BLOCKS

    connection_call = slack_double.calls_to("apps.connections.open")[0]
    assert connection_call.token == APP_TOKEN
    assert connection_call.response["url"].startswith("ws://127.0.0.1:")
    assert len(slack_double.calls_to("auth.test")) == 1


async def test_socket_hello_message_shape(slack_double: SlackDouble) -> None:
    client = slack_double.web_client(token=APP_TOKEN)
    url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]

    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url) as websocket,
    ):
        hello = await asyncio.wait_for(websocket.receive_json(), 5.0)

    assert hello["type"] == "hello"
    assert hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": slack_double.app_id}
    assert hello["debug_info"]["approximate_connection_time"] == 3600


async def test_slash_command_ack_body(slack_double: SlackDouble, bolt_app: AsyncApp) -> None:
    @bolt_app.command("/rightsize")
    async def start_round(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=f"Starting round {command['text']}")

    async with socket_mode_handler(bolt_app, slack_double):
        payload = slack_double.slash_command_payload(
            command="/rightsize", text="3", user_id=VOTER, channel_id=CHANNEL
        )
        envelope = await slack_double.push_envelope("slash_commands", payload)
        ack = await slack_double.wait_for_ack(envelope.envelope_id)

    assert envelope.accepts_response_payload is True
    assert ack.payload == {"response_type": "ephemeral", "text": "Starting round 3"}
    assert payload["response_url"].startswith(slack_double.base_url)


async def test_respond_replaces_original_message(
    slack_double: SlackDouble, bolt_app: AsyncApp
) -> None:
    closed_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Voting closed"}}]

    @bolt_app.action("vote")
    async def close_vote(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="Voting closed", blocks=closed_blocks, replace_original=True)
        await respond(text="Only you can see this")

    question_ts = await post_question(bolt_app.client)

    async with socket_mode_handler(bolt_app, slack_double):
        payload = slack_double.block_actions_payload(
            action_id="vote",
            value="small",
            user_id=VOTER,
            channel_id=CHANNEL,
            message_ts=question_ts,
        )
        await slack_double.push_envelope("interactive", payload)
        replacement = await slack_double.wait_for_response_url_post(count=1)
        await slack_double.wait_for_response_url_post(count=2)

    assert replacement.body["replace_original"] is True
    assert slack_double.latest_blocks(CHANNEL, question_ts) == closed_blocks
    assert slack_double.message(CHANNEL, question_ts).versions[0]["blocks"] == (QUESTION_BLOCKS)
    assert len(slack_double.ephemeral_messages) == 1
    assert slack_double.ephemeral_messages[0].user == VOTER
    assert slack_double.ephemeral_messages[0].text == "Only you can see this"


async def test_redelivered_envelope_reaches_app_twice(
    slack_double: SlackDouble, bolt_app: AsyncApp
) -> None:
    deliveries: asyncio.Queue[str | None] = asyncio.Queue()

    @bolt_app.event("app_mention")
    async def note_mention(request: AsyncBoltRequest) -> None:
        retry_numbers = request.headers.get("x-slack-retry-num", [])
        await deliveries.put(retry_numbers[0] if retry_numbers else None)

    event = {
        "type": "app_mention",
        "user": VOTER,
        "text": f"<@{slack_double.bot_user_id}> hello",
        "ts": "1700000000.000100",
        "channel": CHANNEL,
        "event_ts": "1700000000.000100",
    }
    async with socket_mode_handler(bolt_app, slack_double):
        first = await slack_double.push_envelope(
            "events_api", slack_double.event_callback_payload(event)
        )
        await slack_double.wait_for_ack(first.envelope_id)
        first_retry = await asyncio.wait_for(deliveries.get(), 5.0)

        second = await slack_double.redeliver(first)
        await slack_double.wait_for_ack(first.envelope_id, count=2)
        second_retry = await asyncio.wait_for(deliveries.get(), 5.0)

    assert second.envelope_id == first.envelope_id
    assert second.retry_attempt == 1
    assert second.retry_reason == "timeout"
    assert first_retry == "0"
    assert second_retry == "1"
    assert len(slack_double.envelopes_sent) == 2


async def test_disconnect_message_reconnects(
    slack_double: SlackDouble, bolt_app: AsyncApp
) -> None:
    @bolt_app.command("/rightsize")
    async def start_round(ack: AsyncAck) -> None:
        await ack()

    async with socket_mode_handler(bolt_app, slack_double):
        await slack_double.send_disconnect()
        await slack_double.wait_for_socket_connection(count=2)
        payload = slack_double.slash_command_payload(
            command="/rightsize", user_id=VOTER, channel_id=CHANNEL
        )
        envelope = await slack_double.push_envelope("slash_commands", payload)
        ack = await slack_double.wait_for_ack(envelope.envelope_id)

    assert ack.connection == slack_double.socket_connections[1].number
    assert len(slack_double.calls_to("apps.connections.open")) == 2


async def test_rate_limit_then_success(slack_double: SlackDouble) -> None:
    slack_double.rate_limit("chat.postMessage", calls=1, retry_after=0)
    client = slack_double.web_client(
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    )

    response = await client.chat_postMessage(channel=CHANNEL, text="hello")

    statuses = [call.status for call in slack_double.calls_to("chat.postMessage")]
    assert response["ok"] is True
    assert statuses == [429, 200]
    assert slack_double.calls[0].response == {"ok": False, "error": "ratelimited"}
    assert len(slack_double.messages_in(CHANNEL)) == 1


async def test_rate_limit_without_retry_handler(slack_double: SlackDouble) -> None:
    slack_double.rate_limit("chat.update", calls=2, retry_after=7)
    client = slack_double.web_client(retry_handlers=[])

    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel=CHANNEL, ts="1.000001", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


@pytest.mark.parametrize("error", ["is_archived", "channel_not_found", "not_in_channel"])
async def test_channel_failure_on_post(slack_double: SlackDouble, error: str) -> None:
    slack_double.fail_channel(CHANNEL, error)
    client = slack_double.web_client()

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="hello")

    assert raised.value.response["error"] == error
    assert slack_double.messages_in(CHANNEL) == []


async def test_conversations_info_reflects_failures(slack_double: SlackDouble) -> None:
    client = slack_double.web_client()
    slack_double.add_channel(CHANNEL, name="votes")

    healthy = await client.conversations_info(channel=CHANNEL)
    slack_double.fail_channel(CHANNEL, "is_archived")
    archived = await client.conversations_info(channel=CHANNEL)
    slack_double.fail_channel(CHANNEL, "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_info(channel=CHANNEL)
    slack_double.clear_channel_failure(CHANNEL)
    restored = await client.conversations_info(channel=CHANNEL)

    assert healthy["channel"]["name"] == "votes"
    assert healthy["channel"]["is_archived"] is False
    assert archived["channel"]["is_archived"] is True
    assert raised.value.response["error"] == "channel_not_found"
    assert restored["channel"]["is_member"] is True
    assert slack_double.calls_to("conversations.info")[0].http_method == "GET"


async def test_post_ephemeral_and_update(slack_double: SlackDouble) -> None:
    client = slack_double.web_client()
    ts = await post_question(client)

    await client.chat_postEphemeral(channel=CHANNEL, user=VOTER, text="psst")
    updated = await client.chat_update(channel=CHANNEL, ts=ts, text="Closed", blocks=[])
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel=CHANNEL, ts="1.999999", text="x")

    message = slack_double.message(CHANNEL, ts)
    assert updated["ts"] == ts
    assert message.text == "Closed"
    assert message.blocks == []
    assert len(message.versions) == 2
    assert raised.value.response["error"] == "message_not_found"
    assert slack_double.ephemeral_messages[0].user == VOTER
    assert slack_double.ephemeral_messages[0].source == "chat.postEphemeral"


async def test_users_info_admin_flags(slack_double: SlackDouble) -> None:
    slack_double.add_user("U0ADMIN", name="ada", is_admin=True)
    owner = slack_double.add_user("U0OWNER", name="olga")
    owner.is_owner = True
    client = slack_double.web_client()

    admin_info = await client.users_info(user="U0ADMIN")
    owner_info = await client.users_info(user="U0OWNER")
    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U0NOBODY")

    assert admin_info["user"]["is_admin"] is True
    assert admin_info["user"]["is_owner"] is False
    assert owner_info["user"]["is_owner"] is True
    assert owner_info["user"]["name"] == "olga"
    assert raised.value.response["error"] == "user_not_found"


async def test_tokens_are_checked(slack_double: SlackDouble) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack_double.api_url)
    bot = slack_double.web_client()

    with pytest.raises(SlackApiError) as invalid:
        await wrong.auth_test()
    with pytest.raises(SlackApiError) as wrong_type:
        await bot.apps_connections_open(app_token=BOT_TOKEN)
    identity = await bot.auth_test()

    assert invalid.value.response["error"] == "invalid_auth"
    assert wrong_type.value.response["error"] == "not_allowed_token_type"
    assert identity["user_id"] == slack_double.bot_user_id
    assert identity["url"] == slack_double.base_url


async def test_form_encoded_post_message(
    slack_double: SlackDouble, http_session: aiohttp.ClientSession
) -> None:
    form = {
        "channel": CHANNEL,
        "text": "Which model?",
        "blocks": json.dumps(QUESTION_BLOCKS),
        "thread_ts": "1700000000.000001",
    }
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}

    async with http_session.post(
        f"{slack_double.api_url}chat.postMessage", data=form, headers=headers
    ) as response:
        body = await response.json()

    message = slack_double.message(CHANNEL, body["ts"])
    assert body["ok"] is True
    assert body["channel"] == CHANNEL
    assert message.blocks == QUESTION_BLOCKS
    assert message.thread_ts == "1700000000.000001"


async def test_unknown_socket_url_rejected(
    slack_double: SlackDouble, http_session: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await http_session.ws_connect(f"ws://127.0.0.1:{slack_double.port}/socket/99")

    assert raised.value.status == 404


async def test_push_without_connection_times_out(slack_double: SlackDouble) -> None:
    with pytest.raises(TimeoutError, match="open Socket Mode connection"):
        await slack_double.push_envelope("events_api", {}, timeout=0.1)


async def test_app_with_slack_client_rejected(slack_double: SlackDouble) -> None:
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN))

    with pytest.raises(ValueError, match="not the double"):
        async with socket_mode_handler(app, slack_double):
            pass

    assert slack_double.calls == []


async def test_close_ends_open_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    async with running_slack_double() as double:
        client = double.web_client(token=APP_TOKEN)
        url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]
        async with aiohttp.ClientSession() as session:
            websocket = await session.ws_connect(url)
            await asyncio.wait_for(websocket.receive_json(), 5.0)

            await asyncio.wait_for(double.close(), 5.0)
            closing = await asyncio.wait_for(websocket.receive(), 5.0)
            await websocket.close()

    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert double.socket_connections[0].closed is True


async def test_signed_request_accepted_by_bolt_http(
    slack_double: SlackDouble, http_session: aiohttp.ClientSession
) -> None:
    app = AsyncApp(
        client=slack_double.web_client(session=http_session), signing_secret=SIGNING_SECRET
    )

    @app.command("/rightsize")
    async def start_round(ack: AsyncAck) -> None:
        await ack("Round started")

    payload = slack_double.slash_command_payload(
        command="/rightsize", user_id=VOTER, channel_id=CHANNEL
    )
    body = urlencode(payload)
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    signed = {**form_type, **sign_request(body, SIGNING_SECRET)}
    forged = {**form_type, **sign_request(body, "some-other-secret")}

    async with bolt_http_server(app) as url:
        async with http_session.post(url, data=body, headers=signed) as accepted:
            accepted_text = await accepted.text()
        async with http_session.post(url, data=body, headers=forged) as rejected:
            rejected_status = rejected.status

    assert accepted.status == 200
    assert accepted_text == "Round started"
    assert rejected_status == 401


def test_sign_request_matches_slack_sdk() -> None:
    body = "token=unused&command=%2Frightsize&text=3"
    headers = sign_request(body, "secret", timestamp=1_700_000_000)
    verifier = SignatureVerifier("secret", clock=FixedClock(1_700_000_000))

    assert verifier.is_valid_request(body, headers) is True
    assert verifier.is_valid_request(body + "&x=1", headers) is False
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert headers["X-Slack-Signature"].startswith("v0=")


class FixedClock(Clock):
    """Clock for SignatureVerifier that always returns one Unix time."""

    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)
