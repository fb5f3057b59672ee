"""Sync the `/rightsize` slash commands with Discord without starting the bot.

Run it as `python -m adapters.discord.sync`. The runner also syncs once each
time it starts; this is for syncing on its own, for example after an upgrade.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord.client import client_options
from adapters.discord.commands import build_tree
from adapters.discord.endpoints import Endpoints
from adapters.discord.errors import DiscordTokenRejectedError
from bot.errors import RightsizeError
from bot.settings import Settings, SettingsError, load_settings

_log = logging.getLogger(__name__)


async def _not_served(interaction: discord.Interaction[Any], words: Sequence[str]) -> None:
    raise RuntimeError("the sync client connects no gateway, so it runs no command")


async def sync_commands(
    settings: Settings, *, http_trace: aiohttp.TraceConfig | None = None
) -> list[app_commands.AppCommand]:
    """Log in over REST only, overwrite the global slash commands and return them."""
    if settings.discord_token is None:
        raise SettingsError(["DISCORD_TOKEN is missing: syncing commands needs the bot token"])
    endpoints = Endpoints(settings.discord_api_base_url, settings.discord_gateway_url)
    endpoints.apply()
    try:
        client = discord.Client(**client_options(http_trace=http_trace))
        tree = build_tree(client, _not_served)
        async with client:
            try:
                await client.login(settings.discord_token.get_secret_value())
            except discord.LoginFailure as exc:
                raise DiscordTokenRejectedError(str(exc)) from None
            return await tree.sync()
    finally:
        endpoints.restore()


def main(argv: Sequence[str] | None = None) -> int:
    """Sync the commands with the configured token; return the process exit status."""
    del argv  # the command takes no arguments
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        synced = asyncio.run(sync_commands(load_settings()))
    except RightsizeError as exc:
        sys.stderr.write(f"rightsize: {exc.message}\n")
        return 1
    except discord.HTTPException as exc:
        sys.stderr.write(f"rightsize: Discord rejected the command sync: {exc}\n")
        return 1
    except (aiohttp.ClientError, OSError) as exc:
        sys.stderr.write(
            f"rightsize: connecting to Discord failed ({exc}); check the network "
            "and DISCORD_API_BASE_URL.\n"
        )
        return 1
    names = ", ".join(f"/{command.name}" for command in synced)
    sys.stdout.write(f"Synced {len(synced)} Discord command(s): {names}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
