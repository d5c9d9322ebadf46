"""The help desk in a real browser (Debian's Chromium) against a real server: an agent and
customers in separate browser contexts at once, everything live over graphql-transport-ws."""

import re

import httpx
import pytest
from browser import PASSWORD, cleanup, demo_server, launch, offline_context, screenshot
from live import CREATE, RESOLVE
from playwright.sync_api import expect, sync_playwright

LIVE = 1_500  # ms: "within a second", with room for a loaded CI machine


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("web")
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


def api(served, query: str, variables: dict | None = None, bearer: str | None = None) -> dict:
    """The API as another client would use it (playwright's sync API owns the event loop)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    body = httpx.post(
        f"{served.http_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10,
    ).json()
    assert "errors" not in body, body
    return body["data"]


def token(served, email: str) -> str:
    login = (
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }"
    )
    return api(served, login, {"e": email, "p": PASSWORD})["login"]["token"]


def sign_in(browser, served, email: str, **options):
    context = offline_context(browser, **options)
    page = context.new_page()
    page.goto(served.http_url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=10_000)
    return page


def later(page) -> None:
    """Puts off the confirm-resolved prompt, if the customer has one."""
    prompt = page.get_by_role("dialog", name="Were these resolved?")
    try:
        prompt.wait_for(timeout=2_000)
    except Exception:
        return
    prompt.get_by_role("button", name="Later").click()


def row(page, summary: str):
    return page.locator("table.grid tbody tr").filter(has_text=summary)


def test_a_customers_ticket_and_the_agents_answer_travel_live(served, browser):
    agent = sign_in(browser, served, "marco@helpdesk.example")
    lena = sign_in(browser, served, "lena@nimbuswallet.example")
    later(lena)
    expect(agent.get_by_role("heading", name="Manage Tickets")).to_be_visible()
    total = agent.locator(".counters div").filter(has_text="Total").locator("dd")
    expect(total).to_have_text(re.compile(r"^\d+$"))
    before = int(total.inner_text())

    lena.get_by_role("button", name="New Ticket").click()
    lena.get_by_label("Summary").fill("Withdrawal stuck in pending")
    lena.get_by_label("Description").fill("Pending for 3 hours")
    lena.get_by_role("button", name="Submit Offline Ticket").click()
    window = lena.get_by_role("dialog")
    expect(window.get_by_role("heading", name=re.compile("Withdrawal stuck"))).to_be_visible()

    # On the agent's grid within a second, without a reload.
    expect(row(agent, "Withdrawal stuck in pending")).to_be_visible(timeout=LIVE)
    expect(row(agent, "Withdrawal stuck in pending")).to_contain_text("Lena Fischer")
    expect(total).to_have_text(str(before + 1), timeout=LIVE)  # the staff's live counters
    screenshot(agent, "grid")

    row(agent, "Withdrawal stuck in pending").get_by_role("link").click()
    desk = agent.get_by_role("dialog")
    expect(desk.get_by_role("heading", name=re.compile("Withdrawal stuck"))).to_be_visible()
    # Each sees the other on the ticket (presence).
    expect(desk.get_by_text(re.compile("Also here: Lena Fischer"))).to_be_visible(timeout=5_000)
    expect(window.get_by_text(re.compile("Also here: .*Cyber Hero"))).to_be_visible(timeout=5_000)

    desk.get_by_role("radio", name="Internal note").check()
    desk.get_by_role("textbox", name="Internal note").fill(
        "Node 3 is lagging; do not tell the customer"
    )
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text("Node 3 is lagging")).to_be_visible()
    desk.get_by_role("radio", name="Reply to customer").check()
    desk.get_by_role("textbox", name="Reply", exact=True).fill("We re-broadcast the transaction")
    desk.get_by_role("button", name="Send").click()
    desk.get_by_label("Change status").select_option("IN_PROGRESS")

    # In the customer's open window within a second: the reply and the status.
    expect(window.get_by_text("We re-broadcast the transaction")).to_be_visible(timeout=LIVE)
    expect(window.locator("header .badge")).to_have_text("In progress", timeout=LIVE)
    screenshot(agent, "ticket-window")
    # The internal note, sent before the reply, never reached her.
    expect(lena.get_by_text("Node 3 is lagging")).to_have_count(0)
    assert "Node 3" not in lena.content()
    agent.context.close()
    lena.context.close()


def test_a_customer_sees_only_her_organizations_tickets(served, browser):
    carlos = sign_in(browser, served, "carlos@harborline.example")
    later(carlos)
    carlos.get_by_label("Include resolved").check()
    carlos.get_by_label("Include closed").check()
    carlos.get_by_role("button", name="Search").click()
    rows = carlos.locator("table.grid tbody tr")
    expect(rows.first).to_be_visible()
    organizations = carlos.locator("table.grid tbody tr td:nth-child(3)").all_inner_texts()
    assert organizations and set(organizations) == {"Harborline Exchange"}
    expect(carlos.get_by_text("Internal note")).to_have_count(0)
    carlos.context.close()


def test_staff_resolve_tickets_in_bulk(served, browser):
    summaries = ["Bulk one", "Bulk two"]
    lena = token(served, "lena@nimbuswallet.example")
    for summary in summaries:
        api(served, CREATE, {"input": {"summary": summary, "description": "Help"}}, lena)
    agent = sign_in(browser, served, "marco@helpdesk.example")
    agent.get_by_label("Summary keywords").fill("Bulk")
    agent.get_by_role("button", name="Search").click()
    for summary in summaries:
        expect(row(agent, summary)).to_be_visible()
        row(agent, summary).get_by_role("checkbox").check()
    agent.get_by_role("button", name="Resolve Tickets (2)").click()
    expect(agent.get_by_text("2 resolved")).to_be_visible()
    # Resolved tickets no longer match the grid's filter: their rows drop out, live.
    for summary in summaries:
        expect(row(agent, summary)).to_have_count(0, timeout=LIVE)
    agent.context.close()


def test_a_customer_confirms_or_reopens_resolved_tickets_at_sign_in(served, browser):
    lena, marco = token(served, "tom@nimbuswallet.example"), token(served, "marco@helpdesk.example")
    tickets = []
    for summary in ("Fixed for sure", "Fixed perhaps"):
        ticket = api(served, CREATE, {"input": {"summary": summary, "description": "?"}}, lena)
        ticket = ticket["createTicket"]["ticket"]
        api(served, RESOLVE, {"input": {"ticketId": ticket["id"]}}, marco)
        tickets.append(ticket)

    tom = sign_in(browser, served, "tom@nimbuswallet.example")
    prompt = tom.get_by_role("dialog", name="Were these resolved?")
    sure = prompt.get_by_role("form", name=f"Ticket {tickets[0]['number']}")
    sure.get_by_label("Rating").select_option("4")
    sure.get_by_label("Feedback").fill("Thanks")
    sure.get_by_role("button", name="Confirm Resolved").click()
    expect(sure).to_have_count(0)
    perhaps = prompt.get_by_role("form", name=f"Ticket {tickets[1]['number']}")
    perhaps.get_by_role("button", name="Mark as Not Resolved").click()
    perhaps.get_by_label("What is still wrong?").fill("Still failing")
    perhaps.get_by_role("button", name="Send: Not Resolved").click()
    expect(perhaps).to_have_count(0)

    state = "query($n: Int!) { ticket(number: $n) { status rating feedback } }"
    confirmed = api(served, state, {"n": tickets[0]["number"]}, marco)["ticket"]
    assert confirmed == {"status": "CLOSED", "rating": 4, "feedback": "Thanks"}
    reopened = api(served, state, {"n": tickets[1]["number"]}, marco)["ticket"]
    assert reopened["status"] not in ("RESOLVED", "CLOSED")
    tom.context.close()


def test_a_chat_from_start_to_transcript(served, browser):
    agent = sign_in(browser, served, "jonas@helpdesk.example")
    aiko = sign_in(browser, served, "aiko@nimbuswallet.example")
    later(aiko)
    aiko.get_by_role("button", name="New Ticket").click()
    aiko.get_by_label("What do you need help with?").fill("Staking rewards missing")
    aiko.get_by_role("button", name="Chat With A Cyber Hero").click()
    chat = aiko.get_by_role("dialog", name=re.compile("Chat"))
    expect(chat.get_by_text("Waiting for a Cyber Hero")).to_be_visible()

    accept = agent.get_by_role("button", name="Accept chat with Aiko Tanaka")
    expect(accept).to_be_visible(timeout=LIVE)
    accept.click()
    desk = agent.get_by_role("dialog", name=re.compile("Chat"))
    expect(chat.get_by_text("Chatting with Jonas Weber")).to_be_visible(timeout=LIVE)

    chat.get_by_role("textbox", name="Message").fill("Rewards for epoch 612 never arrived")
    chat.get_by_role("button", name="Send message").click()
    expect(desk.get_by_text("Rewards for epoch 612 never arrived")).to_be_visible(timeout=LIVE)
    desk.get_by_role("textbox", name="Message").fill(
        "The validator missed that epoch; a re-run is under way"
    )
    desk.get_by_role("button", name="Send message").click()
    expect(chat.get_by_text("a re-run is under way")).to_be_visible(timeout=LIVE)

    chat.get_by_role("button", name="End Chat").click()
    ended = chat.get_by_text(re.compile(r"Chat ended: the transcript is on ticket #(\d+)"))
    expect(ended).to_be_visible(timeout=LIVE)
    expect(desk.get_by_text("Chat ended")).to_be_visible(timeout=LIVE)
    number = re.search(r"#(\d+)", ended.inner_text()).group(1)

    chat.get_by_role("button", name="Close window").click()
    aiko.goto(f"{served.http_url}/tickets/{number}")
    window = aiko.get_by_role("dialog")
    transcript = window.locator('li[data-kind="CHAT_TRANSCRIPT"]')
    expect(transcript).to_contain_text("Rewards for epoch 612 never arrived")
    expect(transcript).to_contain_text("a re-run is under way")
    agent.context.close()
    aiko.context.close()


def test_the_data_log_views_deletes_and_clears(served, browser):
    nina = sign_in(browser, served, "nina@validatorcollective.example")
    later(nina)
    nina.get_by_role("button", name="Data Log").click()
    entries = nina.locator("table.log tbody tr")
    expect(entries.first).to_be_visible()
    count = int(nina.get_by_text(re.compile(r"^\d+ entries$")).inner_text().split()[0])

    first = entries.first
    number = first.locator("td:nth-child(3)").inner_text().lstrip("#")
    first.get_by_role("button", name=re.compile("^View")).click()
    expect(
        nina.get_by_role("dialog").get_by_role("heading", name=re.compile(f"#{number}"))
    ).to_be_visible()
    nina.get_by_role("button", name="Close window").click()

    entries.first.get_by_role("button", name=re.compile("^Delete")).click()
    expect(nina.get_by_text(f"{count - 1} entries")).to_be_visible()
    nina.get_by_role("button", name="Clear History").click()
    nina.get_by_role("button", name="Yes, clear it").click()
    expect(nina.get_by_text("0 entries")).to_be_visible()
    nina.context.close()


def test_a_stale_edit_says_so_plainly(served, browser):
    lena = token(served, "lena@nimbuswallet.example")
    ticket = api(served, CREATE, {"input": {"summary": "Edited twice", "description": "."}}, lena)
    number = ticket["createTicket"]["ticket"]["number"]
    agent = sign_in(browser, served, "marco@helpdesk.example")
    agent.goto(f"{served.http_url}/tickets/{number}")
    window = agent.get_by_role("dialog")
    window.get_by_label("Summary").fill("Edited here")
    # Meanwhile someone else saves first.
    update = "mutation($i: UpdateTicketInput!) { updateTicket(input: $i) { errors { code } } }"
    ticket_id = ticket["createTicket"]["ticket"]["id"]
    api(served, update, {"i": {"ticketId": ticket_id, "summary": "Edited there"}}, lena)
    window.get_by_role("button", name="Save Changes").click()
    expect(window.get_by_role("alert")).to_contain_text("Someone else changed this ticket")
    expect(window.get_by_label("Summary")).to_have_value("Edited there")
    agent.context.close()


def test_an_attachment_is_uploaded_with_a_reply_and_downloaded(served, browser):
    lena = token(served, "lena@nimbuswallet.example")
    ticket = api(served, CREATE, {"input": {"summary": "Log attached", "description": "."}}, lena)
    number = ticket["createTicket"]["ticket"]["number"]
    page = sign_in(browser, served, "lena@nimbuswallet.example")
    later(page)
    page.goto(f"{served.http_url}/tickets/{number}")
    window = page.get_by_role("dialog")
    log = b"12:00:03 WARN sync: peer timeout after 30 s\n"
    window.get_by_role("textbox", name="Reply").fill("The wallet's log")
    window.get_by_label("Add Attachments").set_input_files(
        files=[{"name": "wallet-sync.log", "mimeType": "text/plain", "buffer": log}]
    )
    window.get_by_role("button", name="Send").click()
    link = window.get_by_role("button", name="wallet-sync.log")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "wallet-sync.log"
    assert open(download.value.path(), "rb").read() == log
    page.context.close()


def test_the_desk_works_by_keyboard_and_fits_a_phone(served, browser):
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(served.http_url)
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type("marco@helpdesk.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=10_000)
    first = page.locator("table.grid tbody tr a").first
    first.focus()
    page.keyboard.press("Enter")
    window = page.get_by_role("dialog")
    expect(window.get_by_role("heading", level=2)).to_be_focused()
    screenshot(page, "phone-ticket-window")
    page.keyboard.press("Escape")
    expect(window).to_have_count(0)
    # Only the grid scrolls sideways, never the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "phone-grid")
    context.close()


def test_the_grid_recovers_after_a_server_restart_and_misses_nothing(served, browser):
    """Last in this module: it restarts the shared server."""
    lena = token(served, "lena@nimbuswallet.example")
    agent = sign_in(browser, served, "marco@helpdesk.example")
    api(served, CREATE, {"input": {"summary": "Before the restart", "description": "."}}, lena)
    expect(row(agent, "Before the restart")).to_be_visible(timeout=LIVE)

    served.stop()
    expect(agent.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    served.start()
    # Made at once: before or after the page is back, it must arrive (resumed from the
    # last cursor when it came before).
    api(served, CREATE, {"input": {"summary": "Right after the restart", "description": "."}}, lena)
    expect(agent.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=15_000)
    expect(row(agent, "Right after the restart")).to_be_visible(timeout=5_000)
    expect(row(agent, "Before the restart")).to_have_count(1)
    agent.context.close()
