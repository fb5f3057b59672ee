"""Votes by button click: committed before the ack, confirmed privately, counted once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from adapters.slack.runner import SlackRunner
from bot.app import App
from bot.engine import VoteReceipt
from bot.errors import TeamNotFoundError, VotingClosedError
from bot.texts import vote_confirmation
from bot.vocabulary import Choice
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import (
    assert_no_reply_beyond,
    buttons,
    click_vote,
    post_round,
    private_texts,
    processed_keys,
    subscribe,
    vote_rows,
    wait_until,
)

CHANNEL = "C0VOTES"
CHOICES = [Choice.SLM, Choice.HYBRID, Choice.LLM]


@pytest.fixture
def db_url(database_url: str) -> str:
    """Run every test of this module on SQLite and, where configured, PostgreSQL."""
    return database_url


async def test_thirty_members_vote_concurrently(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    members = [f"U{number:04d}" for number in range(30)]
    first = {member: CHOICES[index % 3] for index, member in enumerate(members)}
    changed = {member: CHOICES[(index + 1) % 3] for index, member in enumerate(members[:10])}

    started = time.monotonic()
    wave = await asyncio.gather(
        *(click_vote(slack_double, posted.message_ref, m, c.value) for m, c in first.items())
    )
    first_acks = await asyncio.gather(
        *(slack_double.wait_for_ack(envelope.envelope_id) for envelope in wave)
    )
    changes = await asyncio.gather(
        *(click_vote(slack_double, posted.message_ref, m, c.value) for m, c in changed.items())
    )
    change_acks = await asyncio.gather(
        *(slack_double.wait_for_ack(envelope.envelope_id) for envelope in changes)
    )
    await wait_until(
        lambda: len(slack_double.ephemeral_messages) == 40, what="40 private confirmations"
    )

    rows = vote_rows(app, posted.id)
    expected = {
        **{m: c.value for m, c in first.items()},
        **{m: c.value for m, c in changed.items()},
    }
    assert {member: row.choice for member, row in rows.items()} == expected
    assert {member: row.first_choice for member, row in rows.items()} == {
        m: c.value for m, c in first.items()
    }
    assert {member for member, row in rows.items() if row.changes == 1} == set(changed)
    assert all(row.changes == 0 for member, row in rows.items() if member not in changed)
    assert len(first_acks) + len(change_acks) == 40
    for envelope in [*wave, *changes]:
        assert len([a for a in slack_double.acks if a.envelope_id == envelope.envelope_id]) == 1
    assert max(ack.time for ack in first_acks) - started < 3.0
    for member, choice in changed.items():
        assert private_texts(slack_double, member) == [
            vote_confirmation(first[member], changed_from=None),
            vote_confirmation(choice, changed_from=first[member]),
        ]


async def test_ack_follows_vote_commit(
    app: App, runner: SlackRunner, slack_double: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    committed: list[float] = []
    record_vote = app.engine.record_vote

    def slow_record_vote(**arguments: Any) -> VoteReceipt:
        time.sleep(0.3)
        receipt = record_vote(**arguments)
        committed.append(time.monotonic())
        return receipt

    monkeypatch.setattr(app.engine, "record_vote", slow_record_vote)

    envelope = await click_vote(slack_double, posted.message_ref, "U0ADA", "hybrid")
    ack = await slack_double.wait_for_ack(envelope.envelope_id)

    assert len(committed) == 1
    assert ack.time >= committed[0]
    assert ack.payload is None
    assert vote_rows(app, posted.id)["U0ADA"].choice == "hybrid"


async def test_vote_after_reveal_is_rejected(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    first = await click_vote(slack_double, posted.message_ref, "U0ADA", "slm")
    await slack_double.wait_for_ack(first.envelope_id)
    # The click uses the buttons of the question as it was before the reveal.
    before_reveal = slack_double.latest_blocks(*posted.message_ref.split(":"))

    await app.cycle.reveal_open_round(team)
    channel_id, ts = posted.message_ref.split(":")
    slack_double.message(channel_id, ts).blocks = before_reveal
    late = await click_vote(slack_double, posted.message_ref, "U0ADA", "llm")
    ack = await slack_double.wait_for_ack(late.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, "U0ADA")) == 2, what="the rejection")

    assert ack.payload is None
    assert private_texts(slack_double, "U0ADA")[1] == VotingClosedError(posted.id).message
    assert vote_rows(app, posted.id)["U0ADA"].choice == "slm"
    assert len(vote_rows(app, posted.id)) == 1


async def test_redelivered_click_counts_once(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None

    first = await click_vote(slack_double, posted.message_ref, "U0ADA", "slm")
    await slack_double.wait_for_ack(first.envelope_id)
    change = await click_vote(slack_double, posted.message_ref, "U0ADA", "hybrid")
    await slack_double.wait_for_ack(change.envelope_id)
    # Slack sends the first click again, as after a lost acknowledgement.
    await slack_double.redeliver(first)
    await slack_double.wait_for_ack(first.envelope_id, count=2)
    await wait_until(lambda: len(private_texts(slack_double, "U0ADA")) == 3, what="the reply")
    await assert_no_reply_beyond(slack_double, 3)

    rows = vote_rows(app, posted.id)
    assert rows["U0ADA"].choice == "hybrid"
    assert rows["U0ADA"].changes == 1
    assert len(rows) == 1
    assert len([key for key in processed_keys(app) if ":U0ADA:" in key]) == 2
    assert private_texts(slack_double, "U0ADA") == [
        vote_confirmation(Choice.SLM, changed_from=None),
        vote_confirmation(Choice.HYBRID, changed_from=Choice.SLM),
        # The redelivery repeats the confirmation of the vote as stored, changing nothing.
        vote_confirmation(Choice.HYBRID, changed_from=None),
    ]


async def test_click_in_unsubscribed_channel(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    button = buttons(slack_double.latest_blocks(channel_id, ts))[0]
    payload = slack_double.block_actions_payload(
        action_id=button["action_id"],
        value=button["value"],
        user_id="U0ADA",
        channel_id="C0ELSEWHERE",
        message_ts=ts,
    )

    envelope = await slack_double.push_envelope("interactive", payload)
    await slack_double.wait_for_ack(envelope.envelope_id)
    await wait_until(lambda: len(private_texts(slack_double, "U0ADA")) == 1, what="the reply")

    assert private_texts(slack_double, "U0ADA") == [TeamNotFoundError("C0ELSEWHERE").message]
    assert vote_rows(app, posted.id) == {}
