"""The engine imports no platform library, and every adapter honours the same port."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

PLATFORM_PACKAGES = {"slack_bolt", "slack_sdk", "discord", "aiohttp", "adapters"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_imports_no_platform_library() -> None:
    engine_folder = Path(bot.__file__).parent
    offenders = {
        str(path.relative_to(engine_folder)): sorted(imported_roots(path) & PLATFORM_PACKAGES)
        for path in engine_folder.rglob("*.py")
        if imported_roots(path) & PLATFORM_PACKAGES
    }
    assert offenders == {}
