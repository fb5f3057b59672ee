"""Every rendered text stays inside Discord's limits, counted in characters as Discord does."""

from __future__ import annotations

import pytest

from adapters.discord import render, texts
from adapters.discord.render import ELLIPSIS, fit, render_card, render_text
from adapters.discord.runner import DiscordRunner
from adapters.discord.views import build_view, item_for
from bot.app import App
from bot.cards import Button, Card, CardField, CardKind
from bot.compose import PRACTICE_ACTION, VOTE_ACTION, practice_question_card
from bot.scenarios import ScenarioPool
from tests.adapters.discord.double import DiscordDouble
from tests.adapters.discord.support import posted_message, subscribe

# A character outside the Basic Multilingual Plane (U+1F9EA, a test tube emoji):
# one character, but two UTF-16 code units and four UTF-8 bytes.
WIDE = "\U0001f9ea"
LIMITS = [
    pytest.param("title", render.TITLE_MAX, id="title"),
    pytest.param("text", render.DESCRIPTION_MAX, id="description"),
    pytest.param("footer", render.FOOTER_MAX, id="footer"),
]


def _card(**parts: object) -> Card:
    values: dict[str, object] = {"kind": CardKind.NOTICE, "title": "Limits", **parts}
    return Card(**values)  # type: ignore[arg-type]


def _embed_text(card: Card, part: str) -> str:
    embed = render_card(card).embed
    if part == "title":
        return embed.title or ""
    if part == "text":
        return embed.description or ""
    return embed.footer.text or ""


@pytest.mark.parametrize(("part", "limit"), LIMITS)
@pytest.mark.parametrize("character", ["a", WIDE], ids=["ascii", "non-bmp"])
def test_text_at_limit_kept_whole(part: str, limit: int, character: str) -> None:
    text = character * limit

    assert _embed_text(_card(**{part: text}), part) == text


@pytest.mark.parametrize(("part", "limit"), LIMITS)
@pytest.mark.parametrize("character", ["a", WIDE], ids=["ascii", "non-bmp"])
def test_text_over_limit_cut_with_ellipsis(part: str, limit: int, character: str) -> None:
    shown = _embed_text(_card(**{part: character * (limit + 1)}), part)

    assert len(shown) == limit
    assert shown == character * (limit - 1) + ELLIPSIS


@pytest.mark.parametrize("character", ["a", WIDE], ids=["ascii", "non-bmp"])
def test_field_at_limits_kept_whole(character: str) -> None:
    name = character * render.FIELD_NAME_MAX
    value = character * render.FIELD_VALUE_MAX

    [field] = render_card(_card(fields=(CardField(name, value),))).embed.fields

    assert field.name == name
    assert field.value == value


def test_field_over_limits_cut() -> None:
    card = _card(fields=(CardField("n" * 257, "v" * 1025),))

    [field] = render_card(card).embed.fields

    assert field.name == "n" * 255 + ELLIPSIS
    assert field.value == "v" * 1023 + ELLIPSIS


def test_twenty_five_fields_kept() -> None:
    fields = tuple(CardField(f"f{number}", "x") for number in range(25))

    shown = render_card(_card(fields=fields)).embed.fields

    assert [field.name for field in shown] == [f"f{number}" for number in range(25)]


def test_fields_beyond_twenty_five_counted() -> None:
    fields = tuple(CardField(f"f{number}", "x") for number in range(27))

    shown = render_card(_card(fields=fields)).embed.fields

    assert len(shown) == 25
    assert shown[23].name == "f23"
    assert (shown[24].name, shown[24].value) == (texts.MORE_FIELDS, texts.more_fields(3))


def test_total_capped_at_six_thousand() -> None:
    card = _card(title="t" * 256, text="d" * 4096, footer="f" * 2048)

    embed = render_card(card).embed

    assert len(embed) == render.EMBED_TOTAL_MAX
    assert embed.title == "t" * 256
    assert embed.footer.text == "f" * 2048
    assert embed.description == "d" * (6000 - 256 - 2048 - 1) + ELLIPSIS


def test_huge_fields_dropped_to_fit_total() -> None:
    fields = tuple(CardField("n" * 256, "v" * 1024) for _ in range(6))

    embed = render_card(_card(title="t" * 256, fields=fields, footer="f" * 2048)).embed

    assert len(embed) <= render.EMBED_TOTAL_MAX
    assert embed.fields[-1].name == texts.MORE_FIELDS
    assert embed.fields[-1].value == texts.more_fields(4)


def test_escapes_counted_in_limit() -> None:
    # Each * becomes \*, so the escaped text is twice as long as the input.
    shown = fit("*" * 3000, render.DESCRIPTION_MAX)

    assert len(shown) <= render.DESCRIPTION_MAX
    assert shown.endswith("\\*" + ELLIPSIS)


def test_private_reply_content_limit() -> None:
    assert render_text(WIDE * render.CONTENT_MAX) == WIDE * render.CONTENT_MAX
    assert len(render_text("a" * (render.CONTENT_MAX + 1))) == render.CONTENT_MAX


async def test_button_label_limit() -> None:
    buttons = (
        Button(action_id=f"{VOTE_ACTION}_slm", label=WIDE * 80, value="7:slm"),
        Button(action_id=f"{VOTE_ACTION}_llm", label="x" * 81, value="7:llm"),
    )

    view = build_view(buttons)

    assert view is not None
    labels = [item.to_component_dict()["label"] for item in view.children]
    assert labels == [WIDE * 80, "x" * 79 + ELLIPSIS]


async def test_custom_ids_within_limit(pool: ScenarioPool) -> None:
    longest = max(pool.scenarios.values(), key=lambda scenario: len(scenario.id))
    card = practice_question_card(longest)
    vote = Button(action_id=f"{VOTE_ACTION}_hybrid", label="Hybrid", value=f"{2**63 - 1}:hybrid")
    widest_id = "s" + "-" * 62  # 63 characters, the maximum length of a scenario id

    custom_ids = [item_for(button).custom_id for button in (*card.buttons, vote)]
    custom_ids.append(
        item_for(
            Button(
                action_id=f"{PRACTICE_ACTION}_hybrid", label="Hybrid", value=f"{widest_id}:hybrid"
            )
        ).custom_id
    )

    assert all(len(custom_id) <= render.CUSTOM_ID_MAX for custom_id in custom_ids)
    assert custom_ids[-1] == f"{PRACTICE_ACTION}:{widest_id}:hybrid"
    too_long = Button(action_id=f"{PRACTICE_ACTION}_slm", label="x", value=f"{'s' * 90}:slm")
    with pytest.raises(ValueError, match="at most 100"):
        item_for(too_long)


@pytest.mark.parametrize(
    "card",
    [
        pytest.param(_card(title=WIDE * render.TITLE_MAX), id="title"),
        pytest.param(_card(text=WIDE * render.DESCRIPTION_MAX), id="description"),
        pytest.param(_card(footer=WIDE * render.FOOTER_MAX), id="footer"),
        pytest.param(
            _card(
                fields=(CardField(WIDE * render.FIELD_NAME_MAX, WIDE * render.FIELD_VALUE_MAX),)
            ),
            id="field",
        ),
    ],
)
async def test_text_at_limit_posts_whole(
    double: DiscordDouble, app: App, runner: DiscordRunner, card: Card
) -> None:
    team = await subscribe(app)

    ref = await runner.port.post(team, card)

    [embed] = posted_message(double, ref).embeds
    assert embed.get("title") == card.title
    assert embed.get("description", "") == card.text
    assert embed.get("footer", {}).get("text", "") == card.footer
    shown_fields = [(field["name"], field["value"]) for field in embed.get("fields", [])]
    assert shown_fields == [(field.label, field.value) for field in card.fields]


async def test_card_at_all_limits_at_once_posts(
    double: DiscordDouble, app: App, runner: DiscordRunner
) -> None:
    team = await subscribe(app)
    at_limit = Card(
        kind=CardKind.QUESTION,
        title=WIDE * render.TITLE_MAX,
        text=WIDE * render.DESCRIPTION_MAX,
        fields=tuple(CardField(WIDE * 10, WIDE * 20) for _ in range(render.FIELDS_MAX)),
        footer=WIDE * 900,
        buttons=(Button(action_id=f"{VOTE_ACTION}_slm", label=WIDE * 80, value="1:slm"),),
    )
    over_limit = Card(
        kind=CardKind.QUESTION,
        title=WIDE * 300,
        text="*" * 5000,
        fields=tuple(CardField("n" * 300, "v" * 1100) for _ in range(30)),
        footer=WIDE * 2100,
    )

    refs = [await runner.port.post(team, card) for card in (at_limit, over_limit)]

    posts = double.calls("POST", "/channels/{channel_id}/messages")
    assert [call.status for call in posts] == [200, 200]
    [first] = posted_message(double, refs[0]).embeds
    assert first["title"] == WIDE * render.TITLE_MAX
    assert len(first["fields"]) == render.FIELDS_MAX
    total = len(first["title"]) + len(first["description"]) + len(first["footer"]["text"])
    total += sum(len(field["name"]) + len(field["value"]) for field in first["fields"])
    assert total == render.EMBED_TOTAL_MAX
    [second] = posted_message(double, refs[1]).embeds
    assert len(second["title"]) == render.TITLE_MAX
    assert len(second["footer"]["text"]) == render.FOOTER_MAX
