"""Hostile names and texts go out escaped and with mentions disabled, so they ping no one."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from adapters.discord.render import escape
from adapters.discord.runner import DiscordRunner
from bot.app import App
from bot.cards import Card, CardField, CardKind
from bot.settings import Settings
from tests.adapters.discord.conftest import PING_ROLE_ID, make_runner
from tests.adapters.discord.double import (
    ADMIN_USER_ID,
    GENERAL_CHANNEL_ID,
    MEMBER_USER_ID,
    DiscordDouble,
    GuildConfig,
)
from tests.adapters.discord.support import (
    assert_pings_nobody,
    click_vote,
    post_round,
    posted_message,
    private_response,
    replaced_message,
    sent_message_bodies,
    subscribe,
)

HOSTILE = f"@everyone @here <@&{PING_ROLE_ID}> <@{MEMBER_USER_ID}> **loud** `code`"
# How each hostile part reads once escaped: a zero-width space breaks every mention.
ESCAPED_PARTS = (
    "@\u200beveryone",
    "@\u200bhere",
    f"<\u200b@\u200b&{PING_ROLE_ID}>",
    f"<\u200b@\u200b{MEMBER_USER_ID}>",
    "\\*\\*loud\\*\\*",
    "\\`code\\`",
)
SHORT_HOSTILE = f"@everyone <@&{PING_ROLE_ID}>"
RAW_PARTS = ("@everyone", "@here", f"<@&{PING_ROLE_ID}>", f"<@{MEMBER_USER_ID}>", "**loud**")


def _rename(guild: GuildConfig, user_id: int, nick: str) -> None:
    """Give a member a server nickname, which becomes the display name."""
    member = guild.member(user_id)
    assert member is not None
    guild.members[guild.members.index(member)] = dataclasses.replace(member, nick=nick)


def _assert_escaped(text: str) -> None:
    for part in ESCAPED_PARTS:
        assert part in text, f"{part!r} is missing from {text!r}"
    for part in RAW_PARTS:
        assert part not in text, f"{part!r} went out unescaped in {text!r}"


@pytest.fixture(params=[2.0, 0.0], ids=["direct", "deferred"])
async def hostile_runner(
    request: pytest.FixtureRequest, app: App, settings: Settings
) -> AsyncIterator[DiscordRunner]:
    """Start a runner that responds directly, or one that defers every response."""
    started = make_runner(app, settings, respond_within=request.param)
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


async def test_hostile_names_never_ping(
    double: DiscordDouble, app: App, hostile_runner: DiscordRunner
) -> None:
    guild = double.guilds[0]
    _rename(guild, MEMBER_USER_ID, HOSTILE)
    _rename(guild, ADMIN_USER_ID, HOSTILE)
    team = await subscribe(app)
    posted = await post_round(app, team)
    question = posted_message(double, posted.message_ref or "")

    await private_response(await click_vote(double, question, posted.id, "slm", MEMBER_USER_ID))
    await app.cycle.reveal_open_round(team)
    board = await private_response(
        await double.invoke_command("leaderboard", {"scope": "all"}, user_id=MEMBER_USER_ID)
    )
    stats = await private_response(
        await double.invoke_command("stats", {"me": True}, user_id=MEMBER_USER_ID)
    )
    await private_response(await double.invoke_command("pause", user_id=ADMIN_USER_ID))
    status = await private_response(await double.invoke_command("status", user_id=ADMIN_USER_ID))
    rejected = await private_response(
        await double.invoke_command(
            "setup", {"time": SHORT_HOSTILE, "tz": "UTC"}, user_id=ADMIN_USER_ID
        )
    )
    quiz = await private_response(await double.invoke_command("quiz", user_id=MEMBER_USER_ID))
    result = await replaced_message(
        await double.click_button(quiz, quiz.custom_ids()[0], user_id=MEMBER_USER_ID)
    )

    _assert_escaped(board.embeds[0]["description"])
    _assert_escaped(stats.embeds[0]["title"])
    _assert_escaped(status.embeds[0]["description"])
    # The engine quotes at most 60 characters of a rejected value.
    assert f"'@\u200beveryone <\u200b@\u200b&{PING_ROLE_ID}>'" in rejected.content
    assert result.embeds[0]["title"].startswith(("Right", "Not quite"))
    assert_pings_nobody(runner_mentions(hostile_runner), "the client")
    bodies = sent_message_bodies(double)
    assert len(bodies) >= 9
    for call, body in bodies:
        assert_pings_nobody(body.get("allowed_mentions"), f"{call.method} {call.path}")
    for message in double.channel_messages(GENERAL_CHANNEL_ID):
        assert_pings_nobody(message.allowed_mentions, f"message {message.id}")
        assert message.payload["mentions"] == []
        assert message.payload["mention_roles"] == []
        assert message.payload["mention_everyone"] is False


async def test_hostile_card_text_never_pings(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    card = Card(
        kind=CardKind.QUESTION,
        title=HOSTILE,
        text=f"A story that says {HOSTILE}",
        fields=(CardField(HOSTILE, HOSTILE),),
        footer=HOSTILE,
    )

    ref = await runner.port.post(team, card)
    await runner.port.update(team, ref, card)
    reply_ref = await runner.port.reply(team, ref, card)

    for message_ref in (ref, reply_ref):
        message = posted_message(double, message_ref)
        [embed] = message.embeds
        _assert_escaped(embed["title"])
        _assert_escaped(embed["description"])
        _assert_escaped(embed["fields"][0]["name"])
        _assert_escaped(embed["fields"][0]["value"])
        # Footers show markdown as typed, so only the mentions are broken up there.
        assert "@\u200beveryone" in embed["footer"]["text"]
        assert "**loud**" in embed["footer"]["text"]
        assert_pings_nobody(message.allowed_mentions, f"message {message.id}")
        assert message.payload["mention_everyone"] is False
        assert message.payload["mention_roles"] == []
        assert message.payload["mentions"] == []
    assert len(double.calls("PATCH", "/channels/{channel_id}/messages/{message_id}")) == 1
    for call, body in sent_message_bodies(double):
        assert_pings_nobody(body.get("allowed_mentions"), f"{call.method} {call.path}")


async def test_reply_does_not_ping_author(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    posted = await post_round(app, team)

    await app.cycle.reveal_open_round(team)

    reply = double.channel_messages(GENERAL_CHANNEL_ID)[-1]
    question = posted_message(double, posted.message_ref or "")
    assert reply.payload["message_reference"]["message_id"] == str(question.id)
    assert reply.payload["mentions"] == []


def runner_mentions(runner: DiscordRunner) -> dict[str, object]:
    """Return the client-wide allowed mentions of a runner's client, as Discord receives them."""
    mentions = runner.client.allowed_mentions
    assert mentions is not None
    return mentions.to_dict()  # type: ignore[return-value]


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param("<#1300000000000000200>", id="channel-mention"),
        pytest.param("</rightsize setup:1>", id="command-mention"),
        pytest.param("<t:0:R>", id="timestamp"),
        pytest.param("<:emoji:1300000000000000999>", id="custom-emoji"),
    ],
)
def test_angle_bracket_markup_shows_as_text(markup: str) -> None:
    shown = escape(f"ada {markup}")

    assert markup not in shown
    assert shown.replace("\u200b", "").replace("\\", "") == f"ada {markup}"


def test_bidirectional_controls_dropped() -> None:
    assert escape("ada\u202e evil") == "ada evil"
