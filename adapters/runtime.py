"""The platform runners that `rightsize run` starts on one event loop, and their contract."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from bot.app import App
from bot.ports import ChatPort
from bot.scheduler import DailyCycle, Scheduler
from bot.settings import Settings

_log = logging.getLogger(__name__)


class Runner(Protocol):
    """One platform connection: started and stopped by `rightsize run`."""

    name: str

    @property
    def port(self) -> ChatPort:
        """The chat port that posts to this platform's channels."""
        ...

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


async def serve(app: App, runners: list[Runner], *, stop: asyncio.Event | None = None) -> None:
    """Start the runners and the scheduler, then run until stopped by a signal or event."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal_number, stop.set)

    app.attach({runner.port.platform: runner.port for runner in runners})
    started: list[Runner] = []
    scheduler = Scheduler(DailyCycle(app.engine, app.cycle))
    try:
        for runner in runners:
            await runner.start()
            started.append(runner)
            _log.info("%s adapter started", runner.name)
        scheduler.start()
        await stop.wait()
    finally:
        scheduler.stop()
        for runner in reversed(started):
            try:
                await runner.stop()
            except Exception:
                _log.exception("stopping the %s adapter failed", runner.name)
            else:
                _log.info("%s adapter stopped", runner.name)
