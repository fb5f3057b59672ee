"""The app manifest requests exactly the bot scopes of the Web API methods the adapter calls."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.web.async_client import AsyncWebClient

import adapters.slack

ADAPTER = Path(adapters.slack.__file__).parent
MANIFEST = ADAPTER / "manifest.yaml"
# The bot scope each Web API method needs; None for methods that need no bot scope.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    # Called with the app-level token, whose connections:write scope is set apart
    # from the manifest's bot scopes.
    "apps.connections.open": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "users.info": "users:read",
    "conversations.info": "channels:read",
}
# Scopes that come with a feature rather than a method: the slash command.
FEATURE_SCOPES = {"commands"}


def load_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return manifest


def called_web_api_methods() -> set[str]:
    """Find the AsyncWebClient methods called anywhere in the adapter, as Slack names them."""
    methods: set[str] = set()
    for path in ADAPTER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if (
                "_" in name
                and not name.startswith("_")
                and callable(getattr(AsyncWebClient, name, None))
            ):
                methods.add(name.replace("_", "."))
    # slack_sdk's Socket Mode client calls this one for the adapter.
    methods.add("apps.connections.open")
    return methods


def test_scopes_match_called_methods() -> None:
    methods = called_web_api_methods()
    unknown = methods - set(METHOD_SCOPES)
    needed = {METHOD_SCOPES[m] for m in methods if m in METHOD_SCOPES} - {None} | FEATURE_SCOPES

    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])

    assert unknown == set(), "add the scope of each new Web API method to METHOD_SCOPES"
    assert {"chat.postMessage", "chat.update", "users.info", "auth.test"} <= methods
    assert scopes == needed


def test_manifest_features() -> None:
    manifest = load_manifest()

    commands = manifest["features"]["slash_commands"]
    assert [command["command"] for command in commands] == ["/rightsize"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "Rightsize"
    assert "user" not in manifest["oauth_config"]["scopes"]
