"""Start and stop the Slack adapter: bolt's AsyncApp on Socket Mode or HTTP."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import SlackConnectTimeoutError, SlackTokenRejectedError
from adapters.slack.guard import Guard
from adapters.slack.handlers import SlackHandlers
from adapters.slack.livecount import LiveCount, refresh_question
from adapters.slack.mode import HttpMode, SocketMode, resolve_mode
from adapters.slack.port import PLATFORM, SlackPort
from adapters.slack.replies import PrivateReplies
from bot.app import App
from bot.settings import Settings

_log = logging.getLogger(__name__)

# Seconds between two edits of one question message's live count.
COUNT_INTERVAL = 3.0
# Seconds that start() waits for the Socket Mode WebSocket to open.
CONNECT_TIMEOUT = 30.0
# Seconds that stop() lets requests in flight finish before it cancels them.
STOP_GRACE = 5.0
# Retries of one Web API call: after a connection error, and after a 429 (Retry-After).
CONNECTION_RETRIES = 2
RATE_LIMIT_RETRIES = 3
HTTP_PATH = "/slack/events"
# Seconds one Web API call may take before it fails and its retry handler decides.
API_TIMEOUT = 10


def retry_handlers() -> list[AsyncRetryHandler]:
    """Build the retry handlers of every Slack client: connection errors and 429s."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


@web.middleware
async def reject_malformed(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer 401 for a missing or non-numeric timestamp and 400 for a body bolt cannot read.

    Bolt verifies the signature itself, but a timestamp that is not a number or
    a signed body that is not valid JSON would otherwise end in a 500 and a
    traceback in the log.
    """
    if not request.headers.get("X-Slack-Request-Timestamp", "").isdigit():
        return web.Response(status=401, text="invalid or missing X-Slack-Request-Timestamp")
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ValueError:
        _log.warning("rejected a Slack HTTP request whose body could not be parsed")
        return web.Response(status=400, text="the request body could not be parsed")


def create_runner(
    app: App, settings: Settings, *, count_interval: float = COUNT_INTERVAL
) -> SlackRunner:
    """Build the Slack runner from the settings; raise SettingsError for a missing token.

    Every Web API call goes to SLACK_API_BASE_URL, because bolt does not read
    that variable itself.
    """
    mode = resolve_mode(settings)
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_base_url,
        retry_handlers=retry_handlers(),
        timeout=API_TIMEOUT,
    )
    return SlackRunner(
        app,
        client=client,
        mode=mode,
        admin_ids=settings.admin_ids,
        count_interval=count_interval,
    )


class SlackRunner:
    """One Slack connection: a bolt AsyncApp on the process's event loop and its port."""

    name = PLATFORM

    def __init__(
        self,
        app: App,
        *,
        client: AsyncWebClient,
        mode: SocketMode | HttpMode,
        admin_ids: frozenset[str],
        count_interval: float = COUNT_INTERVAL,
    ) -> None:
        self.app = app
        self.client = client
        self.mode = mode
        self.port = SlackPort(client)
        self.live_count = LiveCount(
            functools.partial(refresh_question, self.port, app.engine), interval=count_interval
        )
        self.replies = PrivateReplies(retry_handlers=retry_handlers())
        self.guard = Guard(self.replies)
        self.bolt = AsyncApp(
            name="rightsize",
            client=client,
            signing_secret=mode.signing_secret if isinstance(mode, HttpMode) else "",
        )
        SlackHandlers(
            app,
            port=self.port,
            live_count=self.live_count,
            guard=self.guard,
            admin_ids=admin_ids,
        ).register(self.bolt)

        self._session: aiohttp.ClientSession | None = None
        self._socket_handler: AsyncSocketModeHandler | None = None
        self._web_runner: web.AppRunner | None = None
        self.http_port: int | None = None

    async def start(self) -> None:
        """Check the bot token, then connect Socket Mode or serve HTTP; return once ready.

        The caller attaches `port` to the application, as `adapters.runtime.serve` does.
        """
        self._session = aiohttp.ClientSession()
        self.client.session = self._session
        self.replies.session = self._session
        try:
            await self._check_bot_token()
            if isinstance(self.mode, SocketMode):
                await self._connect_socket_mode(self.mode)
            else:
                await self._serve_http(self.mode)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop taking events, let requests in flight finish, then close every session.

        A stopped runner cannot be started again; build a new one with create_runner.
        """
        # Work in flight finishes first, while the socket can still carry its acks.
        # A vote stored but not acknowledged would leave the voter with an error.
        await self.guard.wait_idle(STOP_GRACE)
        if self._socket_handler is not None:
            close: Callable[[], Awaitable[None]] = self._socket_handler.close_async
            await close()
            self._socket_handler = None
            _log.info("Slack Socket Mode connection closed")
        if self._web_runner is not None:
            await self._web_runner.cleanup()
            self._web_runner = None
            _log.info("Slack HTTP endpoint stopped")
        await self.guard.wait_idle(STOP_GRACE)
        await self.live_count.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None
            self.replies.session = None

    async def _check_bot_token(self) -> None:
        try:
            identity = await self.client.auth_test()
        except SlackApiError as exc:
            raise SlackTokenRejectedError(
                "SLACK_BOT_TOKEN", str(exc.response.get("error"))
            ) from None
        _log.info(
            "Slack bot %s connected to workspace %s",
            identity.get("user_id"),
            identity.get("team_id"),
        )

    async def _connect_socket_mode(self, mode: SocketMode) -> None:
        handler = AsyncSocketModeHandler(self.bolt, mode.app_token)
        self._socket_handler = handler
        try:
            # Issuing the WebSocket URL first makes a rejected app token fail here,
            # where slack_sdk's connect() would retry it forever.
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            raise SlackTokenRejectedError(
                "SLACK_APP_TOKEN", str(exc.response.get("error"))
            ) from None
        connect: Callable[[], Awaitable[None]] = handler.connect_async
        try:
            await asyncio.wait_for(connect(), CONNECT_TIMEOUT)
        except TimeoutError:
            raise SlackConnectTimeoutError(CONNECT_TIMEOUT) from None
        _log.info("Slack Socket Mode connected")

    async def _serve_http(self, mode: HttpMode) -> None:
        web_app = self.bolt.web_app(path=HTTP_PATH, port=mode.port)
        web_app.middlewares.append(reject_malformed)
        runner = web.AppRunner(web_app)
        await runner.setup()
        self._web_runner = runner
        site = web.TCPSite(runner, mode.host, mode.port)
        await site.start()
        self.http_port = int(runner.addresses[0][1])
        _log.info("Slack HTTP endpoint listening on %s:%s%s", mode.host, self.http_port, HTTP_PATH)
