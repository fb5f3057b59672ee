"""A bot process for the multi-process test: simulated days on a shared database.

Run as ``python -m tests.bot.cycle_process URL START WORKDIR NAME``. It waits
at a barrier in WORKDIR before each tick, so both processes tick the same moment,
and appends one JSON line per platform call to WORKDIR/NAME.jsonl.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cards import Card
from bot.clock import FixedClock
from bot.cycle import Cycle
from bot.engine import Engine, TeamInfo
from bot.scenarios import SHIPPED_FOLDER, load_pool
from bot.scheduler import DailyCycle
from bot.storage.database import Database

BARRIER_TIMEOUT = 60.0


class FilePort:
    """Append every call to a JSON-lines file, as a platform's message log would show."""

    platform = "test"

    def __init__(self, out: TextIO, name: str) -> None:
        self.out = out
        self.name = name
        self.count = 0

    def _write(self, kind: str, team: TeamInfo, card: Card) -> str:
        self.count += 1
        ref = f"{self.name}-{self.count}"
        record = {"kind": kind, "team": team.id, "round": card.round_id, "ref": ref}
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()
        return ref

    async def post(self, team: TeamInfo, card: Card) -> str:
        return self._write("post", team, card)

    async def update(self, team: TeamInfo, message_ref: str, card: Card) -> None:
        self._write("update", team, card)

    async def reply(self, team: TeamInfo, message_ref: str, card: Card) -> str:
        return self._write("reply", team, card)


def wait_at_barrier(workdir: Path, name: str, step: int, parties: int) -> None:
    (workdir / f"barrier-{step}-{name}").touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT
    while len(list(workdir.glob(f"barrier-{step}-*"))) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier {step} timed out in {name}")
        time.sleep(0.002)


async def simulate(url: str, start: datetime, workdir: Path, name: str) -> None:
    pool = load_pool([SHIPPED_FOLDER])
    database = Database.open(url)
    clock = FixedClock(start)
    moments = json.loads((workdir / "moments.json").read_text())
    with (workdir / f"{name}.jsonl").open("a", encoding="utf-8") as out:
        port = FilePort(out, name)
        engine = Engine(database=database, pool=pool, clock=clock, seed=3)
        daily = DailyCycle(engine, Cycle(engine, {port.platform: port}))
        for step, moment in enumerate(moments):
            clock.set(datetime.fromisoformat(moment))
            await asyncio.to_thread(wait_at_barrier, workdir, name, step, 2)
            await daily.tick()
    database.close()


def main() -> None:
    url, start, workdir, name = sys.argv[1:5]
    asyncio.run(simulate(url, datetime.fromisoformat(start), Path(workdir), name))


if __name__ == "__main__":
    main()
