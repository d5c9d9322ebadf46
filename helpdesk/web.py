"""The browser's pages: the help desk at `/` (and `/tickets/<number>`, where mails link),
GraphiQL at `GET /graphql` in development, and their assets under `/static/`.

`web/` holds the source; `npm run build` there writes `helpdesk/web_dist/`, which is
committed and installed with the package, so serving needs no Node.js."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

DIST = Path(__file__).resolve().parent / "web_dist"

# The pages load only their own bundles and talk only to this server.
_SPA_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:;"
    " style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none';"
    " frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _page(name: str, policy: str | None = None) -> Response:
    try:
        html = (DIST / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return PlainTextResponse(
            f"The web pages are not built ({name} is missing): run `npm ci && npm run build`"
            " in web/.",
            status_code=503,
        )
    headers = dict(_HEADERS)
    if policy:
        headers["Content-Security-Policy"] = policy
    return HTMLResponse(html, headers=headers)


async def help_desk(request: Request) -> Response:
    return _page("index.html", _SPA_POLICY)


def graphiql() -> Response:
    return _page("graphiql.html")


def assets() -> StaticFiles:
    return StaticFiles(directory=DIST / "assets", check_dir=False)
