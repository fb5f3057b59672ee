"""The `rightsize` command line: the process's composition root.

It lives among the adapters because it starts them; the engine in bot/ never
imports anything from here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.app import App, build_app
from bot.errors import RightsizeError
from bot.scenarios import SHIPPED_FOLDER, load_pool, pool_folders
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import Database, safe_url

_log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rightsize",
        description="Rightsize: small model, frontier model, or a hybrid of both?",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    quiz = commands.add_parser("quiz", help="play the self-quiz in this terminal")
    quiz.add_argument("--name", help="whose progress to use (default: your login name)")

    run = commands.add_parser("run", help="run the bot")
    run.add_argument(
        "--console",
        action="store_true",
        help="run a local team channel in this terminal",
    )
    run.add_argument(
        "--channel",
        default="terminal",
        help="name of the terminal channel (default: terminal)",
    )
    run.add_argument(
        "--http-port",
        type=int,
        help="serve Slack's Events API over HTTP on this port instead of Socket Mode",
    )

    commands.add_parser(
        "check", help="verify the database, its migrations and the configured tokens"
    )

    scenarios = commands.add_parser("scenarios", help="work with scenario files")
    scenario_commands = scenarios.add_subparsers(
        dest="scenarios_command", required=True, metavar="ACTION"
    )
    check = scenario_commands.add_parser("check", help="validate scenario files")
    check.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="folder to check (default: shipped and configured packs)",
    )

    db = commands.add_parser("db", help="work with the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        terminal = args.command == "quiz" or (args.command == "run" and args.console)
        _configure_logging(
            settings, quiet=terminal and "log_level" not in settings.model_fields_set
        )
        return _dispatch(args, settings)
    except RightsizeError as exc:
        sys.stderr.write(f"rightsize: {exc.message}\n")
        return 1
    except KeyboardInterrupt:
        return 130


def _configure_logging(settings: Settings, *, quiet: bool) -> None:
    # In the terminal modes log lines would land between the cards, so only errors show
    # unless LOG_LEVEL requests more.
    level = logging.ERROR if quiet else getattr(logging, settings.log_level)
    # These libraries log request bodies, socket URLs with tickets and every scheduler
    # run at DEBUG and INFO; only their warnings and errors are worth a line here.
    for noisy in ("alembic", "apscheduler", "slack_bolt", "slack_sdk", "discord", "aiohttp"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "scenarios":
        return _check_scenarios(args.folder, settings, sys.stdout)
    if args.command == "check":
        return _check(settings, sys.stdout)
    if args.command == "db":
        database = Database.open(settings.resolved_database_url)
        database.close()
        sys.stdout.write(
            f"Database {safe_url(settings.resolved_database_url)} is at the newest schema.\n"
        )
        return 0
    app = build_app(settings)
    try:
        if args.command == "quiz":
            return _quiz(app, args.name)
        return _run(app, args)
    finally:
        app.close()


def _check_scenarios(folder: Path | None, settings: Settings, out: TextIO) -> int:
    """Validate a pack together with the shipped one, so duplicate ids count as errors."""
    if folder is None:
        listed = None
        folders = pool_folders(settings.rightsize_scenarios_dir)
    elif folder.resolve() == SHIPPED_FOLDER.resolve():
        listed = None
        folders = [SHIPPED_FOLDER]
    else:
        listed = folder
        folders = [SHIPPED_FOLDER, folder]
    pool = load_pool(folders)
    today = date.today()
    shown = [
        pool.scenarios[scenario_id]
        for scenario_id in pool.ids
        if listed is None or pool.sources[scenario_id].parent == listed
    ]
    for scenario in shown:
        signals = ", ".join(signal.value for signal in scenario.signals)
        overdue = f"  (review was due {scenario.review_by})" if scenario.review_by < today else ""
        out.write(f"{scenario.id}  {scenario.answer.value}  {signals}{overdue}\n")
    out.write(f"Valid: {texts.plural(len(shown), 'scenario')}.\n")
    return 0


def _check(settings: Settings, out: TextIO) -> int:
    from adapters.health import run_checks

    checks = run_checks(settings)
    for check in checks:
        out.write(check.line() + "\n")
    failed = [check for check in checks if not check.ok]
    out.write("All checks passed.\n" if not failed else f"Checks failed: {len(failed)}.\n")
    return 1 if failed else 0


def read_line(prompt: str) -> str | None:
    """Read one line, prompting only on a terminal; None at end of input."""
    if sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            return None
    line = sys.stdin.readline()
    return line if line else None


async def read_line_async(prompt: str) -> str | None:
    """Read one line on a daemon thread, so Ctrl-C ends the process at once."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def deliver(result: str | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            result, error = read_line(prompt), None
        except Exception as exc:  # handed to the waiting coroutine
            result, error = None, exc
        # The loop is closed when the process is already ending; nothing waits then.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, result, error)

    threading.Thread(target=work, name="console-input", daemon=True).start()
    return await future


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No USER variable and no password entry, as in some containers.
        return "you"


def _quiz(app: App, name: str | None) -> int:
    from adapters.console.quiz import run_quiz

    person = f"console:{name or _login_name()}"
    run_quiz(app.practice, person, read=read_line, out=sys.stdout)
    return 0


def _run(app: App, args: argparse.Namespace) -> int:
    if args.console:
        return _run_console(app, args.channel)
    settings = app.settings
    if args.http_port is not None:
        if not 1 <= args.http_port <= 65535:
            raise RightsizeError(f"Invalid --http-port {args.http_port}: expected 1 to 65535.")
        settings = settings.model_copy(update={"slack_http_port": args.http_port})
    from adapters.runtime import configured_runners, serve

    problems = settings.platform_problems()
    if problems:
        raise SettingsError(problems)
    runners = configured_runners(app, settings)
    if not runners:
        raise RightsizeError(
            "No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN "
            "(or SLACK_SIGNING_SECRET with --http-port), or DISCORD_TOKEN. "
            "`rightsize run --console` runs a local team channel in this terminal."
        )
    asyncio.run(serve(app, runners))
    return 0


def _run_console(app: App, channel_name: str) -> int:
    from adapters.console.channel import ConsoleChannel

    async def serve() -> None:
        channel = ConsoleChannel(app, out=sys.stdout, channel=channel_name)
        await channel.serve(read_line_async)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
