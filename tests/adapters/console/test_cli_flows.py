"""Scripted runs of the real `rightsize` command: the self-quiz and a console team."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.scenarios import SHIPPED_FOLDER, load_pool

TIMEOUT = 60


def rightsize(
    args: list[str], stdin: str, env_extra: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_"))
    }
    env.pop("LOG_LEVEL", None)
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_scripted_quiz_plays_all_twelve(database_url: str, tmp_path: Path) -> None:
    pool = load_pool([SHIPPED_FOLDER])
    answers = "\n".join(["3"] * len(pool)) + "\n"

    result = rightsize(["quiz", "--name", "ada"], answers, {"DATABASE_URL": database_url})

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Scenario ") >= len(pool)
    assert f"You answered {len(pool)} scenarios" in result.stdout
    llm_count = sum(s.answer.value == "llm" for s in pool.scenarios.values())
    assert f"got {llm_count} right" in result.stdout
    not_llm = len(pool) - llm_count
    assert f"Over-reach: {not_llm} of {not_llm} (100%)" in result.stdout
    assert "Misses that went bigger" in result.stdout
    assert "Traceback" not in result.stderr


def test_scripted_quiz_rejects_bad_choice_and_stops_at_eof(database_url: str) -> None:
    result = rightsize(["quiz", "--name", "bob"], "maybe\n2\n", {"DATABASE_URL": database_url})

    assert result.returncode == 0, result.stderr
    assert "'maybe' is not a choice" in result.stdout
    assert "You answered 1 scenario in this sitting" in result.stdout


def test_quiz_progress_persists_between_runs(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    first = rightsize(["quiz", "--name", "cy"], "1\n", env)
    second = rightsize(["quiz", "--name", "cy"], "1\n", env)

    assert first.returncode == 0
    titles = [line for line in first.stdout.splitlines() if line.startswith("Scenario 1 of")]
    assert titles
    first_title = first.stdout.split("Scenario 1 of 12\n", 1)[1].splitlines()[0]
    second_title = second.stdout.split("Scenario 1 of 12\n", 1)[1].splitlines()[0]
    assert first_title != second_title


def test_console_team_round(database_url: str) -> None:
    script = "\n".join(
        [
            "ada llm",
            "bob 1",
            "cy hybrid",
            "bob 2",
            "dan maybe",
            "reveal",
            "ada slm",
            "leaderboard all",
            "stats",
            "next",
            "ada 1",
            "quit",
        ]
    )

    result = rightsize(["run", "--console"], script + "\n", {"DATABASE_URL": database_url})

    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "ada: You voted Frontier model" in out
    assert "bob: You changed your vote from Small model to Hybrid" in out
    assert "'maybe' is not a choice" in out
    assert "The answer: " in out
    if "The answer: Frontier model" in out:
        assert "3 votes; none could go bigger than the frontier model." in out
    else:
        assert "of 3 votes went bigger than the answer." in out
    assert "There is no open round; type `next` to post one." in out
    assert "Leaderboard, all time" in out
    assert "Team bias stats" in out
    assert out.count("Small model, frontier model, or a hybrid of both?") == 2
    assert "ada: You voted Small model" in out
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ["quiz"],
            {"DATABASE_URL": "sqlite:////no/such/folder/x.sqlite3"},
            "does not exist",
            id="missing-sqlite-folder",
        ),
        pytest.param(
            ["quiz"], {"DATABASE_URL": "nonsense://"}, "Cannot open the database", id="bad-url"
        ),
        pytest.param(
            ["quiz"],
            {"DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"},
            "Cannot open the database",
            id="unreachable-server",
        ),
        pytest.param(
            ["quiz"],
            {"RIGHTSIZE_SCENARIOS_DIR": "/no/such/pack"},
            "does not exist (set by RIGHTSIZE_SCENARIOS_DIR)",
            id="missing-pack-folder",
        ),
        pytest.param(
            ["quiz"],
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x?password=secret"},
            "password=***",
            id="password-in-query",
        ),
        pytest.param(
            ["db", "upgrade"],
            {"DATABASE_URL": "postgresql://postgres:secret@127.0.0.1:abc/test"},
            "the URL is not valid",
            id="non-numeric-port",
        ),
        pytest.param(
            ["quiz"], {"DATABASE_URL": "mysql://x@127.0.0.1/x"}, "not supported", id="mysql"
        ),
        pytest.param(["quiz"], {"DATABASE_URL": "sqlite://"}, "in-memory", id="in-memory"),
        pytest.param(
            ["quiz"], {"DATABASE_URL": "sqlite:////tmp"}, "is a folder", id="folder-as-file"
        ),
        pytest.param(["quiz"], {"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud'", id="bad-log-level"),
        pytest.param(
            ["run"],
            {"SLACK_BOT_TOKEN": "xoxb-secret"},
            "SLACK_APP_TOKEN is missing",
            id="slack-without-app-token",
        ),
    ],
)
def test_bad_setting_gives_one_line_error(
    args: list[str], env: dict[str, str], message: str, sqlite_url: str
) -> None:
    result = rightsize(args, "", {"DATABASE_URL": sqlite_url, **env})

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_data_folder_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    result = rightsize(["quiz"], "", {"XDG_DATA_HOME": str(blocker), "DATABASE_URL": ""})

    assert result.returncode == 1
    assert "cannot be created" in result.stderr
    assert "Traceback" not in result.stderr


def test_undecodable_env_file_named(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / ".env").write_bytes(b"LOG_LEVEL=\xff\n")

    result = rightsize(["quiz"], "", {"DATABASE_URL": sqlite_url}, cwd=tmp_path)

    assert result.returncode == 1
    assert ".env in this folder is not valid UTF-8" in result.stderr


def test_newer_schema_revision_rejected(sqlite_url: str) -> None:
    assert rightsize(["db", "upgrade"], "", {"DATABASE_URL": sqlite_url}).returncode == 0
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    result = rightsize(["quiz"], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 1
    assert "unknown to this version of Rightsize" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenarios_check_pack_clashing_with_shipped(tmp_path: Path, sqlite_url: str) -> None:
    shipped = SHIPPED_FOLDER / "telecom-chat-routing.yaml"
    (tmp_path / "copy.YAML").write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")

    result = rightsize(["scenarios", "check", str(tmp_path)], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 1
    assert "copy.YAML: id: 'telecom-chat-routing' is already used by" in result.stderr


def test_console_round_commands_take_no_arguments(sqlite_url: str) -> None:
    script = "next 1\nquit 2\nvote quit 2\n"

    result = rightsize(["run", "--console"], script, {"DATABASE_URL": sqlite_url})

    assert result.returncode == 0, result.stderr
    assert "to vote as a member named next, type `vote next 1`" in result.stdout
    assert "to vote as a member named quit, type `vote quit 2`" in result.stdout
    assert "quit: You voted Hybrid" in result.stdout
    assert result.stdout.count("Small model, frontier model, or a hybrid of both?") == 1


def test_scenarios_check_lists_each(sqlite_url: str) -> None:
    result = rightsize(["scenarios", "check"], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "Valid: 12 scenarios."
    assert len(lines) == 13
    assert all(len(line.split("  ")) == 3 for line in lines[:-1])


def test_scenarios_check_bad_folder_fails(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / "bad.yaml").write_text("id: x\n", encoding="utf-8")

    result = rightsize(["scenarios", "check", str(tmp_path)], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 1
    assert "bad.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_reports_newest(sqlite_url: str) -> None:
    result = rightsize(["db", "upgrade"], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout
