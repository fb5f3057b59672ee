"""Wire settings, database, scenarios and engine into one application object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.commands import Commands
from bot.cycle import Cycle
from bot.engine import Engine
from bot.errors import ScenarioFolderError
from bot.ports import ChatPort
from bot.practice import Practice
from bot.scenarios import load_pool, pool_folders
from bot.settings import Settings
from bot.storage.database import Database


@dataclass
class App:
    """The engine with everything an adapter needs."""

    settings: Settings
    database: Database
    engine: Engine
    practice: Practice
    cycle: Cycle
    commands: Commands

    def attach(self, ports: Mapping[str, ChatPort]) -> None:
        """Register the running adapters' ports for posting and revealing."""
        self.cycle.ports.update(ports)

    def close(self) -> None:
        self.database.close()


def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Load the scenarios, open and migrate the database and build the engine."""
    extra = settings.rightsize_scenarios_dir
    try:
        pool = load_pool(pool_folders(extra))
    except ScenarioFolderError as exc:
        if extra is None or exc.folder != extra:
            raise
        raise ScenarioFolderError(
            exc.folder, f"{exc.reason} (set by RIGHTSIZE_SCENARIOS_DIR)"
        ) from None
    database = Database.open(settings.resolved_database_url)
    used_clock = clock or SystemClock()
    engine = Engine(database=database, pool=pool, clock=used_clock)
    practice = Practice(database=database, pool=pool, clock=used_clock)
    cycle = Cycle(engine, {})
    commands = Commands(engine=engine, practice=practice, cycle=cycle)
    return App(
        settings=settings,
        database=database,
        engine=engine,
        practice=practice,
        cycle=cycle,
        commands=commands,
    )
