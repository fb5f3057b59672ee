"""The self-quiz in ephemeral messages: question, result, next question, never the open round."""

from __future__ import annotations

from typing import Any

from adapters.slack.runner import SlackRunner
from bot import texts
from bot.app import App
from bot.compose import PRACTICE_NEXT_ACTION
from bot.texts import practice_verdict
from bot.vocabulary import Choice
from tests.adapters.slack.double import JSONDict, SlackDouble
from tests.adapters.slack.support import (
    assert_no_reply_beyond,
    buttons,
    post_round,
    practice_action,
    practice_click_payload,
    practice_rows,
    processed_keys,
    run_command,
    subscribe,
)

CHANNEL = "C0QUIZ"
PLAYER = "U0PLAYER"


def scenario_of(blocks: list[JSONDict] | None) -> str:
    """Return the scenario id that the practice buttons of a message carry."""
    values = {str(button["value"]).split(":")[0] for button in buttons(blocks)}
    assert len(values) == 1, f"expected the buttons of one scenario, got {values}"
    return values.pop()


async def click(double: SlackDouble, blocks: list[JSONDict] | None, action_id: str) -> JSONDict:
    """Click a button of the player's ephemeral message and return the replacement body."""
    before = len(double.response_url_posts)
    payload = practice_click_payload(
        double, blocks, action_id=action_id, user_id=PLAYER, channel_id=CHANNEL
    )
    envelope = await double.push_envelope("interactive", payload)
    await double.wait_for_ack(envelope.envelope_id)
    post = await double.wait_for_response_url_post(count=before + 1)
    body: dict[str, Any] = post.body
    return body


async def test_quiz_runs_through_every_other_scenario(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    team = await subscribe(app, CHANNEL)
    open_round = await post_round(app, team)
    envelope = await run_command(slack_double, "quiz", user_id=PLAYER, channel_id=CHANNEL)
    await slack_double.wait_for_ack(envelope.envelope_id)
    first = await slack_double.wait_for_response_url_post()
    question: list[JSONDict] = first.body["blocks"]

    presented: list[str] = []
    results: list[tuple[Choice, JSONDict]] = []
    # One pass through the pool at most; a sitting that repeats would loop forever.
    for _ in range(len(app.practice.pool) + 1):
        if not buttons(question):
            break
        scenario_id = scenario_of(question)
        presented.append(scenario_id)
        answer = app.practice.pool.scenarios[scenario_id].answer
        result = await click(slack_double, question, practice_action(answer.value))
        results.append((answer, result))
        following = await click(slack_double, result["blocks"], PRACTICE_NEXT_ACTION)
        question = following["blocks"]

    assert first.body["response_type"] == "ephemeral"
    assert open_round.scenario_id not in presented
    assert sorted(presented) == sorted(set(app.practice.pool.ids) - {open_round.scenario_id})
    for answer, result in results:
        assert result["replace_original"] is True
        assert result["blocks"][0]["text"]["text"] == practice_verdict(answer, answer)
        assert [b["action_id"] for b in buttons(result["blocks"])] == [PRACTICE_NEXT_ACTION]
    assert texts.PRACTICE_ALL_DONE in (slack_double.response_url_posts[-1].body["text"])
    person = f"slack:{slack_double.team_id}:{PLAYER}"
    assert [scenario for scenario, _ in practice_rows(app, person)] == presented
    assert open_round.message_ref == f"{CHANNEL}:{slack_double.messages_in(CHANNEL)[0].ts}"


async def test_wrong_answer_shows_verdict(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    envelope = await run_command(slack_double, "quiz", user_id=PLAYER, channel_id=CHANNEL)
    await slack_double.wait_for_ack(envelope.envelope_id)
    question = (await slack_double.wait_for_response_url_post()).body["blocks"]
    scenario = app.practice.pool.scenarios[scenario_of(question)]
    wrong = next(choice for choice in Choice if choice is not scenario.answer)

    result = await click(slack_double, question, practice_action(wrong.value))

    assert result["blocks"][0]["text"]["text"] == practice_verdict(wrong, scenario.answer)
    assert practice_rows(app, f"slack:{slack_double.team_id}:{PLAYER}") == [
        (scenario.id, wrong.value)
    ]


async def test_redelivered_practice_click_counts_once(
    app: App, runner: SlackRunner, slack_double: SlackDouble
) -> None:
    envelope = await run_command(slack_double, "quiz", user_id=PLAYER, channel_id=CHANNEL)
    await slack_double.wait_for_ack(envelope.envelope_id)
    question = (await slack_double.wait_for_response_url_post()).body["blocks"]
    payload = practice_click_payload(
        slack_double,
        question,
        action_id=practice_action("hybrid"),
        user_id=PLAYER,
        channel_id=CHANNEL,
    )

    clicked = await slack_double.push_envelope("interactive", payload)
    await slack_double.wait_for_ack(clicked.envelope_id)
    await slack_double.wait_for_response_url_post(count=2)
    await slack_double.redeliver(clicked)
    await slack_double.wait_for_ack(clicked.envelope_id, count=2)
    await assert_no_reply_beyond(slack_double, 2)

    assert len(practice_rows(app, f"slack:{slack_double.team_id}:{PLAYER}")) == 1
    assert len([key for key in processed_keys(app) if f":{PLAYER}:" in key]) == 1
    assert len(slack_double.response_url_posts) == 2
