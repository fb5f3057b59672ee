"""Every `/rightsize` subcommand over Socket Mode, for admins and for everyone else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.slack import texts as slack_texts
from adapters.slack.runner import SlackRunner, create_runner
from bot.app import App
from bot.commands import HELP_TEXT
from bot.errors import NotAdminError, TeamNotFoundError, UnknownCommandError
from bot.settings import Settings
from bot.storage.models import Round
from tests.adapters.slack.conftest import TEST_COUNT_INTERVAL
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import (
    assert_no_reply_beyond,
    buttons,
    private_texts,
    run_command,
    subscribe,
    wait_until,
)

CHANNEL = "C0TEAM"
MEMBER = "U0MEMBER"
ADMIN = "U0ADMIN"


async def command_replies(
    double: SlackDouble, text: str, *, user_id: str, channel_id: str = CHANNEL, count: int = 1
) -> list[str]:
    """Run a command and return the texts of the private replies it produced."""
    before = len(private_texts(double, user_id))
    envelope = await run_command(double, text, user_id=user_id, channel_id=channel_id)
    ack = await double.wait_for_ack(envelope.envelope_id)
    assert ack.payload is None
    await wait_until(
        lambda: len(private_texts(double, user_id)) >= before + count,
        what=f"the reply to {text!r}",
    )
    return private_texts(double, user_id)[before:]


def rounds(app: App) -> list[Round]:
    with app.database.session() as session:
        found = list(session.scalars(select(Round).order_by(Round.id)))
        session.expunge_all()
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("help", "Rightsize commands", id="help"),
        pytest.param("", "Rightsize commands", id="empty-is-help"),
        pytest.param("leaderboard", "Leaderboard, this season", id="leaderboard"),
        pytest.param("leaderboard season", "Leaderboard, this season", id="leaderboard-season"),
        pytest.param("leaderboard all", "Leaderboard, all time", id="leaderboard-all"),
        pytest.param("stats", "Team bias stats", id="stats"),
        pytest.param("stats me", "Bias stats of member", id="stats-me"),
        pytest.param("status", "Rightsize status", id="status"),
        pytest.param("quiz", "Small model, frontier model, or a hybrid of both?", id="quiz"),
        pytest.param("leaderboard weekly", "Invalid leaderboard scope 'weekly'", id="bad-scope"),
    ],
)
async def test_member_subcommands(
    app: App, runner: SlackRunner, slack_double: SlackDouble, text: str, expected: str
) -> None:
    slack_double.add_user(MEMBER, name="member")
    await subscribe(app, CHANNEL)

    replies = await command_replies(slack_double, text, user_id=MEMBER)

    assert len(replies) == 1
    assert expected in replies[0]
    assert slack_double.ephemeral_messages[-1].source == "response_url"
    assert slack_double.calls_to("users.info") == []


async def test_help_lists_every_subcommand(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    replies = await command_replies(slack_double, "help", user_id=MEMBER)

    blocks = slack_double.ephemeral_messages[-1].blocks or []
    rendered = "\n".join(str(block.get("text", {}).get("text", "")) for block in blocks)
    assert "Rightsize commands" in replies[0]
    for line in HELP_TEXT.splitlines():
        assert line.split(":")[0] in rendered


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("setup 09:30 Europe/Berlin mon-fri", id="setup"),
        pytest.param("pause", id="pause"),
        pytest.param("resume", id="resume"),
        pytest.param("post-now", id="post-now"),
        pytest.param("reveal-now", id="reveal-now"),
    ],
)
async def test_member_cannot_run_admin_subcommands(
    app: App, runner: SlackRunner, slack_double: SlackDouble, text: str
) -> None:
    slack_double.add_user(MEMBER, name="member")
    team = await subscribe(app, CHANNEL)

    replies = await command_replies(slack_double, text, user_id=MEMBER)

    name = text.split()[0]
    assert replies == [NotAdminError(name, slack_texts.ADMINS_ARE).message]
    assert [call.arguments["user"] for call in slack_double.calls_to("users.info")] == [MEMBER]
    assert app.engine.get_team(team.id).paused is False
    assert rounds(app) == []


@pytest.mark.parametrize(
    "flag",
    [
        pytest.param("is_admin", id="admin"),
        pytest.param("is_owner", id="owner"),
        pytest.param("is_primary_owner", id="primary-owner"),
    ],
)
async def test_workspace_admin_runs_setup(
    app: App, runner: SlackRunner, slack_double: SlackDouble, flag: str
) -> None:
    user = slack_double.add_user(ADMIN, name="ada")
    setattr(user, flag, True)
    slack_double.add_channel(CHANNEL, name="ml-guild")

    replies = await command_replies(
        slack_double, "setup 10:15 Europe/Berlin mon,wed", user_id=ADMIN
    )

    team = app.engine.find_team("slack", slack_double.team_id, CHANNEL)
    assert team is not None
    assert team.timezone == "Europe/Berlin"
    assert f"{team.post_time:%H:%M}" == "10:15"
    assert team.name == "ml-guild"
    assert "Rightsize status" in replies[0]
    assert "Posts at 10:15 Europe/Berlin" in replies[0]


async def test_listed_admin_needs_no_lookup(
    app: App, settings: Settings, slack_double: SlackDouble
) -> None:
    listed = settings.model_copy(update={"slack_admin_ids": "U0OTHER, U0LISTED"})
    started = create_runner(app, listed, count_interval=TEST_COUNT_INTERVAL)
    await started.start()
    try:
        team = await subscribe(app, CHANNEL)
        replies = await command_replies(slack_double, "pause", user_id="U0LISTED")
    finally:
        await started.stop()

    assert replies[0].startswith("Paused")
    assert app.engine.get_team(team.id).paused is True
    assert app.engine.get_team(team.id).pause_reason == "paused by u0listed"
    assert slack_double.calls_to("users.info") == []


async def test_admin_pause_resume_post_reveal(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user(ADMIN, name="ada", is_admin=True)
    team = await subscribe(app, CHANNEL)

    paused = await command_replies(slack_double, "pause", user_id=ADMIN)
    paused_team = app.engine.get_team(team.id)
    resumed = await command_replies(slack_double, "resume", user_id=ADMIN)
    posted = await command_replies(slack_double, "post-now", user_id=ADMIN)
    again = await command_replies(slack_double, "post-now", user_id=ADMIN)
    revealed = await command_replies(slack_double, "reveal-now", user_id=ADMIN)
    nothing = await command_replies(slack_double, "reveal-now", user_id=ADMIN)

    messages = slack_double.messages_in(CHANNEL)
    assert paused[0].startswith("Paused")
    assert paused_team.paused is True
    assert resumed[0].startswith("Resumed")
    assert "Next post:" in resumed[0]
    assert app.engine.get_team(team.id).paused is False
    assert posted[0].startswith("Posted")
    assert "already posted" in again[0]
    assert revealed[0].startswith("Revealed")
    assert nothing[0].startswith("Nothing to reveal")
    assert len(rounds(app)) == 1
    assert len(messages) == 2
    assert messages[1].thread_ts == messages[0].ts
    assert buttons(messages[0].blocks) == []


async def test_unknown_subcommand_is_escaped(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    replies = await command_replies(slack_double, "<!channel> & co", user_id=MEMBER)

    expected = UnknownCommandError("<!channel>").message
    escaped = expected.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert replies == [escaped]
    assert "<!channel>" not in str(slack_double.response_url_posts[-1].body)


async def test_command_in_unsubscribed_channel(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    replies = await command_replies(slack_double, "status", user_id=MEMBER, channel_id="C0NEW")

    assert replies == [TeamNotFoundError("C0NEW").message]


async def test_redelivered_command_runs_once(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user(ADMIN, name="ada", is_admin=True)
    await subscribe(app, CHANNEL)

    envelope = await run_command(slack_double, "post-now", user_id=ADMIN, channel_id=CHANNEL)
    await slack_double.wait_for_ack(envelope.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, ADMIN)) == 1, what="the reply")
    await slack_double.redeliver(envelope)
    await slack_double.wait_for_ack(envelope.envelope_id, count=2)
    await assert_no_reply_beyond(slack_double, 1)

    assert len(private_texts(slack_double, ADMIN)) == 1
    assert len(rounds(app)) == 1
    assert len(slack_double.calls_to("chat.postMessage")) == 1


async def test_quoted_subcommand_still_checks_admin(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user(ADMIN, name="ada", is_admin=True)
    team = await subscribe(app, CHANNEL)

    replies = await command_replies(slack_double, '"pause"', user_id=ADMIN)

    assert replies[0].startswith("Paused")
    assert app.engine.get_team(team.id).paused is True


async def test_typed_entities_escaped_once(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    await subscribe(app, CHANNEL)

    # Slack sends a typed & as &amp;, so the reply must show it escaped exactly once.
    replies = await command_replies(slack_double, "stats &amp;", user_id=MEMBER)

    assert len(replies) == 1
    assert "'&amp;'" in replies[0]
    assert "&amp;amp;" not in replies[0]


async def test_failed_admin_lookup_is_explained(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user(ADMIN, name="ada", is_admin=True)
    team = await subscribe(app, CHANNEL)
    slack_double.rate_limit("users.info", calls=10, retry_after=0)

    replies = await command_replies(slack_double, "pause", user_id=ADMIN)

    assert len(replies) == 1
    assert replies[0].startswith("Slack could not confirm your admin rights (ratelimited)")
    assert app.engine.get_team(team.id).paused is False


async def test_unknown_button_is_acknowledged(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    payload = slack_double.block_actions_payload(
        action_id="some_other_app_button",
        value="x",
        user_id=MEMBER,
        channel_id=CHANNEL,
        message_ts="1.000001",
    )

    envelope = await slack_double.push_envelope("interactive", payload)

    await slack_double.wait_for_ack(envelope.envelope_id)
    assert slack_double.response_url_posts == []
