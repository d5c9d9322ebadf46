"""The demo's attachments: screenshots, logs, exports and receipts on some open tickets, made
here (no file ships with the package) and added through the same resolvers as uploads, so
each is type-checked, hashed, stored and logged like a real one. Its customer's files on the
ticket; on some, an agent's internal note with a log that customers never see."""

import io
import struct
import zlib
from datetime import datetime

from helpdesk.models import Attachment, Comment, CommentKind, LogEvent, Status, Ticket
from helpdesk.resolvers import accounts, attachments, comments
from helpdesk.resolvers.attachments import Incoming
from helpdesk.resolvers.transactions import now


def png(width: int = 160, height: int = 90) -> bytes:
    """A small screenshot: a dark app window with a red error banner."""

    def pixel(x: int, y: int) -> bytes:
        if 30 <= y < 50 and 10 <= x < width - 10:
            return b"\xd9\x3b\x3b"  # the error banner
        return b"\x1e\x22\x2a" if y >= 12 else b"\x3a\x40\x4c"  # window, title bar

    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(text: str = "Withdrawal receipt") -> bytes:
    """A one-page PDF with a line of text."""
    content = f"BT /F1 18 Tf 24 72 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def log_file(ticket_number: int) -> bytes:
    lines = [
        f"2025-06-0{day} 1{day}:0{day}:12 WARN sync: peer timeout after 30 s (#{ticket_number})"
        for day in range(1, 6)
    ]
    return ("\n".join([*lines, "ERROR sync: giving up, 5 peers unreachable"]) + "\n").encode()


def csv_file() -> bytes:
    return (
        b"date,asset,amount,status\n"
        b"2025-06-01,ETH,0.25,confirmed\n"
        b"2025-06-02,USDC,120.00,pending\n"
        b"2025-06-02,ETH,0.10,failed\n"
    )


def _files(index: int, number: int) -> list[tuple[str, bytes]]:
    """What a customer sends, in turn: a screenshot; a screenshot and a log; an export;
    a receipt."""
    choices = [
        [("screenshot.png", png())],
        [("error-screenshot.png", png(200, 120)), ("wallet-sync.log", log_file(number))],
        [("transactions.csv", csv_file())],
        [("receipt.pdf", pdf())],
    ]
    return choices[index % len(choices)]


async def _backdate(ticket: Ticket, since: datetime) -> None:
    """Moves what was just added back to the ticket's last change: the demo's timeline stays."""
    at = ticket.updated_at
    await Attachment.filter(ticket_id=ticket.id, created_at__gte=since).update(created_at=at)
    await Comment.filter(ticket_id=ticket.id, created_at__gte=since).update(created_at=at)
    await LogEvent.filter(ticket_id=ticket.id, occurred_at__gte=since).update(occurred_at=at)
    await Ticket.filter(id=ticket.id).update(
        updated_at=at, updated_by_id=ticket.updated_by_id, version=ticket.version
    )


async def load(every: int = 12) -> int:
    """Attaches files to every `every`th ticket that is not closed; returns how many."""
    chosen = (
        await Ticket.exclude(status=Status.CLOSED)
        .order_by("id")
        .select_related("primary_contact", "owner")
    )[::every]
    added = owned = 0
    for index, ticket in enumerate(chosen):
        since = now()
        customer = await accounts.load_viewer(ticket.primary_contact)
        files = [Incoming(name, io.BytesIO(data)) for name, data in _files(index, ticket.number)]
        _, rows = await attachments.add(customer, ticket.id, files, attachments.DEFAULT_LIMITS)
        added += len(rows)
        owned += ticket.owner is not None
        if ticket.owner is not None and owned % 3 == 1:  # the first, the fourth...
            agent = await accounts.load_viewer(ticket.owner)
            debug = [Incoming("node-debug.log", io.BytesIO(log_file(ticket.number)))]
            body = "Node logs from the incident window, for the team."
            await comments.add(agent, ticket.id, body, CommentKind.INTERNAL_NOTE, debug)
            added += 1
        await _backdate(ticket, since)
    return added
