"""The help desk in a real browser (Debian's Chromium) against a real server: an agent and
customers in separate browser contexts at once, everything live over graphql-transport-ws."""

import re

import httpx
import pytest
from browser import PASSWORD, cleanup, demo_server, launch, offline_context, screenshot
from live import CREATE, RESOLVE, UPDATE
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


def sign_in(browser, served, email: str, context=None, **options):
    context = context or offline_context(browser, **options)
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


def new_ticket(served, bearer: str, summary: str) -> dict:
    created = api(served, CREATE, {"input": {"summary": summary, "description": "."}}, bearer)
    return created["createTicket"]["ticket"]


def open_ticket(page, served, number: int):
    page.goto(f"{served.http_url}/tickets/{number}")
    window = page.get_by_role("dialog")
    expect(window.get_by_role("heading", name=re.compile(f"#{number} "))).to_be_visible()
    return window


TICKET_PEOPLE = """query($n: Int!) { ticket(number: $n) {
  organization { name } primaryContact { name } ccContacts { name } module { name } } }"""


class Gate:
    """Stands between a browser context and the server's websockets: shut, the page's
    socket drops and new ones are refused until it opens again."""

    def __init__(self, context):
        self.open = True
        self.sockets: list = []
        context.route_web_socket(re.compile(r"^wss?://"), self.route)

    def route(self, ws) -> None:
        if not self.open:
            ws.close(code=1001, reason="offline")
            return
        self.sockets.append((ws, ws.connect_to_server()))

    def shut(self) -> None:
        self.open = False
        for page_side, server_side in self.sockets:
            page_side.close(code=1001, reason="offline")
            server_side.close(code=1001, reason="offline")
        self.sockets.clear()


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


def test_staff_edit_the_organization_contacts_and_module(served, browser):
    ticket = new_ticket(served, token(served, "lena@nimbuswallet.example"), "Moved elsewhere")
    marco = token(served, "marco@helpdesk.example")
    agent = sign_in(browser, served, "marco@helpdesk.example")
    window = open_ticket(agent, served, ticket["number"])
    window.get_by_label("Module").select_option(label="Payments API")
    window.get_by_role("checkbox", name="Tom Becker").check()
    window.get_by_role("button", name="Save Changes").click()
    expect(window.get_by_role("status").filter(has_text="Changes saved.")).to_be_visible()
    people = api(served, TICKET_PEOPLE, {"n": ticket["number"]}, marco)["ticket"]
    assert people["module"] == {"name": "Payments API"}
    assert people["ccContacts"] == [{"name": "Tom Becker"}]

    # Another organization: its own people to choose from, none of the old one's.
    window.get_by_label("Organization").select_option(label="Harborline Exchange")
    contact = window.get_by_label("Primary contact")
    expect(contact.locator("option", has_text="Carlos Mendes")).to_have_count(1)
    expect(contact.locator("option", has_text="Lena Fischer")).to_have_count(0)
    expect(window.get_by_role("checkbox", name="Tom Becker")).to_have_count(0)
    contact.select_option(label="Carlos Mendes <carlos@harborline.example>")
    window.get_by_role("checkbox", name="Sofia Lindqvist").check()
    window.get_by_role("button", name="Save Changes").click()
    expect(window.get_by_role("status").filter(has_text="Changes saved.")).to_be_visible()
    people = api(served, TICKET_PEOPLE, {"n": ticket["number"]}, marco)["ticket"]
    assert people["organization"] == {"name": "Harborline Exchange"}
    assert people["primaryContact"] == {"name": "Carlos Mendes"}
    assert people["ccContacts"] == [{"name": "Sofia Lindqvist"}]
    agent.context.close()


def test_a_customer_edits_the_contacts_of_her_ticket(served, browser):
    lena = token(served, "lena@nimbuswallet.example")
    ticket = new_ticket(served, lena, "Tom takes over")
    page = sign_in(browser, served, "lena@nimbuswallet.example")
    later(page)
    window = open_ticket(page, served, ticket["number"])
    expect(window.get_by_label("Organization")).to_have_count(0)  # staff only
    expect(window.get_by_label("Module")).to_have_count(0)
    contact = window.get_by_label("Primary contact")
    expect(contact.locator("option", has_text="Carlos Mendes")).to_have_count(0)
    contact.select_option(label="Tom Becker <tom@nimbuswallet.example>")
    window.get_by_role("checkbox", name="Aiko Tanaka").check()
    window.get_by_role("button", name="Save Changes").click()
    expect(window.get_by_role("status").filter(has_text="Changes saved.")).to_be_visible()
    people = api(served, TICKET_PEOPLE, {"n": ticket["number"]}, lena)["ticket"]
    assert people["primaryContact"] == {"name": "Tom Becker"}
    assert people["ccContacts"] == [{"name": "Aiko Tanaka"}]
    page.context.close()


def test_presence_says_who_is_replying_and_hides_internal_notes(served, browser):
    ticket = new_ticket(served, token(served, "lena@nimbuswallet.example"), "Who is typing")
    priya = sign_in(browser, served, "priya@helpdesk.example")
    jonas = sign_in(browser, served, "jonas@helpdesk.example")
    lena = sign_in(browser, served, "lena@nimbuswallet.example")
    later(lena)
    desk, other, window = (open_ticket(p, served, ticket["number"]) for p in (priya, jonas, lena))

    window.get_by_role("textbox", name="Reply").fill("Still waiting")
    expect(desk.get_by_text(re.compile(r"Lena Fischer \(replying\)"))).to_be_visible(timeout=5_000)

    desk.get_by_role("radio", name="Internal note").check()
    desk.get_by_role("textbox", name="Internal note").fill("Check node 3 first")
    # Staff see the note being written; the customer sees a Cyber Hero only viewing.
    note = re.compile(r"Priya Natarajan \(writing a note\)")
    expect(other.get_by_text(note)).to_be_visible(timeout=5_000)
    expect(window.get_by_text(re.compile(r"Cyber Hero \(viewing\)"))).to_be_visible()
    assert "writing a note" not in lena.content()
    assert "Priya" not in window.inner_text()

    desk.get_by_role("radio", name="Reply to customer").check()
    expect(window.get_by_text(re.compile(r"Cyber Hero \(replying\)"))).to_be_visible(timeout=5_000)
    for page in (priya, jonas, lena):
        page.context.close()


def test_chat_now_from_a_ticket_with_typing_and_staff_joining(served, browser):
    sofia_token = token(served, "sofia@harborline.example")
    ticket = new_ticket(served, sofia_token, "Deposit address changed")
    sofia = sign_in(browser, served, "sofia@harborline.example")
    later(sofia)
    open_ticket(sofia, served, ticket["number"]).get_by_role("button", name="Chat Now").click()
    chat = sofia.get_by_role("dialog", name=re.compile("^Chat"))
    expect(chat.get_by_role("heading")).to_contain_text(f"#{ticket['number']} Deposit address")
    expect(chat.get_by_text("Waiting for a Cyber Hero")).to_be_visible()

    marco = sign_in(browser, served, "marco@helpdesk.example")
    marco.get_by_role("button", name="Accept chat with Sofia Lindqvist").click()
    desk = marco.get_by_role("dialog", name=re.compile("^Chat"))
    expect(chat.get_by_text("Chatting with Marco Rossi")).to_be_visible(timeout=LIVE)
    # Both windows show the chat from its start, accepted included: from then on each hears
    # the other's typing, which is never stored and never replayed.
    for window in (chat, desk):
        expect(window.get_by_text("Marco Rossi · accepted")).to_be_visible(timeout=LIVE)

    # Typing shows on the other side, and stops with the message.
    chat.get_by_role("textbox", name="Message").fill("The deposit address")
    expect(desk.get_by_text("Sofia Lindqvist is typing…")).to_be_visible(timeout=LIVE)
    expect(chat.get_by_text("is typing")).to_have_count(0)
    chat.get_by_role("button", name="Send message").click()
    expect(desk.get_by_text("The deposit address")).to_be_visible(timeout=LIVE)
    expect(desk.get_by_text("is typing")).to_have_count(0)
    desk.get_by_role("textbox", name="Message").fill("Let me check")
    expect(chat.get_by_text("Marco Rossi is typing…")).to_be_visible(timeout=LIVE)

    # Other staff join: from the queue's active chats, and from the ticket window.
    priya = sign_in(browser, served, "priya@helpdesk.example")
    priya.get_by_role("button", name="Join chat with Sofia Lindqvist").click()
    beside = priya.get_by_role("dialog", name=re.compile("^Chat"))
    expect(chat.get_by_text(re.compile("joined"))).to_be_visible(timeout=LIVE)
    expect(beside.get_by_text("The deposit address")).to_be_visible()  # said before she came
    beside.get_by_role("textbox", name="Message").fill("Priya here, from payments")
    beside.get_by_role("button", name="Send message").click()
    expect(chat.get_by_text("Priya here, from payments")).to_be_visible(timeout=LIVE)
    expect(desk.get_by_text("Priya here, from payments")).to_be_visible(timeout=LIVE)

    jonas = sign_in(browser, served, "jonas@helpdesk.example")
    open_ticket(jonas, served, ticket["number"]).get_by_role("button", name="Join Chat").click()
    expect(jonas.get_by_role("dialog", name=re.compile("^Chat"))).to_be_visible()
    expect(chat.get_by_text(re.compile("joined"))).to_have_count(2, timeout=LIVE)
    for page in (sofia, marco, priya, jonas):
        page.context.close()


def counter(page, name: str):
    return (
        page.locator(".counters div")
        .filter(has=page.locator("dt").get_by_text(name, exact=True))
        .locator("dd")
    )


def reading(page, name: str) -> int:
    found = counter(page, name)
    return int(found.inner_text()) if found.count() else 0


def test_the_counters_split_by_status_and_priority_move_live(served, browser):
    marco = token(served, "marco@helpdesk.example")
    ticket = new_ticket(served, token(served, "tom@nimbuswallet.example"), "Counted")
    state = "query($n: Int!) { ticket(number: $n) { status priority } }"
    assert api(served, state, {"n": ticket["number"]}, marco)["ticket"] == {
        "status": "OPEN",
        "priority": "NORMAL",
    }
    agent = sign_in(browser, served, "marco@helpdesk.example")
    expect(counter(agent, "Total")).to_have_text(re.compile(r"^\d+$"))
    names = ("Total", "Open", "In progress", "Normal", "Urgent")
    before = {name: reading(agent, name) for name in names}

    status = """mutation($i: ChangeTicketStatusInput!) {
      changeTicketStatus(input: $i) { errors { code message } } }"""
    api(served, status, {"i": {"ticketId": ticket["id"], "status": "IN_PROGRESS"}}, marco)
    api(served, UPDATE, {"input": {"ticketId": ticket["id"], "priority": "URGENT"}}, marco)
    after = {"Open": -1, "In progress": 1, "Normal": -1, "Urgent": 1, "Total": 0}
    for name, step in after.items():
        expect(counter(agent, name)).to_have_text(str(before[name] + step), timeout=LIVE)
    agent.context.close()


def test_a_live_ticket_lands_in_its_sorted_place(served, browser):
    lena = token(served, "lena@nimbuswallet.example")
    agent = sign_in(browser, served, "marco@helpdesk.example")
    agent.get_by_label("Include resolved").check()  # more than a page of tickets
    agent.get_by_label("Include closed").check()
    agent.get_by_role("button", name="Search").click()
    number = agent.locator("table.grid thead").get_by_role("button", name=re.compile("^Number"))
    number.click()
    expect(agent.locator("th[aria-sort=descending]")).to_contain_text("Number")
    number.click()  # lowest numbers first: a new ticket sorts onto the last page
    expect(agent.locator("th[aria-sort=ascending]")).to_contain_text("Number")
    tickets = agent.locator(".toolbar").get_by_text(re.compile(r"^\d+ tickets$"))
    # The count of the search just run, not of the page before it: ask the API, then wait
    # for the page to show it.
    every = "{ tickets(filter: {includeResolved: true, includeClosed: true}) { totalCount } }"
    count = api(served, every, {}, token(served, "marco@helpdesk.example"))["tickets"]["totalCount"]
    expect(tickets).to_have_text(f"{count} tickets", timeout=LIVE)
    expect(agent.get_by_role("button", name="Next page")).to_be_enabled()

    new_ticket(served, lena, "Sorted onto the last page")
    expect(tickets).to_have_text(f"{count + 1} tickets", timeout=LIVE)
    expect(row(agent, "Sorted onto the last page")).to_have_count(0)
    rows = agent.locator("table.grid tbody tr")
    assert rows.count() == 25

    while agent.get_by_role("button", name="Next page").is_enabled():
        first = rows.first.get_attribute("data-number")
        agent.get_by_role("button", name="Next page").click()
        expect(rows.first).not_to_have_attribute("data-number", first)
    expect(rows.last).to_contain_text("Sorted onto the last page")
    new_ticket(served, lena, "Sorted last of all")
    expect(rows.last).to_contain_text("Sorted last of all", timeout=LIVE)
    expect(row(agent, "Sorted last of all")).to_have_count(1)
    agent.context.close()


def test_a_changed_ticket_moves_to_its_sorted_place_within_the_page(served, browser):
    lena, marco = (
        token(served, "lena@nimbuswallet.example"),
        token(served, "marco@helpdesk.example"),
    )
    made = {}
    for name, priority in [
        ("A", "LOW"),
        ("B", "NORMAL"),
        ("C", "NORMAL"),
        ("D", "HIGH"),
        ("E", "URGENT"),
    ]:
        made[name] = new_ticket(served, lena, f"Sorting probe {name}")
        change = {"ticketId": made[name]["id"], "priority": priority}
        api(served, UPDATE, {"input": change}, marco)
    agent = sign_in(browser, served, "marco@helpdesk.example")
    agent.get_by_label("Summary keywords").fill("Sorting probe")
    agent.get_by_role("button", name="Search").click()
    priority = agent.locator("table.grid thead").get_by_role("button", name=re.compile("^Priority"))
    priority.click()
    expect(agent.locator("th[aria-sort=descending]")).to_contain_text("Priority")
    rows = agent.locator("table.grid tbody tr")

    def shown(*names: str) -> None:
        numbers = [str(made[name]["number"]) for name in names]
        expect(rows).to_have_count(len(numbers), timeout=LIVE)
        for i, number in enumerate(numbers):
            expect(rows.nth(i)).to_have_attribute("data-number", number, timeout=LIVE)

    shown("E", "D", "C", "B", "A")  # urgent first; equal priorities newest first
    # A (low, last) becomes high: after D, the newer of the two high ones.
    api(served, UPDATE, {"input": {"ticketId": made["A"]["id"], "priority": "HIGH"}}, marco)
    shown("E", "D", "A", "C", "B")
    # E (urgent, first) becomes normal: into the middle, first of the normal ones (newest).
    api(served, UPDATE, {"input": {"ticketId": made["E"]["id"], "priority": "NORMAL"}}, marco)
    shown("D", "A", "E", "C", "B")
    agent.reload()  # the server's order is the same
    agent.get_by_label("Summary keywords").fill("Sorting probe")
    agent.get_by_role("button", name="Search").click()
    priority.click()
    shown("D", "A", "E", "C", "B")
    agent.context.close()


def test_the_grid_resumes_after_a_drop_and_a_restart_and_misses_nothing(served, browser):
    """Last in this module: it restarts the shared server."""
    lena = token(served, "lena@nimbuswallet.example")
    context = offline_context(browser)
    gate = Gate(context)
    agent = sign_in(browser, served, "marco@helpdesk.example", context=context)
    new_ticket(served, lena, "Before the drop")
    edited = new_ticket(served, lena, "Edited while away")
    expect(row(agent, "Before the drop")).to_be_visible(timeout=LIVE)  # the grid has a cursor
    expect(row(agent, "Edited while away")).to_be_visible(timeout=LIVE)

    # The page is cut off, and the server restarts meanwhile.
    gate.shut()
    expect(agent.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    served.stop()
    served.start()
    # Changes the page cannot hear of as they happen: it must catch up on them from its
    # last cursor once back (a subscription from now on would miss them).
    new_ticket(served, lena, "Made while away")
    change = {"ticketId": edited["id"], "summary": "Edited while away, twice"}
    api(served, UPDATE, {"input": change}, lena)
    expect(row(agent, "Made while away")).to_have_count(0)

    gate.open = True
    expect(agent.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=15_000)
    expect(row(agent, "Made while away")).to_have_count(1, timeout=5_000)
    expect(row(agent, "Edited while away, twice")).to_have_count(1, timeout=5_000)
    expect(row(agent, "Edited while away")).to_have_count(1)
    expect(row(agent, "Before the drop")).to_have_count(1)
    context.close()
