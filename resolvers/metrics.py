"""The metrics an operator scrapes from /metrics, defined once, bumped from any layer.

Each app has its own `Metrics` with its own registry (tests build several apps in one
process). The app makes its metrics current for everything a request or websocket runs,
tasks started from there included; the functions below bump the current metrics, and do
nothing outside an app (the CLI, tests that call resolvers directly).

It lives here, at the lowest layer that bumps a metric (rate limits in resolvers), so the
schema and the live layer import it without importing upward."""

from collections.abc import Iterable
from contextvars import ContextVar, Token

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Latency buckets for GraphQL operations, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Operation labels that stand for many names and take no place among the distinct ones.
SHARED_LABELS = frozenset({"anonymous", "invalid", "other"})


class Metrics:
    def __init__(self, max_operation_names: int = 100) -> None:
        self.registry = registry = CollectorRegistry()
        self.max_operation_names = max_operation_names
        self._operation_names: set[str] = set()
        self.operations = Counter(
            "helpdesk_graphql_operations",
            "GraphQL queries and mutations run, by operation name and type.",
            ["operation", "type"],
            registry=registry,
        )
        self.operation_seconds = Histogram(
            "helpdesk_graphql_operation_duration_seconds",
            "Time to parse, validate and run a GraphQL query or mutation.",
            ["operation", "type"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "helpdesk_graphql_errors",
            "GraphQL errors returned, by code (BAD_REQUEST: the document or its variables "
            "are invalid; INTERNAL_ERROR: a bug).",
            ["code"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "helpdesk_rate_limited",
            "Requests refused by a rate limit, by kind.",
            ["kind"],
            registry=registry,
        )
        self.open_websockets = Gauge(
            "helpdesk_open_websockets", "Websockets accepted and not yet closed.", registry=registry
        )
        self.subscription_hubs = Gauge(
            "helpdesk_subscription_hubs",
            "Shared subscription executions (one per document, variables and audience).",
            registry=registry,
        )
        self.live_subscriptions = Gauge(
            "helpdesk_live_subscriptions", "Subscriptions being served.", registry=registry
        )
        self.events_delivered = Counter(
            "helpdesk_events_delivered",
            "Subscription results queued for a subscriber.",
            registry=registry,
        )
        self.tailer_lag_seconds = Gauge(
            "helpdesk_tailer_lag_seconds",
            "Age of the oldest committed log event this process has not yet handed to its "
            "subscriptions; 0 when caught up. Alert when it stays above a few seconds.",
            registry=registry,
        )

    def operation_label(self, name: str) -> str:
        """A client may send any operation name: the first `max_operation_names` distinct
        names get a label each, later ones are counted as "other"."""
        if name in SHARED_LABELS or name in self._operation_names:
            return name
        if len(self._operation_names) >= self.max_operation_names:
            return "other"
        self._operation_names.add(name)
        return name


_current: ContextVar[Metrics | None] = ContextVar("helpdesk_metrics", default=None)


def use(metrics: Metrics) -> Token:
    """Makes `metrics` current for this task and the tasks it starts."""
    return _current.set(metrics)


def stop_using(token: Token) -> None:
    _current.reset(token)


def rate_limited(kind: str) -> None:
    """A rate limit refused a request: call with a fixed kind ("login", "cost", ...)."""
    if (metrics := _current.get()) is not None:
        metrics.rate_limited.labels(kind).inc()


def operation_done(name: str, type_: str, seconds: float, codes: Iterable[str]) -> None:
    if (metrics := _current.get()) is None:
        return
    label = metrics.operation_label(name)
    metrics.operations.labels(label, type_).inc()
    metrics.operation_seconds.labels(label, type_).observe(seconds)
    for code in codes:
        metrics.errors.labels(code).inc()


def events_delivered(count: int) -> None:  # a bool counts as 0 or 1
    if count and (metrics := _current.get()) is not None:
        metrics.events_delivered.inc(count)
