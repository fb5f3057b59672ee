"""Persistent buttons: custom ids that carry the round or scenario and the choice.

Each button class is a discord.ui.DynamicItem registered once at start, so a
click is handled from its custom id alone, also on a message that an earlier
process posted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord.client import ClickHandler, RightsizeClient
from adapters.discord.custom_ids import PRACTICE_NEXT_TEMPLATE, PRACTICE_TEMPLATE, VOTE_TEMPLATE
from adapters.discord.render import CUSTOM_ID_MAX, fit_label
from bot.cards import Button
from bot.compose import PRACTICE_ACTION, PRACTICE_NEXT_ACTION, VOTE_ACTION, parse_button_value

_BaseButton = discord.ui.Button[discord.ui.View]


def clicks_of(interaction: discord.Interaction[Any]) -> ClickHandler:
    """Return the click handler of the Rightsize client that received an interaction."""
    client = interaction.client
    if not isinstance(client, RightsizeClient) or client.clicks is None:
        raise RuntimeError("the interaction reached a client without Rightsize click handlers")
    return client.clicks


def _button(custom_id: str, label: str, primary: bool) -> _BaseButton:
    if len(custom_id) > CUSTOM_ID_MAX:
        raise ValueError(
            f"custom id {custom_id!r} has {len(custom_id)} characters; "
            f"Discord allows at most {CUSTOM_ID_MAX}"
        )
    style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
    return discord.ui.Button(custom_id=custom_id, label=fit_label(label), style=style)


def _label(item: discord.ui.Item[Any]) -> tuple[str, bool]:
    """Return the label of a clicked button and whether it is primary."""
    if isinstance(item, discord.ui.Button):
        return item.label or "", item.style is discord.ButtonStyle.primary
    return "", False


class VoteButton(discord.ui.DynamicItem[_BaseButton], template=VOTE_TEMPLATE):
    """A vote for one choice in one round of a team."""

    def __init__(self, round_id: int, choice: str, *, label: str, primary: bool = False) -> None:
        super().__init__(_button(f"{VOTE_ACTION}:{round_id}:{choice}", label, primary))
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        label, primary = _label(item)
        return cls(int(match["round_id"]), match["choice"], label=label, primary=primary)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await clicks_of(interaction).on_vote(interaction, self.round_id, self.choice)


class PracticeButton(discord.ui.DynamicItem[_BaseButton], template=PRACTICE_TEMPLATE):
    """A self-quiz answer for one scenario."""

    def __init__(
        self, scenario_id: str, choice: str, *, label: str, primary: bool = False
    ) -> None:
        super().__init__(_button(f"{PRACTICE_ACTION}:{scenario_id}:{choice}", label, primary))
        self.scenario_id = scenario_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PracticeButton:
        label, primary = _label(item)
        return cls(match["scenario_id"], match["choice"], label=label, primary=primary)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await clicks_of(interaction).on_practice_answer(interaction, self.scenario_id, self.choice)


class PracticeNextButton(discord.ui.DynamicItem[_BaseButton], template=PRACTICE_NEXT_TEMPLATE):
    """The request for the next self-quiz scenario."""

    def __init__(self, *, label: str, primary: bool = True) -> None:
        super().__init__(_button(PRACTICE_NEXT_ACTION, label, primary))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PracticeNextButton:
        label, primary = _label(item)
        return cls(label=label, primary=primary)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await clicks_of(interaction).on_practice_next(interaction)


# Registered with the client once at start.
DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    VoteButton,
    PracticeButton,
    PracticeNextButton,
)


def item_for(button: Button) -> discord.ui.DynamicItem[_BaseButton]:
    """Build the Discord button of a card button; raise ValueError for an unknown action."""
    head, tail = parse_button_value(button.value)
    if button.action_id == PRACTICE_NEXT_ACTION:
        return PracticeNextButton(label=button.label, primary=button.primary)
    if button.action_id.startswith(f"{VOTE_ACTION}_") and head.isdigit():
        return VoteButton(int(head), tail, label=button.label, primary=button.primary)
    if button.action_id.startswith(f"{PRACTICE_ACTION}_"):
        return PracticeButton(head, tail, label=button.label, primary=button.primary)
    raise ValueError(f"no Discord button for action {button.action_id!r}")


def build_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Build a view without a timeout holding the buttons, or None when there are none.

    Every item is dynamic, so discord.py keeps no per-message state for the
    view: the registered item classes handle the clicks.
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(item_for(button))
    return view
