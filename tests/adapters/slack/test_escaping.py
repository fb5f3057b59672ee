"""Hostile names and story text reach Slack escaped, so nothing can mention anyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.slack.runner import SlackRunner
from bot.app import App
from bot.scenarios import load_pool
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import (
    all_text_sent,
    click_vote,
    post_round,
    private_texts,
    run_command,
    subscribe,
    wait_until,
)

CHANNEL = "C0HOSTILE"
HOSTILE_NAME = "<!channel> & <@U123> <!subteam^S1>"
ESCAPED_NAME = "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;!subteam^S1&gt;"
RAW_MARKERS = ("<!channel>", "<@U123>", "<!here>", "<!subteam^S1>")
HOSTILE_SCENARIO = """\
id: hostile-story
title: Tickets & <!here> triage
review_by: 2027-12-31
story: >
  A help desk gets tickets that open with <!channel> or <@U123> because people
  paste chat logs. Support & billing share one inbox of about 2,000 tickets a
  day, and each ticket must land in one of six folders within a second. The
  folders have not changed in three years, and the team keeps a labelled
  archive of 400,000 past tickets with the folder each one ended up in. The
  help desk runs on a modest budget, agents complain when a ticket lands in
  the wrong folder, and the security team wants nothing to leave the building
  if that can be avoided. What should sort the tickets into folders?
answer: slm
tempting: llm
signals: [narrow_label_set, high_volume]
diagnosis: distribution_shift
explanation: >
  Six folders & a steady stream of tickets make this a narrow label set at high
  volume; text such as <!channel> is just noise to a fine-tuned classifier.
  The archive of 400,000 labelled tickets covers the inputs the desk really
  sees, so distribution shift is the only difficulty, and a small model trained
  on that archive absorbs it and runs inside the building at little cost.
"""


@pytest.fixture
def hostile_app(app: App, tmp_path: Path) -> App:
    """Make the hostile scenario the only one, so the next round posts it."""
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "hostile-story.yaml").write_text(HOSTILE_SCENARIO, encoding="utf-8")
    pool = load_pool([folder])
    app.engine.pool = pool
    app.practice.pool = pool
    return app


async def test_hostile_story_is_escaped(
    hostile_app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(hostile_app, CHANNEL)

    posted = await post_round(hostile_app, team)
    await hostile_app.cycle.reveal_open_round(team)

    assert posted.scenario_id == "hostile-story"
    post = slack_double.calls_to("chat.postMessage")[0].arguments
    blocks = json.dumps(post["blocks"], ensure_ascii=False)
    assert "&lt;!channel&gt;" in blocks
    assert "&lt;@U123&gt;" in blocks
    assert "Support &amp; billing" in blocks
    assert "Tickets &amp; &lt;!here&gt; triage" in post["text"]
    sent = all_text_sent(slack_double)
    for marker in RAW_MARKERS:
        assert marker not in sent


async def test_hostile_display_name_is_escaped(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    slack_double.add_user("U0HOSTILE", name=HOSTILE_NAME)
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    envelope = await click_vote(slack_double, posted.message_ref, "U0HOSTILE", "slm")
    await slack_double.wait_for_ack(envelope.envelope_id)
    await app.cycle.reveal_open_round(team)

    for text in ("leaderboard", "stats me"):
        command = await run_command(slack_double, text, user_id="U0HOSTILE", channel_id=CHANNEL)
        await slack_double.wait_for_ack(command.envelope_id)
    await wait_until(
        lambda: len(private_texts(slack_double, "U0HOSTILE")) == 3, what="three replies"
    )

    leaderboard, stats = private_texts(slack_double, "U0HOSTILE")[1:]
    assert f"1. {ESCAPED_NAME}:" in leaderboard
    assert f"Bias stats of {ESCAPED_NAME}" in stats
    sent = all_text_sent(slack_double)
    for marker in RAW_MARKERS:
        assert marker not in sent
