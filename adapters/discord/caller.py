"""The member and server channel behind an interaction, as the engine's plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord import texts
from adapters.discord.errors import NotInServerError
from adapters.discord.port import PLATFORM
from bot.commands import Invocation


def delivery_key(interaction: discord.Interaction[Any]) -> str:
    """Build the dedupe key of an interaction; Discord gives every delivery a new id."""
    return f"{PLATFORM}:{interaction.id}"


@dataclass(frozen=True)
class Caller:
    """The member who sent an interaction and the server channel it came from."""

    guild_id: int
    channel_id: int
    user_id: int
    display_name: str
    channel_name: str = ""
    is_admin: bool = False

    @classmethod
    def of(cls, interaction: discord.Interaction[Any]) -> Caller:
        """Read the caller of an interaction; raise NotInServerError for a direct message."""
        if interaction.guild_id is None or interaction.channel_id is None:
            raise NotInServerError()
        return cls(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            display_name=interaction.user.display_name,
            channel_name=str(getattr(interaction.channel, "name", "") or ""),
            # Discord sends the member's permissions in the channel, overwrites included.
            is_admin=interaction.permissions.manage_guild,
        )

    def invocation(self, text: str) -> Invocation:
        """Build the engine's command invocation for a subcommand text."""
        return Invocation(
            platform=PLATFORM,
            workspace_id=str(self.guild_id),
            channel_id=str(self.channel_id),
            channel_name=self.channel_name,
            user_id=str(self.user_id),
            user_name=self.display_name,
            text=text,
            is_admin=self.is_admin,
            admins_are=texts.ADMINS_ARE,
        )

    @property
    def person(self) -> str:
        """Return the platform-qualified key of the member, for the self-quiz."""
        return self.invocation("quiz").person
