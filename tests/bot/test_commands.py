"""The `/rightsize` subcommands, as every adapter runs them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import FixedClock
from bot.commands import ADMIN_COMMANDS, Commands, Invocation
from bot.cycle import Cycle
from bot.engine import Engine
from bot.errors import (
    InvalidSettingError,
    NotAdminError,
    PostFailedError,
    RoundAlreadyPostedError,
    ScenarioOpenError,
    TeamNotFoundError,
    UnexpectedArgumentsError,
    UnknownCommandError,
)
from bot.practice import Practice
from tests.bot.recording_port import RecordingPort


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


@pytest.fixture
def commands(engine: Engine, practice: Practice, port: RecordingPort) -> Commands:
    return Commands(engine=engine, practice=practice, cycle=Cycle(engine, {port.platform: port}))


def invocation(text: str, *, admin: bool = True, user: str = "U1") -> Invocation:
    return Invocation(
        platform="test",
        workspace_id="W",
        channel_id="C1",
        user_id=user,
        user_name=user.lower(),
        text=text,
        is_admin=admin,
        admins_are="channel admins",
    )


async def run(commands: Commands, text: str, **kwargs: object) -> str:
    outcome = await commands.run(invocation(text, **kwargs))  # type: ignore[arg-type]
    return "\n".join(card.plain_text() for card in outcome.cards)


async def test_setup_then_status(commands: Commands, clock: FixedClock) -> None:
    clock.set(datetime(2027, 3, 1, 6, 0, tzinfo=UTC))  # a Monday

    text = await run(commands, "setup 09:30 Europe/Berlin mon-fri")

    assert "Next post: Monday 2027-03-01 09:30 Europe/Berlin" in text
    assert "Posts at 09:30 Europe/Berlin, mon-fri" in text
    assert "No round posted yet." in text


@pytest.mark.parametrize("name", sorted(ADMIN_COMMANDS))
async def test_admin_command_rejected_for_member(commands: Commands, name: str) -> None:
    await run(commands, "setup 09:30 UTC")

    with pytest.raises(NotAdminError) as raised:
        await run(commands, f"{name} 2027-12-24", admin=False)

    assert "Only channel admins may use" in raised.value.message
    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    assert not team.paused
    assert commands.engine.latest_round(team.id) is None
    assert commands.engine.off_days(team.id) == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param("setup 25:00 UTC", "time", id="bad-hour"),
        pytest.param("setup 9am UTC", "time", id="am-pm"),
        pytest.param("setup 09:30 Mars/Olympus", "time zone", id="bad-zone"),
        pytest.param("setup 09:30 ../../etc/passwd", "time zone", id="zone-path"),
        pytest.param("setup 09:30 localtime", "time zone", id="server-zone"),
        pytest.param("setup 09:30 Factory", "time zone", id="placeholder-zone"),
        pytest.param("setup 09:30 posix/Europe/Berlin", "time zone", id="posix-copy"),
        pytest.param("setup 09:30 UTC someday", "days", id="bad-days"),
        pytest.param("setup 09:30", "setup", id="missing-zone"),
    ],
)
async def test_invalid_setup_changes_nothing(commands: Commands, text: str, field: str) -> None:
    with pytest.raises(InvalidSettingError) as raised:
        await run(commands, text)

    assert raised.value.message.startswith(f"Invalid {field} ")
    assert commands.engine.find_team("test", "W", "C1") is None


async def test_commands_need_setup_first(commands: Commands) -> None:
    with pytest.raises(TeamNotFoundError) as raised:
        await run(commands, "status")

    assert "/rightsize setup" in raised.value.message


async def test_unknown_command_named(commands: Commands) -> None:
    with pytest.raises(UnknownCommandError) as raised:
        await run(commands, "dance")

    assert "'dance' is not a Rightsize command" in raised.value.message


async def test_off_days_add_list_remove(commands: Commands, clock: FixedClock) -> None:
    clock.set(datetime(2027, 12, 1, 6, 0, tzinfo=UTC))
    await run(commands, "setup 09:30 UTC daily")

    added = await run(commands, "off 2027-12-24..2027-12-26")
    again = await run(commands, "off 2027-12-25")
    listed = await run(commands, "off list")
    removed = await run(commands, "off remove 2027-12-26")

    assert "Added 3 off days" in added
    assert "2027-12-25: already off, nothing changed." in again
    assert "2027-12-24, 2027-12-25, 2027-12-26" in listed
    assert "Removed 1 off day." in removed
    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    assert commands.engine.off_days(team.id) == [date(2027, 12, 24), date(2027, 12, 25)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("off 2027-13-01", id="bad-month"),
        pytest.param("off 2027-12-31..2027-12-01", id="backwards"),
        pytest.param("off 2027-01-01..2029-01-01", id="too-long"),
        pytest.param("off tomorrow", id="word"),
        pytest.param("off remove", id="remove-nothing"),
        pytest.param("off 1999-01-01", id="past-date"),
        pytest.param("off add list", id="add-a-word"),
    ],
)
async def test_invalid_off_days_change_nothing(commands: Commands, text: str) -> None:
    await run(commands, "setup 09:30 UTC")

    with pytest.raises(InvalidSettingError):
        await run(commands, text)

    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    assert commands.engine.off_days(team.id) == []


@pytest.mark.parametrize("name", ["quiz", "status", "pause", "resume", "post-now", "reveal-now"])
async def test_extra_arguments_rejected(commands: Commands, name: str) -> None:
    await run(commands, "setup 09:30 UTC")

    with pytest.raises(UnexpectedArgumentsError) as raised:
        await run(commands, f"{name} now please")

    assert f"`{name}` takes no arguments" in raised.value.message
    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    assert not team.paused
    assert commands.engine.latest_round(team.id) is None


async def test_post_now_after_reveal_says_revealed(commands: Commands) -> None:
    await run(commands, "setup 09:30 UTC")
    await run(commands, "post-now")
    await run(commands, "reveal-now")

    with pytest.raises(RoundAlreadyPostedError) as raised:
        await run(commands, "post-now")

    assert "already posted and revealed" in raised.value.message


async def test_status_skips_off_day(commands: Commands, clock: FixedClock) -> None:
    clock.set(datetime(2027, 12, 23, 12, 0, tzinfo=UTC))  # Thursday, after 09:30
    await run(commands, "setup 09:30 UTC daily")
    await run(commands, "off 2027-12-24")

    text = await run(commands, "status")

    assert "Next post: Saturday 2027-12-25 09:30 UTC" in text


async def test_post_now_then_reveal_now(commands: Commands, port: RecordingPort) -> None:
    await run(commands, "setup 09:30 UTC")

    posted = await run(commands, "post-now")
    with pytest.raises(RoundAlreadyPostedError):
        await run(commands, "post-now")
    revealed = await run(commands, "reveal-now")
    nothing = await run(commands, "reveal-now")

    assert "Posted" in posted
    assert "Revealed" in revealed
    assert "Nothing to reveal" in nothing
    assert len(port.of("post")) == 1
    assert len(port.of("update")) == 1
    assert len(port.of("reply")) == 1


async def test_pause_and_resume_show_in_status(commands: Commands) -> None:
    await run(commands, "setup 09:30 UTC")

    await run(commands, "pause", user="UADMIN")
    paused = await run(commands, "status", admin=False)
    resumed = await run(commands, "resume")

    assert "Paused (paused by uadmin)" in paused
    assert "Next post:" in resumed


async def test_quiz_hides_open_scenario(commands: Commands) -> None:
    await run(commands, "setup 09:30 UTC")
    await run(commands, "post-now")
    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    current = commands.engine.open_round(team.id)
    assert current is not None
    open_title = commands.engine.pool.scenarios[current.scenario_id].title
    person = invocation("quiz").person
    for scenario_id in commands.engine.pool.ids:
        if scenario_id != current.scenario_id:
            commands.practice.answer(person, scenario_id, "slm")

    text = await run(commands, "quiz", admin=False)

    assert open_title not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("leaderboard", "Leaderboard, this season", id="season-default"),
        pytest.param("leaderboard all", "Leaderboard, all time", id="all"),
        pytest.param("stats", "Team bias stats", id="team-stats"),
        pytest.param("stats me", "Bias stats of u1", id="my-stats"),
        pytest.param("help", "setup TIME TZ [DAYS]", id="help"),
        pytest.param("", "Rightsize commands", id="empty-is-help"),
    ],
)
async def test_member_commands_reply(commands: Commands, text: str, expected: str) -> None:
    await run(commands, "setup 09:30 UTC")

    assert expected in await run(commands, text, admin=False)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("leaderboard weekly", id="bad-scope"),
        pytest.param("stats you", id="bad-stats"),
    ],
)
async def test_bad_member_arguments_named(commands: Commands, text: str) -> None:
    await run(commands, "setup 09:30 UTC")

    with pytest.raises(InvalidSettingError):
        await run(commands, text, admin=False)


async def test_quiz_answer_for_open_round_rejected(commands: Commands) -> None:
    await run(commands, "setup 09:30 UTC")
    await run(commands, "post-now")
    team = commands.engine.find_team("test", "W", "C1")
    assert team is not None
    current = commands.engine.open_round(team.id)
    assert current is not None
    caller = invocation("quiz", admin=False)

    with pytest.raises(ScenarioOpenError):
        await commands.answer_quiz(caller, current.scenario_id, "slm")

    assert commands.practice.stats(caller.person).votes == 0


async def test_post_now_failure_explained(commands: Commands, port: RecordingPort) -> None:
    await run(commands, "setup 09:30 UTC")

    def fail(kind: str, team: object, card: object) -> None:
        raise RuntimeError("platform down")

    port.fault = fail
    with pytest.raises(PostFailedError) as first:
        await run(commands, "post-now")
    with pytest.raises(PostFailedError) as second:
        await run(commands, "post-now")

    assert "could not be posted" in first.value.message
    assert "an earlier attempt failed" in second.value.message
    assert port.of("post") == []
