"""Demo data: a help desk for a crypto platform. Four customer organizations with their
people, three agents, an admin, and a few hundred tickets spread over the last 90 days, in
every status, with replies, internal notes, ratings and history.

Everything is written through the resolvers, so tickets, comments, chats and log events are
exactly what the API would write; only their timestamps are moved back afterwards. Steps of
all tickets run in time order, so ids and times agree. About a fifth of the tickets came by
"Chat with a Cyber Hero"; a few chats are still going on as the demo loads.

A big demo (above BULK_ABOVE tickets) reaches back years: all but its newest RECENT_TICKETS
are planned the same way, offline, and written by helpdesk/demo_bulk.py with the rows the
resolvers would write, a hundred times faster; the newest go through the resolvers as
above, after them, so ids and times still agree."""

import asyncio
import collections
import heapq
import io
import itertools
import multiprocessing
import random
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from helpdesk import demo_attachments, demo_bulk
from helpdesk.demo_data import (
    ADMIN,
    AGENT_REPLIES,
    AGENTS,
    ASSETS,
    BASE58,
    BECH32,
    BULK_STATUS_WEIGHTS,
    CHAT_EXCHANGES,
    CHAT_FOLLOW_UPS,
    CHAT_GREETINGS,
    CHAT_OPENERS,
    CHAT_THANKS,
    CHAT_WRAP_UPS,
    CUSTOMER_REPLIES,
    DEVICES,
    FEEDBACK,
    HEX,
    MODULES,
    NOTES,
    ORGANIZATIONS,
    PARTNER,
    PARTNER_MANAGES,
    PASSWORD,
    PROVIDERS,
    QUESTIONS,
    REJECTIONS,
    RESOLUTIONS,
    STATUS_WEIGHTS,
    STATUSES,
    TEMPLATES,
    Template,
)
from helpdesk.models import (
    Attachment,
    Category,
    Chat,
    ChatMessage,
    ChatParticipant,
    Comment,
    CommentKind,
    Contact,
    LogEvent,
    Module,
    Organization,
    Priority,
    Role,
    Status,
    Ticket,
)
from helpdesk.resolvers import (
    accounts,
    attachments,
    catalog,
    chats,
    comments,
    contacts,
    mail_outbox,
    organizations,
    tickets,
)
from helpdesk.resolvers.attachments import Incoming
from helpdesk.resolvers.ticket_fields import NewTicket, TicketFields
from helpdesk.resolvers.viewer import Viewer

# Above this many tickets the demo writes all but its newest RECENT_TICKETS in bulk
# (helpdesk/demo_bulk.py): the same kinds of tickets, lives and rows, a hundred times faster.
# The newest ones, with their chats and attachments, go through the resolvers as ever.
BULK_ABOVE = 5_000
RECENT_TICKETS = 300
RECENT_DAYS = 2  # the newest tickets' days, in a big demo
BULK_TICKETS_PER_DAY = 500  # a big demo reaches back as far as this takes, 90 days at least
BULK_CHUNK = 20_000  # tickets a worker process plans at a time
BULK_WORKERS = 2

# The steps that write to a chat (`_Loader.run`), and need its times moved back.
CHAT_STEPS = frozenset({"chat", "chat now", "accept", "say", "end"})


@dataclass
class Login:
    role: str
    name: str
    email: str
    organization: str | None = None


@dataclass
class Summary:
    organizations: int
    people: int
    tickets: int
    comments: int
    log_events: int
    by_status: dict[str, int]
    logins: list[Login]


@dataclass
class Plan:
    """One ticket's life: who files it, its details, and timed steps."""

    index: int
    organization: Organization
    customer: Contact
    others: list[Contact]  # the organization's other customers, for CC
    template: Template
    details: dict[str, Any]
    status: Status
    created_at: datetime
    steps: list[tuple[datetime, str, tuple]] = field(default_factory=list)
    ticket: Ticket | None = None
    chat_id: int | None = None  # the chat the ticket came by, once started
    resolved_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def ticket_id(self) -> int:
        assert self.ticket is not None, "a plan's first step creates its ticket"
        return self.ticket.id


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _details(rng: random.Random, template: Template, *, fast: bool = False) -> dict[str, Any]:
    """The values a ticket's texts are filled with. `fast` (the bulk part) draws the same
    kinds of values with cheaper calls; the resolver part keeps its draws, so the default
    demo stays the same from run to run and release to release."""
    asset = rng.choice(ASSETS)
    address, tx = (_fast_address if fast else _address)(rng, asset)

    def randint(low: int, high: int) -> int:
        return low + int(rng.random() * (high - low + 1)) if fast else rng.randint(low, high)

    return {
        "asset": asset,
        "amount": f"{rng.uniform(0.05, 25):.4f}".rstrip("0"),
        "address": address,
        "tx": tx,
        "code": rng.choice(template.codes) if template.codes else None,
        "device": rng.choice(DEVICES),
        "provider": "Phantom" if asset == "SOL" else rng.choice(PROVIDERS),
        "days": randint(2, 6),
        "epoch": randint(580, 640),
        "block": randint(19_500_000, 20_500_000),
        "minor": randint(1, 9),
        "hour": randint(6, 22),
        "minute": randint(0, 59),
        "module": template.module,
    }


def _address(rng: random.Random, asset: str) -> tuple[str, str]:
    """A wallet address and a transaction hash of the asset's chain."""
    if asset == "BTC":
        return "bc1q" + _chars(rng, BECH32, 38), _chars(rng, HEX, 64)
    if asset == "SOL":
        return _chars(rng, BASE58, 44), _chars(rng, BASE58, 88)
    return "0x" + _chars(rng, HEX, 40), "0x" + _chars(rng, HEX, 64)


def _fast_address(rng: random.Random, asset: str) -> tuple[str, str]:
    if asset == "BTC":
        return "bc1q" + "".join(rng.choices(BECH32, k=38)), f"{rng.getrandbits(256):064x}"
    if asset == "SOL":
        return "".join(rng.choices(BASE58, k=44)), "".join(rng.choices(BASE58, k=88))
    return f"0x{rng.getrandbits(160):040x}", f"0x{rng.getrandbits(256):064x}"


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


# For the bulk part: random.choices with cumulative weights skips summing them each time.
_BULK_STATUS_CUMULATIVE = [(limit, _cumulative(w)) for limit, w in BULK_STATUS_WEIGHTS]
_RATINGS, _RATING_CUMULATIVE = [5, 4, 3, 2, 1], _cumulative([50, 30, 10, 6, 4])


class _Loader:
    def __init__(self, rng: random.Random, now: datetime, chats: bool = True) -> None:
        self.rng = rng
        self.now = now
        self.chats = chats  # False: tickets are all filed offline (the bulk part of a demo)
        self.admin: Viewer
        self.agents: list[Viewer] = []
        self.viewers: dict[int, Viewer] = {}
        self.categories: dict[int, int] = {}
        self.modules: dict[str, int] = {}
        self.names: dict[int, str] = {}

    # -- people and catalog ------------------------------------------------------------

    async def people(self) -> tuple[list[Login], list[tuple[Organization, list[Contact], list]]]:
        logins: list[Login] = []
        created: list[Contact] = []

        async def person(name, email, role, organization=None, telegram=None) -> Contact:
            contact = await contacts.create(
                None,
                name=name,
                email=email,
                role=role,
                organization_id=organization.id if organization else None,
                telegram=telegram,
            )
            created.append(contact)
            self.viewers[contact.id] = accounts.viewer_of(contact)
            self.names[contact.id] = name
            logins.append(
                Login(role.value.lower(), name, email, organization.name if organization else None)
            )
            return contact

        admin = await person(*ADMIN, Role.ADMIN)
        self.admin = self.viewers[admin.id]
        for name, email in AGENTS:
            self.agents.append(self.viewers[(await person(name, email, Role.AGENT)).id])
        orgs = []
        for org_name, (people, modules) in ORGANIZATIONS.items():
            organization = await organizations.find_or_create(org_name)
            members = [await person(n, e, Role.CUSTOMER, organization, t) for n, e, t in people]
            orgs.append((organization, members, modules))
        # Argon2 is slow on purpose: hash the one demo password once, share the hash.
        password_hash = await accounts.hash_password(PASSWORD)
        await Contact.filter(id__in=[c.id for c in created]).update(password_hash=password_hash)
        return logins, orgs

    async def catalog(self) -> None:
        for category in await Category.all():
            self.categories[category.position] = category.id
        for name in MODULES:
            module = await Module.filter(name=name).first()
            if module is None:
                module = await catalog.create_module(self.admin, name)
            self.modules[name] = module.id

    # -- planning ------------------------------------------------------------------------

    def plan(self, index: int, orgs, created_at: datetime) -> Plan:
        rng = self.rng
        organization, members, modules = rng.choice(orgs)
        module = rng.choice(modules)
        template = rng.choice([t for t in TEMPLATES if t.module == module])
        age_days = (self.now - created_at).days
        weights = next(w for limit, w in STATUS_WEIGHTS if age_days < limit)
        customer = rng.choice(members)
        return Plan(
            index=index,
            organization=organization,
            customer=customer,
            others=[m for m in members if m.id != customer.id],
            template=template,
            details=_details(rng, template),
            status=rng.choices(STATUSES, weights)[0],
            created_at=created_at,
        )

    def schedule(self, plan: Plan) -> None:
        """Writes the steps that take the ticket to its planned status, legally."""
        rng = self.rng
        agent = rng.choice([*self.agents, *self.agents, self.admin])
        # A chat ticket has an owner from the start: the Cyber Hero who accepted the chat.
        chat = self.chats and plan.status is not Status.OPEN and rng.random() < 0.2
        steps: list[tuple[float, str, tuple]] = []  # (hours after the previous step, ...)

        def step(low: float, high: float, action: str, *args) -> None:
            steps.append((rng.uniform(low, high), action, args))

        if chat:
            self._chat(step, plan, agent)
        else:
            step(0, 0, "create")
        if plan.template.priority is not Priority.NORMAL or rng.random() < 0.15:
            priority = plan.template.priority
            if priority is Priority.NORMAL:
                priority = Priority.LOW
            step(0.1, 3, "triage", agent, priority)
        target = plan.status
        if rng.random() < 0.12 and target is not Status.OPEN:
            step(1, 30, "reply", plan.customer, CUSTOMER_REPLIES)  # a nudge before pickup
        if target is Status.OPEN:
            if rng.random() < 0.3:
                step(1, 30, "reply", plan.customer, CUSTOMER_REPLIES)
            if rng.random() < 0.15:  # resolved once, then the customer said no
                self._work(step, plan, agent, chat, wait=False)
                step(4, 48, "resolve", agent)
                step(2, 48, "reject", plan.customer)
            self._finish(plan, steps)
            return
        if target is Status.CLOSED and rng.random() < 0.1:
            step(2, 30, "close", plan.customer, "Found the problem on our side, closing. Thanks!")
            self._finish(plan, steps)
            return
        self._work(step, plan, agent, chat, wait=target is not Status.IN_PROGRESS)
        if target is Status.WAITING_ON_CUSTOMER:
            step(0.5, 8, "reply", agent, QUESTIONS)
            step(0.01, 0.1, "wait", agent)
            self._finish(plan, steps)
            return
        if target is Status.IN_PROGRESS:
            if rng.random() < 0.4:
                step(0.5, 8, "reply", agent, QUESTIONS)
                step(0.01, 0.1, "wait", agent)
                step(2, 48, "reply", plan.customer, CUSTOMER_REPLIES)  # back to IN_PROGRESS
            self._finish(plan, steps)
            return
        step(4, 72, "resolve", agent)
        if target is Status.CLOSED:
            if rng.random() < 0.12:
                step(2, 48, "reject", plan.customer)
                step(1, 24, "start", agent)
                step(4, 48, "resolve", agent)
            if rng.random() < 0.85:
                step(2, 96, "confirm", plan.customer)
            else:
                step(7 * 24, 8 * 24, "note", agent, ["No reply for a week: closing."])
                step(0.01, 0.1, "close", agent, None)
        self._finish(plan, steps)

    def _chat(self, step, plan: Plan, agent: Viewer) -> None:
        """Chat with a Cyber Hero: the customer opens the ticket by chat and says hello, the
        agent accepts it within minutes, they talk, one of them ends it (the transcript goes
        on the ticket), and the agent fills in the ticket's details."""
        rng, customer = self.rng, plan.customer
        words = {
            **plan.details,
            "summary": plan.template.summary.format(**plan.details),
            "first": customer.name.split()[0],
            "agent": self.names[agent.contact_id].split()[0],
        }
        exchanges = rng.sample(CHAT_EXCHANGES[plan.template.module], rng.randint(1, 2))
        lines: list[tuple[Viewer | Contact, str]] = [(agent, rng.choice(CHAT_GREETINGS))]
        for question, answer in exchanges:
            lines += [(agent, question), (customer, answer)]
        lines.append((agent, rng.choice(CHAT_WRAP_UPS)))
        if rng.random() < 0.7:
            lines.append((customer, rng.choice(CHAT_THANKS)))
        step(0, 0, "chat")
        step(0.0003, 0.002, "say", customer, rng.choice(CHAT_OPENERS).format(**words))
        step(0.01, 0.15, "accept", agent)  # half a minute to nine minutes in the queue
        for who, text in lines:
            step(0.004, 0.03, "say", who, text.format(**words))
        step(0.002, 0.02, "end", rng.choice([customer, agent]))
        step(0.05, 0.5, "details", agent)

    def _work(self, step, plan: Plan, agent: Viewer, chat: bool, *, wait: bool) -> None:
        rng = self.rng
        if not chat:
            step(0.1, 8, "assign", agent)
        step(0.2, 6, "reply", agent, AGENT_REPLIES)
        if rng.random() < 0.5:
            step(0.1, 4, "note", agent, NOTES)
        if wait and rng.random() < 0.35:
            step(0.5, 8, "reply", agent, QUESTIONS)
            step(0.01, 0.1, "wait", agent)
            step(2, 48, "reply", plan.customer, CUSTOMER_REPLIES)

    def _finish(self, plan: Plan, steps: list[tuple[float, str, tuple]]) -> None:
        # Squeeze recent tickets' steps so nothing happens in the future.
        available = (self.now - timedelta(minutes=5) - plan.created_at).total_seconds() / 3600
        total = sum(gap for gap, _, _ in steps)
        scale = min(1.0, available / total) if total else 1.0
        at = plan.created_at
        for gap, action, args in steps:
            at += timedelta(hours=gap * scale)
            plan.steps.append((at, action, args))

    # -- running ----------------------------------------------------------------------------

    def _ticket_fields(self, plan: Plan) -> dict[str, Any]:
        """The ticket's details beyond its summary, as its template describes them."""
        d, t = plan.details, plan.template
        return {
            "description": t.description.format(**d),
            "category_id": self.categories[t.category],
            "module_id": self.modules[t.module],
            "error_code": d["code"],
            "device": d["device"] if t.device else None,
            "wallet_provider": d["provider"] if t.provider else None,
            "wallet_address": {"address": d["address"], "tx": d["tx"]}.get(t.wallet or ""),
        }

    def _viewer(self, who: Viewer | Contact) -> Viewer:
        return who if isinstance(who, Viewer) else self.viewers[who.id]

    async def run(self, plan: Plan, action: str, args: tuple, at: datetime) -> None:
        rng, d, t = self.rng, plan.details, plan.template
        customer = self.viewers[plan.customer.id]
        first = plan.customer.name.split()[0]
        if action == "create":
            fields = NewTicket(summary=t.summary.format(**d), **self._ticket_fields(plan))
            if plan.others and rng.random() < 0.25:
                fields = replace(fields, cc_contact_ids=(rng.choice(plan.others).id,))
            if rng.random() < 0.1:
                cc_email = f"support-lead@{plan.customer.email.split('@')[1]}"
                fields = replace(fields, cc_emails=(cc_email,))
            plan.ticket = await tickets.create(customer, fields)
            return
        if action == "chat":
            chat, plan.ticket = await chats.start(customer, t.summary.format(**d))
            plan.chat_id = chat.id
            return
        ticket_id = plan.ticket_id
        if action == "chat now":
            chat, _ = await chats.start(customer, None, ticket_id=ticket_id)
            plan.chat_id = chat.id
        elif action in CHAT_STEPS:
            await self.run_chat(plan, action, args)
        elif action == "details":
            (agent,) = args
            given = {k: v for k, v in self._ticket_fields(plan).items() if v is not None}
            await tickets.update(agent, ticket_id, TicketFields(**given))
        elif action == "triage":
            agent, priority = args
            await tickets.update(agent, ticket_id, TicketFields(priority=priority))
        elif action == "assign":
            (agent,) = args
            await tickets.assign(agent, ticket_id, agent.contact_id, None)
        elif action in ("reply", "note"):
            who, texts = args
            viewer = self._viewer(who)
            body = rng.choice(texts).format(first=first, **d)
            kind = CommentKind.INTERNAL_NOTE if action == "note" else CommentKind.REPLY
            await comments.add(viewer, ticket_id, body, kind)
        elif action == "wait":
            (agent,) = args
            await tickets.change_status(agent, ticket_id, Status.WAITING_ON_CUSTOMER, None)
        elif action == "start":
            (agent,) = args
            await tickets.change_status(agent, ticket_id, Status.IN_PROGRESS, None)
        elif action == "resolve":
            (agent,) = args
            await tickets.resolve(agent, ticket_id, rng.choice(RESOLUTIONS))
            plan.resolved_at = at
        elif action == "reject":
            await tickets.reject_resolution(customer, ticket_id, rng.choice(REJECTIONS))
            plan.resolved_at = None
        elif action == "confirm":
            rating = rng.choices([5, 4, 3, 2, 1], [50, 30, 10, 6, 4])[0]
            feedback = rng.choice(FEEDBACK[rating])
            await tickets.confirm_resolution(customer, ticket_id, rating, feedback)
            plan.closed_at = at
        elif action == "close":
            who, message = args
            viewer = self._viewer(who)
            if message:
                await comments.add(viewer, ticket_id, message, CommentKind.REPLY)
            await tickets.close(viewer, ticket_id, None)
            plan.closed_at = at
        else:  # pragma: no cover - a typo in schedule()
            raise ValueError(action)

    async def run_chat(self, plan: Plan, action: str, args: tuple) -> None:
        assert plan.chat_id is not None, "a chat's first step starts it"
        if action == "accept":
            (agent,) = args
            await chats.accept(agent, plan.chat_id)
        elif action == "say":
            who, text = args
            await chats.send(self._viewer(who), plan.chat_id, text)
        elif action == "end":
            (who,) = args
            await chats.end(self._viewer(who), plan.chat_id)

    async def partner(self, setup_at: datetime) -> Login:
        """Seed 003's partner: her own organization, and two customers' she manages. Made
        last, so the tickets (and their numbers) are those of a demo without her."""
        name, email, org_name = PARTNER
        organization = await organizations.find_or_create(org_name)
        contact = await contacts.create(
            None, name=name, email=email, role=Role.CUSTOMER, organization_id=organization.id
        )
        for managed in PARTNER_MANAGES:
            other = await Organization.get(name=managed)
            await organizations.add_membership(self.admin, contact.id, other.id)
        await Contact.filter(id=contact.id).update(
            password_hash=await accounts.hash_password(PASSWORD), created_at=setup_at
        )
        await Organization.filter(id=organization.id).update(created_at=setup_at)
        return Login("customer", name, email, _partner_of(org_name))

    async def live_chats(self, plans: list[Plan]) -> list[tuple[datetime, Plan, str, tuple]]:
        """Chats still going on as the demo loads, so the staff's queue and an open chat show
        something: a customer back on their ticket by "Chat Now" and talking with its owner,
        and another one waiting for a Cyber Hero. Their steps come after every other step
        (which all end five minutes before now)."""
        rng, now = self.rng, self.now
        steps: list[tuple[datetime, Plan, str, tuple]] = []
        active = next((p for p in reversed(plans) if p.status is Status.IN_PROGRESS), None)
        if active is not None:
            ticket = await Ticket.get(id=active.ticket_id)
            agent = self.viewers.get(ticket.owner_id or 0, self.agents[0])
            words = {
                **active.details,
                "number": ticket.number,
                "first": active.customer.name.split()[0],
                "agent": self.names[agent.contact_id].split()[0],
            }
            question, answer = rng.choice(CHAT_EXCHANGES[active.template.module])
            lines = [
                (active.customer, rng.choice(CHAT_FOLLOW_UPS)),
                (agent, rng.choice(CHAT_GREETINGS)),
                (agent, question),
                (active.customer, answer),
            ]
            at = now - timedelta(minutes=4, seconds=30)
            steps.append((at, active, "chat now", ()))
            for n, (who, text) in enumerate(lines):
                said = at + timedelta(seconds=20 + 50 * n)
                steps.append((said, active, "say", (who, text.format(**words))))
            steps.append((at + timedelta(seconds=40), active, "accept", (agent,)))
        waiting = next((p for p in reversed(plans) if p.status is Status.OPEN), None)
        if waiting is not None:
            ticket = await Ticket.get(id=waiting.ticket_id)
            text = rng.choice(CHAT_FOLLOW_UPS).format(number=ticket.number)
            at = now - timedelta(minutes=3)
            steps.append((at, waiting, "chat now", ()))
            steps.append((at + timedelta(seconds=15), waiting, "say", (waiting.customer, text)))
        return sorted(steps, key=lambda step: step[0])


def _bulk_tickets(
    loader: _Loader, orgs, created: list[datetime], started: datetime
) -> Iterator[tuple[demo_bulk.NewTicket, list[demo_bulk.Step]]]:
    """Offline tickets filed at the given times, in that order, each with its life planned
    as `_Loader.schedule` plans the others'."""
    rng = loader.rng
    templates = {m: [t for t in TEMPLATES if t.module == m] for m in MODULES}
    actors: dict[int, demo_bulk.Actor] = {}

    def actor(who: Any) -> demo_bulk.Actor:  # a Viewer (staff), or a customer
        contact_id = who.contact_id if isinstance(who, Viewer) else who.id
        found = actors.get(contact_id)
        if found is None:
            staff = isinstance(who, Viewer) and who.is_staff
            found = actors[contact_id] = demo_bulk.Actor(contact_id, staff)
        return found

    for index, created_at in enumerate(created):
        organization, members, modules = rng.choice(orgs)
        template = rng.choice(templates[rng.choice(modules)])
        age_days = (started - created_at).days
        weights = next(
            w for limit, w in _BULK_STATUS_CUMULATIVE if limit is None or age_days < limit
        )
        customer = rng.choice(members)
        plan = Plan(
            index=index,
            organization=organization,
            customer=customer,
            others=[m for m in members if m.id != customer.id],
            template=template,
            details=_details(rng, template, fast=True),
            status=rng.choices(STATUSES, cum_weights=weights)[0],
            created_at=created_at,
        )
        loader.schedule(plan)
        yield _bulk_ticket(loader, plan, actor), _bulk_steps(loader, plan, actor)


def _bulk_ticket(loader: _Loader, plan: Plan, actor) -> demo_bulk.NewTicket:
    """What `_Loader.run` files for the plan's "create" step."""
    rng, d, t = loader.rng, plan.details, plan.template
    fields = loader._ticket_fields(plan)
    cc_contact_ids: tuple[int, ...] = ()
    cc_emails: tuple[str, ...] = ()
    if plan.others and rng.random() < 0.25:
        cc_contact_ids = (rng.choice(plan.others).id,)
    if rng.random() < 0.1:
        cc_emails = (f"support-lead@{plan.customer.email.split('@')[1]}",)
    return demo_bulk.NewTicket(
        created_at=plan.created_at,
        customer=actor(plan.customer),
        organization_id=plan.organization.id,
        summary=t.summary.format(**d),
        description=fields["description"],
        category_id=fields["category_id"],
        module_id=fields["module_id"],
        error_code=fields["error_code"],
        device=fields["device"],
        wallet_provider=fields["wallet_provider"],
        wallet_address=fields["wallet_address"],
        cc_contact_ids=cc_contact_ids,
        cc_emails=cc_emails,
    )


def _bulk_steps(loader: _Loader, plan: Plan, actor) -> list[demo_bulk.Step]:
    """The plan's steps after "create", with the texts `_Loader.run` would pick."""
    rng, d = loader.rng, plan.details
    first = plan.customer.name.split()[0]
    customer = actor(plan.customer)
    steps: list[demo_bulk.Step] = []
    for at, action, args in plan.steps[1:]:
        if action in ("triage",):
            steps.append((at, action, (actor(args[0]), args[1])))
        elif action in ("assign", "wait", "start"):
            steps.append((at, action, (actor(args[0]),)))
        elif action in ("reply", "note"):
            who, texts = args
            steps.append((at, action, (actor(who), rng.choice(texts).format(first=first, **d))))
        elif action == "resolve":
            steps.append((at, action, (actor(args[0]), rng.choice(RESOLUTIONS))))
        elif action == "reject":
            steps.append((at, action, (customer, rng.choice(REJECTIONS))))
        elif action == "confirm":
            rating = rng.choices(_RATINGS, cum_weights=_RATING_CUMULATIVE)[0]
            steps.append((at, action, (customer, rating, rng.choice(FEEDBACK[rating]))))
        elif action == "close":
            steps.append((at, action, (actor(args[0]), args[1])))
        else:  # pragma: no cover - schedule() plans no chat without chats
            raise ValueError(action)
    return steps


@dataclass(frozen=True)
class _Person:
    """What a plan reads of a customer or an organization: light, for worker processes."""

    id: int
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class _Chunk:
    """Tickets for one worker: their times, first id, and all a loader needs to plan them."""

    seed: int
    first_id: int
    created: list[datetime]
    started: datetime
    end: datetime
    admin: Viewer
    agents: list[Viewer]
    categories: dict[int, int]
    modules: dict[str, int]
    orgs: list[tuple[_Person, list[_Person], list[str]]]
    postgres: bool


def _bulk_chunk(chunk: _Chunk) -> list[demo_bulk.Prepared]:
    """Plans, runs (in memory) and prepares one chunk of the bulk part: in a worker."""
    loader = _Loader(random.Random(chunk.seed), chunk.end, chats=False)
    loader.admin, loader.agents = chunk.admin, chunk.agents
    loader.categories, loader.modules = chunk.categories, chunk.modules
    tickets = _bulk_tickets(loader, chunk.orgs, chunk.created, chunk.started)
    return [
        demo_bulk.prepare(demo_bulk.live(chunk.first_id + n, new, steps), chunk.postgres)
        for n, (new, steps) in enumerate(tickets)
    ]


async def _load_bulk(
    conn: BaseDBAsyncClient,
    loader: _Loader,
    orgs,
    count: int,
    start: datetime,
    end: datetime,
    chunk_size: int = BULK_CHUNK,
) -> None:
    """Writes the bulk part: `count` tickets filed between start and end, their steps all
    before `end`. Chunks of tickets are planned in worker processes (two cores: planning
    beside writing) and written here in order."""
    rng = random.Random(loader.rng.getrandbits(64))
    span = (end - start).total_seconds()
    created = [
        start + timedelta(seconds=span * f) for f in sorted(rng.random() for _ in range(count))
    ]
    first_id = (await demo_bulk.next_ids(conn))["tickets"]
    people = [
        (_Person(o.id), [_Person(m.id, m.name, m.email) for m in members], modules)
        for o, members, modules in orgs
    ]
    chunks = [
        _Chunk(
            seed=rng.getrandbits(64),
            first_id=first_id + i,
            created=created[i : i + chunk_size],
            started=loader.now,
            end=end,
            admin=loader.admin,
            agents=loader.agents,
            categories=loader.categories,
            modules=loader.modules,
            orgs=people,
            postgres=demo_bulk.dialect_of(conn) == "postgres",
        )
        for i in range(0, count, chunk_size)
    ]

    async def prepared() -> AsyncIterator[demo_bulk.Prepared]:
        if len(chunks) == 1:
            for life in _bulk_chunk(chunks[0]):
                yield life
            return
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        with ProcessPoolExecutor(BULK_WORKERS, mp_context=context) as pool:
            waiting = collections.deque(
                loop.run_in_executor(pool, _bulk_chunk, c) for c in chunks[: BULK_WORKERS + 1]
            )
            following = iter(chunks[BULK_WORKERS + 1 :])
            while waiting:
                done = await waiting.popleft()
                upcoming = next(following, None)
                if upcoming is not None:
                    waiting.append(loop.run_in_executor(pool, _bulk_chunk, upcoming))
                for life in done:
                    yield life

    await demo_bulk.write_prepared(conn, prepared(), many=True)


async def _newest_ids() -> tuple[int, int]:
    """The newest log event's and comment's ids: what a step writes comes after them (the
    backdating below looks only there, by primary key, however many rows there are)."""
    events = await LogEvent.all().order_by("-id").limit(1).values_list("id", flat=True)
    comments_ = await Comment.all().order_by("-id").limit(1).values_list("id", flat=True)
    return cast(int, events[0] if events else 0), cast(int, comments_[0] if comments_ else 0)


async def _backdate_ticket_step(
    ticket_id: int, since: datetime, at: datetime, after: tuple[int, int]
) -> None:
    """Moves what one step just wrote (its log events and comments) back to when it happened."""
    await LogEvent.filter(id__gt=after[0], ticket_id=ticket_id, occurred_at__gte=since).update(
        occurred_at=at
    )
    await Comment.filter(id__gt=after[1], ticket_id=ticket_id, created_at__gte=since).update(
        created_at=at
    )


async def _backdate_chat_step(
    chat_id: int, since: datetime, at: datetime, names: dict[int, str], after: tuple[int, int]
) -> None:
    """Moves what one chat step just wrote (the chat's times, its messages, who was in it)
    back to when it happened. The step that ended it wrote the transcript with the real
    time: it is written again with the times moved."""
    chat = await Chat.get(id=chat_id)
    moved = [
        name
        for name in ("started_at", "accepted_at", "ended_at", "customer_seen_at")
        if (value := getattr(chat, name)) is not None and value >= since
    ]
    for name in moved:
        setattr(chat, name, at)
    if moved:
        await chat.save(update_fields=moved)
    await ChatMessage.filter(chat_id=chat_id, sent_at__gte=since).update(sent_at=at)
    await ChatParticipant.filter(chat_id=chat_id, joined_at__gte=since).update(joined_at=at)
    await ChatParticipant.filter(chat_id=chat_id, left_at__gte=since).update(left_at=at)
    if "ended_at" in moved:
        messages = await ChatMessage.filter(chat_id=chat_id).order_by("id")
        await Comment.filter(
            id__gt=after[1],
            ticket_id=chat.ticket_id,
            kind=CommentKind.CHAT_TRANSCRIPT,
            created_at=at,
        ).update(body=chats.transcript(chat, messages, names))


async def load(
    ticket_count: int = 300,
    seed: int = 42,
    bulk_above: int = BULK_ABOVE,
    bulk_chunk: int = BULK_CHUNK,
) -> Summary | None:
    """Loads the demo into an empty help desk. Returns None if there are tickets already.
    Above `bulk_above` tickets, all but the newest RECENT_TICKETS are written in bulk, planned
    `bulk_chunk` at a time in worker processes."""
    if await Ticket.exists():
        return None
    rng = random.Random(seed)
    started = datetime.now(UTC)
    loader = _Loader(rng, started)
    bulk_count = ticket_count - RECENT_TICKETS if ticket_count > bulk_above else 0
    recent_days, bulk_days = 90.0, 0.0
    if bulk_count:
        recent_days = RECENT_DAYS
        bulk_days = max(90.0, bulk_count / BULK_TICKETS_PER_DAY)
    setup_at = started - timedelta(days=bulk_days + 95)
    # One transaction: the demo is loaded whole or not at all, and SQLite commits once.
    async with demo_bulk.fast_load(), in_transaction() as conn:
        logins, orgs = await loader.people()
        await loader.catalog()
        await LogEvent.filter(occurred_at__gte=started).update(occurred_at=setup_at)
        await Contact.filter(created_at__gte=started).update(created_at=setup_at)
        await Organization.filter(created_at__gte=started).update(created_at=setup_at)
        if bulk_count:
            recent = started - timedelta(days=recent_days)
            bulk_start = recent - timedelta(days=bulk_days)
            await _load_bulk(conn, loader, orgs, bulk_count, bulk_start, recent, bulk_chunk)

        created = sorted(
            started - timedelta(days=rng.uniform(0.05, recent_days))
            for _ in range(ticket_count - bulk_count)
        )
        plans = [loader.plan(i, orgs, at) for i, at in enumerate(created)]
        _cover_every_status(plans)
        for plan in plans:
            loader.schedule(plan)
        timeline = heapq.merge(
            *[
                [
                    (at, plan.index, n, action, args)
                    for n, (at, action, args) in enumerate(plan.steps)
                ]
                for plan in plans
            ]
        )
        for at, index, _, action, args in timeline:
            plan = plans[index]
            after = await _newest_ids()
            await loader.run(plan, action, args, at)
            await _backdate_ticket_step(plan.ticket_id, started, at, after)
            if action in CHAT_STEPS:
                assert plan.chat_id is not None
                await _backdate_chat_step(plan.chat_id, started, at, loader.names, after)

        for plan in plans:
            times: dict[str, Any] = {"created_at": plan.created_at, "updated_at": plan.steps[-1][0]}
            if plan.resolved_at:
                times["resolved_at"] = plan.resolved_at
            if plan.closed_at:
                times["closed_at"] = plan.closed_at
            await Ticket.filter(id=plan.ticket_id).update(**times)

        for at, plan, action, args in await loader.live_chats(plans):
            after = await _newest_ids()
            await loader.run(plan, action, args, at)
            await _backdate_ticket_step(plan.ticket_id, started, at, after)
            assert plan.chat_id is not None
            await _backdate_chat_step(plan.chat_id, started, at, loader.names, after)
        logins.append(await loader.partner(setup_at))
        # The demo's mails went out when their changes happened: none waits to be sent.
        await mail_outbox.backdate_as_sent()
    # Files are stored before their rows are written, so not inside the transaction above.
    if bulk_count:
        await _attach_recent(bulk_count + 1)
        await demo_bulk.analyze()
    else:
        await demo_attachments.load()

    by_status = {s.name: 0 for s in Status}
    counted = await Ticket.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    for status, n in cast(list[tuple[int, int]], counted):
        by_status[Status(status).name] = n
    return Summary(
        organizations=len(orgs),
        people=len(logins),
        tickets=ticket_count,
        comments=await Comment.all().count(),
        log_events=await LogEvent.all().count(),
        by_status=by_status,
        logins=logins,
    )


async def _attach_recent(first_id: int, every: int = 12) -> None:
    """demo_attachments.load for a big demo: the same files on the newest tickets (those
    written through the resolvers), what they write moved back by id, not by a search of
    millions of comments and log events."""
    chosen = (
        await Ticket.filter(id__gte=first_id)
        .exclude(status=Status.CLOSED)
        .order_by("id")
        .select_related("primary_contact", "owner")
    )[::every]
    owned = 0
    for index, ticket in enumerate(chosen):
        after, since = await _newest_ids(), datetime.now(UTC)
        customer = await accounts.load_viewer(ticket.primary_contact)
        files = [
            Incoming(name, io.BytesIO(data))
            for name, data in demo_attachments._files(index, ticket.number)
        ]
        await attachments.add(customer, ticket.id, files, attachments.DEFAULT_LIMITS)
        owned += ticket.owner is not None
        if ticket.owner is not None and owned % 3 == 1:
            agent = await accounts.load_viewer(ticket.owner)
            debug = [
                Incoming("node-debug.log", io.BytesIO(demo_attachments.log_file(ticket.number)))
            ]
            body = "Node logs from the incident window, for the team."
            await comments.add(agent, ticket.id, body, CommentKind.INTERNAL_NOTE, debug)
        at = ticket.updated_at
        await Attachment.filter(ticket_id=ticket.id, created_at__gte=since).update(created_at=at)
        await _backdate_ticket_step(ticket.id, since, at, after)
        await Ticket.filter(id=ticket.id).update(
            updated_at=at, updated_by_id=ticket.updated_by_id, version=ticket.version
        )


def _cover_every_status(plans: list[Plan]) -> None:
    """Small demos still show every status: missing ones replace the most common."""
    if len(plans) < len(STATUSES):
        return
    for status in STATUSES:
        counts = {s: sum(p.status is s for p in plans) for s in STATUSES}
        if counts[status]:
            continue
        common = max(counts, key=lambda s: counts[s])
        # The newest ticket of the most common status: recent tickets can be in any state.
        next(p for p in reversed(plans) if p.status is common).status = status


async def demo_logins() -> list[Login]:
    """The demo's logins, if the demo's people are in the database."""
    emails = [ADMIN[1]] + [e for _, e in AGENTS]
    emails += [e for people, _ in ORGANIZATIONS.values() for _, e, _ in people]
    emails.append(PARTNER[1])
    found = {
        c.email: c for c in await Contact.filter(email__in=emails).select_related("organization")
    }
    if len(found) != len(emails):
        return []
    logins = []
    for contact in (found[e] for e in emails):
        organization = contact.organization.name if contact.organization else None
        if organization and contact.email == PARTNER[1]:
            organization = _partner_of(organization)
        logins.append(Login(contact.role.value.lower(), contact.name, contact.email, organization))
    return logins


def _partner_of(own: str) -> str:
    return f"{own}, managing {' and '.join(PARTNER_MANAGES)}"
