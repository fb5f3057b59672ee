"""Bias figures and standings follow their definitions exactly."""

from __future__ import annotations

import pytest

from bot.scoring import MIN_SAMPLE, Outcome, Ratio, RoundResult, bias_stats, standings
from bot.vocabulary import Choice, Signal

S, H, L = Choice.SLM, Choice.HYBRID, Choice.LLM


def outcomes(pairs: list[tuple[Choice, Choice]], signal: Signal | None = None) -> list[Outcome]:
    signals = frozenset({signal}) if signal else frozenset()
    return [Outcome(answer=answer, choice=choice, signals=signals) for answer, choice in pairs]


def test_over_reach_counts_only_rounds_that_allow_it() -> None:
    # Five rounds where bigger was possible (answers slm or hybrid), two with an llm answer.
    items = outcomes([(S, L), (S, H), (H, L), (S, S), (H, H), (L, L), (L, S)])

    stats = bias_stats(items)

    assert stats.over_reach == Ratio(3, 5)


def test_under_reach_counts_only_rounds_that_allow_it() -> None:
    items = outcomes([(L, S), (L, H), (H, S), (L, L), (H, H), (S, S)])

    stats = bias_stats(items)

    assert stats.under_reach == Ratio(3, 5)


def test_misses_bigger_share_of_wrong_votes() -> None:
    items = outcomes([(S, L), (S, H), (H, L), (L, S), (L, H), (S, S)])

    stats = bias_stats(items)

    assert stats.misses_bigger == Ratio(3, 5)
    assert stats.correct == Ratio(1, 6)


def test_figures_hidden_below_minimum_sample() -> None:
    items = outcomes([(S, L)] * (MIN_SAMPLE - 1))

    stats = bias_stats(items)

    assert stats.over_reach is None
    assert stats.misses_bigger is None
    assert stats.correct == Ratio(0, MIN_SAMPLE - 1)


def test_signal_misses_share_of_wrong_votes() -> None:
    items = outcomes([(S, L), (S, S), (S, S), (S, H), (S, S)], Signal.HIGH_VOLUME)
    items += outcomes([(L, L)] * 2, Signal.NOVEL_TASK)

    stats = bias_stats(items)

    assert stats.signal_misses == ((Signal.HIGH_VOLUME, Ratio(2, 5)),)


def test_ratio_shows_counts() -> None:
    assert str(Ratio(7, 12)) == "7 of 12 (58%)"


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        pytest.param([S, S, S], (3, 3, 3), id="all-right"),
        pytest.param([S, L, S], (2, 1, 1), id="wrong-in-middle"),
        pytest.param([S, S, None], (2, 0, 2), id="missed-last-round"),
        pytest.param([L, None, S], (1, 1, 1), id="absent-then-right"),
    ],
)
def test_streaks(votes: list[Choice | None], expected: tuple[int, int, int]) -> None:
    rounds = [
        RoundResult(answer=S, votes={} if choice is None else {"ada": choice}) for choice in votes
    ]

    row = standings(rounds, {"ada": "Ada"})[0]

    assert (row.points, row.current_streak, row.best_streak) == expected


def test_standings_rank_points_then_accuracy() -> None:
    rounds = [
        RoundResult(answer=S, votes={"a": S, "b": S, "c": L}),
        RoundResult(answer=H, votes={"a": H, "c": H}),
        RoundResult(answer=L, votes={"b": L, "c": S}),
    ]

    table = standings(rounds, {"a": "Ann", "b": "Bo", "c": "Cy"})

    assert [row.member_id for row in table] == ["a", "b", "c"]
    assert [row.points for row in table] == [2, 2, 1]
