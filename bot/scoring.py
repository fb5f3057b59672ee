"""Scoring: leaderboards, streaks and bias stats, computed from plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.vocabulary import Choice, Signal

# Below this many votes a rate reflects luck more than habit, so it is not shown.
MIN_SAMPLE = 5


@dataclass(frozen=True)
class Outcome:
    """One vote in a revealed round (or one self-quiz answer) against its answer."""

    answer: Choice
    choice: Choice
    signals: frozenset[Signal] = frozenset()

    @property
    def correct(self) -> bool:
        return self.choice is self.answer

    @property
    def over_reach(self) -> bool:
        return self.choice.rank > self.answer.rank

    @property
    def under_reach(self) -> bool:
        return self.choice.rank < self.answer.rank


@dataclass(frozen=True)
class Ratio:
    """A count out of a total, always shown with both numbers."""

    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    def __str__(self) -> str:
        # Half a percent rounds up, so 1 of 8 reads 13%, as people round.
        percent = int(self.share * 100 + 0.5)
        return f"{self.count} of {self.total} ({percent}%)"


@dataclass(frozen=True)
class BiasStats:
    """Bias figures of a set of outcomes; a figure is None below MIN_SAMPLE."""

    votes: int
    correct: Ratio
    over_reach: Ratio | None
    under_reach: Ratio | None
    misses_bigger: Ratio | None
    signal_misses: tuple[tuple[Signal, Ratio], ...] = field(default=())


def _sampled(count: int, total: int) -> Ratio | None:
    return Ratio(count, total) if total >= MIN_SAMPLE else None


def bias_stats(outcomes: Iterable[Outcome]) -> BiasStats:
    """Compute the bias figures: over- and under-reach, misses that went bigger, signals.

    Over-reach counts against votes in rounds whose answer is not llm, where
    over-reaching was possible; under-reach against rounds whose answer is not
    slm; misses that went bigger against wrong votes. A signal's miss rate is the
    share of wrong votes in rounds whose scenario carries that signal.
    """
    items = list(outcomes)
    wrong = [item for item in items if not item.correct]
    could_over = [item for item in items if item.answer is not Choice.LLM]
    could_under = [item for item in items if item.answer is not Choice.SLM]
    over = sum(item.over_reach for item in items)
    under = sum(item.under_reach for item in items)

    per_signal: dict[Signal, list[Outcome]] = {}
    for item in items:
        for signal in item.signals:
            per_signal.setdefault(signal, []).append(item)
    signal_misses = [
        (signal, Ratio(sum(not item.correct for item in group), len(group)))
        for signal, group in per_signal.items()
        if len(group) >= MIN_SAMPLE
    ]
    signal_misses.sort(key=lambda pair: (-pair[1].share, pair[0].value))

    return BiasStats(
        votes=len(items),
        correct=Ratio(len(items) - len(wrong), len(items)),
        over_reach=_sampled(over, len(could_over)),
        under_reach=_sampled(under, len(could_under)),
        misses_bigger=_sampled(over, len(wrong)),
        signal_misses=tuple(signal_misses),
    )


@dataclass(frozen=True)
class RoundResult:
    """A revealed round's answer and each member's counted vote, by member id."""

    answer: Choice
    votes: dict[str, Choice]


@dataclass(frozen=True)
class Standing:
    """One member's line on a leaderboard."""

    member_id: str
    name: str
    points: int
    votes: int
    current_streak: int
    best_streak: int

    @property
    def accuracy(self) -> Ratio:
        return Ratio(self.points, self.votes)


def standings(rounds: Sequence[RoundResult], names: dict[str, str]) -> list[Standing]:
    """Rank members over revealed rounds given oldest first.

    A correct vote scores one point. A streak is a run of correct votes in
    consecutive rounds of the team, and a wrong vote or a round without the
    member's vote ends it. Ties in points go to the better accuracy, then to the name.
    """
    members = sorted({member for result in rounds for member in result.votes})
    table: list[Standing] = []
    for member in members:
        points = votes = current = best = 0
        for result in rounds:
            choice = result.votes.get(member)
            if choice is None:
                current = 0
                continue
            votes += 1
            if choice is result.answer:
                points += 1
                current += 1
                best = max(best, current)
            else:
                current = 0
        table.append(
            Standing(
                member_id=member,
                name=names.get(member, member),
                points=points,
                votes=votes,
                current_streak=current,
                best_streak=best,
            )
        )
    table.sort(key=lambda row: (-row.points, -row.accuracy.share, row.name.lower()))
    return table
