"""Build the platform-neutral cards from scenarios, rounds and scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot import texts
from bot.cards import Button, Card, CardField, CardKind, VoteBar
from bot.scenarios import Scenario
from bot.scoring import MIN_SAMPLE, BiasStats, Standing
from bot.vocabulary import Choice

VOTE_ACTION = "rightsize_vote"
PRACTICE_ACTION = "rightsize_practice"
PRACTICE_NEXT_ACTION = "rightsize_practice_next"
# The leaderboard shows at most this many members, so a big channel gets a short card.
LEADERBOARD_ROWS = 10


def vote_buttons(round_id: int) -> tuple[Button, ...]:
    """Make the three vote buttons; each value carries the round id and the choice."""
    return tuple(
        Button(
            action_id=f"{VOTE_ACTION}_{choice.value}",
            label=choice.label,
            value=f"{round_id}:{choice.value}",
        )
        for choice in Choice
    )


def parse_button_value(value: str) -> tuple[str, str]:
    """Split a button value 'ID:CHOICE' into its two parts, without validating them."""
    head, _, tail = value.partition(":")
    return head, tail


def question_card(scenario: Scenario, round_id: int, votes: int) -> Card:
    """Build the daily question: story, prompt, three buttons and the live count."""
    return Card(
        kind=CardKind.QUESTION,
        title=scenario.title,
        text=f"{scenario.story.strip()}\n\n{texts.QUESTION_PROMPT}",
        buttons=vote_buttons(round_id),
        footer=f"{texts.vote_count(votes)} {texts.QUESTION_FOOTER}",
        round_id=round_id,
    )


def closed_question_card(scenario: Scenario, round_id: int, votes: int) -> Card:
    """Build the question as it reads after the reveal: no buttons, answer shown."""
    return Card(
        kind=CardKind.CLOSED_QUESTION,
        title=scenario.title,
        text=scenario.story.strip(),
        fields=(
            CardField("Answer", scenario.answer.label),
            CardField("Votes", str(votes)),
        ),
        footer=texts.CLOSED_FOOTER,
        round_id=round_id,
    )


def diagnosis_lines(scenario: Scenario) -> str:
    """Describe which difficulty binds, one line per hop for a hybrid."""
    lines = []
    for step, model, diagnosis in scenario.diagnoses:
        if step is None:
            lines.append(diagnosis.label.capitalize())
        else:
            lines.append(f"{step}: {model.label}, {diagnosis.label}")
    return "\n".join(lines)


def _explanation_fields(scenario: Scenario) -> tuple[CardField, ...]:
    return (
        CardField("Answer", scenario.answer.label),
        CardField("Signals", ", ".join(signal.label for signal in scenario.signals)),
        CardField("What binds", diagnosis_lines(scenario)),
    )


def reveal_card(scenario: Scenario, round_id: int, choices: Sequence[Choice]) -> Card:
    """Build the reveal: answer, explanation, signals, diagnosis, split and over-reach."""
    counts = Counter(choices)
    total = len(choices)
    over = sum(1 for choice in choices if choice.rank > scenario.answer.rank)
    bars = tuple(
        VoteBar(
            label=choice.label,
            count=counts[choice],
            total=total,
            correct=choice is scenario.answer,
        )
        for choice in Choice
    )
    return Card(
        kind=CardKind.REVEAL,
        title=texts.REVEAL_TITLE.format(answer=scenario.answer.label),
        text=scenario.explanation.strip(),
        fields=_explanation_fields(scenario),
        bars=bars,
        footer=texts.over_reach_line(over, total, possible=scenario.answer is not Choice.LLM),
        round_id=round_id,
    )


def leaderboard_card(title: str, rows: Sequence[Standing]) -> Card:
    """Build a leaderboard card of the top members with points, accuracy and streaks."""
    if not rows:
        return Card(kind=CardKind.LEADERBOARD, title=title, text=texts.LEADERBOARD_EMPTY)
    lines = []
    for place, row in enumerate(rows[:LEADERBOARD_ROWS], start=1):
        lines.append(
            f"{place}. {row.name}: {texts.plural(row.points, 'point')}, {row.accuracy} right, "
            f"streak {row.current_streak} (best {row.best_streak})"
        )
    footer = ""
    if len(rows) > LEADERBOARD_ROWS:
        footer = f"Showing the top {LEADERBOARD_ROWS} of {len(rows)} members."
    return Card(kind=CardKind.LEADERBOARD, title=title, text="\n".join(lines), footer=footer)


def stats_card(title: str, stats: BiasStats) -> Card:
    """Build a bias stats card; a figure below the minimum sample is left out."""
    if stats.votes == 0:
        return Card(kind=CardKind.STATS, title=title, text=texts.STATS_NO_VOTES)
    fields: list[CardField] = [CardField("Right", str(stats.correct))]
    if stats.over_reach is not None:
        fields.append(
            CardField("Over-reach", f"{stats.over_reach} of the votes that could go bigger")
        )
    if stats.under_reach is not None:
        fields.append(
            CardField("Under-reach", f"{stats.under_reach} of the votes that could go smaller")
        )
    if stats.misses_bigger is not None:
        fields.append(CardField("Misses that went bigger", str(stats.misses_bigger)))
    missed = [(signal, ratio) for signal, ratio in stats.signal_misses if ratio.count > 0]
    lines = [f"{signal.label}: {ratio} missed" for signal, ratio in missed[:5]]
    text = "Signals missed most:\n" + "\n".join(lines) if lines else ""
    hidden = [
        name
        for name, figure in (
            ("over-reach", stats.over_reach),
            ("under-reach", stats.under_reach),
            ("misses that went bigger", stats.misses_bigger),
        )
        if figure is None
    ]
    footer = texts.stats_hidden(hidden, MIN_SAMPLE) if hidden else ""
    return Card(kind=CardKind.STATS, title=title, text=text, fields=tuple(fields), footer=footer)


def practice_question_card(scenario: Scenario) -> Card:
    """Build a private self-quiz question; its buttons carry the scenario id."""
    buttons = tuple(
        Button(
            action_id=f"{PRACTICE_ACTION}_{choice.value}",
            label=choice.label,
            value=f"{scenario.id}:{choice.value}",
        )
        for choice in Choice
    )
    return Card(
        kind=CardKind.PRACTICE_QUESTION,
        title=scenario.title,
        text=f"{scenario.story.strip()}\n\n{texts.QUESTION_PROMPT}",
        buttons=buttons,
        footer=texts.PRACTICE_FOOTER,
    )


def practice_result_card(scenario: Scenario, choice: Choice, *, offer_next: bool) -> Card:
    """Build the private result of a self-quiz answer, with the explanation."""
    buttons: tuple[Button, ...] = ()
    if offer_next:
        buttons = (
            Button(
                action_id=PRACTICE_NEXT_ACTION,
                label="Next scenario",
                value="next",
                primary=True,
            ),
        )
    return Card(
        kind=CardKind.PRACTICE_RESULT,
        title=texts.practice_verdict(choice, scenario.answer),
        text=scenario.explanation.strip(),
        fields=_explanation_fields(scenario),
        buttons=buttons,
        footer=texts.PRACTICE_FOOTER,
    )


def notice_card(title: str, text: str = "") -> Card:
    """Build a plain notice: command replies, errors and confirmations."""
    return Card(kind=CardKind.NOTICE, title=title, text=text)
