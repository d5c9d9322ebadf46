#!/usr/bin/env python3
"""One command each, on a machine with nothing but Python 3.11+:

    python3 dev.py serve [--port 8000 ...]   install, load the demo, serve it on SQLite
    python3 dev.py test [pytest args ...]    install with the test tools; ruff, mypy, the import
                                             contracts, then the tests

Both keep a virtual environment in .venv and reinstall into it only when pyproject.toml
changed. Standard library only: this runs before anything is installed."""

from __future__ import annotations  # so an old Python reaches the version check

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / "helpdesk-install.json"  # what was installed, from which pyproject.toml


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def ensure_venv() -> None:
    if PYTHON.exists():
        return
    say(f"creating {VENV.relative_to(ROOT)} with Python {sys.version.split()[0]}")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)


def ensure_installed(extras: set[str]) -> None:
    """pip install -e . (with the extras) unless the same pyproject.toml is installed already
    with at least these extras."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("pyproject") == digest and extras <= set(stamp.get("extras", [])):
        return
    if stamp.get("pyproject") == digest:
        extras = extras | set(stamp.get("extras", []))  # keep what is there
    target = "." + (f"[{','.join(sorted(extras))}]" if extras else "")
    say(f"installing {target} into .venv (only when pyproject.toml changes)")
    started = time.monotonic()
    command = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*command, "--editable", target], check=True, cwd=ROOT)
    STAMP.write_text(json.dumps({"pyproject": digest, "extras": sorted(extras)}))
    say(f"installed in {time.monotonic() - started:.0f} s")


def serve(args: list[str]) -> int:
    ensure_venv()
    ensure_installed(set())
    helpdesk = str(BIN / "helpdesk")
    demo = subprocess.run([helpdesk, "demo"], cwd=ROOT)
    if demo.returncode:
        return demo.returncode
    # Replace this process: Ctrl+C and signals go straight to the server.
    os.chdir(ROOT)
    os.execv(helpdesk, [helpdesk, "serve", *args])
    return 0  # not reached


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_installed({"test"})
    started = time.monotonic()
    checks = {
        "ruff": [str(BIN / "ruff"), "check", "."],
        "mypy": [str(BIN / "mypy")],  # the package and its settings: pyproject.toml
        "import contracts": [str(BIN / "lint-imports")],
        "pytest": [str(PYTHON), "-m", "pytest", "-q", *args],
    }
    failed = []
    for name, command in checks.items():
        say(" ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command)))
        if subprocess.run(command, cwd=ROOT).returncode:
            failed.append(name)
    verdict = f"FAILED: {', '.join(failed)}" if failed else "all passed"
    say(f"{', '.join(checks)}: {verdict} ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


COMMANDS = {"serve": serve, "test": test}


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is there
        say(f"needs Python 3.11 or newer, this is {sys.version.split()[0]}")
        return 1
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__.strip())
        return 2
    try:
        return COMMANDS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        say(f"failed: {' '.join(map(str, error.cmd))} (exit {error.returncode})")
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
