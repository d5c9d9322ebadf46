"""Files in GraphQL requests: the GraphQL multipart request spec (a `multipart/form-data`
POST with an `operations` part, the GraphQL request as JSON, a `map` part naming where each
file goes in its variables, and the files), for strawberry's `Upload` scalar.

Starlette parses the body with python-multipart: each file part goes to a temporary file
that moves from memory to disk past 1 MiB, so a large upload never sits whole in memory; the
body's size is capped while it streams (`HELPDESK_MAX_UPLOAD_REQUEST_BYTES`,
helpdesk/http_limits.py) and each file's while it is copied (resolvers/attachments.py).

CSRF: a browser sends a multipart POST from any site without asking first (it is a "simple"
request), with the victim's cookies, though never our bearer token. Even so, a multipart
request must carry a header no HTML form can set: `GraphQL-Require-Preflight` (any value),
or Apollo's `Apollo-Require-Preflight` / `X-Apollo-Operation-Name`. A browser asks the server
first (CORS preflight) before sending such a header cross-site, and this server allows no
other origin. An anonymous multipart request is refused too, both before the body is read."""

from collections.abc import Callable
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import HTTPConnection, Request

PREFLIGHT_HEADERS = (
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
# `operations` and `map`; anything else that is not a file is a mistake.
MAX_FORM_FIELDS = 2
CSRF_REFUSAL = (
    "A multipart request must carry a GraphQL-Require-Preflight header (any value; "
    "Apollo-Require-Preflight and X-Apollo-Operation-Name do too): it keeps other sites "
    "from posting forms here"
)
ANONYMOUS_REFUSAL = "Sign in to upload files: send Authorization: Bearer <token>"


def is_multipart(request: HTTPConnection) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def refusal(request: HTTPConnection, signed_in: bool) -> HTTPException | None:
    """Why a multipart request is refused before its body is read, if it is."""
    if request.scope["type"] != "http" or not is_multipart(request):
        return None
    if not any(name in request.headers for name in PREFLIGHT_HEADERS):
        return HTTPException(400, CSRF_REFUSAL)
    if not signed_in:
        return HTTPException(401, ANONYMOUS_REFUSAL)
    return None


async def close_files(request: HTTPConnection) -> None:
    """Closes (and so deletes) the temporary files of a parsed multipart body."""
    if isinstance(request, Request):
        await request.close()


class UploadRequestAdapter(StarletteRequestAdapter):
    """strawberry's request adapter, keeping the request so the form is parsed with our
    limits."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.request = request


def _bad(message: str) -> HTTPException:
    return HTTPException(400, f"Invalid multipart request: {message}")


def _place(operations: dict, path: str, file: UploadFile) -> None:
    """Puts the file where `path` (variables.input.files.0) says: at a null the client left
    for it in the variables."""
    keys = path.split(".")
    if len(keys) < 2 or keys[0] != "variables":
        raise _bad(f"map path {path[:80]!r} must point into the variables")
    target: Any = operations.get("variables")
    parent: Any
    slot: Any
    for index, key in enumerate(keys[1:], start=1):
        if isinstance(target, dict) and key in target:
            parent, slot = target, key
        elif (
            isinstance(target, list) and key.isascii() and key.isdigit() and int(key) < len(target)
        ):
            parent, slot = target, int(key)
        else:
            raise _bad(f"map path {path[:80]!r} names nothing in the variables")
        if index == len(keys) - 1:
            if parent[slot] is not None:
                raise _bad(f"map path {path[:80]!r} must name a null in the variables")
            parent[slot] = file
        target = parent[slot]


class UploadView:
    """Mixed into the GraphQL view (before strawberry's): its multipart parsing, with our
    limits and clear refusals. Needs `multipart_uploads_enabled=True`."""

    settings: Any
    request_adapter_class = UploadRequestAdapter

    parse_json: Callable[[str | bytes], Any]  # BoundedInputView's: JSON by our rules

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> Any:
        assert isinstance(request, UploadRequestAdapter)  # request_adapter_class
        try:
            form = await request.request.form(
                max_files=self.settings.max_attachments_per_ticket,
                max_fields=MAX_FORM_FIELDS,
                max_part_size=self.settings.max_body_bytes,
            )
        except MultiPartException as error:
            raise _bad(error.message) from None
        except StarletteHTTPException as error:
            raise _bad(error.detail) from None
        operations, files_map = form.get("operations"), form.get("map")
        if not isinstance(operations, str) or not isinstance(files_map, str):
            raise _bad("it needs an `operations` and a `map` part, both JSON")
        operations = self.parse_json(operations)
        files_map = self.parse_json(files_map)
        if not isinstance(operations, dict):
            raise _bad("`operations` must be one GraphQL request (an object): no batches")
        if not isinstance(files_map, dict):
            raise _bad("`map` must be an object of file part names to lists of paths")
        for name, paths in files_map.items():
            file = form.get(name)
            if not isinstance(file, UploadFile):
                raise _bad(f"`map` names {name[:40]!r}, which is not a file part")
            if (
                not isinstance(paths, list)
                or not paths
                or not all(isinstance(p, str) for p in paths)
            ):
                raise _bad(f"`map` must give each file a list of paths; {name[:40]!r} has none")
            for path in paths:
                _place(operations, path, file)
        return operations
