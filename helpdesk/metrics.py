"""GET /metrics for Prometheus: the app's registry (resolvers/metrics.py defines what is in
it), the live gauges read from the app as it is scraped, and the tailer's lag.

The lag is in seconds: the age of the oldest committed log event the tailer has not handed
out yet. It stays near 0 however busy the help desk is, and grows without bound when the
tailer is stuck or dead, so an alert on it ("above 10 s for a minute") means the live
screens are stale."""

import asyncio
import hmac
import logging
import math
from datetime import UTC, datetime

from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from helpdesk.models import LogEvent
from helpdesk.resolvers.metrics import Metrics
from helpdesk.subscriptions.tailer import get_tailer

log = logging.getLogger(__name__)


def watch_live_state(metrics: Metrics, graphql) -> None:
    """The gauges of open subscriptions, read from the GraphQL view at each scrape."""
    metrics.subscription_hubs.set_function(lambda: len(graphql.hubs))
    metrics.live_subscriptions.set_function(graphql.hubs.members)


async def tailer_lag_seconds() -> float:
    try:
        watermark = get_tailer().watermark
    except RuntimeError:  # no tailer in this process (an app served without its lifespan)
        return math.nan
    oldest = (
        await LogEvent.filter(id__gt=watermark).order_by("id").only("id", "occurred_at").first()
    )
    if oldest is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - oldest.occurred_at).total_seconds())


def _authorized(request: Request, token: str | None) -> bool:
    if token is None:
        return True
    sent = request.headers.get("authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


async def metrics_endpoint(request: Request) -> Response:
    if not _authorized(request, request.app.state.settings.metrics_token):
        return PlainTextResponse(
            "Send Authorization: Bearer <HELPDESK_METRICS_TOKEN>\n",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    metrics: Metrics = request.app.state.metrics
    timeout = request.app.state.settings.ready_timeout_seconds
    try:
        metrics.tailer_lag_seconds.set(await asyncio.wait_for(tailer_lag_seconds(), timeout))
    except Exception as error:  # the database is down: /readyz says so; still report the rest
        log.warning("metrics: tailer lag unknown: %s: %s", type(error).__name__, error)
        metrics.tailer_lag_seconds.set(math.nan)
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(metrics.registry), media_type=content_type)
