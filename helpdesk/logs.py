"""Logging for `helpdesk serve`: plain text or JSON lines, each carrying the request id of
the HTTP request or websocket operation it belongs to.

The request id lives in a contextvar: set once per request (access_log.py) and once per
websocket operation (app.py), it follows every await and every task started from there."""

import json
import logging
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("helpdesk_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_request_id() -> str:
    return secrets.token_hex(8)


class RequestIds(logging.Filter):
    """Stamps every record with the current request id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class NoWebsocketHandshakeLines(logging.Filter):
    """uvicorn logs each websocket handshake with the URL's query string, where some clients
    put tokens; the access log's own line replaces it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("uvicorn")
            and isinstance(record.msg, str)
            and record.msg.startswith('%s - "WebSocket %s"')
        )


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, the record's
    `extra` fields, and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", "-")  # set by the request-id filter
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if rid == "-" else rid,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id":
                line[key] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, default=str)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Replaces the root logger's handlers with one on stderr in the given format;
    uvicorn's loggers propagate to it (the server starts uvicorn without its own config)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIds())
    handler.addFilter(NoWebsocketHandshakeLines())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Neither format prints where a line was logged from, nor its thread or process: not
    # worked out for every line (the logging HOWTO, "Optimization"). Two lines a request.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
