"""Engine behaviour on a real database: rounds, votes, reveals, seasons and scores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.engine import Engine, TeamInfo
from bot.errors import (
    RoundNotFoundError,
    RoundOfAnotherTeamError,
    UnknownChoiceError,
    VotingClosedError,
)
from bot.storage.models import Round, Vote
from bot.vocabulary import Choice

DAY = date(2027, 3, 1)


def make_team(engine: Engine, channel: str = "C1") -> TeamInfo:
    return engine.subscribe(platform="slack", workspace_id="T1", channel_id=channel, name=channel)


def open_for(engine: Engine, team: TeamInfo, day: date = DAY) -> int:
    opened = engine.claim_round(team.id, day)
    assert opened is not None
    return opened.round.id


def vote(engine: Engine, team: TeamInfo, round_id: int, member: str, choice: str) -> None:
    engine.record_vote(
        team_id=team.id,
        round_id=round_id,
        member_id=member,
        member_name=member.title(),
        choice=choice,
    )


def vote_rows(engine: Engine) -> list[tuple[str, str, str, int]]:
    with engine.database.session() as session:
        rows = session.execute(
            select(Vote.member_id, Vote.first_choice, Vote.choice, Vote.changes).order_by(
                Vote.member_id
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_vote_change_keeps_first_choice(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)

    vote(engine, team, round_id, "ada", "llm")
    receipt = engine.record_vote(
        team_id=team.id, round_id=round_id, member_id="ada", member_name="Ada", choice="2"
    )

    assert receipt.previous is Choice.LLM
    assert receipt.choice is Choice.HYBRID
    assert receipt.vote_count == 1
    assert "changed your vote" in receipt.message
    assert vote_rows(engine) == [("ada", "llm", "hybrid", 1)]


def test_first_vote_confirmation_names_choice(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)

    receipt = engine.record_vote(
        team_id=team.id, round_id=round_id, member_id="ada", member_name="Ada", choice="hybrid"
    )

    assert receipt.message == "You voted Hybrid; you can change it until the reveal."
    assert receipt.previous is None


@pytest.mark.parametrize(
    ("case", "error"),
    [
        pytest.param("after_reveal", VotingClosedError, id="after-reveal"),
        pytest.param("unknown_choice", UnknownChoiceError, id="unknown-choice"),
        pytest.param("other_team", RoundOfAnotherTeamError, id="other-team"),
        pytest.param("unknown_round", RoundNotFoundError, id="unknown-round"),
        pytest.param("huge_round", RoundNotFoundError, id="huge-round-id"),
    ],
)
def test_rejected_vote_changes_nothing(engine: Engine, case: str, error: type[Exception]) -> None:
    team = make_team(engine)
    other = make_team(engine, "C2")
    round_id = open_for(engine, team)
    vote(engine, team, round_id, "ada", "slm")
    if case == "after_reveal":
        assert engine.reveal(round_id) is not None
    before = vote_rows(engine)

    kwargs = {"team_id": team.id, "round_id": round_id, "member_id": "ada", "choice": "llm"}
    if case == "unknown_choice":
        kwargs["choice"] = "medium"
    if case == "other_team":
        kwargs["team_id"] = other.id
    if case == "unknown_round":
        kwargs["round_id"] = round_id + 999
    if case == "huge_round":
        kwargs["round_id"] = int("9" * 400)
    with pytest.raises(error) as raised:
        engine.record_vote(member_name="Ada", **kwargs)  # type: ignore[arg-type]

    assert raised.value.args[0]
    assert vote_rows(engine) == before


def test_second_claim_same_date_returns_none(engine: Engine) -> None:
    team = make_team(engine)
    assert engine.claim_round(team.id, DAY) is not None

    assert engine.claim_round(team.id, DAY) is None

    with engine.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 1


def test_reveal_happens_once(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)
    vote(engine, team, round_id, "ada", "llm")

    first = engine.reveal(round_id)
    second = engine.reveal(round_id)

    assert first is not None
    assert second is None
    assert engine.open_round(team.id) is None


def test_reveal_card_shows_split_and_over_reach(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)
    scenario = engine.pool.scenarios[engine.get_round(round_id).scenario_id]
    for member, choice in [("a", "slm"), ("b", "hybrid"), ("c", "llm"), ("d", "llm")]:
        vote(engine, team, round_id, member, choice)

    revealed = engine.reveal(round_id)

    assert revealed is not None
    card = revealed.reveal
    assert card.text == scenario.explanation
    assert [bar.count for bar in card.bars] == [1, 1, 2]
    assert [bar.correct for bar in card.bars] == [c is scenario.answer for c in Choice]
    over = sum(1 for c in ["slm", "hybrid", "llm", "llm"] if Choice(c).rank > scenario.answer.rank)
    assert card.footer == f"{over} of 4 votes went bigger than the answer."
    assert revealed.closed_question.buttons == ()
    assert {field.label for field in card.fields} == {"Answer", "Signals", "What binds"}


def test_question_card_counts_votes_without_split(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)
    vote(engine, team, round_id, "ada", "llm")
    vote(engine, team, round_id, "bob", "slm")

    card = engine.question_card(round_id)

    assert card.footer.startswith("2 votes so far.")
    assert card.bars == ()
    assert [button.value for button in card.buttons] == [
        f"{round_id}:slm",
        f"{round_id}:hybrid",
        f"{round_id}:llm",
    ]


def test_season_has_no_repeats_then_restarts(engine: Engine, clock: FixedClock) -> None:
    team = make_team(engine)
    size = len(engine.pool)
    seen: list[str] = []
    for offset in range(size + 1):
        round_id = open_for(engine, team, DAY + timedelta(days=offset))
        seen.append(engine.get_round(round_id).scenario_id)
        engine.reveal(round_id)

    assert sorted(seen[:size]) == engine.pool.ids
    latest = engine.latest_round(team.id)
    assert latest is not None
    assert latest.season_number == 2
    assert latest.position == 0
    assert seen[size] != seen[size - 1]


def test_leaderboard_points_and_streaks(engine: Engine) -> None:
    team = make_team(engine)
    answers: list[Choice] = []
    for offset in range(3):
        round_id = open_for(engine, team, DAY + timedelta(days=offset))
        answer = engine.get_round(round_id).answer
        answers.append(answer)
        wrong = next(choice for choice in Choice if choice is not answer)
        vote(engine, team, round_id, "ada", answer.value)
        vote(engine, team, round_id, "bob", (answer if offset != 1 else wrong).value)
        if offset < 2:
            vote(engine, team, round_id, "cy", answer.value)
        engine.reveal(round_id)

    table = engine.standings(team.id, season_only=False)
    rows = {row.member_id: row for row in table}

    assert table[0].member_id == "ada"
    assert (rows["ada"].points, rows["ada"].current_streak, rows["ada"].best_streak) == (3, 3, 3)
    assert (rows["bob"].points, rows["bob"].current_streak, rows["bob"].best_streak) == (2, 1, 1)
    assert (rows["cy"].points, rows["cy"].current_streak, rows["cy"].best_streak) == (2, 0, 2)
    assert rows["ada"].name == "Ada"


def test_open_round_votes_not_scored(engine: Engine) -> None:
    team = make_team(engine)
    round_id = open_for(engine, team)
    vote(engine, team, round_id, "ada", "llm")

    assert engine.standings(team.id, season_only=True) == []
    assert engine.team_stats(team.id).votes == 0


def test_team_stats_count_over_reach(engine: Engine) -> None:
    team = make_team(engine)
    expected_over = expected_possible = 0
    for offset in range(4):
        round_id = open_for(engine, team, DAY + timedelta(days=offset))
        answer = engine.get_round(round_id).answer
        for member in ("a", "b"):
            vote(engine, team, round_id, member, "llm")
            if answer is not Choice.LLM:
                expected_possible += 1
                expected_over += 1
        engine.reveal(round_id)

    stats = engine.team_stats(team.id)

    assert stats.votes == 8
    if expected_possible >= 5:
        assert stats.over_reach is not None
        assert (stats.over_reach.count, stats.over_reach.total) == (
            expected_over,
            expected_possible,
        )
    else:
        assert stats.over_reach is None


def test_member_stats_only_own_votes(engine: Engine) -> None:
    team = make_team(engine)
    for offset in range(6):
        round_id = open_for(engine, team, DAY + timedelta(days=offset))
        vote(engine, team, round_id, "ada", "slm")
        vote(engine, team, round_id, "bob", "llm")
        engine.reveal(round_id)

    answers = [engine.get_round(number).answer for number in range(1, 7)]
    not_slm = sum(answer is not Choice.SLM for answer in answers)

    ada = engine.member_stats(team.id, "ada")

    assert ada.votes == 6
    assert ada.correct.count == 6 - not_slm
    if not_slm >= 5:
        assert ada.under_reach is not None
        assert (ada.under_reach.count, ada.under_reach.total) == (not_slm, not_slm)
    else:
        assert ada.under_reach is None


def test_subscribe_twice_updates_schedule(engine: Engine) -> None:
    first = make_team(engine)
    second = engine.subscribe(
        platform="slack", workspace_id="T1", channel_id="C1", timezone="Asia/Kolkata"
    )

    assert second.id == first.id
    assert second.timezone == "Asia/Kolkata"
    assert len(engine.list_teams()) == 1
