"""docker-compose.yml, the Dockerfile and .env.example agree with the settings object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_compose_has_postgres_with_volume_and_health_check() -> None:
    postgres = compose()["services"]["postgres"]

    assert postgres["image"].startswith("postgres:")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "postgres-data" in compose()["volumes"]


def test_compose_bot_waits_restarts_and_checks_health() -> None:
    bot = compose()["services"]["bot"]

    assert bot["build"] == "."
    assert bot["env_file"] == ".env"
    assert bot["restart"] in {"on-failure", "unless-stopped", "always"}
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["healthcheck"]["test"] == ["CMD", "rightsize", "check"]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_compose_environment_names_are_settings() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    bot = compose()["services"]["bot"]

    assert set(bot["environment"]) <= fields


def test_env_example_lists_every_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}

    assert example_names() - COMPOSE_ONLY == fields


def test_dockerfile_migrates_then_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert re.search(r"rightsize db upgrade && exec rightsize run", dockerfile)
    for folder in ("bot", "adapters", "migrations", "scenarios"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert "USER rightsize" in dockerfile
