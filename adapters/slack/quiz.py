"""Self-quiz sittings in Slack: the scenarios shown to each person since `/rightsize quiz`."""

from __future__ import annotations

from collections import OrderedDict

from bot.cards import Card, CardKind
from bot.compose import parse_button_value

# Sittings kept at once; the least recently used one is dropped beyond this.
SITTINGS_MAX = 1000


class QuizSittings:
    """Remember the scenarios shown in each person's current sitting, so none repeats.

    NOTE: sittings live in this process's memory, so after a restart, or when
    the next click reaches another process, a sitting starts afresh and may
    repeat a scenario that it showed before.
    """

    def __init__(self, max_sittings: int = SITTINGS_MAX) -> None:
        self.max_sittings = max_sittings
        self._shown: OrderedDict[str, set[str]] = OrderedDict()

    def start(self, person: str) -> None:
        """Begin a new sitting for a person, forgetting the previous one."""
        self._shown.pop(person, None)
        self._touch(person)

    def note_card(self, person: str, card: Card) -> None:
        """Record the scenario of a self-quiz question card sent to a person."""
        if card.kind is not CardKind.PRACTICE_QUESTION or not card.buttons:
            return
        scenario_id, _ = parse_button_value(card.buttons[0].value)
        self._touch(person).add(scenario_id)

    def shown(self, person: str) -> frozenset[str]:
        """Return the scenario ids shown in the person's current sitting."""
        return frozenset(self._shown.get(person, ()))

    def _touch(self, person: str) -> set[str]:
        shown = self._shown.setdefault(person, set())
        self._shown.move_to_end(person)
        while len(self._shown) > self.max_sittings:
            self._shown.popitem(last=False)
        return shown
