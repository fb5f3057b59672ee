"""A channel that takes no messages pauses its team; other teams go on; an admin resumes."""

from __future__ import annotations

import pytest

from adapters.slack import texts as slack_texts
from adapters.slack.runner import SlackRunner
from bot.app import App
from bot.engine import TeamInfo
from bot.ports import ChannelUnavailableError
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import (
    post_round,
    private_texts,
    run_command,
    subscribe,
    wait_until,
)

BROKEN = "C0BROKEN"
HEALTHY = "C0HEALTHY"
ADMIN = "U0ADMIN"


async def run_every_team(app: App) -> list[int]:
    """Run today for each team in turn, as the daily cycle does; return who posted."""
    posted = []
    for team in app.engine.list_teams("slack"):
        try:
            result = await app.cycle.run_day(team, app.engine.today(team))
        except ChannelUnavailableError:
            continue
        if result is not None:
            posted.append(team.id)
    return posted


@pytest.mark.parametrize(
    "error",
    [
        pytest.param("is_archived", id="archived"),
        pytest.param("channel_not_found", id="deleted"),
        pytest.param("not_in_channel", id="bot-removed"),
    ],
)
async def test_unavailable_channel_pauses_team(
    app: App, runner: SlackRunner, slack_double: SlackDouble, error: str
) -> None:
    broken = await subscribe(app, BROKEN)
    healthy = await subscribe(app, HEALTHY)
    slack_double.fail_channel(BROKEN, error)

    posted = await run_every_team(app)

    assert posted == [healthy.id]
    assert app.engine.get_team(broken.id).paused is True
    assert app.engine.get_team(broken.id).pause_reason == slack_texts.channel_problem(error)
    assert app.engine.get_team(healthy.id).paused is False
    assert slack_double.messages_in(BROKEN) == []
    assert len(slack_double.messages_in(HEALTHY)) == 1


async def test_archived_during_reveal_pauses_team(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, BROKEN)
    await post_round(app, team)
    slack_double.fail_channel(BROKEN, "is_archived")

    with pytest.raises(ChannelUnavailableError) as raised:
        await app.cycle.reveal_open_round(team)

    assert raised.value.channel_id == BROKEN
    assert app.engine.get_team(team.id).paused is True


async def test_admin_resumes_paused_team(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user(ADMIN, name="ada", is_admin=True)
    team = await subscribe(app, BROKEN)
    slack_double.fail_channel(BROKEN, "is_archived")
    await run_every_team(app)
    paused: TeamInfo = app.engine.get_team(team.id)
    slack_double.clear_channel_failure(BROKEN)

    status = await run_command(slack_double, "status", user_id=ADMIN, channel_id=BROKEN)
    await slack_double.wait_for_ack(status.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, ADMIN)) == 1, what="status")
    resume = await run_command(slack_double, "resume", user_id=ADMIN, channel_id=BROKEN)
    await slack_double.wait_for_ack(resume.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, ADMIN)) == 2, what="resume")

    assert paused.paused is True
    assert slack_texts.channel_problem("is_archived") in private_texts(slack_double, ADMIN)[0]
    assert app.engine.get_team(team.id).paused is False
    assert "Next post:" in private_texts(slack_double, ADMIN)[1]
