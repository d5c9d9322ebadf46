"""`helpdesk import FILE.jsonl`: real tickets from another help desk, one JSON object a line,
written by the demo's bulk writer (helpdesk/demo_bulk.py) with the history the resolvers
would have written. The format is in docs/import.md.

The whole file is read and checked first; a problem names its line and field and nothing
is written. Then everything (new organizations and customers too) is written in one
transaction: all of it or nothing."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from helpdesk import demo_bulk
from helpdesk.models import (
    Category,
    Contact,
    Module,
    Organization,
    Priority,
    Role,
    Status,
    Ticket,
)
from helpdesk.resolvers import contacts, organizations
from helpdesk.resolvers.comments import MAX_BODY
from helpdesk.resolvers.errors import ErrorCode
from helpdesk.resolvers.ticket_fields import MAX_CC, MAX_DESCRIPTION
from helpdesk.resolvers.validation import Checks

FIELDS = {
    "organization",
    "contact",
    "summary",
    "description",
    "status",
    "priority",
    "category",
    "module",
    "created_at",
    "resolved_at",
    "closed_at",
    "owner",
    "rating",
    "feedback",
    "error_code",
    "device",
    "wallet_provider",
    "wallet_address",
    "cc_emails",
    "comments",
}
COMMENT_FIELDS = {"author", "body", "internal", "created_at"}
MAX_ERRORS = 20  # problems listed before giving up on the rest of the file


class BadImport(ValueError):
    """The file's problems, each as "line N: field: message"."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Comment:
    author: str  # an e-mail
    body: str
    internal: bool
    created_at: datetime


@dataclass
class _Line:
    number: int
    organization: str
    contact_name: str
    contact_email: str
    summary: str
    description: str
    status: Status
    priority: Priority
    category: str | None
    module: str | None
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    owner: str | None
    rating: int | None
    feedback: str | None
    error_code: str | None
    device: str | None
    wallet_provider: str | None
    wallet_address: str | None
    cc_emails: tuple[str, ...]
    comments: list[_Comment] = field(default_factory=list)


def _time(checks: Checks, name: str, value: Any, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            checks.add(name, ErrorCode.REQUIRED, f"{name} is required")
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        checks.add(name, ErrorCode.INVALID_INPUT, f"{name} is not an ISO 8601 time: {value!r}")
        return None
    if moment.tzinfo is None:
        checks.add(
            name, ErrorCode.INVALID_INPUT, f"{name} needs a time zone (Z or +hh:mm): {value!r}"
        )
        return None
    moment = moment.astimezone(UTC)
    if moment > datetime.now(UTC):
        checks.add(name, ErrorCode.INVALID_INPUT, f"{name} is in the future: {value!r}")
        return None
    return moment


def _enum(checks: Checks, name: str, value: Any, enum: type[IntEnum], default: Any) -> Any:
    if value is None:
        return default
    try:
        return enum[value] if isinstance(value, str) else enum(-1)
    except (KeyError, ValueError):
        choices = ", ".join(e.name for e in enum)
        checks.add(name, ErrorCode.INVALID_INPUT, f"{name} must be one of {choices}: got {value!r}")
        return default


def parse_line(number: int, source: str) -> _Line:
    """One line, checked on its own; raises BadImport naming the line and field."""
    try:
        data = json.loads(source)
    except json.JSONDecodeError as error:
        raise BadImport([f"line {number}: not JSON: {error.msg}"]) from None
    except RecursionError:  # thousands of nested brackets
        raise BadImport([f"line {number}: not JSON: nested too deeply"]) from None
    if not isinstance(data, dict):
        raise BadImport([f"line {number}: expected a JSON object"])
    checks = Checks()
    for unknown in sorted(set(data) - FIELDS):
        checks.add(unknown, ErrorCode.INVALID_INPUT, f"unknown field {unknown!r}")
    contact = data.get("contact")
    if not isinstance(contact, dict):
        checks.add("contact", ErrorCode.REQUIRED, 'contact must be {"name": ..., "email": ...}')
        contact = {}

    def text(name: str, limit: int, required: bool = False) -> str | None:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            checks.add(name, ErrorCode.INVALID_INPUT, f"{name} must be a string")
            return None
        return checks.text(name, value, max_length=limit, required=required)

    organization = text("organization", 200, required=True) or ""
    contact_name = checks.required_text("contact.name", _str(contact.get("name")), max_length=200)
    contact_email = checks.email("contact.email", _str(contact.get("email")), required=True)
    summary = text("summary", 200, required=True) or ""
    description = text("description", MAX_DESCRIPTION) or ""
    status = _enum(checks, "status", data.get("status"), Status, Status.OPEN)
    priority = _enum(checks, "priority", data.get("priority"), Priority, Priority.NORMAL)
    created_at = _time(checks, "created_at", data.get("created_at"), required=True)
    resolved_at = _time(checks, "resolved_at", data.get("resolved_at"))
    closed_at = _time(checks, "closed_at", data.get("closed_at"))
    owner = checks.email("owner", _str(data.get("owner")))
    rating = data.get("rating")
    if rating is not None:
        if status is not Status.CLOSED:
            checks.add("rating", ErrorCode.INVALID_INPUT, "only a CLOSED ticket has a rating")
        elif not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            checks.add("rating", ErrorCode.INVALID_INPUT, f"rating must be 1 to 5: got {rating!r}")
    feedback = text("feedback", MAX_DESCRIPTION)
    if feedback and rating is None:
        checks.add("feedback", ErrorCode.INVALID_INPUT, "feedback comes with a rating")
    cc = data.get("cc_emails") or []
    if not isinstance(cc, list) or len(cc) > MAX_CC:
        checks.add("cc_emails", ErrorCode.INVALID_INPUT, f"cc_emails: a list of at most {MAX_CC}")
        cc = []
    cc_emails = [checks.email(f"cc_emails.{i}", _str(e), required=True) for i, e in enumerate(cc)]
    line = _Line(
        number=number,
        organization=organization,
        contact_name=contact_name,
        contact_email=contact_email or "",
        summary=summary,
        description=description,
        status=status,
        priority=priority,
        category=text("category", 100),
        module=text("module", 100),
        created_at=created_at or datetime.now(UTC),
        resolved_at=resolved_at,
        closed_at=closed_at,
        owner=owner,
        rating=rating,
        feedback=feedback,
        error_code=text("error_code", 100),
        device=text("device", 200),
        wallet_provider=text("wallet_provider", 100),
        wallet_address=checks.wallet("wallet_address", _str(data.get("wallet_address"))),
        cc_emails=tuple(dict.fromkeys(e for e in cc_emails if e)),
    )
    raw_comments = data.get("comments") or []
    if not isinstance(raw_comments, list):
        checks.add("comments", ErrorCode.INVALID_INPUT, "comments must be a list")
        raw_comments = []
    last = line.created_at
    for i, raw in enumerate(raw_comments):
        where = f"comments.{i}"
        if not isinstance(raw, dict):
            checks.add(where, ErrorCode.INVALID_INPUT, f"{where} must be an object")
            continue
        for unknown in sorted(set(raw) - COMMENT_FIELDS):
            checks.add(f"{where}.{unknown}", ErrorCode.INVALID_INPUT, f"unknown field {unknown!r}")
        author = checks.email(f"{where}.author", _str(raw.get("author")), required=True)
        body = checks.required_text(f"{where}.body", _str(raw.get("body")), max_length=MAX_BODY)
        at = _time(checks, f"{where}.created_at", raw.get("created_at"), required=True)
        internal = raw.get("internal", False)
        if not isinstance(internal, bool):
            checks.add(
                f"{where}.internal", ErrorCode.INVALID_INPUT, "internal must be true or false"
            )
            internal = False
        if at is not None and at < last:
            checks.add(
                f"{where}.created_at",
                ErrorCode.INVALID_INPUT,
                "comments come in time order, after the ticket's created_at",
            )
        last = at or last
        line.comments.append(_Comment(author or "", body, internal, at or last))
    for name, moment in (("resolved_at", resolved_at), ("closed_at", closed_at)):
        if moment is not None and moment < last:
            checks.add(name, ErrorCode.INVALID_INPUT, f"{name} is before the ticket's last comment")
    if resolved_at and closed_at and closed_at < resolved_at:
        checks.add("closed_at", ErrorCode.INVALID_INPUT, "closed_at is before resolved_at")
    if resolved_at and status not in (Status.RESOLVED, Status.CLOSED):
        checks.add(
            "resolved_at", ErrorCode.INVALID_INPUT, f"a {status.name} ticket is not resolved"
        )
    if closed_at and status is not Status.CLOSED:
        checks.add("closed_at", ErrorCode.INVALID_INPUT, f"a {status.name} ticket is not closed")
    if checks.problems:
        raise BadImport(
            [
                f"line {number}: {p.field}: {p.message}"
                if p.field
                else f"line {number}: {p.message}"
                for p in checks.problems
            ]
        )
    return line


def _str(value: Any) -> Any:
    """Non-strings reach the text checks as their JSON, so the message shows them."""
    return value if value is None or isinstance(value, str) else json.dumps(value)


def read(path: Path) -> list[_Line]:
    """Every line of the file, checked; raises BadImport with the problems found."""
    lines, problems = [], []
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                text = raw.decode("utf-8")
                if not text.strip():
                    continue
                lines.append(parse_line(number, text))
            except UnicodeDecodeError:
                problems.append(f"line {number}: not UTF-8 text")
            except BadImport as error:
                problems += error.problems
                if len(problems) >= MAX_ERRORS:
                    break
    if problems:
        raise BadImport(problems[:MAX_ERRORS])
    if not lines:
        raise BadImport([f"{path}: no tickets in the file"])
    return lines


@dataclass
class _World:
    """What the lines refer to, found in the database (or to be created)."""

    staff: dict[str, Contact]
    customers: dict[str, Contact]  # by e-mail: existing customers the lines name
    organizations: dict[str, Organization]  # by lower-cased name: existing ones
    categories: dict[str, int]
    default_category: int
    modules: dict[str, int]
    importer: Contact


async def _world(lines: list[_Line], importer_email: str | None) -> _World:
    emails = {line.contact_email for line in lines}
    emails |= {c.author for line in lines for c in line.comments}
    emails |= {line.owner for line in lines if line.owner}
    found = {c.email: c for c in await Contact.filter(email__in=list(emails))}
    staff = {e: c for e, c in found.items() if c.role is not Role.CUSTOMER and c.is_active}
    if importer_email:
        importer = await Contact.filter(email=importer_email.lower()).first()
        if importer is None or importer.role is Role.CUSTOMER or not importer.is_active:
            raise BadImport([f"--as {importer_email}: not an active agent or admin"])
    else:
        importer = await Contact.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
        if importer is None:
            raise BadImport(["no active admin to import as: create one, or name one with --as"])
    staff[importer.email] = importer
    names = {line.organization.lower() for line in lines}
    existing_orgs = {o.name_key: o for o in await Organization.filter(name_key__in=list(names))}
    default = await Category.filter(is_default=True).first()
    return _World(
        staff=staff,
        customers={e: c for e, c in found.items() if c.role is Role.CUSTOMER},
        organizations=existing_orgs,
        categories={c.name.lower(): c.id for c in await Category.all()},
        default_category=default.id if default else 0,
        modules={m.name.lower(): m.id for m in await Module.all()},
        importer=importer,
    )


def _check_references(lines: list[_Line], world: _World) -> None:
    """What only the database can tell: names that must exist, people in the right place."""
    problems: list[str] = []
    new_customers: dict[str, str] = {}  # e-mail -> organization name key, from the file

    def problem(line: _Line, name: str, message: str) -> None:
        problems.append(f"line {line.number}: {name}: {message}")

    for line in lines:
        key = line.organization.lower()
        email = line.contact_email
        if email in world.staff:
            problem(line, "contact.email", f"{email} is staff, not a customer")
        elif email in world.customers:
            customer = world.customers[email]
            org = world.organizations.get(key)
            if not customer.is_active:
                problem(line, "contact.email", f"{email} is deactivated")
            elif org is None or customer.organization_id != org.id:
                problem(line, "contact.email", f"{email} is a customer of another organization")
        elif new_customers.setdefault(email, key) != key:
            problem(line, "contact.email", f"{email} is named for two organizations")
        if line.category and line.category.lower() not in world.categories:
            problem(line, "category", f"no category named {line.category!r}")
        if not line.category and not world.default_category:
            problem(line, "category", "no default category: name one")
        if line.module and line.module.lower() not in world.modules:
            problem(line, "module", f"no module named {line.module!r}")
        if line.owner and line.owner not in world.staff:
            problem(line, "owner", f"{line.owner} is not an active agent or admin")
        for i, comment in enumerate(line.comments):
            author = comment.author
            if author in world.staff:
                continue
            if comment.internal:
                problem(line, f"comments.{i}.author", "an internal note's author must be staff")
            elif author != email and author not in world.customers:
                problem(
                    line,
                    f"comments.{i}.author",
                    f"{author} is neither the ticket's contact, staff, nor a known customer",
                )
            elif author != email:
                org = world.organizations.get(key)
                if org is None or world.customers[author].organization_id != org.id:
                    problem(
                        line,
                        f"comments.{i}.author",
                        f"{author} is not a customer of the ticket's organization",
                    )
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise BadImport(problems[:MAX_ERRORS])


def _steps(line: _Line, world: _World, customer: demo_bulk.Actor, actors) -> list[demo_bulk.Step]:
    """The ticket's life as the resolvers would have written it: priority and owner set when
    it was filed, its comments, then the moves to its status."""
    staff = actors(world.staff[line.owner] if line.owner else world.importer)
    at = line.created_at
    steps: list[demo_bulk.Step] = []
    if line.priority is not Priority.NORMAL:
        steps.append((at, "triage", (staff, line.priority)))
    if line.owner:
        steps.append((at, "assign", (staff,)))
    for comment in line.comments:
        author = (
            actors(world.staff[comment.author])
            if comment.author in world.staff
            else customer
            if comment.author == line.contact_email
            else actors(world.customers[comment.author])
        )
        action = "note" if comment.internal else "reply"
        steps.append((comment.created_at, action, (author, comment.body)))
        at = comment.created_at
    status = _status_after(steps)
    target = line.status
    if target in (Status.RESOLVED, Status.CLOSED) and (
        line.resolved_at or target is Status.RESOLVED
    ):
        at = line.resolved_at or at
        steps.append((at, "resolve", (staff, None)))
        status = Status.RESOLVED
    if target is Status.CLOSED:
        at = line.closed_at or at
        if line.rating is not None and status is Status.RESOLVED:
            steps.append((at, "confirm", (customer, line.rating, line.feedback)))
        else:
            steps.append((at, "close", (staff, None)))
    elif target is not status:
        steps.append((at, "status", (staff, target)))
    return steps


def _status_after(steps: list[demo_bulk.Step]) -> Status:
    """The status the steps so far leave a new ticket in: assigning starts work, a customer
    reply to a waiting ticket resumes it (no step here makes it wait)."""
    return Status.IN_PROGRESS if any(action == "assign" for _, action, _ in steps) else Status.OPEN


async def run(path: Path, importer_email: str | None = None) -> dict[str, int]:
    """Imports the file; returns how many rows each table got. Raises BadImport."""
    lines = read(path)
    # Staff set a rating only through the customer's confirmation: it needs a resolution.
    for line in lines:
        if line.rating is not None and line.resolved_at is None:
            line.resolved_at = line.closed_at or (
                line.comments[-1].created_at if line.comments else line.created_at
            )
    world = await _world(lines, importer_email)
    _check_references(lines, world)
    lines.sort(key=lambda line: line.created_at)
    async with demo_bulk.fast_load(), in_transaction() as conn:
        for line in lines:
            key = line.organization.lower()
            if key not in world.organizations:
                world.organizations[key] = await organizations.find_or_create(line.organization)
        for line in lines:
            email = line.contact_email
            if email not in world.customers:
                world.customers[email] = await contacts.create(
                    None,
                    name=line.contact_name,
                    email=email,
                    role=Role.CUSTOMER,
                    organization_id=world.organizations[line.organization.lower()].id,
                )
        actors: dict[int, demo_bulk.Actor] = {}

        def actor(contact: Contact) -> demo_bulk.Actor:
            if contact.id not in actors:
                actors[contact.id] = demo_bulk.Actor(contact.id, contact.role is not Role.CUSTOMER)
            return actors[contact.id]

        def tickets():
            for line in lines:
                customer = actor(world.customers[line.contact_email])
                category = world.categories.get((line.category or "").lower())
                module = world.modules.get((line.module or "").lower())
                new = demo_bulk.NewTicket(
                    created_at=line.created_at,
                    customer=customer,
                    organization_id=world.organizations[line.organization.lower()].id,
                    summary=line.summary,
                    description=line.description,
                    category_id=category or world.default_category,
                    module_id=module,
                    error_code=line.error_code,
                    device=line.device,
                    wallet_provider=line.wallet_provider,
                    wallet_address=line.wallet_address,
                    cc_emails=line.cc_emails,
                )
                steps = _steps(line, world, customer, actor)
                yield new, steps

        try:
            many = len(lines) > await Ticket.all().count()
            written = await demo_bulk.write(conn, tickets(), many=many)
        except demo_bulk.IllegalStep as error:  # pragma: no cover - _steps keeps the workflow
            raise BadImport([str(error)]) from None
    await demo_bulk.analyze()
    written["tickets_total"] = await Ticket.all().count()
    return written
