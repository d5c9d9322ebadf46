"""GraphiQL at GET /graphql: served by the app with every asset bundled, so it loads and
runs a query and a subscription with no internet; headers survive a reload; production
serves no IDE."""

import httpx
import pytest
from browser import cleanup, demo_server, launch, offline_context, screenshot
from live import Server
from playwright.sync_api import expect, sync_playwright


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("graphiql")
    server = demo_server(path)
    yield server
    server.stop()
    cleanup(path)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def set_editor(page, selector: str, text: str) -> None:
    editor = page.locator(f"{selector} .CodeMirror >> visible=true").first
    editor.wait_for(timeout=10_000)  # CodeMirror loads after the page
    editor.evaluate("(el, text) => el.CodeMirror.setValue(text)", text)


def run(page, expected: str) -> None:
    """Runs the editor's operation until the result shows `expected`: GraphiQL reads the
    operation's name from the editor a moment after a change, and until then a click sends
    the name of the previous one."""
    button = page.get_by_role("button", name="Execute query (Ctrl-Enter)")
    for _ in range(10):
        button.click()
        try:
            expect(result(page)).to_contain_text(expected, timeout=1_000)
            return
        except AssertionError:
            continue
    expect(result(page)).to_contain_text(expected)


def result(page):
    return page.locator(".graphiql-response .CodeMirror")


def test_graphiql_runs_a_query_and_a_subscription_offline(served, browser):
    context = offline_context(browser)
    page = context.new_page()
    page.goto(f"{served.http_url}/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=15_000)
    # The explorer plugin is there.
    expect(page.get_by_role("button", name="Show GraphiQL Explorer")).to_be_visible()

    set_editor(
        page,
        ".graphiql-query-editor",
        'mutation SignIn { login(input: {email: "marco@helpdesk.example",'
        ' password: "helpdesk-demo"}) { token viewer { name } } }',
    )
    run(page, "Marco Rossi")
    token = page.evaluate(
        "JSON.parse(document.querySelector('.graphiql-response .CodeMirror').CodeMirror"
        ".getValue()).data.login.token"
    )

    page.get_by_role("button", name="Headers").click()
    set_editor(page, ".graphiql-editor-tool", f'{{"Authorization": "Bearer {token}"}}')
    set_editor(
        page,
        ".graphiql-query-editor",
        "subscription Stats { ticketStats { total byStatus { status count } } }",
    )
    run(page, '"ticketStats"')
    expect(result(page)).to_contain_text('"status": "IN_PROGRESS"')
    screenshot(page, "graphiql")
    assert context.outside == [], "GraphiQL asked the internet"

    # The token stays in the Headers tab across a reload.
    page.reload()
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Headers").click()
    headers = page.locator(".graphiql-editor-tool .CodeMirror >> visible=true").first
    expect(headers).to_contain_text(token)
    context.close()


def test_production_serves_no_graphiql_but_the_help_desk(tmp_path):
    server = Server(
        f"sqlite://{tmp_path / 'helpdesk.sqlite3'}",
        env={
            "HELPDESK_ENV": "production",
            "HELPDESK_DATA_DIR": str(tmp_path),
            "HELPDESK_SECRET_KEY": "x" * 40,
        },
    )
    server.start()
    try:
        page = httpx.get(f"{server.http_url}/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        spa = httpx.get(f"{server.http_url}/")
        assert spa.status_code == 200
        assert '<div id="app">' in spa.text
        assert "Content-Security-Policy" in spa.headers
    finally:
        server.stop()
