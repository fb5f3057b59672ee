"""Start and stop the Discord adapter: a discord.py client on the process's event loop."""

from __future__ import annotations

import asyncio
import functools
import logging

import aiohttp
import discord
from discord import app_commands

from adapters.discord.client import RightsizeClient
from adapters.discord.commands import build_tree
from adapters.discord.endpoints import Endpoints
from adapters.discord.errors import (
    DiscordConnectError,
    DiscordConnectTimeoutError,
    DiscordTokenRejectedError,
)
from adapters.discord.guard import Guard
from adapters.discord.handlers import Handlers
from adapters.discord.livecount import LiveCount, refresh_question
from adapters.discord.port import PLATFORM, DiscordPort
from adapters.discord.views import DYNAMIC_ITEMS
from bot.app import App
from bot.settings import Settings, SettingsError

_log = logging.getLogger(__name__)

# Seconds between two edits of one question message's live count.
COUNT_INTERVAL = 3.0
# Seconds after an interaction arrives until the response is deferred if the work
# is not done. Discord drops an interaction that gets no response within 3 seconds.
RESPOND_WITHIN = 2.0
# Seconds that start() waits for the gateway session to become ready.
CONNECT_TIMEOUT = 60.0
# Seconds that stop() lets interactions in flight finish, then waits for the client.
STOP_GRACE = 5.0
CLOSE_TIMEOUT = 10.0


def create_runner(
    app: App,
    settings: Settings,
    *,
    count_interval: float = COUNT_INTERVAL,
    respond_within: float = RESPOND_WITHIN,
    http_trace: aiohttp.TraceConfig | None = None,
    guild_ready_timeout: float = 2.0,
) -> DiscordRunner:
    """Build the Discord runner from the settings; raise SettingsError without DISCORD_TOKEN.

    DISCORD_API_BASE_URL sets the REST base. DISCORD_GATEWAY_URL sets the
    gateway, because discord.py 2.4 and later open the first gateway connection
    to a fixed default address without asking the REST API for it.
    """
    if settings.discord_token is None:
        raise SettingsError(["DISCORD_TOKEN is missing: the Discord adapter needs the bot token"])
    return DiscordRunner(
        app,
        token=settings.discord_token.get_secret_value(),
        endpoints=Endpoints(settings.discord_api_base_url, settings.discord_gateway_url),
        count_interval=count_interval,
        respond_within=respond_within,
        http_trace=http_trace,
        guild_ready_timeout=guild_ready_timeout,
    )


class DiscordRunner:
    """One Discord connection: the client task, its command tree, buttons and port."""

    name = PLATFORM

    def __init__(
        self,
        app: App,
        *,
        token: str,
        endpoints: Endpoints,
        count_interval: float = COUNT_INTERVAL,
        respond_within: float = RESPOND_WITHIN,
        http_trace: aiohttp.TraceConfig | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self.app = app
        self._token = token
        self.endpoints = endpoints
        self.client = RightsizeClient(
            startup=self._startup, http_trace=http_trace, guild_ready_timeout=guild_ready_timeout
        )
        self._port = DiscordPort(self.client)
        self.guard = Guard(respond_within=respond_within)
        self.live_count = LiveCount(
            functools.partial(refresh_question, self._port, app.engine), interval=count_interval
        )
        self.handlers = Handlers(app, guard=self.guard, live_count=self.live_count)
        self.client.clicks = self.handlers
        self.tree = build_tree(
            self.client, self.handlers.on_command, on_error=self.guard.on_tree_error
        )
        self.synced: list[app_commands.AppCommand] = []
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> DiscordPort:
        return self._port

    async def start(self) -> None:
        """Log in, connect the gateway and return once the first on_ready has fired."""
        self.endpoints.apply()
        try:
            self._task = asyncio.create_task(self._run_client(), name="discord-client")
            ready = asyncio.create_task(self.client.ready.wait(), name="discord-client-ready")
            try:
                done, _ = await asyncio.wait(
                    {self._task, ready},
                    timeout=CONNECT_TIMEOUT,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                ready.cancel()
            if ready not in done:
                raise self._start_error()
        except BaseException:
            await self.stop()
            raise
        self.app.attach({PLATFORM: self._port})

    async def stop(self) -> None:
        """Cancel the count edits, let interactions finish, close the client and its task."""
        await self.live_count.stop()
        await self.guard.wait_idle(STOP_GRACE)
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT)
            if not done:
                _log.error("the Discord client did not stop within %s seconds", CLOSE_TIMEOUT)
                self._task.cancel()
                await asyncio.wait({self._task})
            self._task = None
            _log.info("Discord client closed")
        self.endpoints.restore()

    async def _startup(self, client: RightsizeClient) -> None:
        """Register the persistent buttons and sync the slash commands, once per start."""
        client.add_dynamic_items(*DYNAMIC_ITEMS)
        try:
            self.synced = await self.tree.sync()
        except discord.HTTPException:
            # The commands of the last successful sync stay registered on Discord.
            _log.exception("syncing the Discord slash commands failed; the bot keeps running")
            return
        _log.info("Discord slash commands synced: %s", ", ".join(c.name for c in self.synced))

    async def _run_client(self) -> None:
        try:
            await self.client.start(self._token)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failure = exc
            if not self.client.ready.is_set():
                # start() turns the failure into a RightsizeError for the operator.
                _log.debug("the Discord client failed before it was ready", exc_info=exc)
                return
            # NOTE: nothing restarts the client or stops the process after this, so the
            # scheduler goes on and Discord posts fail, counted as failed attempts.
            _log.exception("the Discord client stopped with an error")

    def _start_error(self) -> Exception:
        failure = self._failure
        if isinstance(failure, discord.LoginFailure):
            return DiscordTokenRejectedError(str(failure))
        if failure is not None:
            return DiscordConnectError(f"{type(failure).__name__}: {failure}")
        if self._task is not None and self._task.done():
            return DiscordConnectError("the client stopped before the gateway session was ready")
        return DiscordConnectTimeoutError(CONNECT_TIMEOUT)
