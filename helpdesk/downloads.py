"""GET /attachments/{id}?contact=…&token=…&expires=…&signature=…: the file behind a signed
download link (resolvers/attachment_links.py), whose person is checked again at the moment of
download (resolvers/attachments.py `for_download`).

Always as a download (`Content-Disposition: attachment`), never sniffed or run by a browser
(`X-Content-Type-Options: nosniff`, a sandboxing CSP), with HTTP range requests: a local
file through starlette's FileResponse (single and multiple ranges, If-Range), a file in an
object store through a single-range stream of our own."""

import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

from helpdesk.models import Attachment
from helpdesk.resolvers import attachment_links, attachments
from helpdesk.resolvers.errors import Forbidden, NotFound
from helpdesk.storage import Storage, get_storage

log = logging.getLogger(__name__)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


class Unsatisfiable(Exception):
    pass


async def download(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        attachment_id, grant = attachment_links.check(
            settings, request.path_params["attachment_id"], dict(request.query_params)
        )
        attachment = await attachments.for_download(attachment_id, grant.contact_id, grant.token_id)
    except Forbidden as error:
        return PlainTextResponse(error.message, status_code=403, headers=HEADERS)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404, headers=HEADERS)
    storage = get_storage()
    path = storage.local_path(attachment.storage_key)
    if path is None:
        return await _streamed(request, storage, attachment)
    if not path.is_file():
        log.error("attachment %s has no file in storage", attachment.id)
        return PlainTextResponse("Not found", status_code=404, headers=HEADERS)
    return FileResponse(
        path,
        headers=HEADERS,
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="attachment",
    )


def content_disposition(filename: str) -> str:
    """As starlette's FileResponse writes it: plain if the name needs no escaping, else as
    RFC 6266's UTF-8 `filename*`."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def single_range(header: str, size: int) -> tuple[int, int] | None:
    """[start, end) of a `Range: bytes=…` header with one range; None to send it all (a
    header we do not serve as ranges, which RFC 9110 allows us to ignore)."""
    units, _, spec = header.partition("=")
    if units.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not all(
        part == "" or (part.isascii() and part.isdigit()) for part in (first, last)
    ):
        return None
    if first == "":
        if last == "" or int(last) == 0:
            raise Unsatisfiable
        return max(size - int(last), 0), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        raise Unsatisfiable
    return start, end


async def _streamed(request: Request, storage: Storage, attachment: Attachment) -> Response:
    size = attachment.size
    etag = f'"{attachment.sha256}"'
    headers = {
        **HEADERS,
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Content-Disposition": content_disposition(attachment.filename),
    }
    start, end, status = 0, size, 200
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted and (if_range is None or if_range == etag):
        try:
            found = single_range(wanted, size)
        except Unsatisfiable:
            return PlainTextResponse(
                "Range not satisfiable",
                status_code=416,
                headers={**HEADERS, "Content-Range": f"bytes */{size}"},
            )
        if found is not None:
            (start, end), status = found, 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=attachment.content_type)
    chunks = storage.read(attachment.storage_key, start, end)
    try:  # the first read before the answer starts: a missing object is a 404, not a torn 200
        first = await anext(chunks, b"")
    except Exception:
        log.exception("attachment %s could not be read from storage", attachment.id)
        return PlainTextResponse("Not found", status_code=404, headers=HEADERS)

    async def body():
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(), status_code=status, headers=headers, media_type=attachment.content_type
    )
