"""`rightsize check`: the database, its migrations and the configured tokens, verified."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from bot.errors import RightsizeError
from bot.settings import Settings
from bot.storage.database import (
    create_db_engine,
    current_revision,
    head_revision,
    safe_url,
    scrub,
    sqlite_file_missing,
)

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True)
class Check:
    """One verified item: its name, whether it passed and what was found."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED':<7} {self.name}: {self.detail}"


def check_database(settings: Settings) -> list[Check]:
    """Check that the database opens and that its schema is at the newest migration."""
    url = settings.resolved_database_url
    missing = sqlite_file_missing(url)
    if missing is not None:
        # Connecting would create the file, and a health check must change nothing.
        return [Check("database", False, f"{missing} does not exist; run `rightsize db upgrade`")]
    try:
        engine = create_db_engine(url)
    except RightsizeError as exc:
        return [Check("database", False, exc.message)]
    try:
        revision = current_revision(engine)
    except Exception as exc:  # any driver error means the database cannot be used
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return [Check("database", False, f"{safe_url(url)}: {scrub(first_line, url)}")]
    finally:
        engine.dispose()
    head = head_revision()
    checks = [Check("database", True, f"{safe_url(url)} is reachable")]
    if revision == head:
        checks.append(Check("migrations", True, f"at the newest revision {head}"))
    else:
        found = revision or "no schema yet"
        checks.append(
            Check("migrations", False, f"at {found}, newest is {head}; run `rightsize db upgrade`")
        )
    return checks


async def _slack_call(
    settings: Settings, session: aiohttp.ClientSession, method: str, token: str, name: str
) -> tuple[Check | None, dict[str, object]]:
    """POST one Web API method; return a failed Check, or None and the response body."""
    url = settings.slack_api_base_url.rstrip("/") + "/" + method
    try:
        async with session.post(url, headers={"Authorization": f"Bearer {token}"}) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Check(name, False, f"{url} could not be reached: {exc or type(exc).__name__}"), {}
    if isinstance(body, dict) and body.get("ok"):
        return None, body
    error = body.get("error", "unknown error") if isinstance(body, dict) else "not JSON"
    return Check(name, False, f"rejected by {url}: {error}"), {}


async def check_slack(settings: Settings, session: aiohttp.ClientSession) -> Check:
    """Call auth.test with the bot token on the configured Slack API base URL."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    failed, body = await _slack_call(settings, session, "auth.test", token, "slack token")
    return failed or Check("slack token", True, f"accepted for workspace {body.get('team', '?')}")


async def check_slack_app_token(settings: Settings, session: aiohttp.ClientSession) -> Check:
    """Ask apps.connections.open for a Socket Mode URL with the app-level token.

    The URL it returns is not opened, so the check starts no connection.
    """
    assert settings.slack_app_token is not None
    token = settings.slack_app_token.get_secret_value()
    name = "slack app token"
    failed, _ = await _slack_call(settings, session, "apps.connections.open", token, name)
    return failed or Check(name, True, "accepted for Socket Mode")


async def check_discord(settings: Settings, session: aiohttp.ClientSession) -> Check:
    """Fetch the bot's own user with the token on the configured Discord API base URL."""
    assert settings.discord_token is not None
    url = settings.discord_api_base_url.rstrip("/") + "/users/@me"
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}
    try:
        async with session.get(url, headers=headers) as response:
            status = response.status
            body = await response.json(content_type=None) if status == 200 else None
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Check(
            "discord token", False, f"{url} could not be reached: {exc or type(exc).__name__}"
        )
    if status == 200 and isinstance(body, dict):
        return Check("discord token", True, f"accepted for bot user {body.get('username', '?')}")
    if status >= 500:
        return Check("discord token", False, f"{url} failed with HTTP {status}; try again later")
    return Check("discord token", False, f"rejected by {url}: HTTP {status}")


async def check_tokens(settings: Settings) -> list[Check]:
    """Check each configured platform token against its API."""
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        checks: list[Check] = []
        if settings.slack_bot_token is not None:
            checks.append(await check_slack(settings, session))
        if settings.slack_app_token is not None and settings.slack_http_port is None:
            checks.append(await check_slack_app_token(settings, session))
        if settings.discord_token is not None:
            checks.append(await check_discord(settings, session))
    if not checks:
        checks.append(Check("tokens", True, "no platform configured; only the terminal can run"))
    return checks


def check_settings(settings: Settings) -> list[Check]:
    """Report platform settings that are set without the others they need."""
    problems = settings.platform_problems()
    if not problems:
        return [Check("settings", True, "complete for every configured platform")]
    return [Check("settings", False, problem) for problem in problems]


def run_checks(settings: Settings) -> list[Check]:
    """Run every check and return the results in order."""
    return [
        *check_settings(settings),
        *check_database(settings),
        *asyncio.run(check_tokens(settings)),
    ]
