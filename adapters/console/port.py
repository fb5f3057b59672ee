"""The terminal's chat port: cards become plain text on an output stream."""

from __future__ import annotations

import itertools
from typing import TextIO

from bot.cards import Card
from bot.engine import TeamInfo

RULE = "-" * 60


class ConsolePort:
    """Write posted, edited and reply cards to a text stream."""

    platform = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._numbers = itertools.count(1)

    def show(self, card: Card, heading: str = "") -> None:
        """Write one card as plain text between rules."""
        lines = [RULE]
        if heading:
            lines.append(heading)
        lines += [card.plain_text(), RULE]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    async def post(self, team: TeamInfo, card: Card) -> str:
        ref = f"console-{next(self._numbers)}"
        self.show(card, f"[{team.name}] message {ref}")
        return ref

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        self.show(card, f"[{team.name}] message {message_ref}, updated")

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        ref = f"console-{next(self._numbers)}"
        self.show(card, f"[{team.name}] reply to {message_ref}")
        return ref
