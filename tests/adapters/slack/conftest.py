"""Fixtures of the Slack adapter tests: the double, the application and a started runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from pydantic import SecretStr

from adapters.slack.runner import SlackRunner, create_runner
from bot.app import App, build_app
from bot.clock import FixedClock
from bot.settings import Settings
from tests.adapters.slack import double as double_module
from tests.adapters.slack.double import APP_TOKEN, BOT_TOKEN, SlackDouble

slack_double = double_module.slack_double

# Short enough for quick tests, long enough to tell throttled edits apart.
TEST_COUNT_INTERVAL = 0.4


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Return the database of a test; modules override it to run on PostgreSQL too."""
    return sqlite_url


@pytest.fixture
def settings(db_url: str, slack_double: SlackDouble) -> Settings:
    """Configure Socket Mode against the double, ignoring any SLACK_* variables."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_app_token=SecretStr(APP_TOKEN),
        slack_signing_secret=None,
        slack_http_port=None,
        slack_admin_ids="",
        slack_api_base_url=slack_double.api_url,
    )


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> Iterator[App]:
    application = build_app(settings, clock=clock)
    yield application
    application.close()


@pytest_asyncio.fixture
async def runner(app: App, settings: Settings) -> AsyncIterator[SlackRunner]:
    """Start the Slack runner in Socket Mode on the double and stop it afterwards."""
    started = create_runner(app, settings, count_interval=TEST_COUNT_INTERVAL)
    app.attach({started.port.platform: started.port})
    await started.start()
    try:
        yield started
    finally:
        await started.stop()
