"""The mail worker: sends the outbox's mails with aiosmtplib, one task per server process.

Each round claims the due mails (resolvers/mail_outbox.py: exactly one process gets each),
sends them outside any transaction, and records the outcome. A server that cannot be reached
delays mail, never loses it: the mail waits, trying again after waits that double up to a
cap. A mail the server refuses for good (5xx) is FAILED at once; one it keeps refusing for now
(4xx) is FAILED after the last attempt. Either way it stays in the outbox, with the answer."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from helpdesk.models import MailKind, OutboxMail
from helpdesk.resolvers import mail_outbox
from helpdesk.resolvers.mail_outbox import Failure, Retry
from helpdesk.settings import Settings

log = logging.getLogger("helpdesk.mail")

BATCH = 10  # mails claimed at once; a full batch is followed by the next without waiting
STOP_GRACE_SECONDS = 10.0  # on shutdown, the mail being sent may finish


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the start; smtp://: STARTTLS if the server offers it

    @classmethod
    def parse(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
        )


def message_of(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message["In-Reply-To"] = mail.in_reply_to
    message["References"] = mail.reference_ids
    message["X-Helpdesk-Ticket"] = str(mail.ticket.number)
    if mail.kind is MailKind.CONFIRM_REQUEST:
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(mail.body)
    return message


def failure_of(error: Exception) -> Failure:
    """Only the server's answer about this mail counts against it; anything about the
    server itself (unreachable, TLS, sign-in, sender) is the server's to fix."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
    elif isinstance(error, aiosmtplib.SMTPDataError):
        codes = [error.code]
    else:
        return Failure.UNREACHABLE
    return Failure.REFUSED if all(code >= 500 for code in codes) else Failure.REFUSED_FOR_NOW


def describe(error: Exception) -> str:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class MailWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server = SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
        self.sender = parseaddr(settings.mail_from)[1]
        self.retry = Retry(
            settings.mail_retry_base_seconds,
            settings.mail_retry_max_seconds,
            settings.mail_max_attempts,
        )
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._unreachable = 0  # rounds in a row that found the server unreachable

    async def start(self) -> None:
        if self.server is None:
            waiting = await mail_outbox.waiting()
            log.warning(
                "HELPDESK_SMTP_URL is not set: mail stays in the outbox (%s waiting now)", waiting
            )
            return
        self._task = asyncio.create_task(self._run(), name="mail worker")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE_SECONDS)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                full = await self.send_due()
            except Exception:  # the database away, say: the next round tries again
                log.exception("mail worker: a round failed")
                full = False
            if not full:
                # An unreachable server is not tried again by every waiting mail in turn: the
                # worker waits as a mail would.
                wait = self.settings.mail_poll_seconds
                if self._unreachable:
                    wait = max(wait, self.retry.delay(self._unreachable))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), wait)

    async def send_due(self) -> bool:
        """Sends one batch of due mails. True if the batch was full: more may be due."""
        claim = await mail_outbox.claim(BATCH)
        for n, mail in enumerate(claim.mails):
            # Stopping, or the server unreachable: the rest go back, their attempt not counted.
            if self._stopping.is_set():
                await mail_outbox.unclaim(claim.mails[n:], claim.token)
                return False
            if not await self._send(mail, claim.token):
                self._unreachable += 1
                await mail_outbox.unclaim(claim.mails[n + 1 :], claim.token)
                return False
            self._unreachable = 0
        return len(claim.mails) == BATCH

    async def _send(self, mail: OutboxMail, token: str) -> bool:
        """Sends one mail and records the outcome. False if the server was unreachable."""
        assert self.server is not None
        server = self.server
        try:
            refused, _ = await aiosmtplib.send(
                message_of(mail, self.settings.mail_from),
                sender=self.sender,
                recipients=mail.recipients,
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                timeout=mail_outbox.SEND_TIMEOUT_SECONDS,
            )
        except Exception as error:
            failure = failure_of(error)
            state = await mail_outbox.record_failure(
                mail, token, failure, describe(error), self.retry
            )
            # The log names no address: the mail's lastError has the server's whole answer.
            log.warning(
                "mail %s (ticket #%s), attempt %s: %s (%s); now %s",
                mail.id,
                mail.ticket.number,
                mail.attempts,
                failure.value,
                getattr(error, "code", None) or type(error).__name__,
                state.value,
            )
            return failure is not Failure.UNREACHABLE
        problem = "; ".join(f"{to}: {r.code} {r.message}" for to, r in refused.items())
        await mail_outbox.record_sent(mail, token, problem or None)
        log.info(
            "mail %s (ticket #%s) sent to %s recipients",
            mail.id,
            mail.ticket.number,
            len(mail.recipients) - len(refused),
        )
        return True
