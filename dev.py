"""Set up a local virtual environment and run Rightsize or its test suite.

Usage:
    python3 dev.py quiz [ARGS...]   install if needed, then `rightsize quiz`
    python3 dev.py run [ARGS...]    install if needed, then `rightsize run`
    python3 dev.py test [ARGS...]   install if needed, then ruff, mypy, pytest
    python3 dev.py rightsize ARGS   install if needed, then any `rightsize` command

The environment lives in .venv next to this file and is reinstalled only when
pyproject.toml changes. Only the Python standard library is used here, so a
fresh machine with Python 3.11 or later needs nothing else.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".rightsize-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    """Create .venv and install the project with its dev extras when stale."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and _python().exists():
        return
    if not _python().exists():
        print("Creating the virtual environment in .venv ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("Installing Rightsize and its dependencies into .venv ...", file=sys.stderr)
    pip = [str(_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run_tests(extra: list[str]) -> int:
    """Run the linters, the type checker and the test suite; return the exit code."""
    steps = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        [str(_python()), "-m", "pytest", *extra],
    ]
    for step in steps:
        print(
            "$ " + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
            file=sys.stderr,
        )
        code = subprocess.run(step, cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "test":
        return run_tests(rest)
    rightsize = str(BIN / "rightsize")
    if command == "rightsize":
        return subprocess.run([rightsize, *rest]).returncode
    return subprocess.run([rightsize, command, *rest]).returncode


if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 - checked before anything else can fail
        sys.exit("Rightsize needs Python 3.11 or later; this is " + sys.version.split()[0])
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
