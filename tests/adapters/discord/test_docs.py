"""docs/discord.md states the permissions, invite link and settings that the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from adapters.discord.permissions import REQUIRED_PERMISSIONS, invite_url

DOC = Path(__file__).resolve().parents[3] / "docs" / "discord.md"


def test_invite_link_grants_required_permissions() -> None:
    text = DOC.read_text(encoding="utf-8")

    assert invite_url(1234).replace("1234", "APP_ID") in text
    assert f"Together they are {REQUIRED_PERMISSIONS.value}." in text


def test_permission_table_matches_code() -> None:
    rows = re.findall(r"^\| ([A-Z][\w ]+) \| (\d+) \|", DOC.read_text(encoding="utf-8"), re.M)
    table = {name: int(value) for name, value in rows}

    expected = {
        "View Channel": discord.Permissions(view_channel=True).value,
        "Send Messages": discord.Permissions(send_messages=True).value,
        "Embed Links": discord.Permissions(embed_links=True).value,
        "Read Message History": discord.Permissions(read_message_history=True).value,
    }
    assert table == expected
    assert sum(table.values()) == REQUIRED_PERMISSIONS.value


def test_settings_and_commands_documented() -> None:
    text = DOC.read_text(encoding="utf-8")

    for name in ("DISCORD_TOKEN", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL"):
        assert f"`{name}`" in text
    assert "rightsize run" in text
    assert "python -m adapters.discord.sync" in text
