"""Render platform-neutral cards as Block Kit messages within Slack's limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from adapters.slack import texts
from bot.cards import Card, CardField, bar_line

HEADER_TEXT_MAX = HeaderBlock.text_max_length
SECTION_TEXT_MAX = SectionBlock.text_max_length
SECTION_FIELDS_MAX = SectionBlock.fields_max_length
# Slack's limit for one section field; slack_sdk 3.48 does not check it.
FIELD_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = ContextBlock.elements_max_length
ACTIONS_ELEMENTS_MAX = ActionsBlock.elements_max_length
BUTTON_TEXT_MAX = ButtonElement.text_max_length
MESSAGE_BLOCKS_MAX = 50
# The fallback `text` shows in notifications and in clients without Block Kit;
# Slack truncates a text of more than 40,000 characters, and a notification
# needs far less than this.
FALLBACK_TEXT_MAX = 3000
ELLIPSIS = "…"

# Separators to split long text at, from the widest to the narrowest.
_SEPARATORS = ("\n\n", "\n", " ")
# The fence around vote bars, which keeps their columns aligned.
_CODE_FENCE = "```"

Item = TypeVar("Item")


@dataclass(frozen=True)
class SlackMessage:
    """A rendered message: the escaped fallback text and the Block Kit blocks."""

    text: str
    blocks: tuple[Block, ...]

    def arguments(self) -> dict[str, Any]:
        """Return the `text` and `blocks` arguments of chat.postMessage and chat.update."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def escape(text: str) -> str:
    """Escape &, < and > so that no text can form a mention, a link or a channel ping.

    Slack makes mentions of a user, a group, @channel or @here from `<...>`
    sequences. It links a bare "@here" only when a message sets link_names,
    which this adapter never does, so escaping these three characters is enough.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_card(card: Card) -> SlackMessage:
    """Render a card as a header, text sections, fields, bars, buttons and a footer."""
    body: list[Block] = []
    body += _text_sections(card.text)
    body += _field_sections(card.fields)
    body += _bar_sections(card)

    # Buttons and footer always stay, so a shortened question can still be voted on.
    tail: list[Block] = []
    if card.buttons:
        tail += _actions(card)
    tail += _contexts(card.footer)

    room = MESSAGE_BLOCKS_MAX - 1 - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], _context_block([texts.SHORTENED])]

    # NOTE: Slack's own rendering was not checked here. If plain_text objects do not
    # decode &amp;, &lt; and &gt;, a title or button label with those characters
    # shows the entity, but it still mentions no one.
    header = HeaderBlock(text=PlainTextObject(text=_fit(card.title, HEADER_TEXT_MAX), emoji=True))
    return SlackMessage(text=fallback_text(card.plain_text()), blocks=(header, *body, *tail))


def render_text(text: str) -> SlackMessage:
    """Render a plain reply, such as a vote confirmation or an error, as sections."""
    return SlackMessage(text=fallback_text(text), blocks=tuple(_text_sections(text)))


def fallback_text(text: str) -> str:
    """Escape a text for the top-level `text` argument and cut it to a notification's size."""
    return _fit(text, FALLBACK_TEXT_MAX)


def split_text(text: str, limit: int) -> list[str]:
    """Split a text into escaped chunks of at most `limit` characters each.

    Chunks end at paragraph breaks where possible, then at line breaks, then at
    spaces; the separator at a split is dropped. An entity such as `&amp;` is
    never cut in two.
    """
    return [escape(chunk) for chunk in _split(text.strip(), limit, 0) if chunk.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if _escaped_length(text) <= limit:
        return [text] if text else []
    if level == len(_SEPARATORS):
        return list(_split_characters(text, limit))
    separator = _SEPARATORS[level]
    chunks: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if _escaped_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if _escaped_length(part) <= limit:
            current = part
        else:
            chunks += _split(part, limit, level + 1)
            current = ""
    if current:
        chunks.append(current)
    return chunks


def _split_characters(text: str, limit: int) -> Iterator[str]:
    start = 0
    size = 0
    for index, character in enumerate(text):
        width = _escaped_length(character)
        if size + width > limit:
            yield text[start:index]
            start, size = index, 0
        size += width
    if start < len(text):
        yield text[start:]


def _escaped_length(text: str) -> int:
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _fit(text: str, limit: int) -> str:
    """Escape a text, cutting it with an ellipsis so that the result fits `limit`."""
    if _escaped_length(text) <= limit:
        return escape(text)
    prefix = text[: limit - len(ELLIPSIS)]
    while _escaped_length(prefix) > limit - len(ELLIPSIS):
        prefix = prefix[:-1]
    return escape(prefix.rstrip()) + ELLIPSIS


def _text_sections(text: str) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=chunk))
        for chunk in split_text(text, SECTION_TEXT_MAX)
    ]


def _bar_sections(card: Card) -> list[Block]:
    if not card.bars:
        return []
    bars = "\n".join(bar_line(bar) for bar in card.bars)
    room = SECTION_TEXT_MAX - 2 * (len(_CODE_FENCE) + 1)
    return [
        SectionBlock(text=MarkdownTextObject(text=f"{_CODE_FENCE}\n{chunk}\n{_CODE_FENCE}"))
        for chunk in split_text(bars, room)
    ]


def _field_sections(fields: Sequence[CardField]) -> list[Block]:
    if not fields:
        return []
    rendered = [f"*{escape(field.label)}*\n{escape(field.value)}" for field in fields]
    if any(len(text) > FIELD_TEXT_MAX for text in rendered):
        # A field too long for Slack's field limit becomes ordinary text instead.
        lines = [f"{field.label}: {field.value}" for field in fields]
        return _text_sections("\n".join(lines))
    return [
        SectionBlock(fields=[MarkdownTextObject(text=text) for text in group])
        for group in _groups(rendered, SECTION_FIELDS_MAX)
    ]


def _actions(card: Card) -> list[Block]:
    buttons = [
        ButtonElement(
            text=PlainTextObject(text=_fit(button.label, BUTTON_TEXT_MAX), emoji=True),
            action_id=button.action_id,
            value=button.value,
            style="primary" if button.primary else None,
        )
        for button in card.buttons
    ]
    return [ActionsBlock(elements=group) for group in _groups(buttons, ACTIONS_ELEMENTS_MAX)]


def _contexts(footer: str) -> list[Block]:
    chunks = split_text(footer, SECTION_TEXT_MAX) if footer.strip() else []
    return [_context_block(group) for group in _groups(chunks, CONTEXT_ELEMENTS_MAX)]


def _context_block(escaped_texts: Sequence[str]) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text) for text in escaped_texts])


def _groups(items: Sequence[Item], size: int) -> list[list[Item]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]
