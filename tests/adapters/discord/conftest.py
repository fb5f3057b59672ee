"""Fixtures of the Discord adapter tests: the double, the application and a started runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord.gateway
import discord.http
import pytest
from pydantic import SecretStr

from adapters.discord.runner import DiscordRunner, create_runner
from bot.app import App, build_app
from bot.clock import FixedClock
from bot.settings import Settings
from tests.adapters.discord.double import (
    BOT_ROLE_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    EVERYONE_PERMISSIONS,
    MENTION_EVERYONE,
    ChannelConfig,
    DiscordDouble,
    GuildConfig,
    MemberConfig,
    RoleConfig,
    UserConfig,
    default_guild,
    loopback_only_trace,
)

# Short enough for quick tests, long enough to tell throttled edits apart.
TEST_COUNT_INTERVAL = 0.4
OPS_CHANNEL_ID = 1_300_000_000_000_000_201
# A role that anyone may mention, so an unescaped <@&id> would ping it.
PING_ROLE_ID = 1_300_000_000_000_000_302
VOTER_IDS = tuple(1_300_000_000_000_001_000 + number for number in range(30))

DISCORD_DEFAULT_BASE = discord.http.Route.BASE
DISCORD_DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def sample_guild() -> GuildConfig:
    """Build the sample guild with a second channel, 30 voters and a pingable role.

    The bot may mention @everyone here, so only disabled mentions keep its
    messages from pinging anyone.
    """
    guild = default_guild()
    guild.roles = [
        role if role.id != BOT_ROLE_ID else _with_mention_everyone(role) for role in guild.roles
    ]
    guild.roles.append(RoleConfig(id=PING_ROLE_ID, name="on-call", mentionable=True, position=3))
    guild.channels.append(ChannelConfig(id=OPS_CHANNEL_ID, name="ops"))
    for number, user_id in enumerate(VOTER_IDS):
        user = UserConfig(id=user_id, username=f"voter-{number}", global_name=f"Voter {number}")
        guild.members.append(MemberConfig(user=user))
    return guild


def _with_mention_everyone(role: RoleConfig) -> RoleConfig:
    return RoleConfig(
        id=role.id,
        name=role.name,
        permissions=EVERYONE_PERMISSIONS | MENTION_EVERYONE,
        position=role.position,
        bot_id=BOT_USER_ID,
    )


@pytest.fixture(autouse=True)
def discord_py_defaults_restored() -> Iterator[None]:
    """Check that no test leaves discord.py pointed at a double."""
    yield
    assert discord.http.Route.BASE == DISCORD_DEFAULT_BASE
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == DISCORD_DEFAULT_GATEWAY


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    """Start a double with the test guild, without pointing discord.py at it.

    The runner must find the double through the settings alone.
    """
    async with DiscordDouble(guilds=[sample_guild()]) as running:
        yield running


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Return the database of a test; modules override it to run on PostgreSQL too."""
    return sqlite_url


def discord_settings(db_url: str, double: DiscordDouble, **overrides: Any) -> Settings:
    """Configure the Discord adapter against the double, ignoring any environment file."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "discord_token": SecretStr(BOT_TOKEN),
        "discord_api_base_url": double.api_base,
        "discord_gateway_url": double.gateway_url,
        "slack_bot_token": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(db_url: str, double: DiscordDouble) -> Settings:
    return discord_settings(db_url, double)


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> Iterator[App]:
    application = build_app(settings, clock=clock)
    yield application
    application.close()


def make_runner(app: App, settings: Settings, **options: Any) -> DiscordRunner:
    """Build a runner as `rightsize run` does, with a loopback guard and quick test timings."""
    values: dict[str, Any] = {
        "count_interval": TEST_COUNT_INTERVAL,
        "http_trace": loopback_only_trace(),
        "guild_ready_timeout": 0.1,
        **options,
    }
    return create_runner(app, settings, **values)


@pytest.fixture
async def runner(app: App, settings: Settings) -> AsyncIterator[DiscordRunner]:
    """Start the Discord runner against the double and stop it afterwards."""
    started = make_runner(app, settings)
    await started.start()
    try:
        yield started
    finally:
        await started.stop()
