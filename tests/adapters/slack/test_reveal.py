"""The reveal: the question edited without buttons and the answer posted in its thread."""

from __future__ import annotations

from adapters.slack.runner import SlackRunner
from bot import texts
from bot.app import App
from bot.vocabulary import Choice
from tests.adapters.slack.double import SlackDouble
from tests.adapters.slack.support import buttons, click_vote, post_round, subscribe, wait_until

CHANNEL = "C0REVEAL"


async def test_reveal_edits_question_and_replies(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    for voter, choice in [("U1", "slm"), ("U2", "hybrid"), ("U3", "llm")]:
        envelope = await click_vote(slack_double, posted.message_ref, voter, choice)
        await slack_double.wait_for_ack(envelope.envelope_id)

    revealed = await app.cycle.reveal_open_round(team)
    assert revealed is not None

    question = slack_double.message(channel_id, ts)
    replies = [m for m in slack_double.messages_in(channel_id) if m.thread_ts == ts]
    assert len(question.versions) >= 2
    assert buttons(question.versions[0]["blocks"]) != []
    assert buttons(question.blocks) == []
    assert texts.CLOSED_FOOTER in (question.text or "")
    assert len(replies) == 1
    reply = replies[0]
    header = (reply.blocks or [])[0]
    assert header["type"] == "header"
    assert header["text"]["text"] == texts.REVEAL_TITLE.format(answer=revealed.round.answer.label)
    over = sum(1 for choice in Choice if choice.rank > revealed.round.answer.rank)
    possible = revealed.round.answer is not Choice.LLM
    assert texts.over_reach_line(over, 3, possible=possible) in (reply.text or "")
    assert app.engine.get_round(posted.id).revealed is True


async def test_late_count_refresh_keeps_buttons_gone(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    # The first vote refreshes at once; the second waits for the interval and
    # is still pending when the reveal edits the message.
    for voter in ["U1", "U2"]:
        envelope = await click_vote(slack_double, posted.message_ref, voter, "slm")
        await slack_double.wait_for_ack(envelope.envelope_id)
    await slack_double.wait_for_call("chat.update")

    await app.cycle.reveal_open_round(team)
    await wait_until(lambda: runner.live_count.tasks() == [], what="the pending refresh")

    edits = slack_double.calls_to("chat.update")
    assert len(edits) == 2
    assert buttons(edits[0].arguments["blocks"]) != []
    assert buttons(edits[1].arguments["blocks"]) == []
    assert buttons(slack_double.latest_blocks(channel_id, ts)) == []


async def test_reveal_edit_waits_for_count_edit(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    posted = await post_round(app, team)
    assert posted.message_ref is not None
    channel_id, ts = posted.message_ref.split(":")
    # The count edit is rate limited, so it is still retrying when the reveal comes.
    slack_double.rate_limit("chat.update", calls=1, retry_after=1)
    envelope = await click_vote(slack_double, posted.message_ref, "U1", "slm")
    await slack_double.wait_for_ack(envelope.envelope_id)
    await slack_double.wait_for_call("chat.update")

    await app.cycle.reveal_open_round(team)

    statuses = [call.status for call in slack_double.calls_to("chat.update")]
    assert statuses == [429, 200, 200]
    assert buttons(slack_double.message(channel_id, ts).versions[1]["blocks"]) != []
    assert buttons(slack_double.latest_blocks(channel_id, ts)) == []
