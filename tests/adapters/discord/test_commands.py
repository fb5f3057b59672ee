"""The `/rightsize` subcommands: registered once, run for everyone or for Manage Server only."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, time

import pytest
from sqlalchemy import func, select

from adapters.discord.runner import DiscordRunner
from bot.app import App
from bot.engine import TeamInfo
from bot.storage.models import OffDay, PracticeAnswer, Round, Team
from tests.adapters.discord.double import (
    ADMIN_USER_ID,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_USER_ID,
    OWNER_USER_ID,
    DiscordDouble,
)
from tests.adapters.discord.support import (
    assert_responded_once,
    post_round,
    private_response,
    subscribe,
)

Options = Mapping[str, str | bool]

ADMIN_SUBCOMMANDS = [
    pytest.param("setup", {"time": "10:15", "tz": "Europe/Berlin"}, id="setup"),
    pytest.param("pause", {}, id="pause"),
    pytest.param("resume", {}, id="resume"),
    pytest.param("off add", {"dates": "2027-03-10"}, id="off-add"),
    pytest.param("off list", {}, id="off-list"),
    pytest.param("off remove", {"dates": "2027-03-10"}, id="off-remove"),
    pytest.param("post-now", {}, id="post-now"),
    pytest.param("reveal-now", {}, id="reveal-now"),
]
MEMBER_SUBCOMMANDS = [
    pytest.param("leaderboard", {}, "Leaderboard, this season", id="leaderboard"),
    pytest.param("leaderboard", {"scope": "all"}, "Leaderboard, all time", id="leaderboard-all"),
    pytest.param("stats", {}, "Team bias stats", id="stats"),
    pytest.param("stats", {"me": True}, "Bias stats of", id="stats-me"),
    pytest.param("status", {}, "Rightsize status", id="status"),
    pytest.param("help", {}, "Rightsize commands", id="help"),
]


def _state(app: App) -> tuple[object, ...]:
    """Read every row a subcommand may change: teams, rounds and off days."""
    with app.database.session() as session:
        teams = session.execute(
            select(Team.id, Team.timezone, Team.post_time, Team.weekdays, Team.paused)
        ).all()
        rounds = session.execute(
            select(Round.id, Round.posted_at, Round.revealed_at).order_by(Round.id)
        ).all()
        off_days = session.scalar(select(func.count()).select_from(OffDay))
    return tuple(teams), tuple(rounds), off_days


async def _run(
    double: DiscordDouble, subcommand: str, options: Options, user_id: int
) -> tuple[str, list[str]]:
    """Invoke a subcommand and return the private response's content and embed titles."""
    handle = await double.invoke_command(subcommand, dict(options), user_id=user_id)
    response = await private_response(handle)
    assert_responded_once(handle)
    return response.content, [str(embed.get("title", "")) for embed in response.embeds]


async def _team(app: App) -> TeamInfo:
    team = await asyncio.to_thread(
        app.engine.find_team, "discord", str(GUILD_ID), str(GENERAL_CHANNEL_ID)
    )
    assert team is not None, "the general channel is not subscribed"
    return team


async def test_group_registered_as_global_command(
    double: DiscordDouble, runner: DiscordRunner
) -> None:
    [command] = double.registered_commands(None)
    options = {option["name"]: option for option in command["options"]}

    assert command["name"] == "rightsize"
    assert command["contexts"] == [0]  # guilds only, no direct messages
    assert set(options) == {
        "quiz",
        "leaderboard",
        "stats",
        "status",
        "help",
        "setup",
        "pause",
        "resume",
        "off",
        "post-now",
        "reveal-now",
    }
    assert [sub["name"] for sub in options["off"]["options"]] == ["add", "list", "remove"]
    scope = options["leaderboard"]["options"][0]
    assert [choice["value"] for choice in scope["choices"]] == ["season", "all"]
    setup = {option["name"]: option for option in options["setup"]["options"]}
    assert setup["tz"]["autocomplete"] is True
    assert setup["days"]["required"] is False
    assert all(len(option["description"]) <= 100 for option in command["options"])
    assert len(double.command_syncs) == 1


def test_group_covers_every_engine_subcommand(app: App) -> None:
    engine_names = app.commands.names()
    discord_names = {"quiz", "leaderboard", "stats", "status", "help", "setup", "pause"}
    discord_names |= {"resume", "off", "post-now", "reveal-now"}
    assert discord_names == engine_names


@pytest.mark.parametrize(("subcommand", "options"), ADMIN_SUBCOMMANDS)
async def test_admin_subcommand_rejected_without_manage_server(
    double: DiscordDouble, app: App, runner: DiscordRunner, subcommand: str, options: Options
) -> None:
    team = await subscribe(app)
    await post_round(app, team)
    await asyncio.to_thread(app.engine.add_off_days, team.id, date(2027, 3, 10), date(2027, 3, 10))
    before = _state(app)
    messages_before = len(double.channel_messages(GENERAL_CHANNEL_ID, include_ephemeral=False))

    content, _ = await _run(double, subcommand, options, MEMBER_USER_ID)

    name = subcommand.split()[0]
    assert content == f"Only members with Manage Server may use \\`{name}\\`. Nothing was changed."
    assert _state(app) == before
    assert (
        len(double.channel_messages(GENERAL_CHANNEL_ID, include_ephemeral=False))
        == messages_before
    )


@pytest.mark.parametrize(("subcommand", "options", "title"), MEMBER_SUBCOMMANDS)
@pytest.mark.parametrize(
    "user_id",
    [
        pytest.param(MEMBER_USER_ID, id="member"),
        pytest.param(ADMIN_USER_ID, id="manage-server"),
    ],
)
async def test_member_subcommand_runs_for_everyone(
    double: DiscordDouble,
    app: App,
    runner: DiscordRunner,
    subcommand: str,
    options: Options,
    title: str,
    user_id: int,
) -> None:
    await subscribe(app)

    content, titles = await _run(double, subcommand, options, user_id)

    assert content == ""
    assert len(titles) == 1
    assert titles[0].startswith(title)


@pytest.mark.parametrize("user_id", [MEMBER_USER_ID, ADMIN_USER_ID], ids=["member", "admin"])
async def test_quiz_runs_for_everyone(
    double: DiscordDouble, app: App, runner: DiscordRunner, user_id: int
) -> None:
    handle = await double.invoke_command("quiz", user_id=user_id)
    question = await private_response(handle)

    assert_responded_once(handle)
    assert [custom_id.split(":")[2] for custom_id in question.custom_ids()] == [
        "slm",
        "hybrid",
        "llm",
    ]
    assert question.embeds[0]["footer"]["text"].startswith("Self-quiz: only you see this")


async def test_setup_subscribes_channel(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    options = {"time": "10:15", "tz": "Europe/Berlin", "days": "mon,wed"}
    _, titles = await _run(double, "setup", options, ADMIN_USER_ID)

    team = await _team(app)
    assert titles == ["Rightsize status"]
    assert team.timezone == "Europe/Berlin"
    assert team.post_time == time(10, 15)
    assert team.weekdays == 0b101
    assert team.name == "general"


async def test_setup_by_owner_with_default_days(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    await _run(double, "setup", {"time": "07:00", "tz": "UTC"}, OWNER_USER_ID)

    team = await _team(app)
    assert team.weekdays == 0b11111


async def test_setup_invalid_time_rejected(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    content, titles = await _run(double, "setup", {"time": "25:99", "tz": "UTC"}, ADMIN_USER_ID)

    assert content.startswith("Invalid time '25:99'")
    assert titles == []
    assert (
        await asyncio.to_thread(
            app.engine.find_team, "discord", str(GUILD_ID), str(GENERAL_CHANNEL_ID)
        )
        is None
    )


async def test_pause_and_resume_team(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    await subscribe(app)

    _, paused_titles = await _run(double, "pause", {}, ADMIN_USER_ID)
    paused = await _team(app)
    _, resumed_titles = await _run(double, "resume", {}, ADMIN_USER_ID)
    resumed = await _team(app)

    assert paused_titles == ["Paused"]
    assert paused.paused
    assert paused.pause_reason == "paused by ada-admin"
    assert len(resumed_titles) == 1
    assert not resumed.paused


async def test_off_days_added_listed_removed(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)

    await _run(double, "off add", {"dates": "2027-03-10..2027-03-12"}, ADMIN_USER_ID)
    added = await asyncio.to_thread(app.engine.off_days, team.id)
    listing = await double.invoke_command("off list", user_id=ADMIN_USER_ID)
    listed = await private_response(listing)
    await _run(double, "off remove", {"dates": "2027-03-11"}, ADMIN_USER_ID)
    left = await asyncio.to_thread(app.engine.off_days, team.id)

    assert added == [date(2027, 3, 10), date(2027, 3, 11), date(2027, 3, 12)]
    assert "2027-03-10, 2027-03-11, 2027-03-12" in listed.embeds[0]["description"]
    assert left == [date(2027, 3, 10), date(2027, 3, 12)]


async def test_post_now_and_reveal_now(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)

    _, posted_titles = await _run(double, "post-now", {}, ADMIN_USER_ID)
    posted = await asyncio.to_thread(app.engine.latest_round, team.id)
    _, revealed_titles = await _run(double, "reveal-now", {}, ADMIN_USER_ID)
    revealed = await asyncio.to_thread(app.engine.latest_round, team.id)
    channel = double.channel_messages(GENERAL_CHANNEL_ID, include_ephemeral=False)

    assert posted_titles == ["Posted"]
    assert posted is not None
    assert posted.posted
    assert revealed_titles == ["Revealed"]
    assert revealed is not None
    assert revealed.revealed
    assert len(channel) == 2
    assert channel[1].payload["message_reference"]["message_id"] == str(channel[0].id)


async def test_quiz_answer_and_next(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    handle = await double.invoke_command("quiz", user_id=MEMBER_USER_ID)
    question = await private_response(handle)
    [answer_id, *_] = question.custom_ids()

    answered = await double.click_button(question, answer_id, user_id=MEMBER_USER_ID)
    await answered.wait_for_callback()
    result = double.message(question.channel_id, question.id)
    next_click = await double.click_button(
        result, "rightsize_practice_next", user_id=MEMBER_USER_ID
    )
    await next_click.wait_for_callback()
    following = double.message(question.channel_id, question.id)

    scenario_id = answer_id.split(":")[1]
    with app.database.session() as session:
        answers = session.execute(select(PracticeAnswer.person, PracticeAnswer.scenario_id)).all()
    assert answers == [(f"discord:{GUILD_ID}:{MEMBER_USER_ID}", scenario_id)]
    assert answered.callback is not None
    assert answered.callback.type == 7  # the question is replaced by its result
    assert result.history[-1]["components"] != []
    assert following.custom_ids()[0].split(":")[1] != scenario_id
    assert len(following.custom_ids()) == 3
    for interaction in (handle, answered, next_click):
        assert_responded_once(interaction)


async def test_zone_autocomplete_lists_matches(
    double: DiscordDouble, runner: DiscordRunner
) -> None:
    handle = await double.invoke_command(
        "setup", {"time": "09:30", "tz": "berl"}, user_id=ADMIN_USER_ID, focused="tz"
    )
    callback = await handle.wait_for_callback()

    assert callback.type == 8
    assert callback.data is not None
    assert [choice["value"] for choice in callback.data["choices"]] == ["Europe/Berlin"]
