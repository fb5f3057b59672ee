"""The self-quiz prefers unseen scenarios, then missed ones, and hides open rounds."""

from __future__ import annotations

from datetime import timedelta

from bot.practice import Practice
from bot.vocabulary import Choice


def wrong_choice(answer: Choice) -> str:
    return next(choice for choice in Choice if choice is not answer).value


def test_unseen_before_missed(practice: Practice) -> None:
    first = practice.next_scenario("console:ada")
    assert first is not None
    practice.answer("console:ada", first.id, wrong_choice(first.answer))

    following = practice.next_scenario("console:ada")

    assert following is not None
    assert following.id != first.id


def test_missed_before_right_once_all_seen(practice: Practice) -> None:
    ids = practice.pool.ids
    missed = ids[3]
    for scenario_id in ids:
        answer = practice.pool.scenarios[scenario_id].answer
        choice = wrong_choice(answer) if scenario_id == missed else answer.value
        practice.answer("console:ada", scenario_id, choice)

    picked = practice.next_scenario("console:ada")

    assert picked is not None
    assert picked.id == missed


def test_hidden_scenario_never_offered(practice: Practice) -> None:
    hidden = set(practice.pool.ids[:-1])

    picked = practice.next_scenario("console:ada", hidden=hidden)
    practice.answer("console:ada", practice.pool.ids[-1], "slm")
    again = practice.next_scenario("console:ada", hidden=hidden, shown={practice.pool.ids[-1]})

    assert picked is not None
    assert picked.id == practice.pool.ids[-1]
    assert again is None


def test_people_progress_apart(practice: Practice) -> None:
    first = practice.next_scenario("slack:T1:U1")
    assert first is not None
    practice.answer("slack:T1:U1", first.id, first.answer.value)

    assert practice.stats("slack:T1:U1").votes == 1
    assert practice.stats("slack:T1:U2").votes == 0


def test_stats_use_latest_answer(practice: Practice) -> None:
    scenario = practice.pool.scenarios[practice.pool.ids[0]]
    practice.answer("console:ada", scenario.id, wrong_choice(scenario.answer))
    practice.answer("console:ada", scenario.id, scenario.answer.value)

    stats = practice.stats("console:ada")

    assert stats.votes == 1
    assert stats.correct.count == 1


def test_sitting_survives_restart_and_ends(practice: Practice) -> None:
    person = "slack:T1:U9"
    practice.start_sitting(person)
    asked: list[str] = []
    for _ in range(len(practice.pool)):
        # A new Practice object per question stands for a restart or another process.
        fresh = Practice(database=practice.database, pool=practice.pool, clock=practice.clock)
        scenario = fresh.next_in_sitting(person)
        assert scenario is not None
        asked.append(scenario.id)
        fresh.answer(person, scenario.id, scenario.answer.value)

    assert sorted(asked) == practice.pool.ids
    assert practice.next_in_sitting(person) is None


def test_new_sitting_offers_scenarios_again(practice: Practice) -> None:
    person = "console:ada"
    practice.start_sitting(person)
    first = practice.next_in_sitting(person)
    assert first is not None
    practice.answer(person, first.id, first.answer.value)
    assert practice.next_in_sitting(person) != first

    practice.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    practice.start_sitting(person)
    for scenario_id in practice.pool.ids:
        if scenario_id != first.id:
            practice.answer(person, scenario_id, "slm")

    again = practice.next_in_sitting(person)
    assert again is not None
    assert again.id == first.id
