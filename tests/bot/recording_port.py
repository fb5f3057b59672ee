"""An in-memory chat port that records every post, edit and reply, with injectable faults."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.cards import Card
from bot.engine import TeamInfo


class SimulatedCrash(BaseException):
    """Raised to stop a simulated process at one step; not an Exception, so nothing logs it."""


@dataclass
class Event:
    kind: str
    team_id: int
    ref: str
    card: Card


@dataclass
class RecordingPort:
    """Record cards per team; ``fault`` may raise before a call takes effect."""

    platform: str = "test"
    events: list[Event] = field(default_factory=list)
    fault: Callable[[str, TeamInfo, Card], None] | None = None
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _record(self, kind: str, team: TeamInfo, card: Card, ref: str | None = None) -> str:
        if self.fault is not None:
            self.fault(kind, team, card)
        ref = ref or f"m{next(self._numbers)}"
        self.events.append(Event(kind=kind, team_id=team.id, ref=ref, card=card))
        return ref

    async def post(self, team: TeamInfo, card: Card) -> str:
        return self._record("post", team, card)

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        self._record("update", team, card, message_ref)

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        return self._record("reply", team, card)

    def of(self, kind: str, team_id: int | None = None) -> list[Event]:
        return [e for e in self.events if e.kind == kind and team_id in (None, e.team_id)]
