"""Private replies through the response_url of a click or a slash command."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import SlackMessage

_log = logging.getLogger(__name__)


class PrivateReplies:
    """Send ephemeral messages, or replace the ephemeral message that was clicked.

    The aiohttp session is the runner's; until one is set, each reply opens its own.
    """

    def __init__(self, *, retry_handlers: Sequence[AsyncRetryHandler]) -> None:
        self.retry_handlers = list(retry_handlers)
        self.session: aiohttp.ClientSession | None = None

    async def send(
        self, response_url: str | None, message: SlackMessage, *, replace_original: bool = False
    ) -> bool:
        """Send a message visible only to the requesting user; return whether Slack took it.

        With `replace_original`, the message replaces the ephemeral message whose
        button was clicked, as in the self-quiz.
        """
        if not response_url:
            _log.warning("a private reply was dropped: the request carried no response_url")
            return False
        body: dict[str, Any] = {**message.arguments(), "replace_original": replace_original}
        if not replace_original:
            body["response_type"] = "ephemeral"
        client = AsyncWebhookClient(
            response_url, session=self.session, retry_handlers=self.retry_handlers
        )
        response = await client.send_dict(body)
        if response.status_code != 200:
            # The response_url is a credential for this one reply, so it stays out of the log.
            _log.warning(
                "Slack rejected a private reply: HTTP %s, %s",
                response.status_code,
                response.body[:200],
            )
            return False
        return True
