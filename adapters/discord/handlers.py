"""Turn clicks and `/rightsize` subcommands into engine calls with a private response each."""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord.caller import Caller, delivery_key
from adapters.discord.guard import Guard
from adapters.discord.livecount import LiveCount
from adapters.discord.port import PLATFORM, format_ref
from adapters.discord.render import render_card
from bot.app import App
from bot.cards import Card
from bot.commands import Invocation, Outcome
from bot.engine import VoteReceipt

_log = logging.getLogger(__name__)


class Handlers:
    """The click handler of the Rightsize buttons and the runner of slash commands."""

    def __init__(self, app: App, *, guard: Guard, live_count: LiveCount) -> None:
        self.app = app
        self.guard = guard
        self.live_count = live_count

    # Daily round

    async def on_vote(
        self, interaction: discord.Interaction[Any], round_id: int, choice: str
    ) -> None:
        """Record a vote, respond privately once it is committed and refresh the live count."""
        async with self.guard.handling(interaction, "vote click") as reply:
            caller = Caller.of(interaction)
            key = delivery_key(interaction)
            receipt = await reply.run(
                lambda: asyncio.to_thread(self._record_vote, caller, round_id, choice, key)
            )
            # Only a first vote changes the count, which shows voters, not choices.
            if receipt.previous is None and not receipt.duplicate and interaction.message:
                ref = format_ref(caller.channel_id, interaction.message.id)
                self.live_count.note_vote(ref, round_id)
            await reply.send_text(receipt.message)

    def _record_vote(self, caller: Caller, round_id: int, choice: str, key: str) -> VoteReceipt:
        engine = self.app.engine
        team = engine.require_team(PLATFORM, str(caller.guild_id), str(caller.channel_id))
        return engine.record_vote(
            team_id=team.id,
            round_id=round_id,
            member_id=str(caller.user_id),
            member_name=caller.display_name,
            choice=choice,
            delivery_key=key,
        )

    # Self-quiz

    async def on_practice_answer(
        self, interaction: discord.Interaction[Any], scenario_id: str, choice: str
    ) -> None:
        """Store a self-quiz answer and replace the question with its result."""
        async with self.guard.handling(
            interaction, "self-quiz answer", replaces_message=True
        ) as reply:
            caller = Caller.of(interaction)
            card = await reply.run(lambda: self._answer(interaction, caller, scenario_id, choice))
            if card is not None:
                await reply.replace(render_card(card))

    async def _answer(
        self, interaction: discord.Interaction[Any], caller: Caller, scenario_id: str, choice: str
    ) -> Card | None:
        engine = self.app.engine
        if not await asyncio.to_thread(engine.first_delivery, delivery_key(interaction)):
            _log.debug("Discord interaction %s was handled before", interaction.id)
            return None
        return await self.app.commands.answer_quiz(caller.invocation("quiz"), scenario_id, choice)

    async def on_practice_next(self, interaction: discord.Interaction[Any]) -> None:
        """Replace a self-quiz result with the next question of the sitting."""
        async with self.guard.handling(
            interaction, "next self-quiz question", replaces_message=True
        ) as reply:
            caller = Caller.of(interaction)
            card = await reply.run(lambda: self._next_question(interaction, caller))
            if card is not None:
                await reply.replace(render_card(card))

    async def _next_question(
        self, interaction: discord.Interaction[Any], caller: Caller
    ) -> Card | None:
        engine = self.app.engine
        if not await asyncio.to_thread(engine.first_delivery, delivery_key(interaction)):
            _log.debug("Discord interaction %s was handled before", interaction.id)
            return None
        return await self.app.commands.next_quiz_card(caller.invocation("quiz"))

    # Slash command

    async def on_command(
        self, interaction: discord.Interaction[Any], words: Sequence[str]
    ) -> None:
        """Run one `/rightsize` subcommand, given as its words, and send its cards privately."""
        async with self.guard.handling(interaction, f"/rightsize {words[0]}") as reply:
            caller = Caller.of(interaction)
            # Quoted, because the engine splits the text as a shell would.
            invocation = caller.invocation(shlex.join(words))
            outcome = await reply.run(lambda: self._run_command(interaction, invocation))
            if outcome is None:
                return
            for card in outcome.cards:
                await reply.send(render_card(card))

    async def _run_command(
        self, interaction: discord.Interaction[Any], invocation: Invocation
    ) -> Outcome | None:
        engine = self.app.engine
        if not await asyncio.to_thread(engine.first_delivery, delivery_key(interaction)):
            _log.debug("Discord interaction %s was handled before", interaction.id)
            return None
        return await self.app.commands.run(invocation)
