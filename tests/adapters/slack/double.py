"""Local test double of the Slack platform for tests that run the real slack-bolt app.

One aiohttp server on 127.0.0.1 serves the parts of Slack that the Rightsize adapter
uses: Web API methods under /api/, Socket Mode WebSockets under /socket/, and
response_url endpoints under /response/. Tests push Socket Mode envelopes, wait for
the app's acknowledgements and inspect every Web API call and message.

Point the real clients at it with `SlackDouble.web_client()` (or
`AsyncWebClient(base_url=double.api_url)`). `socket_mode_handler()` refuses an app
whose client would call any other host, so no test falls back to slack.com.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Item = TypeVar("Item")
EnvelopeType = Literal["interactive", "slash_commands", "events_api"]

HOST = "127.0.0.1"
DEFAULT_TIMEOUT = 5.0
"""Seconds that every wait in this module allows before it raises TimeoutError."""

BOT_TOKEN = "xoxb-0000-0000-rightsize-test"
APP_TOKEN = "xapp-1-A0RIGHTSZ-0000-rightsize-test"
SIGNING_SECRET = "rightsize-test-signing-secret"
TEAM_ID = "T0RIGHTSZ"
TEAM_DOMAIN = "rightsize-test"
APP_ID = "A0RIGHTSZ"
BOT_ID = "B0RIGHTSZ"
BOT_USER_ID = "U0RIGHTSZ"

CHANNEL_ERRORS = frozenset({"is_archived", "channel_not_found", "not_in_channel"})
"""Errors that `SlackDouble.fail_channel` can inject for a channel."""

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
"""Variables that slack_sdk 3.48 reads as a proxy URL for every client it builds."""


# ---------------------------------------------------------------------------
# Records that tests inspect


@dataclass(frozen=True)
class ApiCall:
    """One request to a Web API method, with the response the double sent."""

    method: str
    arguments: JSONDict
    """Query, form and JSON body arguments merged, without the token."""
    token: str | None
    http_method: str
    status: int
    response: JSONDict
    time: float
    """`time.monotonic()` when the request arrived."""


@dataclass
class Message:
    """The current state of one message that the app posted, keyed by channel and ts."""

    channel: str
    ts: str
    text: str | None
    blocks: list[JSONDict] | None
    thread_ts: str | None
    versions: list[JSONDict] = field(default_factory=list)
    """Every text and blocks pair the message has had, oldest first."""
    deleted: bool = False


@dataclass(frozen=True)
class EphemeralMessage:
    """A message visible to one user only, from chat.postEphemeral or a response_url."""

    channel: str | None
    user: str | None
    text: str | None
    blocks: list[JSONDict] | None
    thread_ts: str | None
    source: Literal["chat.postEphemeral", "response_url"]


@dataclass(frozen=True)
class ResponseUrlPost:
    """One request that the app sent to a response_url of the double."""

    url: str
    body: JSONDict
    time: float
    """`time.monotonic()` when the request arrived."""


@dataclass
class SlackUser:
    """A workspace member that users.info returns. Tests may change its flags."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False

    def to_json(self, team_id: str) -> JSONDict:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "UTC",
            "profile": {"real_name": self.real_name, "display_name": self.name},
        }


@dataclass
class SlackChannel:
    """A conversation that conversations.info describes."""

    id: str
    name: str
    is_private: bool = False


@dataclass(frozen=True)
class SocketEnvelope:
    """One Socket Mode envelope as the double sends it over the WebSocket."""

    envelope_id: str
    type: EnvelopeType
    payload: JSONDict
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""

    def to_json(self) -> JSONDict:
        return {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
        }


@dataclass(frozen=True)
class SocketAck:
    """An acknowledgement frame, `{"envelope_id": ..., "payload": ...}`, from the app."""

    envelope_id: str
    payload: JSONDict | None
    connection: int
    """Number of the Socket Mode connection that carried the frame."""
    time: float
    """`time.monotonic()` when the frame arrived."""


@dataclass
class SocketConnection:
    """One Socket Mode WebSocket that a client opened."""

    number: int
    websocket: web.WebSocketResponse
    received: list[JSONDict | str] = field(default_factory=list)
    """Every text frame from the client: parsed JSON, or the raw text if invalid."""
    closed: bool = False


@dataclass(frozen=True)
class _ResponseUrlTarget:
    channel: str | None
    message_ts: str | None
    user: str | None


@dataclass
class _RateLimit:
    remaining: int
    retry_after: int


class SlackApiFailure(Exception):
    """A Web API error that the double returns as `{"ok": false, "error": ...}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


# ---------------------------------------------------------------------------
# The double


class SlackDouble:
    """An aiohttp server on 127.0.0.1 that behaves like the parts of Slack in use.

    Start it with `start()` and stop it with `close()`, or use `running_slack_double`
    or the `slack_double` fixture, which do both. Channels need no setup, because an
    unregistered channel is a public channel with the bot as a member, unless
    `fail_channel` set an error for it. users.info finds only users from `add_user`.
    """

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        signing_secret: str = SIGNING_SECRET,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        app_id: str = APP_ID,
        bot_id: str = BOT_ID,
        bot_user_id: str = BOT_USER_ID,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id

        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemeral_messages: list[EphemeralMessage] = []
        self.response_url_posts: list[ResponseUrlPost] = []
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, SlackChannel] = {}
        self.socket_connections: list[SocketConnection] = []
        self.envelopes_sent: list[SocketEnvelope] = []
        self.acks: list[SocketAck] = []

        self._rate_limits: dict[str, _RateLimit] = {}
        self._channel_failures: dict[str, str] = {}
        self._response_url_targets: dict[str, _ResponseUrlTarget] = {}
        self._issued_socket_numbers: set[int] = set()
        self._socket_numbers = itertools.count(1)
        self._ts_numbers = itertools.count(1)
        self._trigger_numbers = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Start the server on an ephemeral port of 127.0.0.1."""
        if self._runner is not None:
            raise RuntimeError("the Slack double is already running")
        application = web.Application()
        application.router.add_route("*", "/api/{method}", self._handle_api)
        application.router.add_get(r"/socket/{number:\d+}", self._handle_socket)
        application.router.add_post("/response/{key}", self._handle_response_url)
        # Open WebSockets are closed in close(), so cleanup waits only for
        # plain HTTP requests that are still being served.
        runner = web.AppRunner(application, shutdown_timeout=DEFAULT_TIMEOUT)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        logger.info("Slack double listening on %s", self.base_url)

    async def close(self) -> None:
        """Close every open Socket Mode connection, then stop the server."""
        if self._runner is None:
            return
        for connection in self.socket_connections:
            if not connection.closed:
                await connection.websocket.close(
                    code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server stopping"
                )
        await self._runner.cleanup()
        self._runner = None
        logger.info("Slack double on port %s stopped", self._port)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the Slack double is not running. Call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """Root URL of the server, such as `http://127.0.0.1:43121/`."""
        return f"http://{HOST}:{self.port}/"

    @property
    def api_url(self) -> str:
        """Web API base URL to pass as `AsyncWebClient(base_url=...)`."""
        return f"{self.base_url}api/"

    def web_client(
        self,
        *,
        token: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry_handlers: list[AsyncRetryHandler] | None = None,
    ) -> AsyncWebClient:
        """Build an AsyncWebClient that calls this double, with the bot token by default.

        Without a session the client opens and closes one aiohttp session per call.
        A caller that passes a session must close it.
        """
        return AsyncWebClient(
            token=token if token is not None else self.bot_token,
            base_url=self.api_url,
            session=session,
            retry_handlers=retry_handlers,
        )

    # -- test setup and fault injection -------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
    ) -> SlackUser:
        """Register a user for users.info and return it, replacing any earlier one."""
        user_name = name if name is not None else user_id.lower()
        user = SlackUser(
            id=user_id,
            name=user_name,
            real_name=real_name if real_name is not None else user_name,
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_primary_owner,
            is_bot=is_bot,
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, *, name: str | None = None, is_private: bool = False
    ) -> SlackChannel:
        """Register a channel's name and privacy for conversations.info."""
        channel = SlackChannel(
            id=channel_id,
            name=name if name is not None else channel_id.lower(),
            is_private=is_private,
        )
        self.channels[channel_id] = channel
        return channel

    def rate_limit(self, method: str, *, calls: int = 1, retry_after: int = 1) -> None:
        """Respond to the next `calls` requests to `method` with HTTP 429.

        Each such response carries `Retry-After: <retry_after>` (seconds) and the body
        `{"ok": false, "error": "ratelimited"}`, as Slack sends it. slack_sdk 3.48's
        AsyncRateLimitErrorRetryHandler sleeps Retry-After plus up to one second.
        """
        if calls < 1:
            raise ValueError(f"calls must be at least 1, got {calls}")
        if retry_after < 0:
            raise ValueError(f"retry_after must not be negative, got {retry_after}")
        self._rate_limits[method] = _RateLimit(remaining=calls, retry_after=retry_after)
        logger.info(
            "Slack double rate-limits the next %d calls of %s (Retry-After %d s)",
            calls,
            method,
            retry_after,
        )

    def fail_channel(self, channel_id: str, error: str) -> None:
        """Make every method that targets `channel_id` fail with `error`.

        chat.postMessage, chat.update and chat.postEphemeral return the error.
        conversations.info returns it only for channel_not_found. For is_archived
        and not_in_channel it describes the channel with `is_archived: true` or
        `is_member: false`, because Slack still describes such channels.
        """
        if error not in CHANNEL_ERRORS:
            allowed = ", ".join(sorted(CHANNEL_ERRORS))
            raise ValueError(f"channel error {error!r} is not supported. Use one of {allowed}")
        self._channel_failures[channel_id] = error

    def clear_channel_failure(self, channel_id: str) -> None:
        """Remove the error that `fail_channel` set for `channel_id`, if any."""
        self._channel_failures.pop(channel_id, None)

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """Return a fresh response_url on this double.

        A post with `replace_original` or `delete_original` changes the message at
        `channel` and `message_ts`. An ephemeral reply is recorded for `user`.
        """
        key = secrets.token_hex(8)
        self._response_url_targets[key] = _ResponseUrlTarget(channel, message_ts, user)
        return f"{self.base_url}response/{key}"

    # -- inspection ---------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """Return the recorded calls of one Web API method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def message(self, channel: str, ts: str) -> Message:
        """Return the message at `channel` and `ts`, or raise KeyError."""
        try:
            return self.messages[(channel, ts)]
        except KeyError:
            known = ", ".join(f"{c}/{t}" for c, t in self.messages) or "none"
            raise KeyError(
                f"no message at channel {channel!r}, ts {ts!r}. Stored messages: {known}"
            ) from None

    def latest_blocks(self, channel: str, ts: str) -> list[JSONDict] | None:
        """Return the current blocks of the message at `channel` and `ts`."""
        return self.message(channel, ts).blocks

    def messages_in(self, channel: str) -> list[Message]:
        """Return the messages of a channel, thread replies included, in ts order."""
        found = [m for (c, _), m in self.messages.items() if c == channel]
        return sorted(found, key=lambda message: message.ts)

    # -- waits --------------------------------------------------------------

    async def wait_for_call(
        self, method: str, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> ApiCall:
        """Wait until `method` was called `count` times and return that call."""
        calls = await self._wait_for_items(
            lambda: self.calls_to(method),
            count,
            timeout,
            f"call {count} of {method}",
        )
        return calls[count - 1]

    async def wait_for_ack(
        self, envelope_id: str, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> SocketAck:
        """Wait for acknowledgement number `count` of `envelope_id` and return it."""
        acks = await self._wait_for_items(
            lambda: [a for a in self.acks if a.envelope_id == envelope_id],
            count,
            timeout,
            f"ack {count} of envelope {envelope_id}",
        )
        return acks[count - 1]

    async def wait_for_response_url_post(
        self, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> ResponseUrlPost:
        """Wait until `count` response_url posts arrived and return the last of them."""
        posts = await self._wait_for_items(
            lambda: self.response_url_posts,
            count,
            timeout,
            f"response_url post {count}",
        )
        return posts[count - 1]

    async def wait_for_socket_connection(
        self, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> SocketConnection:
        """Wait until `count` Socket Mode connections were opened and return the last."""
        connections = await self._wait_for_items(
            lambda: self.socket_connections,
            count,
            timeout,
            f"Socket Mode connection {count}",
        )
        return connections[count - 1]

    async def _wait_for_items(
        self,
        select: Callable[[], list[Item]],
        count: int,
        timeout: float,
        description: str,
    ) -> list[Item]:
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(select()) >= count), timeout
                )
            except TimeoutError:
                raise TimeoutError(
                    f"timed out after {timeout} s waiting for {description}. {self._summary()}"
                ) from None
        return select()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _summary(self) -> str:
        methods = [f"{c.method}->{c.status}" for c in self.calls]
        return (
            f"Web API calls so far: {methods or 'none'}, "
            f"acks: {[a.envelope_id for a in self.acks] or 'none'}, "
            f"socket connections: {len(self.socket_connections)}"
        )

    # -- Socket Mode --------------------------------------------------------

    async def push_envelope(
        self,
        envelope_type: EnvelopeType,
        payload: JSONDict,
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SocketEnvelope:
        """Send an envelope over the newest open Socket Mode connection.

        It waits up to `timeout` seconds for a connection. `accepts_response_payload`
        defaults to true for slash_commands and false otherwise, as for a button
        click or an Events API event.
        """
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands"
        envelope = SocketEnvelope(
            envelope_id=envelope_id if envelope_id is not None else _new_envelope_id(),
            type=envelope_type,
            payload=payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        await self._send_to_socket(envelope.to_json(), timeout)
        self.envelopes_sent.append(envelope)
        return envelope

    async def redeliver(
        self,
        envelope: SocketEnvelope,
        *,
        retry_reason: str = "timeout",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SocketEnvelope:
        """Send `envelope` again with the same envelope_id and the next retry_attempt."""
        again = dataclasses.replace(
            envelope,
            retry_attempt=envelope.retry_attempt + 1,
            retry_reason=retry_reason,
        )
        await self._send_to_socket(again.to_json(), timeout)
        self.envelopes_sent.append(again)
        return again

    async def send_disconnect(
        self,
        reason: str = "refresh_requested",
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Send a Socket Mode `disconnect` message. slack_sdk 3.48 reconnects on receipt."""
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "slack-double"},
        }
        await self._send_to_socket(message, timeout)

    async def _send_to_socket(self, message: JSONDict, timeout: float) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._open_socket() is not None),
                    timeout,
                )
            except TimeoutError:
                raise TimeoutError(
                    f"timed out after {timeout} s waiting for an open Socket Mode "
                    f"connection. {self._summary()}"
                ) from None
            connection = self._open_socket()
        assert connection is not None
        await connection.websocket.send_str(json.dumps(message))

    def _open_socket(self) -> SocketConnection | None:
        for connection in reversed(self.socket_connections):
            if not connection.closed and not connection.websocket.closed:
                return connection
        return None

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["number"])
        if number not in self._issued_socket_numbers:
            logger.warning("Socket Mode connection to unissued URL number %d rejected", number)
            raise web.HTTPNotFound(text=f"no Socket Mode URL was issued for {number}")
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        connection = SocketConnection(number=number, websocket=websocket)
        self.socket_connections.append(connection)
        logger.info("Socket Mode connection %d opened", number)

        open_count = sum(1 for c in self.socket_connections if not c.closed)
        await websocket.send_json(self._hello_message(open_count))
        await self._notify()
        try:
            async for frame in websocket:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    await self._receive_socket_text(connection, frame.data)
                elif frame.type == aiohttp.WSMsgType.ERROR:
                    logger.warning(
                        "Socket Mode connection %d failed: %s",
                        number,
                        websocket.exception(),
                    )
        finally:
            connection.closed = True
            logger.info("Socket Mode connection %d closed", number)
            await self._notify()
        return websocket

    def _hello_message(self, open_count: int) -> JSONDict:
        return {
            "type": "hello",
            "num_connections": open_count,
            "debug_info": {
                "host": "slack-double",
                "started": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                "build_number": 1,
                "approximate_connection_time": 3600,
            },
            "connection_info": {"app_id": self.app_id},
        }

    async def _receive_socket_text(self, connection: SocketConnection, text: str) -> None:
        try:
            frame = json.loads(text)
        except json.JSONDecodeError:
            logger.warning(
                "Socket Mode connection %d sent invalid JSON: %r",
                connection.number,
                text[:200],
            )
            connection.received.append(text)
            return
        connection.received.append(frame)
        if isinstance(frame, dict) and isinstance(frame.get("envelope_id"), str):
            payload = frame.get("payload")
            ack = SocketAck(
                envelope_id=frame["envelope_id"],
                payload=payload if isinstance(payload, dict) else None,
                connection=connection.number,
                time=time.monotonic(),
            )
            self.acks.append(ack)
            await self._notify()

    # -- response_url -------------------------------------------------------

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        target = self._response_url_targets.get(key)
        if target is None:
            logger.warning("response_url %s was not issued by this double", request.url)
            return web.Response(status=404, text="no_such_response_url")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            logger.warning("response_url %s received a body that is not a JSON object", key)
            return web.Response(status=400, text="invalid_payload")

        self.response_url_posts.append(
            ResponseUrlPost(url=str(request.url), body=body, time=time.monotonic())
        )
        self._apply_response_url_post(target, body)
        await self._notify()
        return web.Response(text="ok")

    def _apply_response_url_post(self, target: _ResponseUrlTarget, body: JSONDict) -> None:
        original = None
        if target.channel is not None and target.message_ts is not None:
            original = self.messages.get((target.channel, target.message_ts))

        if _is_true(body.get("delete_original")):
            if original is not None:
                original.deleted = True
            return
        if _is_true(body.get("replace_original")):
            # Unlike chat.update, a replacement drops the blocks that it omits.
            if original is not None:
                original.text = body.get("text")
                original.blocks = body.get("blocks")
                original.versions.append({"text": original.text, "blocks": original.blocks})
            return
        if body.get("response_type") == "in_channel" and target.channel is not None:
            self._store_message(
                target.channel,
                body.get("text"),
                body.get("blocks"),
                body.get("thread_ts"),
            )
            return
        self.ephemeral_messages.append(
            EphemeralMessage(
                channel=target.channel,
                user=target.user,
                text=body.get("text"),
                blocks=body.get("blocks"),
                thread_ts=body.get("thread_ts"),
                source="response_url",
            )
        )

    # -- Web API ------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived = time.monotonic()
        headers: dict[str, str] = {}
        token: str | None = _bearer_token(request) or None
        try:
            arguments = await _read_arguments(request)
        except SlackApiFailure as failure:
            arguments = {}
            status, body = 200, {"ok": False, "error": failure.error}
        else:
            # Slack also accepts the token as an argument, which is removed from the record.
            body_token = _pop_str(arguments, "token")
            token = token or body_token
            status, body = self._build_api_response(method, token, arguments, headers)
        if not body.get("ok") and status == 200:
            logger.info("Slack double responded to %s with error %s", method, body.get("error"))
        self.calls.append(
            ApiCall(
                method=method,
                arguments=arguments,
                token=token,
                http_method=request.method,
                status=status,
                response=body,
                time=arrived,
            )
        )
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _build_api_response(
        self,
        method: str,
        token: str | None,
        arguments: JSONDict,
        headers: dict[str, str],
    ) -> tuple[int, JSONDict]:
        """Check the token, then the injected rate limit, then run the method.

        As on Slack, a missing token gives not_authed and an unknown one invalid_auth.
        An app token outside apps.connections.open, or a bot token on it, gives
        not_allowed_token_type.
        """
        handler = self._api_methods().get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}

        needs_app_token = method == "apps.connections.open"
        if not token:
            return 200, {"ok": False, "error": "not_authed"}
        if token not in (self.bot_token, self.app_token):
            return 200, {"ok": False, "error": "invalid_auth"}
        if (token == self.app_token) != needs_app_token:
            return 200, {"ok": False, "error": "not_allowed_token_type"}

        limit = self._rate_limits.get(method)
        if limit is not None and limit.remaining > 0:
            limit.remaining -= 1
            headers["Retry-After"] = str(limit.retry_after)
            logger.info("Slack double responded to %s with 429 (rate limited)", method)
            return 429, {"ok": False, "error": "ratelimited"}

        try:
            return 200, {"ok": True, **handler(arguments)}
        except SlackApiFailure as failure:
            return 200, {"ok": False, "error": failure.error}

    def _api_methods(self) -> dict[str, Callable[[JSONDict], JSONDict]]:
        return {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
        }

    def _auth_test(self, arguments: JSONDict) -> JSONDict:
        return {
            "url": self.base_url,
            "team": "Rightsize Test",
            "user": "rightsize",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, arguments: JSONDict) -> JSONDict:
        number = next(self._socket_numbers)
        self._issued_socket_numbers.add(number)
        return {"url": f"ws://{HOST}:{self.port}/socket/{number}"}

    def _chat_post_message(self, arguments: JSONDict) -> JSONDict:
        channel = self._writable_channel(arguments)
        text, blocks = _message_content(arguments)
        thread_ts = _optional_str(arguments, "thread_ts")
        message = self._store_message(channel, text, blocks, thread_ts)
        return {
            "channel": channel,
            "ts": message.ts,
            "message": self._message_json(message),
        }

    def _chat_update(self, arguments: JSONDict) -> JSONDict:
        channel = self._writable_channel(arguments)
        ts = _optional_str(arguments, "ts")
        message = self.messages.get((channel, ts)) if ts else None
        if message is None or message.deleted:
            raise SlackApiFailure("message_not_found")
        text, blocks = _message_content(arguments)
        _update_message(message, text, blocks)
        return {
            "channel": channel,
            "ts": message.ts,
            "text": message.text or "",
            "message": self._message_json(message),
        }

    def _chat_post_ephemeral(self, arguments: JSONDict) -> JSONDict:
        channel = self._writable_channel(arguments)
        user = _optional_str(arguments, "user")
        if not user:
            raise SlackApiFailure("user_not_in_channel")
        text, blocks = _message_content(arguments)
        self.ephemeral_messages.append(
            EphemeralMessage(
                channel=channel,
                user=user,
                text=text,
                blocks=blocks,
                thread_ts=_optional_str(arguments, "thread_ts"),
                source="chat.postEphemeral",
            )
        )
        return {"message_ts": self._new_ts()}

    def _users_info(self, arguments: JSONDict) -> JSONDict:
        user_id = _optional_str(arguments, "user")
        user = self.users.get(user_id) if user_id else None
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user.to_json(self.team_id)}

    def _conversations_info(self, arguments: JSONDict) -> JSONDict:
        channel_id = _optional_str(arguments, "channel")
        if not channel_id:
            raise SlackApiFailure("channel_not_found")
        failure = self._channel_failures.get(channel_id)
        if failure == "channel_not_found":
            raise SlackApiFailure(failure)
        channel = self.channels.get(channel_id) or SlackChannel(
            id=channel_id, name=channel_id.lower()
        )
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": not channel.is_private,
                "is_group": False,
                "is_im": False,
                "is_private": channel.is_private,
                "is_archived": failure == "is_archived",
                "is_member": failure != "not_in_channel",
                "context_team_id": self.team_id,
            }
        }

    def _writable_channel(self, arguments: JSONDict) -> str:
        channel = _optional_str(arguments, "channel")
        if not channel:
            raise SlackApiFailure("channel_not_found")
        failure = self._channel_failures.get(channel)
        if failure is not None:
            raise SlackApiFailure(failure)
        return channel

    def _store_message(
        self,
        channel: str,
        text: str | None,
        blocks: list[JSONDict] | None,
        thread_ts: str | None,
    ) -> Message:
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            versions=[{"text": text, "blocks": blocks}],
        )
        self.messages[(channel, message.ts)] = message
        return message

    def _message_json(self, message: Message) -> JSONDict:
        body: JSONDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": message.text or "",
            "ts": message.ts,
        }
        if message.blocks is not None:
            body["blocks"] = message.blocks
        if message.thread_ts is not None:
            body["thread_ts"] = message.thread_ts
        return body

    def _new_ts(self) -> str:
        # Slack's ts is "<unix seconds>.<6 digits>". The counter keeps every ts of
        # one double unique and increasing, even within one second.
        return f"{int(time.time())}.{next(self._ts_numbers):06d}"

    # -- payload builders ---------------------------------------------------

    def block_actions_payload(
        self,
        *,
        action_id: str,
        value: str,
        user_id: str,
        channel_id: str,
        message_ts: str,
        block_id: str = "actions",
        user_name: str | None = None,
        button_text: str = "Vote",
        is_ephemeral: bool = False,
    ) -> JSONDict:
        """Build the block_actions payload that Slack sends for a button click.

        When the double stores the message at `channel_id` and `message_ts`, the
        payload carries its current text and blocks, as Slack's does. With
        `is_ephemeral`, the click comes from a message visible only to the user,
        such as a self-quiz question sent through a response_url.
        """
        name = self._user_name(user_id, user_name)
        stored = self.messages.get((channel_id, message_ts))
        message: JSONDict = {"type": "message", "ts": message_ts, "text": ""}
        if stored is not None:
            message = self._message_json(stored)
        channel_name = self._channel_name(channel_id)
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": name,
                "name": name,
                "team_id": self.team_id,
            },
            "api_app_id": self.app_id,
            "token": "verification-token-unused",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": self._new_trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_name},
            "message": message,
            "state": {"values": {}},
            "response_url": self.new_response_url(
                channel=channel_id, message_ts=message_ts, user=user_id
            ),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": button_text, "emoji": True},
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def slash_command_payload(
        self,
        *,
        command: str,
        user_id: str,
        channel_id: str,
        text: str = "",
        user_name: str | None = None,
    ) -> JSONDict:
        """Build the slash command payload that Slack sends, with string values only."""
        return {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id, user_name),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(channel=channel_id, user=user_id),
            "trigger_id": self._new_trigger_id(),
        }

    def event_callback_payload(self, event: JSONDict) -> JSONDict:
        """Wrap an event, such as an app_mention, in an Events API event_callback."""
        return {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def _user_name(self, user_id: str, user_name: str | None) -> str:
        if user_name is not None:
            return user_name
        user = self.users.get(user_id)
        return user.name if user is not None else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        return channel.name if channel is not None else channel_id.lower()

    def _new_trigger_id(self) -> str:
        return f"{next(self._trigger_numbers)}.{int(time.time())}.{secrets.token_hex(16)}"


# ---------------------------------------------------------------------------
# Request parsing helpers


async def _read_arguments(request: web.Request) -> JSONDict:
    """Merge query, form and JSON body arguments, because Slack accepts each of them.

    slack_sdk 3.48 sends auth.test and apps.connections.open arguments as a query
    string, users.info and conversations.info as GET, and chat.* methods as JSON.
    """
    arguments: JSONDict = dict(request.query)
    if not request.can_read_body:
        return arguments
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise SlackApiFailure("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackApiFailure("invalid_json")
        arguments.update(body)
    elif request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        arguments.update({k: v for k, v in form.items() if isinstance(v, str)})
    return arguments


def _bearer_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _pop_str(arguments: JSONDict, name: str) -> str | None:
    value = arguments.pop(name, None)
    return value if isinstance(value, str) else None


def _optional_str(arguments: JSONDict, name: str) -> str | None:
    value = arguments.get(name)
    return str(value) if value is not None else None


def _message_content(arguments: JSONDict) -> tuple[str | None, list[JSONDict] | None]:
    """Return text and blocks, decoding blocks sent as a JSON string in a form body."""
    text = _optional_str(arguments, "text")
    blocks = arguments.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except json.JSONDecodeError:
            raise SlackApiFailure("invalid_blocks_format") from None
    if blocks is not None and not isinstance(blocks, list):
        raise SlackApiFailure("invalid_blocks_format")
    if not text and not blocks:
        raise SlackApiFailure("no_text")
    return text, blocks


def _update_message(message: Message, text: Any, blocks: Any) -> None:
    """Apply chat.update, which keeps the text or blocks that the request omits."""
    if text is not None:
        message.text = str(text)
    if blocks is not None:
        message.blocks = blocks
    message.versions.append({"text": message.text, "blocks": message.blocks})


def _is_true(value: Any) -> bool:
    return value is True or value == "true"


def _new_envelope_id() -> str:
    return secrets.token_hex(4) + "-" + secrets.token_hex(2) + "-" + secrets.token_hex(6)


# ---------------------------------------------------------------------------
# HTTP mode


def sign_request(
    body: bytes | str, signing_secret: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """Return the headers with which Slack signs a request body.

    The signature is `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<body>` keyed
    with the signing secret. `timestamp` is Unix seconds and defaults to now. Bolt
    1.30 verifies with slack_sdk's SignatureVerifier, which rejects a timestamp more
    than five minutes away from its clock.
    """
    raw_body = body.encode() if isinstance(body, str) else body
    request_time = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(request_time).encode() + b":" + raw_body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(request_time),
        "X-Slack-Signature": f"v0={digest}",
    }


@asynccontextmanager
async def bolt_http_server(app: AsyncApp, *, path: str = "/slack/events") -> AsyncIterator[str]:
    """Serve `app` in HTTP mode on an ephemeral port of 127.0.0.1 and yield its URL.

    Requests to the URL must carry the headers from `sign_request`, signed with the
    app's signing secret, or bolt responds with 401.
    """
    runner = web.AppRunner(app.web_app(path=path), shutdown_timeout=DEFAULT_TIMEOUT)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        port = int(runner.addresses[0][1])
        yield f"http://{HOST}:{port}{path}"
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------------
# Starting the double and connecting the app


@asynccontextmanager
async def running_slack_double(**settings: Any) -> AsyncIterator[SlackDouble]:
    """Start a SlackDouble with `settings` as constructor arguments and stop it on exit."""
    double = SlackDouble(**settings)
    await double.start()
    try:
        yield double
    finally:
        await double.close()


@pytest_asyncio.fixture
async def slack_double(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackDouble]:
    """Provide a running SlackDouble with the default tokens and ids.

    The proxy variables are removed for the test, because slack_sdk would otherwise
    send the double's traffic through the proxy that they name.
    """
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    async with running_slack_double() as double:
        yield double


@asynccontextmanager
async def socket_mode_handler(
    app: AsyncApp, double: SlackDouble, *, timeout: float = DEFAULT_TIMEOUT
) -> AsyncIterator[AsyncSocketModeHandler]:
    """Connect `app` to the double over Socket Mode and close the handler on exit.

    The handler requests its WebSocket URL through the app's web client. If that
    client's base URL is not the double's api_url, this raises ValueError before
    any request.
    """
    if app.client.base_url != double.api_url:
        raise ValueError(
            f"the app's web client calls {app.client.base_url!r}, not the double at "
            f"{double.api_url!r}; build it with double.web_client()"
        )
    already_open = len(double.socket_connections)
    handler = AsyncSocketModeHandler(app, double.app_token)
    # slack_bolt 1.30 leaves these methods unannotated. Typed names let strict mypy
    # check the calls below.
    connect: Callable[[], Awaitable[None]] = handler.connect_async
    close: Callable[[], Awaitable[None]] = handler.close_async
    try:
        if handler.client.web_client.base_url != double.api_url:
            raise ValueError(
                "the Socket Mode client calls "
                f"{handler.client.web_client.base_url!r}, not the double"
            )
        # slack_sdk 3.48's connect() retries forever on failure, so a timeout turns a
        # broken setup into a test failure.
        await asyncio.wait_for(connect(), timeout)
        await double.wait_for_socket_connection(count=already_open + 1, timeout=timeout)
        yield handler
    finally:
        await close()
