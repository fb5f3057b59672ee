"""Choose how the Slack adapter receives events: Socket Mode or the HTTP Events API."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings, SettingsError


@dataclass(frozen=True)
class SocketMode:
    """Events arrive over a WebSocket that the app opens with its app-level token."""

    app_token: str


@dataclass(frozen=True)
class HttpMode:
    """Slack posts signed events to an HTTP endpoint that the app serves."""

    signing_secret: str
    host: str
    port: int


def resolve_mode(settings: Settings) -> SocketMode | HttpMode:
    """Pick HTTP mode when SLACK_HTTP_PORT is set, else Socket Mode; raise for a missing token."""
    problems = settings.platform_problems()
    if settings.slack_bot_token is None and not any("SLACK_BOT_TOKEN" in p for p in problems):
        problems.append("SLACK_BOT_TOKEN is missing: the Slack adapter needs the bot token")
    if problems:
        raise SettingsError(problems)

    if settings.slack_http_port is not None:
        assert settings.slack_signing_secret is not None
        return HttpMode(
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            host=settings.slack_http_host,
            port=settings.slack_http_port,
        )
    assert settings.slack_app_token is not None
    return SocketMode(app_token=settings.slack_app_token.get_secret_value())
