"""Errors of the Slack adapter's setup, each naming the setting to fix."""

from __future__ import annotations

from bot.errors import RightsizeError


class SlackTokenRejectedError(RightsizeError):
    """Slack refused a configured token when the runner started."""

    def __init__(self, variable: str, error: str) -> None:
        super().__init__(
            f"Slack rejected {variable} ({error}). Copy the token again from the Slack "
            "app's settings page and start again."
        )
        self.variable = variable
        self.error = error


class SlackConnectTimeoutError(RightsizeError):
    """The Socket Mode connection did not open in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Connecting to Slack in Socket Mode timed out after {seconds:g} seconds. "
            "Check the network and SLACK_API_BASE_URL, then start again."
        )
        self.seconds = seconds
