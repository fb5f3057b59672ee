"""Render platform-neutral cards as Discord embeds and buttons within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.discord import texts
from bot.cards import Button, Card, CardField, CardKind, bar_line

# Discord's limits from its message, embed and component docs, in characters.
# NOTE: the docs say "characters" without defining them. This module counts code
# points (the length of a Python str), so a character outside the Basic
# Multilingual Plane counts once, as the tests against the double assume.
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
# Title, description, field names and values and footer of all embeds of a message.
EMBED_TOTAL_MAX = 6000
LABEL_MAX = 80
CUSTOM_ID_MAX = 100
ELLIPSIS = "…"
# A field whose value is at most this long and has no line break is shown inline.
INLINE_MAX = 40
_CODE_FENCE = "```"

_COLOURS = {
    CardKind.QUESTION: discord.Colour.blurple(),
    CardKind.CLOSED_QUESTION: discord.Colour.dark_grey(),
    CardKind.REVEAL: discord.Colour.green(),
    CardKind.PRACTICE_QUESTION: discord.Colour.blurple(),
    CardKind.PRACTICE_RESULT: discord.Colour.green(),
}


@dataclass(frozen=True)
class DiscordMessage:
    """A rendered card: one embed and the buttons to attach as a view."""

    embed: discord.Embed
    buttons: tuple[Button, ...]


# Bidirectional controls can reorder the rest of a line, so they are dropped.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def escape(text: str) -> str:
    """Escape Discord markdown and neutralise mentions and other angle-bracket markup.

    @everyone, @here and user and role mentions get a zero-width space after
    the @, and every < gets one after it, so channel and command mentions,
    timestamps and custom emoji show as text and nothing can ping, even where
    allowed mentions would permit it.
    """
    cleaned = text.translate(_BIDI_CONTROLS)
    return escape_mentions(escape_markdown(cleaned)).replace("<", "<\u200b")


def fit(text: str, limit: int, *, markdown: bool = True) -> str:
    """Escape a text and cut it with an ellipsis so that the result has at most `limit` characters.

    With `markdown=False` only mentions are escaped, for places where Discord
    shows markdown literally, such as footers and button labels.
    """
    escaped = escape(text) if markdown else escape_mentions(text)
    if len(escaped) <= limit:
        return escaped
    if limit < len(ELLIPSIS):
        return ""
    kept = escaped[: limit - len(ELLIPSIS)].rstrip()
    # An odd run of backslashes at the cut would escape the ellipsis, so drop one.
    trailing = len(kept) - len(kept.rstrip("\\"))
    if trailing % 2:
        kept = kept[:-1]
    return kept + ELLIPSIS


def render_text(text: str) -> str:
    """Render a plain private reply, such as a vote confirmation, as message content."""
    return fit(text, CONTENT_MAX)


def render_card(card: Card) -> DiscordMessage:
    """Render a card as an embed with title, text, fields, vote bars and footer, plus buttons.

    The title, fields and footer are fitted first. The text then gets what is
    left of the 6,000 characters that an embed may hold in total.
    """
    title = fit(card.title, TITLE_MAX)
    footer = fit(card.footer, FOOTER_MAX, markdown=False)
    fields = _fit_fields(card, fixed=len(title) + len(footer))
    room = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(title) - len(footer) - _size(fields))
    description = fit(card.text, max(room, 0))

    embed = discord.Embed(
        title=title,
        description=description or None,
        colour=_COLOURS.get(card.kind, discord.Colour.light_grey()),
    )
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    return DiscordMessage(embed=embed, buttons=card.buttons)


def fit_label(label: str) -> str:
    """Cut a button label to Discord's limit; labels render neither markdown nor mentions."""
    return fit(label, LABEL_MAX, markdown=False) or ELLIPSIS


_Field = tuple[str, str, bool]


def _fit_fields(card: Card, *, fixed: int) -> list[_Field]:
    """Fit the card's fields and vote bars, leaving out the last ones beyond the embed limits.

    `fixed` is the length of the title and footer. The fields left out are
    replaced by one field that gives their count.
    """
    fields = [_field(item) for item in card.fields]
    if card.bars:
        fields.append(_bars_field(card))
    hidden = 0
    while True:
        shown = [*fields, _more_field(hidden)] if hidden else fields
        if len(shown) <= FIELDS_MAX and fixed + _size(shown) <= EMBED_TOTAL_MAX:
            return shown
        fields = fields[:-1]
        hidden += 1


def _field(item: CardField) -> _Field:
    name = fit(item.label, FIELD_NAME_MAX) or texts.EMPTY_FIELD
    value = fit(item.value, FIELD_VALUE_MAX) or texts.EMPTY_FIELD
    inline = len(value) <= INLINE_MAX and "\n" not in value
    return name, value, inline


def _bars_field(card: Card) -> _Field:
    bars = "\n".join(bar_line(bar) for bar in card.bars)
    inner = bars[: FIELD_VALUE_MAX - 2 * (len(_CODE_FENCE) + 1)]
    # A code block keeps the bar columns aligned; bar labels are fixed choice names.
    return texts.VOTES_FIELD, f"{_CODE_FENCE}\n{inner}\n{_CODE_FENCE}", False


def _more_field(hidden: int) -> _Field:
    return texts.MORE_FIELDS, texts.more_fields(hidden), False


def _size(fields: Sequence[_Field]) -> int:
    return sum(len(name) + len(value) for name, value, _ in fields)
