"""Settings from the environment and an optional .env file, in one typed object."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import RightsizeError


class SettingsError(RightsizeError):
    def __init__(self, problems: list[str]) -> None:
        if len(problems) == 1:
            super().__init__(f"Invalid setting: {problems[0]}")
        else:
            super().__init__("Invalid settings:\n" + "\n".join(problems))


def default_database_url() -> str:
    """Return the SQLite file in the user's data folder, creating the folder.

    XDG_DATA_HOME is used only when it is an absolute path, as the XDG base
    directory specification requires; otherwise ~/.local/share.
    """
    configured = os.environ.get("XDG_DATA_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"
    folder = base / "rightsize"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            [f"the data folder {folder} cannot be created ({exc.strerror}); set DATABASE_URL"]
        ) from None
    return f"sqlite:///{folder / 'rightsize.sqlite3'}"


class Settings(BaseSettings):
    """Every setting of Rightsize; names are the environment variable names."""

    # An empty variable, as in a copied .env.example, counts as unset.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite file by default"
    )
    rightsize_scenarios_dir: Path | None = Field(
        default=None, description="folder of an extra scenario pack"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    slack_http_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="serve the Slack Events API over HTTP on this port",
    )
    slack_http_host: str = Field(default="0.0.0.0", description="address the HTTP mode listens on")
    slack_admin_ids: str = Field(
        default="", description="comma-separated Slack user ids with admin rights"
    )

    discord_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None

    @field_validator(
        "database_url", "rightsize_scenarios_dir", "discord_gateway_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator(
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "discord_token",
        mode="before",
    )
    @classmethod
    def _strip_secret(cls, value: object) -> object:
        # Spaces around a pasted token are never part of it; blank means unset.
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("slack_admin_ids")
    @classmethod
    def _slack_user_ids(cls, value: str) -> str:
        for part in value.split(","):
            user_id = part.strip()
            if user_id and re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id) is None:
                raise ValueError(
                    f"{user_id[:30]!r} is not a Slack user id; expected ids such as "
                    "U012AB3CD, separated by commas"
                )
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    def platform_problems(self) -> list[str]:
        """List settings that are set without the others their platform needs."""
        problems = []
        slack_http = self.slack_http_port is not None
        if self.slack_bot_token is None:
            for name in ("slack_app_token", "slack_signing_secret"):
                if getattr(self, name) is not None:
                    problems.append(f"{name.upper()} is set but SLACK_BOT_TOKEN is missing")
        elif slack_http and self.slack_signing_secret is None:
            problems.append("SLACK_SIGNING_SECRET is missing: HTTP mode needs it")
        elif not slack_http and self.slack_app_token is None:
            problems.append(
                "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token "
                "(or set SLACK_HTTP_PORT and SLACK_SIGNING_SECRET for HTTP mode)"
            )
        return problems

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.slack_admin_ids.split(",") if part.strip())


def load_settings() -> Settings:
    """Read the settings; raise SettingsError naming each invalid variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(
            [_describe(error) for error in exc.errors(include_url=False)]
        ) from None
    except UnicodeDecodeError:
        raise SettingsError([".env in this folder is not valid UTF-8 text"]) from None
    except OSError as exc:
        raise SettingsError([f".env in this folder cannot be read ({exc.strerror})"]) from None


def _describe(error: Any) -> str:
    name = ".".join(str(part) for part in error["loc"]).upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str):
        # Tokens and secrets are never echoed back, other values are.
        shown = (
            "(hidden)" if any(word in name for word in ("TOKEN", "SECRET")) else repr(value[:60])
        )
        return f"{name}={shown}: {message}"
    return f"{name}: {message}"
