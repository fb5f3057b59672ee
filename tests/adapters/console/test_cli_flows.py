"""Scripted runs of the real `rightsize` command: the self-quiz and a console team."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.scenarios import SHIPPED_FOLDER, load_pool

TIMEOUT = 60


def rightsize(
    args: list[str], stdin: str, env_extra: dict[str, str]
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
    assert "You answered 1 scenarios in this sitting" in result.stdout


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
            "does not exist",
            id="missing-pack-folder",
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


def test_scenarios_check_lists_each(sqlite_url: str) -> None:
    result = rightsize(["scenarios", "check"], "", {"DATABASE_URL": sqlite_url})

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "12 scenarios are valid."
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
