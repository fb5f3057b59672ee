"""Errors of the Discord adapter, each naming what to fix."""

from __future__ import annotations

from adapters.discord import texts
from bot.errors import RightsizeError


class DiscordTokenRejectedError(RightsizeError):
    """Discord refused DISCORD_TOKEN when the runner logged in."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Discord rejected DISCORD_TOKEN ({reason}). Copy the token again from the Bot "
            "page of the application in the Discord Developer Portal and start again."
        )
        self.reason = reason


class DiscordConnectError(RightsizeError):
    """The client stopped with an error before the gateway session was ready."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Connecting to Discord failed: {reason}. Check the network, "
            "DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL, then start again."
        )
        self.reason = reason


class DiscordConnectTimeoutError(RightsizeError):
    """The gateway session was not ready in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Connecting to Discord timed out after {seconds:g} seconds. Check the network, "
            "DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL, then start again."
        )
        self.seconds = seconds


class NotInServerError(RightsizeError):
    """An interaction came from a direct message, where no team exists."""

    def __init__(self) -> None:
        super().__init__(texts.SERVER_ONLY)
