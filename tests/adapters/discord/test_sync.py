"""Slash commands sync once per start, and on their own with the sync module."""

from __future__ import annotations

import asyncio
import functools

import pytest

from adapters.discord import sync
from adapters.discord.runner import DiscordRunner
from bot.settings import Settings
from tests.adapters.discord.double import DiscordDouble, loopback_only_trace


async def test_sync_command_overwrites_global_commands(
    double: DiscordDouble, settings: Settings
) -> None:
    synced = await sync.sync_commands(settings, http_trace=loopback_only_trace())

    assert [command.name for command in synced] == ["rightsize"]
    [overwrite] = double.command_syncs
    assert overwrite.guild_id is None
    assert [command["name"] for command in overwrite.commands] == ["rightsize"]
    # Only REST: the sync opens no gateway session.
    assert double.gateway.connections == []


async def test_runner_start_syncs_once(double: DiscordDouble, runner: DiscordRunner) -> None:
    assert [command.name for command in runner.synced] == ["rightsize"]
    assert len(double.command_syncs) == 1
    assert double.calls("PUT", "/applications/{application_id}/commands")[0].status == 200


async def test_sync_main_reports_commands(
    double: DiscordDouble,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    guarded = functools.partial(sync.sync_commands, http_trace=loopback_only_trace())
    monkeypatch.setattr(sync, "load_settings", lambda: settings)
    monkeypatch.setattr(sync, "sync_commands", guarded)

    # main() runs its own event loop, so it runs in a thread beside the double's loop.
    status = await asyncio.wait_for(asyncio.to_thread(sync.main, []), 10)

    assert status == 0
    assert capsys.readouterr().out == "Synced 1 Discord command(s): /rightsize\n"


def test_sync_main_without_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    monkeypatch.setattr(
        sync, "load_settings", lambda: settings.model_copy(update={"discord_token": None})
    )

    status = sync.main([])

    assert status == 1
    assert "DISCORD_TOKEN is missing" in capsys.readouterr().err
