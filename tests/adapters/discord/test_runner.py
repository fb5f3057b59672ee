"""The runner as `rightsize run` starts it: settings alone point it at Discord or a double."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import discord.gateway
import discord.http
import pytest
import yarl
from pydantic import SecretStr

from adapters.discord.endpoints import Endpoints
from adapters.discord.errors import DiscordConnectError, DiscordTokenRejectedError
from adapters.discord.port import DiscordPort
from adapters.discord.runner import DiscordRunner, create_runner
from adapters.runtime import configured_runners, serve
from bot.app import App
from bot.clock import FixedClock
from bot.ports import ChatPort
from bot.settings import Settings, SettingsError
from tests.adapters.discord.conftest import (
    DISCORD_DEFAULT_BASE,
    DISCORD_DEFAULT_GATEWAY,
    VOTER_IDS,
    discord_settings,
    make_runner,
)
from tests.adapters.discord.double import (
    BOT_TOKEN,
    GENERAL_CHANNEL_ID,
    INTENT_GUILDS,
    PRIVILEGED_INTENTS,
    DiscordDouble,
)
from tests.adapters.discord.support import (
    click_vote,
    eventually,
    post_round,
    posted_message,
    subscribe,
)


def _closed_port() -> int:
    """Return a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_runner_found_double_through_settings(
    double: DiscordDouble, app: App, settings: Settings
) -> None:
    started = make_runner(app, settings)
    await started.start()
    try:
        base_while_running = discord.http.Route.BASE
        connection = double.gateway.connections[0]
        identify = double.gateway.identify_payloads[0]
        attached = app.cycle.ports.get("discord")
    finally:
        await started.stop()

    assert base_while_running == double.api_base
    assert connection.path == "/gateway"
    assert identify["intents"] == INTENT_GUILDS
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert attached is started.port
    assert isinstance(started.port, ChatPort)
    assert started.client.is_closed()
    assert double.gateway.connections[0].closed
    logins = double.calls("GET", "/users/@me")
    assert [call.authorization for call in logins] == [f"Bot {BOT_TOKEN}"]
    assert double.unhandled_calls == []


async def test_wrong_token_rejected_at_start(double: DiscordDouble, app: App, db_url: str) -> None:
    settings = discord_settings(db_url, double, discord_token="not-the-bot-token")
    runner = make_runner(app, settings)

    with pytest.raises(DiscordTokenRejectedError) as raised:
        await runner.start()

    assert "DISCORD_TOKEN" in raised.value.message
    assert "not-the-bot-token" not in raised.value.message
    assert double.gateway.connections == []
    assert runner.client.is_closed()


async def test_unreachable_api_fails_start(double: DiscordDouble, app: App, db_url: str) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/api/v10"
    runner = make_runner(app, discord_settings(db_url, double, discord_api_base_url=dead))

    with pytest.raises(DiscordConnectError) as raised:
        await runner.start()

    assert "DISCORD_API_BASE_URL" in raised.value.message
    assert double.rest_calls == []


def test_runner_needs_token(app: App, double: DiscordDouble, db_url: str) -> None:
    settings = discord_settings(db_url, double, discord_token=None)

    with pytest.raises(SettingsError, match="DISCORD_TOKEN is missing"):
        create_runner(app, settings)


def test_port_and_name_before_start(app: App, settings: Settings) -> None:
    runner = create_runner(app, settings)

    assert runner.name == "discord"
    assert isinstance(runner.port, DiscordPort)
    assert runner.port.platform == "discord"


def test_endpoints_keep_default_gateway_when_unset() -> None:
    endpoints = Endpoints("http://127.0.0.1:9/api/v10/", gateway=None)

    endpoints.apply()
    try:
        applied_base = discord.http.Route.BASE
        applied_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    finally:
        endpoints.restore()

    assert applied_base == "http://127.0.0.1:9/api/v10"
    assert applied_gateway == DISCORD_DEFAULT_GATEWAY
    assert discord.http.Route.BASE == DISCORD_DEFAULT_BASE


def test_settings_default_to_discord(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL"):
        monkeypatch.delenv(variable, raising=False)
    defaults = Settings(_env_file=None, discord_token=SecretStr("x"))  # type: ignore[call-arg]

    assert defaults.discord_api_base_url == "https://discord.com/api/v10"
    assert defaults.discord_gateway_url is None
    assert yarl.URL("wss://gateway.discord.gg/") == DISCORD_DEFAULT_GATEWAY


async def test_stop_cancels_live_count_tasks(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")
    await click_vote(double, question, posted.id, "slm", VOTER_IDS[0])
    await eventually(lambda: bool(runner.live_count.tasks()), "a live count task")
    [task] = runner.live_count.tasks()

    await runner.stop()

    assert task.done()
    assert task.get_name() == f"discord-live-count {posted.message_ref}"
    assert runner.live_count.tasks() == []


async def test_serve_posts_due_round(
    double: DiscordDouble, app: App, settings: Settings, clock: FixedClock
) -> None:
    team = await subscribe(app)
    clock.advance(timedelta(hours=2))  # past the team's 09:30 post time
    stop = asyncio.Event()

    serving = asyncio.create_task(serve(app, [make_runner(app, settings)], stop=stop))
    try:
        await eventually(
            lambda: bool(double.channel_messages(GENERAL_CHANNEL_ID)), "the scheduled post"
        )
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)

    latest = await asyncio.to_thread(app.engine.latest_round, team.id)
    assert latest is not None
    assert latest.posted
    [question] = double.channel_messages(GENERAL_CHANNEL_ID)
    assert latest.message_ref == f"{GENERAL_CHANNEL_ID}:{question.id}"
    assert double.gateway.connections[-1].closed


def test_rightsize_run_builds_discord_runner(app: App, settings: Settings) -> None:
    runners = configured_runners(app, settings)

    assert [runner.name for runner in runners] == ["discord"]
