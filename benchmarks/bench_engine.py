"""Measure vote recording, a scheduler tick and a leaderboard as other teams' history grows.

Run: `.venv/bin/python -m benchmarks.bench_engine [DATABASE_URL]` (default: a SQLite
file in a temporary folder). Prints one line per measurement.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.cycle import Cycle
from bot.engine import Engine
from bot.scenarios import SHIPPED_FOLDER, load_pool
from bot.scheduler import DailyCycle
from bot.storage.database import Database
from tests.bot.recording_port import RecordingPort

START = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


def timed(action: object, repeats: int) -> float:
    """Return the median seconds of calling action, repeated."""
    assert callable(action)
    samples = []
    for _ in range(repeats):
        begin = time.perf_counter()
        action()
        samples.append(time.perf_counter() - begin)
    return statistics.median(samples)


def build_history(engine: Engine, team_id: int, rounds: int, voters: int) -> None:
    for offset in range(rounds):
        opened = engine.claim_round(team_id, date(2027, 1, 4) + timedelta(days=offset))
        assert opened is not None
        for voter in range(voters):
            engine.record_vote(
                team_id=team_id,
                round_id=opened.round.id,
                member_id=f"U{voter}",
                member_name=f"member {voter}",
                choice=("slm", "hybrid", "llm")[voter % 3],
            )
        engine.reveal(opened.round.id)


def main(url: str) -> None:
    pool = load_pool([SHIPPED_FOLDER])
    database = Database.open(url)
    clock = FixedClock(START)
    engine = Engine(database=database, pool=pool, clock=clock, seed=1)
    port = RecordingPort()

    measured = engine.subscribe(platform="test", workspace_id="W", channel_id="MEASURED")
    build_history(engine, measured.id, rounds=30, voters=20)
    before = timed(lambda: engine.standings(measured.id, season_only=False), 20)

    for number in range(50):
        other = engine.subscribe(platform="test", workspace_id="W", channel_id=f"OTHER{number}")
        build_history(engine, other.id, rounds=30, voters=20)
    after = timed(lambda: engine.standings(measured.id, season_only=False), 20)
    print(f"leaderboard, 30 rounds x 20 voters: {before * 1000:.2f} ms with no other teams")
    print(f"leaderboard, same team, 50 other teams' history: {after * 1000:.2f} ms")

    opened = engine.claim_round(measured.id, date(2027, 6, 1))
    assert opened is not None
    counter = iter(range(10**9))
    vote = timed(
        lambda: engine.record_vote(
            team_id=measured.id,
            round_id=opened.round.id,
            member_id=f"V{next(counter)}",
            member_name="voter",
            choice="hybrid",
        ),
        200,
    )
    print(f"record_vote (commit included): {vote * 1000:.2f} ms median")

    for number in range(1000):
        engine.subscribe(platform="test", workspace_id="W", channel_id=f"TICK{number}")
    daily = DailyCycle(engine, Cycle(engine, {port.platform: port}))
    clock.set(START.replace(hour=7))  # before every post time: a tick with nothing due
    tick = timed(lambda: asyncio.run(daily.tick()), 10)
    print(f"scheduler tick, {len(engine.list_teams())} teams, none due: {tick * 1000:.1f} ms")
    database.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        target = (
            sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        )
        main(target)
