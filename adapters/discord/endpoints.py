"""Point discord.py's REST requests and first gateway connection at the configured URLs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import discord.gateway
import discord.http
import yarl

_log = logging.getLogger(__name__)


@dataclass
class Endpoints:
    """The REST base URL and the gateway URL of one runner.

    discord.py 2.7 has no client option for either address: every REST URL,
    interaction callbacks and webhooks included, starts with the class attribute
    ``discord.http.Route.BASE``, and every gateway connection without a resume
    URL goes to ``DiscordWebSocket.DEFAULT_GATEWAY``. So ``apply`` sets both for
    the whole process and ``restore`` puts back what was there before. A gateway
    of None keeps discord.py's own default.
    """

    api_base: str
    gateway: str | None = None
    _saved: tuple[str, yarl.URL] | None = field(default=None, init=False, repr=False)

    def apply(self) -> None:
        """Set discord.py's REST base and, if configured, its default gateway."""
        route = discord.http.Route
        websocket = discord.gateway.DiscordWebSocket
        if self._saved is None:
            self._saved = (route.BASE, websocket.DEFAULT_GATEWAY)
        route.BASE = self.api_base.rstrip("/")
        if self.gateway is not None:
            websocket.DEFAULT_GATEWAY = yarl.URL(self.gateway)
        _log.debug("Discord REST base %s, gateway %s", route.BASE, websocket.DEFAULT_GATEWAY)

    def restore(self) -> None:
        """Put back the REST base and gateway that were set before ``apply``."""
        if self._saved is None:
            return
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
        self._saved = None
