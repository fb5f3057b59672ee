"""Rate limits: a 429 is retried after Retry-After, and clicks are acknowledged meanwhile."""

from __future__ import annotations

import time

from adapters.slack.runner import SlackRunner
from bot.app import App
from bot.texts import vote_count
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import click_vote, post_round, subscribe, wait_until

CHANNEL = "C0LIMITS"


async def test_post_retried_after_429(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    slack_double.rate_limit("chat.postMessage", calls=1, retry_after=1)

    posted = await post_round(app, team)

    calls = slack_double.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0
    assert posted.message_ref == f"{CHANNEL}:{calls[1].response['ts']}"
    assert len(slack_double.messages_in(CHANNEL)) == 1


async def test_update_429_does_not_hold_acks(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    slack_double.rate_limit("chat.update", calls=1, retry_after=2)

    first = await click_vote(slack_double, posted.message_ref, "U1", "slm")
    await slack_double.wait_for_ack(first.envelope_id)
    await slack_double.wait_for_call("chat.update")
    # The count refresh now sleeps on Retry-After; other clicks must not wait for it.
    latencies = []
    for voter in ["U2", "U3", "U4"]:
        sent = time.monotonic()
        envelope = await click_vote(slack_double, posted.message_ref, voter, "llm")
        ack = await slack_double.wait_for_ack(envelope.envelope_id)
        latencies.append(ack.time - sent)
    await wait_until(
        lambda: vote_count(4) in (slack_double.message(channel_id, ts).text or ""),
        timeout=8,
        what="the count after the rate limit",
    )

    statuses = [call.status for call in slack_double.calls_to("chat.update")]
    assert max(latencies) < 1.0
    assert statuses[:2] == [429, 200]
    assert all(status == 200 for status in statuses[1:])
