"""The outbox's bookkeeping for the mail worker: claiming due mails so that exactly one
process sends each, and recording what became of them. No network here: the worker sends
between `claim` and `record_*`, outside any transaction."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from tortoise.expressions import F, Q

from helpdesk.models import MailState, OutboxMail
from helpdesk.resolvers.transactions import now

# A claim lasts this long: far longer than a send may take (each SMTP step times out after
# SEND_TIMEOUT), so a mail is never taken from a worker still sending it. A worker that died
# holding a claim leaves its mails to the others once it lapses.
SEND_TIMEOUT_SECONDS = 30.0
CLAIM_SECONDS = 300.0
MAX_ERROR = 1000  # characters of a server's answer kept as last_error


class Failure(Enum):
    """How an attempt failed, which decides what comes next."""

    UNREACHABLE = "unreachable"  # no server, or not working: try again, never give up
    REFUSED_FOR_NOW = "refused for now"  # the server said try later (4xx): counted
    REFUSED = "refused"  # the server said never (5xx): FAILED at once


@dataclass(frozen=True)
class Retry:
    """When to try again: waits double from `base` up to `cap`; a mail the server keeps
    refusing is FAILED after `max_attempts`."""

    base: float
    cap: float
    max_attempts: int

    def delay(self, attempts: int) -> float:
        return min(self.base * 2 ** max(attempts - 1, 0), self.cap)


@dataclass(frozen=True)
class Claim:
    token: str
    mails: list[OutboxMail]


def _due(at: datetime) -> Q:
    return Q(state=MailState.PENDING, next_attempt_at__lte=at) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)
    )


async def claim(limit: int) -> Claim:
    """Takes up to `limit` due mails for this worker. The UPDATE repeats the conditions, so
    of two processes that picked the same mails each mail goes to the first to write it:
    the other's UPDATE no longer matches it (PostgreSQL re-reads a row another transaction
    changed; SQLite writes one at a time)."""
    at = now()
    token = uuid.uuid4().hex
    ids = await (
        OutboxMail.filter(_due(at))
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not ids:
        return Claim(token, [])
    await OutboxMail.filter(_due(at), id__in=list(ids)).update(
        claim_token=token,
        claimed_until=at + timedelta(seconds=CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    mails = await (
        OutboxMail.filter(claim_token=token)
        .select_related("ticket")
        .order_by("next_attempt_at", "id")
    )
    return Claim(token, list(mails))


async def record_sent(mail: OutboxMail, token: str, problem: str | None = None) -> bool:
    """The server took the mail (`problem`: the recipients it refused, if some). False if
    the claim had lapsed and another worker took the mail meanwhile."""
    values: dict = {"state": MailState.SENT, "sent_at": now()}
    if problem:
        values["last_error"] = problem[:MAX_ERROR]
    return bool(await _release(mail, token, values))


async def record_failure(
    mail: OutboxMail, token: str, failure: Failure, error: str, retry: Retry
) -> MailState:
    """Schedules the next attempt, or gives the mail up as FAILED. Returns its state."""
    gives_up = failure is Failure.REFUSED or (
        failure is Failure.REFUSED_FOR_NOW and mail.attempts >= retry.max_attempts
    )
    values: dict = {"last_error": error[:MAX_ERROR]}
    if gives_up:
        values["state"] = MailState.FAILED
    else:
        values["next_attempt_at"] = now() + timedelta(seconds=retry.delay(mail.attempts))
    await _release(mail, token, values)
    return MailState.FAILED if gives_up else MailState.PENDING


async def unclaim(mails: list[OutboxMail], token: str) -> None:
    """Gives claimed mails back unsent, their attempt not counted."""
    if not mails:
        return
    await OutboxMail.filter(id__in=[m.id for m in mails], claim_token=token).update(
        claim_token=None, claimed_until=None, attempts=F("attempts") - 1
    )


async def _release(mail: OutboxMail, token: str, values: dict) -> int:
    return await OutboxMail.filter(id=mail.id, claim_token=token).update(
        claim_token=None, claimed_until=None, **values
    )


async def waiting() -> int:
    """How many mails wait to be sent."""
    return await OutboxMail.filter(state=MailState.PENDING).count()


async def backdate_as_sent() -> int:
    """Marks every waiting mail SENT, written and sent when the change that caused it
    happened: for the demo, whose story is in the past and whose people are made up.
    Returns how many."""
    table, events = OutboxMail._meta.db_table, "log_events"
    moment = f"(SELECT occurred_at FROM {events} WHERE {events}.id = {table}.log_event_id)"
    sql = (
        f"UPDATE {table} SET state = '{MailState.SENT.value}', attempts = 1, "
        f"created_at = {moment}, next_attempt_at = {moment}, sent_at = {moment} "
        f"WHERE state = '{MailState.PENDING.value}'"
    )
    count, _ = await OutboxMail._meta.db.execute_query(sql)
    return count
