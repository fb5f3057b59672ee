"""Two real processes on one PostgreSQL database post each team's day exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.engine import Engine
from bot.scenarios import ScenarioPool
from bot.storage.database import Database
from tests.bot.test_scheduler import SIXTY_DAY_ZONES, expected_dates, rounds_by_team, tick_times

PROCESS_TIMEOUT = 300


def test_two_processes_post_once_per_day(
    postgres_url: str, pool: ScenarioPool, tmp_path: Path
) -> None:
    start = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
    days = 60
    database = Database.open(postgres_url)
    engine = Engine(database=database, pool=pool, clock=FixedClock(start), seed=3)
    teams = [
        engine.subscribe(
            platform="test",
            workspace_id="W",
            channel_id=f"C{number:02}",
            timezone=zone,
            post_time=at,
            weekdays=days_mask,
        )
        for number, (zone, at, days_mask) in (
            (n, SIXTY_DAY_ZONES[n % len(SIXTY_DAY_ZONES)]) for n in range(20)
        )
    ]
    moments = [moment.isoformat() for moment in tick_times(teams, start, days)]
    (tmp_path / "moments.json").write_text(json.dumps(moments))

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.bot.cycle_process",
                postgres_url,
                start.isoformat(),
                str(tmp_path),
                name,
            ],
            env={**os.environ, "LOG_LEVEL": "WARNING"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=PROCESS_TIMEOUT)
        assert worker.returncode == 0, errors

    calls = [
        json.loads(line)
        for name in ("first", "second")
        for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()
    ]
    posts = Counter(call["round"] for call in calls if call["kind"] == "post")
    replies = Counter(call["round"] for call in calls if call["kind"] == "reply")
    stored = rounds_by_team(database)
    database.close()

    assert posts and max(posts.values()) == 1
    assert max(replies.values()) == 1
    refs = {call["ref"].split("-")[0] for call in calls if call["kind"] == "post"}
    assert refs == {"first", "second"}
    end = start + timedelta(days=days)
    for team in teams:
        dates = [row[0] for row in stored[team.id]]
        assert dates == expected_dates(team, start, end), team.timezone
    total_rounds = sum(len(rows) for rows in stored.values())
    assert len(posts) == total_rounds
    assert len(replies) == total_rounds - len(teams)
