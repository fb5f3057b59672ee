"""The live vote count on the question: throttled edits, never the split, last one final."""

from __future__ import annotations

import asyncio
import itertools
import json

from adapters.slack.livecount import LiveCount
from adapters.slack.runner import SlackRunner
from bot.app import App
from bot.texts import vote_count
from tests.adapters.slack.conftest import TEST_COUNT_INTERVAL
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import click_vote, post_round, subscribe, wait_until

CHANNEL = "C0COUNT"


def footer_of(blocks: list[dict[str, object]] | None) -> str:
    """Return the text of the message's context blocks."""
    parts = []
    for block in blocks or []:
        if block.get("type") == "context":
            elements = block.get("elements")
            assert isinstance(elements, list)
            parts += [str(element["text"]) for element in elements]
    return " ".join(parts)


async def test_many_votes_give_few_edits(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    voters = [f"U{number:03d}" for number in range(24)]

    # The votes arrive over about three intervals, much faster than one per interval.
    for voter in voters:
        envelope = await click_vote(slack_double, posted.message_ref, voter, "hybrid")
        await slack_double.wait_for_ack(envelope.envelope_id)
        await asyncio.sleep(TEST_COUNT_INTERVAL / 8)
    await wait_until(
        lambda: vote_count(24) in footer_of(slack_double.latest_blocks(channel_id, ts)),
        what="the final count on the question",
    )
    await asyncio.sleep(TEST_COUNT_INTERVAL * 1.5)

    edits = slack_double.calls_to("chat.update")
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(edits)]
    assert 2 <= len(edits) <= 6
    assert all(gap >= TEST_COUNT_INTERVAL * 0.9 for gap in gaps)
    assert vote_count(24) in json.dumps(edits[-1].arguments["blocks"])
    assert edits[-1].arguments["text"].count(vote_count(24)) == 1


async def test_count_never_shows_the_split(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")

    for voter, choice in [("U1", "slm"), ("U2", "slm"), ("U3", "llm")]:
        envelope = await click_vote(slack_double, posted.message_ref, voter, choice)
        await slack_double.wait_for_ack(envelope.envelope_id)
    await wait_until(
        lambda: vote_count(3) in footer_of(slack_double.latest_blocks(channel_id, ts)),
        what="the count of three votes",
    )

    blocks = slack_double.latest_blocks(channel_id, ts) or []
    rendered = json.dumps(blocks)
    assert [block["type"] for block in blocks].count("actions") == 1
    assert all("fields" not in block for block in blocks)
    assert "2 of 3" not in rendered
    assert "1 of 3" not in rendered
    assert "```" not in rendered


async def test_changed_vote_needs_no_edit(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None

    first = await click_vote(slack_double, posted.message_ref, "U1", "slm")
    await slack_double.wait_for_ack(first.envelope_id)
    await slack_double.wait_for_call("chat.update")
    change = await click_vote(slack_double, posted.message_ref, "U1", "llm")
    await slack_double.wait_for_ack(change.envelope_id)
    await asyncio.sleep(TEST_COUNT_INTERVAL * 2)

    assert len(slack_double.calls_to("chat.update")) == 1


async def test_stop_cancels_named_refresh_tasks() -> None:
    refreshed: list[str] = []
    blocked = asyncio.Event()

    async def refresh(message_ref: str, round_id: int) -> None:
        refreshed.append(message_ref)
        await blocked.wait()

    live_count = LiveCount(refresh, interval=60)
    live_count.note_vote("C1:1.000001", 1)
    live_count.note_vote("C2:1.000002", 2)
    await wait_until(lambda: len(refreshed) == 2, what="two refreshes to begin")
    tasks = live_count.tasks()

    await asyncio.wait_for(live_count.stop(), 5)

    assert sorted(task.get_name() for task in tasks) == [
        "slack-live-count C1:1.000001",
        "slack-live-count C2:1.000002",
    ]
    assert all(task.cancelled() for task in tasks)
    assert live_count.tasks() == []
