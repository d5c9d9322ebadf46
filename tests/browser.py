"""Browser tests: Debian's Chromium driven by Playwright, against a real `helpdesk serve`
loaded with the demo (one server and one browser per test module)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from live import Server

CHROMIUM = os.environ.get("HELPDESK_TEST_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium reaches out to Google's hosts at every start (refused here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("HELPDESK_TEST_SCREENSHOTS", "build/screenshots"))
PASSWORD = "helpdesk-demo"


def chromium_or_skip() -> str:
    """The browser's path; skips where it is missing, unless CI requires it (.ci/run)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("HELPDESK_TEST_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def demo_server(data_dir: Path, env: dict | None = None) -> Server:
    """A started server on a fresh SQLite file holding a small demo."""
    database_url = f"sqlite://{data_dir / 'helpdesk.sqlite3'}"
    env = {"HELPDESK_DATA_DIR": str(data_dir), **(env or {})}
    subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "demo", "--tickets", "60"],
        env={**os.environ, "HELPDESK_DATABASE_URL": database_url, **env},
        check=True,
        capture_output=True,
    )
    server = Server(database_url, env=env)
    server.start()
    return server


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=chromium_or_skip(), headless=True, args=CHROMIUM_ARGS
    )


def offline_context(browser, **options):
    """A browser context that can reach only this machine: any other request is aborted
    and listed in `context.outside`."""
    context = browser.new_context(**options)
    context.outside = []

    def route(route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            context.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
