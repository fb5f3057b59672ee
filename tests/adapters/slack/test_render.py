"""Block Kit rendering: escaping, Slack's size limits and the plain text fallback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack import texts as slack_texts
from adapters.slack.render import (
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    escape,
    render_card,
    render_text,
    split_text,
)
from bot import compose
from bot.cards import Button, Card, CardField, CardKind, VoteBar
from bot.scenarios import ScenarioPool


def block_dicts(card: Card) -> list[dict[str, Any]]:
    return [block.to_dict() for block in render_card(card).blocks]


def texts_of(blocks: list[dict[str, Any]]) -> list[str]:
    """List every text in the blocks: block texts, fields, context texts and button labels."""
    found: list[str] = []
    for block in blocks:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if not isinstance(item, dict):
                continue
            text = item.get("text")
            if isinstance(text, dict):
                text = text.get("text")
            if isinstance(text, str):
                found.append(text)
    return found


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        pytest.param("<!channel>", "&lt;!channel&gt;", id="channel"),
        pytest.param("<!here>", "&lt;!here&gt;", id="here"),
        pytest.param("<@U123>", "&lt;@U123&gt;", id="user"),
        pytest.param("<!subteam^S1|@team>", "&lt;!subteam^S1|@team&gt;", id="group"),
        pytest.param("R&D", "R&amp;D", id="ampersand"),
        pytest.param("&lt;", "&amp;lt;", id="entity-stays-literal"),
    ],
)
def test_escape_neutralises_mentions(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_question_card_blocks(pool: ScenarioPool) -> None:
    scenario = pool.scenarios[pool.ids[0]]
    card = compose.question_card(scenario, 41, 3)

    message = render_card(card)
    blocks = [block.to_dict() for block in message.blocks]

    assert [block["type"] for block in blocks] == ["header", "section", "actions", "context"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": escape(card.title), "emoji": True}
    assert [(e["action_id"], e["value"]) for e in blocks[2]["elements"]] == [
        ("rightsize_vote_slm", "41:slm"),
        ("rightsize_vote_hybrid", "41:hybrid"),
        ("rightsize_vote_llm", "41:llm"),
    ]
    assert "3 votes so far." in blocks[3]["elements"][0]["text"]
    assert message.text.startswith(escape(scenario.title))
    assert message.arguments()["blocks"] == blocks


def test_closed_card_has_no_buttons(pool: ScenarioPool) -> None:
    card = compose.closed_question_card(pool.scenarios[pool.ids[0]], 41, 3)

    blocks = block_dicts(card)

    assert "actions" not in [block["type"] for block in blocks]
    assert any("fields" in block for block in blocks)


def test_reveal_card_bars_in_code_block(pool: ScenarioPool) -> None:
    scenario = pool.scenarios[pool.ids[0]]
    card = compose.reveal_card(scenario, 41, [scenario.answer, scenario.answer])

    rendered = "\n".join(texts_of(block_dicts(card)))

    assert "```\n" in rendered
    assert "2 of 2  ✓ answer" in rendered
    assert card.footer in rendered


def test_long_text_split_into_sections() -> None:
    paragraph = "word " * 400
    card = Card(kind=CardKind.NOTICE, title="Long", text="\n\n".join([paragraph] * 6))

    blocks = block_dicts(card)

    sections = [block for block in blocks if block["type"] == "section"]
    assert len(sections) >= 4
    assert all(len(section["text"]["text"]) <= SECTION_TEXT_MAX for section in sections)
    joined = " ".join(section["text"]["text"] for section in sections)
    assert joined.split() == card.text.split()


def test_split_never_cuts_an_entity() -> None:
    text = "&" * 2500

    chunks = split_text(text, SECTION_TEXT_MAX)

    assert all(len(chunk) <= SECTION_TEXT_MAX for chunk in chunks)
    assert all(chunk.count("&amp;") * 5 == len(chunk) for chunk in chunks)
    assert sum(chunk.count("&amp;") for chunk in chunks) == 2500


def test_message_capped_at_fifty_blocks() -> None:
    text = "\n\n".join("x" * 2900 for _ in range(80))
    card = Card(
        kind=CardKind.QUESTION,
        title="Many paragraphs",
        text=text,
        buttons=(Button(action_id="rightsize_vote_slm", label="Small model", value="1:slm"),),
        footer="1 vote so far.",
    )

    blocks = block_dicts(card)

    assert len(blocks) == MESSAGE_BLOCKS_MAX
    assert blocks[-2]["type"] == "actions"
    assert blocks[-1]["elements"][0]["text"] == "1 vote so far."
    assert blocks[-3]["elements"][0]["text"] == slack_texts.SHORTENED


def test_long_title_cut_to_header_limit() -> None:
    card = Card(kind=CardKind.NOTICE, title="<" * 200)

    header = block_dicts(card)[0]

    assert len(header["text"]["text"]) <= HEADER_TEXT_MAX
    assert header["text"]["text"].endswith("…")
    assert header["text"]["text"].startswith("&lt;" * 30)


def test_fields_and_buttons_are_escaped() -> None:
    card = Card(
        kind=CardKind.NOTICE,
        title="Fields",
        fields=(CardField("<@U1>", "A & B"),),
        bars=(VoteBar("Small model", 1, 2),),
        buttons=(Button(action_id="x", label="<!here>", value="v", primary=True),),
        footer="<!channel>",
    )

    blocks = block_dicts(card)
    rendered = json.dumps(blocks)

    assert "<@U1>" not in rendered
    assert "<!here>" not in rendered
    assert "<!channel>" not in rendered
    assert "*&lt;@U1&gt;*\\nA &amp; B" in rendered
    assert blocks[-2]["elements"][0]["style"] == "primary"


def test_fallback_text_is_escaped_and_short() -> None:
    message = render_text("<!channel> " * 1000)

    assert len(message.text) <= 3000
    assert "<!channel>" not in message.text
    assert all(
        len(block.to_dict()["text"]["text"]) <= SECTION_TEXT_MAX for block in message.blocks
    )
