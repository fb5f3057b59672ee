"""Platform-neutral messages that each adapter renders in its own format.

Card texts are plain text: adapters escape them for their platform, so nothing
in a card can mention a person, a role or a whole channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CardKind(StrEnum):
    QUESTION = "question"
    CLOSED_QUESTION = "closed_question"
    REVEAL = "reveal"
    LEADERBOARD = "leaderboard"
    STATS = "stats"
    PRACTICE_QUESTION = "practice_question"
    PRACTICE_RESULT = "practice_result"
    NOTICE = "notice"


@dataclass(frozen=True)
class Button:
    """A button whose action id carries everything needed to handle the click."""

    action_id: str
    label: str
    value: str
    primary: bool = False


@dataclass(frozen=True)
class CardField:
    """A short labelled value shown beside others, such as 'Answer: Hybrid'."""

    label: str
    value: str


@dataclass(frozen=True)
class VoteBar:
    """One bar of a vote split: a choice, its votes out of the total, and whether it won."""

    label: str
    count: int
    total: int
    correct: bool = False

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class Card:
    """A message: title, text paragraphs, fields, vote bars, buttons and footer."""

    kind: CardKind
    title: str
    text: str = ""
    fields: tuple[CardField, ...] = ()
    bars: tuple[VoteBar, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    round_id: int | None = None

    def plain_text(self) -> str:
        """Render the card as plain text: the fallback text and the terminal form."""
        lines = [self.title]
        if self.text:
            lines += ["", self.text]
        if self.fields:
            lines.append("")
            lines += [f"{item.label}: {item.value}" for item in self.fields]
        if self.bars:
            lines.append("")
            lines += [bar_line(bar) for bar in self.bars]
        if self.buttons:
            lines.append("")
            lines.append("   ".join(f"[{button.label}]" for button in self.buttons))
        if self.footer:
            lines += ["", self.footer]
        return "\n".join(lines)


BAR_WIDTH = 20


def bar_line(bar: VoteBar, width: int = BAR_WIDTH) -> str:
    """Draw one vote bar as text, for example 'Hybrid  ########....  4 of 10 ✓'."""
    filled = round(bar.share * width)
    mark = "  ✓ answer" if bar.correct else ""
    drawn = "#" * filled + "." * (width - filled)
    return f"{bar.label:<15} {drawn} {bar.count} of {bar.total}{mark}"
