"""The `helpdesk` command: serve, migrate, create-user, schema, demo, import."""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise.exceptions import BaseORMException

from helpdesk.settings import Settings

# helpdesk.db and everything that imports it read the settings on import: they are imported
# inside the commands, after Settings.from_env() had its chance to explain a bad setting.

# Exit codes: 1 for a failure (database unreachable...), 2 for bad input (as argparse does).
FAILED, BAD_INPUT = 1, 2


class CommandError(Exception):
    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.code = code


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    from helpdesk import db

    await db.connect(settings.database_url)
    try:
        return await work()
    finally:
        await db.disconnect()


def run_server(settings: Settings, host: str, port: int) -> None:
    """Serves the app until interrupted (helpdesk.server builds the server)."""
    from helpdesk.server import run_server as serve

    serve(settings, host, port)


# -- commands -------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk import db, logs

    logs.configure(settings.log_format)
    asyncio.run(db.migrate(settings.database_url))
    print(f"Serving on http://{args.host}:{args.port}/graphql ({settings.env})", flush=True)
    run_server(settings, args.host, args.port)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk import db

    asyncio.run(db.migrate(settings.database_url))
    print(f"Database is up to date: {_safe_url(settings.database_url)}")
    return 0


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk.models import Role
    from helpdesk.resolvers import contacts, organizations

    role = Role(args.role.upper())
    if role is Role.CUSTOMER and not args.organization:
        raise CommandError("a customer needs --organization NAME", BAD_INPUT)
    if role is not Role.CUSTOMER and args.organization:
        raise CommandError(f"--organization is for customers only, not {args.role}s", BAD_INPUT)

    async def work() -> int:
        organization = None
        if args.organization:
            organization = await organizations.find_or_create(args.organization)
        contact = await contacts.create(
            None,
            name=args.name,
            email=args.email,
            role=role,
            organization_id=organization.id if organization else None,
            password=args.password,
        )
        of = f" of {organization.name}" if organization else ""
        print(f"Created {role.value.lower()} {contact.name} <{contact.email}>{of}, id {contact.id}")
        return 0

    return asyncio.run(_with_database(settings, work))


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk.api import build_schema

    print(build_schema(settings).as_str())
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk import db, demo

    async def work() -> int:
        started = time.perf_counter()
        summary = await demo.load(args.tickets)
        if summary is None:
            print("The database already has tickets: demo data not loaded.")
            logins = await demo.demo_logins()
        else:
            seconds = time.perf_counter() - started
            statuses = ", ".join(f"{n} {s}" for s, n in summary.by_status.items())
            print(
                f"Demo loaded in {seconds:.1f} s: {summary.organizations} organizations, "
                f"{summary.people} people, {summary.tickets} tickets ({statuses}), "
                f"{summary.comments} comments, {summary.log_events} log events."
            )
            logins = summary.logins
        if logins:
            print(f"\nSign in with any of these e-mails and the password {demo.PASSWORD!r}:")
            for login in logins:
                where = f"  ({login.organization})" if login.organization else ""
                print(f"  {login.role:<9}{login.email:<36}{login.name}{where}")
        return 0

    asyncio.run(db.migrate(settings.database_url))
    return asyncio.run(_with_database(settings, work))


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk import bulk_import, db

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(
            f"{path}: no such file" if not path.exists() else f"{path}: not a file", BAD_INPUT
        )

    async def work() -> int:
        started = time.perf_counter()
        try:
            written = await bulk_import.run(path, args.as_email)
        except bulk_import.BadImport as error:
            for problem in error.problems:
                print(f"error: {problem}", file=sys.stderr)
            print("Nothing was imported.", file=sys.stderr)
            return BAD_INPUT
        seconds = time.perf_counter() - started
        print(
            f"Imported {written['tickets']} tickets in {seconds:.1f} s: "
            f"{written['comments']} comments, {written['log_events']} log events; "
            f"the help desk has {written['tickets_total']} tickets."
        )
        return 0

    asyncio.run(db.migrate(settings.database_url))
    return asyncio.run(_with_database(settings, work))


IMPORT_FORMAT = """\
One JSON object a line (blank lines are skipped), for example:

  {"organization": "Acme", "contact": {"name": "Ann Lee", "email": "ann@acme.example"},
   "summary": "Cannot log in", "description": "Since this morning...",
   "status": "CLOSED", "priority": "HIGH", "category": "Bug", "module": "Wallet",
   "created_at": "2024-03-01T09:30:00Z", "resolved_at": "2024-03-02T10:00:00Z",
   "closed_at": "2024-03-03T08:00:00Z", "owner": "marco@helpdesk.example",
   "rating": 5, "feedback": "Thanks!",
   "comments": [{"author": "ann@acme.example", "body": "Any news?",
                 "created_at": "2024-03-01T15:00:00Z", "internal": false}]}

Required: organization, contact.name, contact.email, summary, created_at (ISO 8601 with a
time zone). Optional: description, status (OPEN IN_PROGRESS WAITING_ON_CUSTOMER RESOLVED
CLOSED, default OPEN), priority (LOW NORMAL HIGH URGENT, default NORMAL), category and module
(existing names; default category if none), owner (an agent's or admin's e-mail), resolved_at,
closed_at, rating 1-5 and feedback (CLOSED only), error_code, device, wallet_provider,
wallet_address, cc_emails, comments (author: the contact, staff or a customer of the same
organization; internal notes by staff). New organizations and customers are created.

The whole file is checked first: a problem names its line and field, and nothing is written.
Details: docs/import.md."""


# -- parsing and running ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpdesk",
        description="A help desk as a GraphQL API. Settings come from the environment "
        "(HELPDESK_DATABASE_URL, HELPDESK_ENV, HELPDESK_ALLOWED_ORIGINS).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve.set_defaults(run=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply the committed migrations")
    migrate.set_defaults(run=cmd_migrate)

    user = commands.add_parser("create-user", help="create an account")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True, help="at least 8 characters")
    user.add_argument("--name", required=True)
    user.add_argument("--role", required=True, choices=["admin", "agent", "customer"])
    user.add_argument("--organization", metavar="NAME", help="customers only; created if it is new")
    user.set_defaults(run=cmd_create_user)

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=cmd_schema)

    demo = commands.add_parser("demo", help="load demo data into an empty help desk")
    demo.add_argument(
        "--tickets",
        type=int,
        default=300,
        help="default: %(default)s; above 5000 all but the newest 300 are written in bulk",
    )
    demo.set_defaults(run=cmd_demo)

    importer = commands.add_parser(
        "import",
        help="import tickets from a JSON Lines file",
        description="Imports tickets, with their comments and history, from a JSON Lines file "
        "in one transaction.",
        epilog=IMPORT_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("file", metavar="FILE.jsonl")
    importer.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="the agent or admin who made status changes with no owner named "
        "(default: the first admin)",
    )
    importer.set_defaults(run=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(build_parser().parse_args(argv)))


def run(args: argparse.Namespace) -> int:
    from helpdesk.resolvers.errors import DomainError, InvalidInput

    try:
        settings = Settings.from_env()
    except ValueError as error:
        return _fail(str(error), BAD_INPUT)
    try:
        return args.run(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`helpdesk schema | head`): say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
    except CommandError as error:
        return _fail(str(error), error.code)
    except InvalidInput as error:
        for problem in error.problems:
            field = f"{problem.field}: " if problem.field else ""
            print(f"error: {field}{problem.message} ({problem.code})", file=sys.stderr)
        return BAD_INPUT
    except DomainError as error:
        return _fail(f"{error.message} ({error.code})", BAD_INPUT)
    except (OSError, BaseORMException) as error:
        url = _safe_url(settings.database_url)
        return _fail(f"database {url}: {type(error).__name__}: {error}", FAILED)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    main()
