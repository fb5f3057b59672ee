"""What `rightsize run` starts: the configured platform runners on one event loop."""

from __future__ import annotations

from typing import Protocol

from bot.app import App
from bot.ports import ChatPort
from bot.settings import Settings


class Runner(Protocol):
    """One platform connection: started and stopped by `rightsize run`."""

    name: str
    port: ChatPort

    async def start(self) -> None:
        """Connect to the platform and begin handling events; return once connected."""
        ...

    async def stop(self) -> None:
        """Disconnect and release every task, session and socket the runner opened."""
        ...


def configured_runners(app: App, settings: Settings) -> list[Runner]:
    """Build a runner for each platform whose tokens are set."""
    runners: list[Runner] = []
    if settings.slack_bot_token is not None:
        from adapters.slack.runner import create_runner as create_slack

        runners.append(create_slack(app, settings))
    if settings.discord_token is not None:
        from adapters.discord.runner import create_runner as create_discord

        runners.append(create_discord(app, settings))
    return runners
