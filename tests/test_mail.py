"""Mail to everyone on a ticket, through the outbox: real server processes send it to a real
SMTP server (aiosmtpd) on loopback, and the tests read what arrives."""

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import factories as f
import pytest
from aiosmtpd.controller import Controller
from live import COMMENT, RESOLVE, Server, free_port

from helpdesk import demo
from helpdesk.mail_worker import SmtpServer
from helpdesk.models import (
    CommentKind,
    LogEvent,
    MailKind,
    MailState,
    OutboxMail,
    ticket_number,
)
from helpdesk.resolvers import chats, comments, contacts, mail_outbox, tickets
from helpdesk.settings import Settings

WAIT = 20.0  # seconds a mail may take to arrive: generous, the workers poll every 0.1 s
DOMAIN = "help.example"
FROM = f"Help Desk <helpdesk@{DOMAIN}>"
PUBLIC_URL = "https://help.example/desk"

MAILS = """query($number: Int!) { ticket(number: $number) { mails { totalCount nodes {
    kind recipients subject state attempts sentAt lastError createdAt messageId
    logEvent { kind } } } } }"""

README = Path(__file__).resolve().parent.parent / "README.md"
on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@dataclass
class Arrived:
    recipients: list[str]  # the envelope's
    message: EmailMessage

    def __getitem__(self, header: str) -> str:
        return str(self.message[header])

    @property
    def body(self) -> str:
        return self.message.get_content()


class Inbox:
    """A real SMTP server on a loopback port; keeps what arrives. Addresses in `refuse` are
    refused for good (550)."""

    def __init__(self, port: int | None = None, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay = delay  # seconds each mail takes to be taken
        self.refuse: set[str] = set()
        self.arrived: list[Arrived] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.arrived.append(Arrived(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int) -> list[Arrived]:
        """Waits until `count` mails have arrived, and returns them."""
        deadline = time.monotonic() + WAIT
        while len(self.arrived) < count:
            assert time.monotonic() < deadline, f"{len(self.arrived)} of {count} mails arrived"
            await asyncio.sleep(0.05)
        return list(self.arrived)


def mail_env(smtp_url: str | None, **more: str) -> dict:
    env = {
        "HELPDESK_MAIL_FROM": FROM,
        "HELPDESK_PUBLIC_URL": PUBLIC_URL,
        "HELPDESK_MAIL_POLL_SECONDS": "0.1",
        "HELPDESK_MAIL_RETRY_BASE_SECONDS": "0.2",
        "HELPDESK_MAIL_RETRY_MAX_SECONDS": "0.5",
        **more,
    }
    if smtp_url:
        env["HELPDESK_SMTP_URL"] = smtp_url
    return env


@contextlib.asynccontextmanager
async def running(*servers: Server):
    await asyncio.gather(*(asyncio.to_thread(s.start) for s in servers))
    try:
        yield servers
    finally:
        await asyncio.gather(*(asyncio.to_thread(s.stop) for s in servers))


@pytest.fixture
async def inbox():
    inbox = Inbox()
    await asyncio.to_thread(inbox.start)
    yield inbox
    await asyncio.to_thread(inbox.stop)


@pytest.fixture
async def server(database_url, inbox):
    async with running(Server(database_url, mail_env(inbox.url))) as (server,):
        yield server


@pytest.fixture
async def people(world):
    """Alice's ticket, with two CC contacts (one deactivated) and a CC address."""
    acme = world["acme"]
    carol, dave = await f.customer(acme, name="Carol"), await f.customer(acme, name="Dave")
    ticket = await f.ticket(
        world["alice"],
        summary="Wallet not\nsyncing",
        cc_contact_ids=(carol.contact.id, dave.contact.id),
        cc_emails=("Boss@Partner.example",),
    )
    await contacts.set_active(world["admin"].viewer, dave.contact.id, False)
    return {**world, "carol": carol, "dave": dave, "ticket": ticket}


async def comment(server: Server, person: f.Person, ticket, body: str, kind: str = "REPLY"):
    variables = {
        "input": {"ticketId": f.global_id("Ticket", ticket.id), "body": body, "kind": kind}
    }
    data = await server.gql(COMMENT, variables, person.token)
    assert data["addComment"]["errors"] == [], data


async def mails_of(server: Server, person: f.Person, ticket) -> dict:
    data = await server.gql(MAILS, {"number": ticket_number(ticket.id)}, person.token)
    return data["ticket"]["mails"]


async def mails_when(server: Server, agent: f.Person, ticket, done) -> list[dict]:
    """Polls the ticket's mails, as staff see them, until there are some and `done(mail)`
    holds for each."""
    deadline = time.monotonic() + WAIT
    while True:
        mails = await mails_of(server, agent, ticket)
        if mails["nodes"] and all(done(mail) for mail in mails["nodes"]):
            return mails["nodes"]
        assert time.monotonic() < deadline, f"the mails never got there: {mails}"
        await asyncio.sleep(0.1)


def emails(*people: f.Person) -> set[str]:
    return {p.contact.email for p in people}


async def test_a_reply_mails_the_primary_contact_cc_contacts_and_cc_addresses(
    server, inbox, people
):
    alice, carol, agent, ticket = (
        people["alice"],
        people["carol"],
        people["agent"],
        people["ticket"],
    )
    number = ticket_number(ticket.id)
    await comment(server, agent, ticket, "Re-sync from block 812,000, please.")

    [reply] = await inbox.wait_for(1)
    # Dave was deactivated: no mail for him.
    assert set(reply.recipients) == emails(alice, carol) | {"boss@partner.example"}
    assert reply["To"] == ", ".join(reply.recipients)
    assert reply["From"] == FROM
    assert reply["Subject"] == f"Re: [#{number}] Wallet not syncing"
    root = f"<ticket-{number}@{DOMAIN}>"
    assert reply["In-Reply-To"] == root
    assert reply["References"] == root
    assert re.fullmatch(
        rf"<ticket-{number}\.event-\d+\.reply@{re.escape(DOMAIN)}>", reply["Message-ID"]
    )
    assert f"{agent.contact.name} wrote on ticket #{number}:" in reply.body
    assert "Re-sync from block 812,000, please." in reply.body
    assert f"{PUBLIC_URL}/tickets/{number}" in reply.body

    # A customer's reply goes to everyone else on the ticket, in the same thread.
    await comment(server, carol, ticket, "Still stuck at 811,950.")
    answer = (await inbox.wait_for(2))[1]
    assert set(answer.recipients) == emails(alice) | {"boss@partner.example"}
    assert answer["In-Reply-To"] == root and answer["References"] == root
    assert answer["Message-ID"] != reply["Message-ID"]
    assert "Carol wrote" in answer.body and "Still stuck at 811,950." in answer.body


async def test_resolving_asks_the_primary_contact_alone_to_confirm_with_a_link(
    server, inbox, people
):
    alice, agent, ticket = people["alice"], people["agent"], people["ticket"]
    number = ticket_number(ticket.id)
    variables = {"input": {"ticketId": f.global_id("Ticket", ticket.id)}}
    assert (await server.gql(RESOLVE, variables, agent.token))["resolveTicket"]["errors"] == []

    [request] = await inbox.wait_for(1)
    assert request.recipients == [alice.contact.email]
    assert request["Subject"] == f"[#{number}] Resolved, please confirm: Wallet not syncing"
    assert request["In-Reply-To"] == f"<ticket-{number}@{DOMAIN}>"
    assert request["Auto-Submitted"] == "auto-generated"
    assert f"Hello {alice.contact.name}," in request.body
    assert f"{agent.contact.name} marked ticket #{number}" in request.body
    assert f"{PUBLIC_URL}/tickets/{number}" in request.body.splitlines()
    assert f'marked ticket #{number} "Wallet not syncing" resolved.' in request.body
    # It was the change's only mail: written in its transaction, so all there is by now.
    assert (await mails_of(server, agent, ticket))["totalCount"] == 1


async def test_an_internal_note_mails_nobody(server, inbox, people):
    agent, ticket = people["agent"], people["ticket"]
    await comment(server, agent, ticket, "The customer's node is on a fork", "INTERNAL_NOTE")
    await comment(server, agent, ticket, "We are looking into it.")

    [only] = await inbox.wait_for(1)
    assert "We are looking into it." in only.body
    mails = await mails_of(server, agent, ticket)
    assert mails["totalCount"] == 1
    assert "fork" not in str(mails)


async def test_staff_see_a_tickets_mails_and_their_delivery_and_customers_may_not(
    server, inbox, people
):
    alice, agent, ticket = people["alice"], people["agent"], people["ticket"]
    await comment(server, agent, ticket, "Fixed on our side.")
    [arrived] = await inbox.wait_for(1)

    [mail] = await mails_when(server, agent, ticket, lambda m: m["state"] == "SENT")
    assert mail["kind"] == "REPLY"
    assert set(mail["recipients"]) == set(arrived.recipients)
    assert mail["subject"] == arrived["Subject"]
    assert mail["messageId"] == arrived["Message-ID"]
    assert mail["attempts"] == 1 and mail["lastError"] is None
    assert mail["sentAt"] >= mail["createdAt"]
    assert mail["logEvent"] == {"kind": "COMMENT_ADDED"}

    denied = await server.gql_raw(MAILS, {"number": ticket_number(ticket.id)}, alice.token)
    assert f.codes(denied) == ["FORBIDDEN"]
    [mail_id] = await OutboxMail.all().values_list("id", flat=True)
    node = await server.gql_raw(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": f.global_id("Mail", mail_id)},
        alice.token,
    )
    assert f.codes(node) == ["NOT_FOUND"]


async def test_mail_waits_while_the_mail_server_is_down_and_goes_once_it_is_back(
    database_url, people
):
    agent, ticket = people["agent"], people["ticket"]
    inbox = Inbox()  # its port chosen, nothing listening on it yet
    replies = ["Try the new firmware.", "Or the old one.", "Either should do."]
    async with running(Server(database_url, mail_env(inbox.url))) as (server,):
        for reply in replies:
            await comment(server, agent, ticket, reply)
        # Each tried at least once (the attempt counts from the moment it starts).
        failing = await mails_when(server, agent, ticket, lambda m: m["lastError"] is not None)
        assert [m["state"] for m in failing] == ["PENDING"] * 3
        assert all(m["attempts"] >= 1 and m["sentAt"] is None for m in failing)
        assert "Connection refused" in failing[0]["lastError"]

        await asyncio.to_thread(inbox.start)
        try:
            await inbox.wait_for(3)
            sent = await mails_when(server, agent, ticket, lambda m: m["state"] == "SENT")
            await asyncio.sleep(1.0)  # ten more rounds of the worker: nothing more
        finally:
            await asyncio.to_thread(inbox.stop)
    assert sorted(m.body.split("\n")[2].strip() for m in inbox.arrived) == sorted(replies)
    assert len({m["Message-ID"] for m in inbox.arrived}) == 3
    assert all(m["attempts"] >= 2 and m["lastError"] for m in sent), sent


async def test_a_mail_the_server_refuses_for_good_is_failed_with_its_answer(
    database_url, inbox, world
):
    alice, agent = world["alice"], world["agent"]
    ticket = await f.ticket(alice)
    inbox.refuse.add(alice.contact.email)
    async with running(Server(database_url, mail_env(inbox.url))) as (server,):
        await comment(server, agent, ticket, "Anyone there?")
        [mail] = await mails_when(server, agent, ticket, lambda m: m["state"] != "PENDING")
    assert mail["state"] == "FAILED"
    assert mail["attempts"] == 1  # refused for good: not tried again
    assert "550" in mail["lastError"] and alice.contact.email in mail["lastError"]
    assert inbox.arrived == []


async def test_without_smtp_mail_stays_in_the_outbox_and_the_log_says_so_once(database_url, people):
    agent, ticket = people["agent"], people["ticket"]
    server = Server(database_url, mail_env(None))
    async with running(server):
        await comment(server, agent, ticket, "Noted.")
        await comment(server, agent, ticket, "And noted again.")
        mails = await mails_of(server, agent, ticket)
        await asyncio.sleep(0.5)  # rounds a worker would have run
        again = await mails_of(server, agent, ticket)
    assert mails == again
    assert [(m["state"], m["attempts"]) for m in mails["nodes"]] == [("PENDING", 0)] * 2
    server.log.seek(0)
    log = server.log.read().decode()
    assert log.count("HELPDESK_SMTP_URL is not set: mail stays in the outbox") == 1, log


@on_postgres
async def test_two_server_processes_send_each_mail_of_one_outbox_once(database_url, world):
    if not os.environ.get("HELPDESK_TEST_POSTGRES_URL"):
        pytest.fail("sending from two processes needs HELPDESK_TEST_POSTGRES_URL (CI sets it)")
    alice, agent = world["alice"], world["agent"]
    inbox = Inbox(delay=0.05)  # slow enough that both processes are sending at once
    await asyncio.to_thread(inbox.start)
    env = mail_env(inbox.url, HELPDESK_MAIL_POLL_SECONDS="0.02")
    one, two = Server(database_url, env), Server(database_url, env)
    try:
        async with running(one, two):
            for n in range(40):
                ticket = await f.ticket(alice, summary=f"Ticket {n}")
                await comments.add(agent.viewer, ticket.id, f"Reply {n}", CommentKind.REPLY)
            arrived = await inbox.wait_for(40)
            deadline = time.monotonic() + WAIT
            while await OutboxMail.exclude(state=MailState.SENT).exists():
                assert time.monotonic() < deadline, "the mails were never marked SENT"
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # fifty more rounds of each worker: nothing more
    finally:
        await asyncio.to_thread(inbox.stop)

    assert len(inbox.arrived) == 40
    ids = [mail["Message-ID"] for mail in arrived]
    assert len(set(ids)) == 40
    rows = await OutboxMail.all().values_list("state", "attempts")
    assert sorted(set(rows)) == [(MailState.SENT, 1)]
    sent = []
    for server in (one, two):
        server.log.seek(0)
        sent.append(len(re.findall(r"mail \d+ \(ticket #\d+\) sent", server.log.read().decode())))
    assert sum(sent) == 40 and all(sent), f"each process sent some: {sent}"


async def test_only_replies_and_resolutions_to_someone_else_write_mail(world):
    alice, agent, acme = world["alice"], world["agent"], world["acme"]
    carol = await f.customer(acme)
    ticket = await f.ticket(alice, cc_contact_ids=(carol.contact.id,))

    await comments.add(agent.viewer, ticket.id, "A note", CommentKind.INTERNAL_NOTE)
    chat, _ = await chats.start(alice.viewer, None, ticket_id=ticket.id)
    await chats.accept(agent.viewer, chat.id)
    await chats.send(alice.viewer, chat.id, "Hello?")
    await chats.end(alice.viewer, chat.id)  # its transcript: Alice was there
    assert await OutboxMail.filter(ticket_id=ticket.id).count() == 0

    await contacts.set_active(world["admin"].viewer, carol.contact.id, False)
    await comments.add(alice.viewer, ticket.id, "Any news?", CommentKind.REPLY)
    assert await OutboxMail.filter(ticket_id=ticket.id).count() == 0  # nobody else to tell

    await tickets.resolve(agent.viewer, ticket.id, "Fixed")
    kinds = (
        await OutboxMail.filter(ticket_id=ticket.id)
        .order_by("id")
        .values_list("kind", "recipients")
    )
    assert kinds == [
        (MailKind.CONFIRM_REQUEST, [alice.contact.email]),
        (MailKind.REPLY, [alice.contact.email]),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # alike on both: once
async def test_the_demos_mails_are_sent_when_their_change_happened(database_url):
    assert await demo.load(ticket_count=20) is not None
    assert await OutboxMail.all().count() > 0
    assert await mail_outbox.backdate_as_sent() == 0  # the demo did it: nothing waits
    for mail in await OutboxMail.all():
        event = await LogEvent.get(id=mail.log_event_id)
        assert mail.state is MailState.SENT
        assert mail.created_at == mail.sent_at == event.occurred_at


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HELPDESK_SMTP_URL", "http://mail.example"),
        ("HELPDESK_SMTP_URL", "smtp://mail.example:25x"),
        ("HELPDESK_SMTP_URL", "smtp:///no-host"),
        ("HELPDESK_MAIL_FROM", "Help Desk"),
    ],
)
def test_a_mail_setting_that_does_not_parse_stops_the_start_naming_it(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_an_smtp_url_names_the_server_and_its_sign_in():
    assert SmtpServer.parse("smtps://me:p%40ss@mail.example") == SmtpServer(
        "mail.example", 465, "me", "p@ss", use_tls=True
    )
    assert SmtpServer.parse("smtp://127.0.0.1:2525") == SmtpServer(
        "127.0.0.1", 2525, None, None, use_tls=False
    )


def mail_tour() -> str:
    text = README.read_text()
    start = text.index("### Mail\n")
    section = text[start : text.index("\n#", start + 1)]  # up to the next heading
    return "".join(re.findall(r"```sh\n(.*?)```", section, re.DOTALL))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # once is enough
async def test_the_readme_mail_tour_runs_as_written_on_the_demo(database_url):
    assert shutil.which("bash") and shutil.which("curl"), "the tour needs bash and curl"
    assert await demo.load(ticket_count=10) is not None
    async with running(Server(database_url)) as (server,):
        script = mail_tour().replace("http://127.0.0.1:8000", server.http_url)
        done = await asyncio.to_thread(
            subprocess.run, ["bash", "-c", script], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "errors" not in answer, answer
    [ticket] = answer["data"]["tickets"]["nodes"]
    kinds = [mail["kind"] for mail in ticket["mails"]["nodes"]]
    assert "CONFIRM_REQUEST" in kinds, ticket
