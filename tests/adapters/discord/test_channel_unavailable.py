"""A deleted channel or missing permissions pause that team while the others still post."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from adapters.discord import texts
from adapters.discord.runner import DiscordRunner
from bot.app import App
from bot.clock import FixedClock
from bot.ports import ChannelUnavailableError
from bot.scheduler import DailyCycle
from tests.adapters.discord.conftest import OPS_CHANNEL_ID
from tests.adapters.discord.double import (
    GENERAL_CHANNEL_ID,
    SEND_MESSAGES,
    ChannelFault,
    DiscordDouble,
    OverwriteConfig,
)
from tests.adapters.discord.support import post_round, subscribe

FAULTS = [
    pytest.param(ChannelFault.UNKNOWN_CHANNEL, texts.CHANNEL_NOT_FOUND, id="deleted"),
    pytest.param(ChannelFault.MISSING_PERMISSIONS, texts.MISSING_PERMISSIONS, id="no-permission"),
]


@pytest.mark.parametrize(("fault", "reason"), FAULTS)
async def test_unavailable_channel_pauses_only_its_team(
    double: DiscordDouble,
    app: App,
    runner: DiscordRunner,
    clock: FixedClock,
    fault: ChannelFault,
    reason: str,
) -> None:
    broken = await subscribe(app, GENERAL_CHANNEL_ID, name="general")
    healthy = await subscribe(app, OPS_CHANNEL_ID, name="ops")
    double.fail_channel(GENERAL_CHANNEL_ID, fault)
    clock.advance(timedelta(hours=2))  # past both teams' 09:30 post time

    posted = await DailyCycle(app.engine, app.cycle).tick()

    assert [item.team_id for item in posted] == [healthy.id]
    assert len(double.channel_messages(OPS_CHANNEL_ID)) == 1
    assert double.channel_messages(GENERAL_CHANNEL_ID) == []
    paused = await asyncio.to_thread(app.engine.get_team, broken.id)
    assert paused.paused
    assert paused.pause_reason == reason
    still = await asyncio.to_thread(app.engine.get_team, healthy.id)
    assert not still.paused


async def test_denied_send_permission_pauses_team(
    double: DiscordDouble, app: App, runner: DiscordRunner, clock: FixedClock
) -> None:
    broken = await subscribe(app, GENERAL_CHANNEL_ID)
    healthy = await subscribe(app, OPS_CHANNEL_ID, name="ops")
    # An admin takes Send Messages from the bot's role in one channel.
    guild = double.guilds[0]
    channel = guild.channel(GENERAL_CHANNEL_ID)
    assert channel is not None
    bot_role = next(role for role in guild.roles if role.bot_id is not None)
    denied = OverwriteConfig(id=bot_role.id, deny=SEND_MESSAGES)
    guild.channels[guild.channels.index(channel)] = dataclasses.replace(
        channel, overwrites=(denied,)
    )
    clock.advance(timedelta(hours=2))

    await DailyCycle(app.engine, app.cycle).tick()

    paused = await asyncio.to_thread(app.engine.get_team, broken.id)
    assert paused.pause_reason == texts.MISSING_PERMISSIONS
    assert not (await asyncio.to_thread(app.engine.get_team, healthy.id)).paused
    assert len(double.channel_messages(OPS_CHANNEL_ID)) == 1


@pytest.mark.parametrize(("fault", "reason"), FAULTS)
async def test_reveal_to_unavailable_channel_pauses_team(
    double: DiscordDouble,
    app: App,
    runner: DiscordRunner,
    fault: ChannelFault,
    reason: str,
) -> None:
    team = await subscribe(app)
    await post_round(app, team)
    double.fail_channel(GENERAL_CHANNEL_ID, fault)

    with pytest.raises(ChannelUnavailableError) as raised:
        await app.cycle.reveal_open_round(team)

    assert raised.value.channel_id == str(GENERAL_CHANNEL_ID)
    assert raised.value.reason == reason
    paused = await asyncio.to_thread(app.engine.get_team, team.id)
    assert paused.paused
    assert paused.pause_reason == reason


async def test_deleted_channel_fetches_nothing(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    double.fail_channel(GENERAL_CHANNEL_ID, ChannelFault.UNKNOWN_CHANNEL)

    with pytest.raises(ChannelUnavailableError):
        await runner.port.post(
            team, (await asyncio.to_thread(app.engine.team_stats_card, team.id))
        )

    # The port addresses the channel by id: one POST, no channel or member lookups.
    routes = [(call.method, call.route) for call in double.rest_calls[-1:]]
    assert routes == [("POST", "/channels/{channel_id}/messages")]
    assert double.calls("GET", "/channels/{channel_id}") == []
    assert double.calls("GET", "/guilds/{guild_id}/members/{user_id}") == []
