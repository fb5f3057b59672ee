"""`rightsize check` as a health check: database, migrations and tokens, via the doubles."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.adapters.discord import double as discord_module
from tests.adapters.discord.double import DiscordDouble
from tests.adapters.slack import double as slack_module
from tests.adapters.slack.double import BOT_TOKEN as SLACK_BOT_TOKEN
from tests.adapters.slack.double import SlackDouble

slack_double = slack_module.slack_double
discord_double = discord_module.discord_double

TIMEOUT = 60


async def check(env: dict[str, str]) -> tuple[int, str]:
    """Run `rightsize check` in a child process while the doubles serve this loop."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "check",
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=TIMEOUT)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def migrate(url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "db",
        "upgrade",
        env={**os.environ, "DATABASE_URL": url},
    )
    assert await asyncio.wait_for(process.wait(), timeout=TIMEOUT) == 0


async def test_check_passes_with_good_tokens(
    sqlite_url: str, slack_double: SlackDouble, discord_double: DiscordDouble
) -> None:
    await migrate(sqlite_url)

    code, output = await check(
        {
            "DATABASE_URL": sqlite_url,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_APP_TOKEN": slack_module.APP_TOKEN,
            "SLACK_API_BASE_URL": slack_double.api_url,
            "DISCORD_TOKEN": discord_module.BOT_TOKEN,
            "DISCORD_API_BASE_URL": discord_double.api_base,
        }
    )

    assert code == 0, output
    assert "ok      database:" in output
    assert "ok      migrations:" in output
    assert "ok      slack token:" in output
    assert "ok      discord token:" in output
    assert "All checks passed." in output


async def test_check_fails_on_rejected_tokens(
    sqlite_url: str, slack_double: SlackDouble, discord_double: DiscordDouble
) -> None:
    await migrate(sqlite_url)

    code, output = await check(
        {
            "DATABASE_URL": sqlite_url,
            "SLACK_BOT_TOKEN": "xoxb-wrong-secret-value",
            "SLACK_API_BASE_URL": slack_double.api_url,
            "DISCORD_TOKEN": "wrong-discord-secret",
            "DISCORD_API_BASE_URL": discord_double.api_base,
        }
    )

    assert code == 1
    assert "FAILED  slack token: rejected" in output
    assert "FAILED  discord token: rejected" in output
    assert "wrong-secret-value" not in output
    assert "wrong-discord-secret" not in output


async def test_check_fails_before_migration(sqlite_url: str) -> None:
    code, output = await check({"DATABASE_URL": sqlite_url})

    assert code == 1
    assert "does not exist; run `rightsize db upgrade`" in output
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


async def test_check_fails_on_empty_schema(sqlite_url: str) -> None:
    Path(sqlite_url.removeprefix("sqlite:///")).touch()

    code, output = await check({"DATABASE_URL": sqlite_url})

    assert code == 1
    assert "FAILED  migrations: at no schema yet" in output


async def test_check_fails_on_unreachable_api(sqlite_url: str) -> None:
    await migrate(sqlite_url)

    code, output = await check(
        {
            "DATABASE_URL": sqlite_url,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_API_BASE_URL": "http://127.0.0.1:9/api/",
        }
    )

    assert code == 1
    assert "FAILED  slack token: http://127.0.0.1:9/api/auth.test could not be reached" in output
    assert "FAILED  settings: SLACK_APP_TOKEN is missing" in output
