"""The terminal self-quiz: one scenario at a time, the explanation at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot import compose, texts
from bot.cards import Card
from bot.errors import UnknownChoiceError
from bot.practice import Practice
from bot.vocabulary import parse_choice

PROMPT = "Your answer (1 small model, 2 hybrid, 3 frontier model, q to stop): "
STOP_WORDS = frozenset({"q", "quit", "exit", "stop"})

ReadLine = Callable[[str], str | None]


def run_quiz(practice: Practice, person: str, *, read: ReadLine, out: TextIO) -> int:
    """Play the self-quiz until every scenario was asked, input ends or the person stops.

    Returns the number of scenarios answered in this sitting.
    """
    practice.start_sitting(person)
    answered = right = 0
    total = len(practice.pool)
    out.write(
        f"Rightsize self-quiz: {total} scenarios. "
        "Pick the smallest model that does the job reliably.\n"
    )
    while True:
        scenario = practice.next_in_sitting(person)
        if scenario is None:
            break
        heading = f"Scenario {answered + 1} of {total}"
        _write_card(out, compose.practice_question_card(scenario), heading)
        choice = _ask(read, out)
        if choice is None:
            break
        result = practice.answer(person, scenario.id, choice, offer_next=False)
        answered += 1
        right += result.correct
        _write_card(out, result.card)
    out.write(
        f"\nYou answered {texts.plural(answered, 'scenario')} in this sitting "
        f"and got {right} right.\n"
    )
    _write_card(out, practice.stats_card(person))
    out.flush()
    return answered


def _ask(read: ReadLine, out: TextIO) -> str | None:
    """Read until a valid choice arrives; None at end of input or a stop word."""
    while True:
        line = read(PROMPT)
        if line is None:
            return None
        text = line.strip()
        if not text:
            continue
        if text.lower() in STOP_WORDS:
            return None
        try:
            return parse_choice(text).value
        except UnknownChoiceError as exc:
            out.write(exc.message + "\n")


def _write_card(out: TextIO, card: Card, heading: str = "") -> None:
    body = Card(
        kind=card.kind,
        title=card.title,
        text=card.text,
        fields=card.fields,
        bars=card.bars,
        footer=card.footer,
    )
    parts = ["", heading] if heading else [""]
    out.write("\n".join([*parts, body.plain_text(), ""]) + "\n")
    out.flush()
