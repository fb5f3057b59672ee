"""The channel permissions the bot needs, and the invite link that grants them."""

from __future__ import annotations

import discord

# Read Message History is needed because the reveal is sent as a reply to the question.
REQUIRED_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    read_message_history=True,
)
# The scopes of the invite: the bot user and its slash commands.
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """Build the OAuth2 link that adds the bot to a server with the required permissions."""
    scopes = "+".join(INVITE_SCOPES)
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={scopes}&permissions={REQUIRED_PERMISSIONS.value}"
    )
