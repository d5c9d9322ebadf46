"""Settings, read once from the environment.

Every field can be set as `HELPDESK_<FIELD NAME IN CAPITALS>`: `max_page_size` is
`HELPDESK_MAX_PAGE_SIZE`. A value that does not parse stops the start with a clear message."""

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("text", "json")
MIN_SECRET_KEY = 32
MAX_UPLOAD_BYTES = 2**31 - 1
SMTP_SCHEMES = ("smtp", "smtps")


def _default_database_url() -> str:
    data_dir = Path(os.environ.get("HELPDESK_DATA_DIR", "data")).resolve()
    return f"sqlite://{data_dir / 'helpdesk.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    env: str = "development"  # "development" | "production"
    # Origins allowed to open a websocket; empty means "same origin or no Origin header".
    allowed_origins: tuple[str, ...] = ()
    max_page_size: int = 100
    max_batch_size: int = 100
    # Documents (schema/documents.py): checked before any resolver runs.
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_selections: int = 1000  # fields and fragments, once fragments are expanded
    max_repeats: int = 32  # same-named fields nested in each other, multiplied along a path
    max_cost: int = 20_000  # objects an operation may return: lists multiply by page size
    max_cost_per_minute: int = 200_000  # per token (per client address when anonymous)
    max_cached_document_bytes: int = 8192  # larger documents are parsed anew each time
    document_cache_size: int = 256
    # Inputs (helpdesk/http_limits.py, schema/inputs.py): refused before they are parsed.
    max_body_bytes: int = 1024 * 1024  # an HTTP body (and a GET query string); more is a 413
    max_json_depth: int = 32  # nesting of a JSON body, GET parameter or websocket message
    max_input_list_items: int = 1000  # items of any one list in an operation's input
    max_subscriptions_per_connection: int = 20
    max_ws_message_bytes: int = 64 * 1024
    ws_init_timeout_seconds: float = 10.0
    max_sockets_per_person: int = 10  # open websockets of one person; the next is closed (4429)
    max_subscriptions_per_person: int = 50  # live subscriptions of one person, all sockets
    ws_messages_per_second: float = 20.0  # per websocket, sustained; faster closes it (4429)
    ws_message_burst: int = 40  # messages a websocket may send at once before the rate applies
    login_free_failures: int = 5  # failed logins per e-mail before each attempt must wait
    login_free_failures_per_address: int = 20  # the same per client address, over all e-mails
    login_base_delay_seconds: float = 1.0  # the first wait; it doubles with each failure
    login_max_delay_seconds: float = 900.0  # the longest wait between two attempts
    login_forget_seconds: float = 3600.0  # failures are forgotten after this long without one
    # How often the live-event tailer looks for events committed without a bus hint
    # (another process on the same database, or a lost hint).
    tailer_poll_seconds: float = 1.0
    # A chat whose customer is gone this long (no message, no open chatEvents socket) ends,
    # its transcript on the ticket.
    chat_customer_timeout_seconds: float = 300.0
    # Set to carry live-event hints between server processes (with PostgreSQL).
    redis_url: str | None = None
    # The Redis channels' prefix: every process of one help desk uses the same one.
    redis_prefix: str = "helpdesk"
    presence_timeout_seconds: float = 15.0  # a REPLYING/NOTE presence not re-sent by then lapses
    log_format: str = "text"  # "text" | "json" (one JSON object a line)
    metrics_token: str | None = field(default=None, repr=False)  # GET /metrics needs it if set
    metrics_max_operation_names: int = 100  # distinct names in metrics; the rest are "other"
    ready_timeout_seconds: float = 2.0  # /readyz fails a database or Redis that waits longer
    # Attachments (resolvers/attachments.py): files arrive in GraphQL multipart requests.
    data_dir: str = field(default_factory=lambda: os.environ.get("HELPDESK_DATA_DIR", "data"))
    max_upload_bytes: int = 10 * 1024 * 1024  # one file; a larger one is refused (TOO_LARGE)
    max_upload_request_bytes: int = 25 * 1024 * 1024  # a whole multipart request; more: 413
    max_attachments_per_ticket: int = 50  # a ticket's files, its comments' included
    download_url_seconds: float = 600.0  # how long a signed downloadUrl works
    storage_url: str | None = None  # unset: <data dir>/attachments; or s3://bucket/prefix
    s3_endpoint_url: str | None = None  # an S3-compatible store other than AWS (MinIO...)
    # Signs download URLs. Production requires it; development keeps one in the data dir.
    secret_key: str | None = field(default=None, repr=False)
    # Mail (resolvers/mail.py, helpdesk/mail_worker.py): smtp://[user:pass@]host[:port]
    # (STARTTLS when offered) or smtps:// (TLS); unset, mail waits in the outbox.
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "helpdesk@localhost"  # the sender; its domain names the Message-IDs
    public_url: str = "http://127.0.0.1:8000"  # where mailed links point
    mail_poll_seconds: float = 1.0  # how often each process looks for mail to send
    mail_retry_base_seconds: float = 5.0  # the wait after a failed attempt; doubles each time
    mail_retry_max_seconds: float = 900.0  # the longest wait between two attempts
    mail_max_attempts: int = 10  # a mail the server keeps refusing is FAILED after this many

    @property
    def production(self) -> bool:
        return self.env == "production"

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ValueError(f"HELPDESK_ENV must be development or production, not {self.env!r}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"HELPDESK_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.storage_url and not _is_s3_url(self.storage_url):
            raise ValueError("HELPDESK_STORAGE_URL must look like s3://bucket/prefix")
        if self.max_upload_bytes > MAX_UPLOAD_BYTES:  # a file's size is a GraphQL Int
            raise ValueError(f"HELPDESK_MAX_UPLOAD_BYTES must be at most {MAX_UPLOAD_BYTES}")
        if self.secret_key is not None and len(self.secret_key) < MIN_SECRET_KEY:
            raise ValueError(f"HELPDESK_SECRET_KEY must be at least {MIN_SECRET_KEY} characters")
        if self.smtp_url and not _is_smtp_url(self.smtp_url):
            raise ValueError(
                "HELPDESK_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://..."
            )
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ValueError(
                f"HELPDESK_MAIL_FROM must be an e-mail address, not {self.mail_from!r}"
            )

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            name = f"HELPDESK_{f.name.upper()}"
            raw = environ.get(name, "").strip()
            if raw:
                values[f.name] = _parse(name, raw, hints[f.name])
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.production and not settings.secret_key:
            raise ValueError(
                "HELPDESK_SECRET_KEY must be set in production (it signs download URLs): "
                "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return settings


def _is_s3_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "s3" and bool(parts.netloc)


def _is_smtp_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return False
    return parts.scheme in SMTP_SCHEMES and bool(parts.hostname)


def _parse(name: str, raw: str, hint: object) -> object:
    if isinstance(hint, types.UnionType):  # `str | None`: set means the str
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if typing.get_origin(hint) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if hint is bool:
        if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ValueError(f"{name} must be true or false, not {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    if hint in (int, float):
        try:
            number = hint(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, not {raw!r}") from None
        if number <= 0:
            raise ValueError(f"{name} must be above zero, not {raw!r}")
        return number
    return raw
