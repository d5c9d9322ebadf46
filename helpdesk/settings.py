"""Settings, read once from the environment.

Every field can be set as `HELPDESK_<FIELD NAME IN CAPITALS>`: `max_page_size` is
`HELPDESK_MAX_PAGE_SIZE`. A value that does not parse stops the start with a clear message."""

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "production")


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
    max_cost: int = 10_000  # objects an operation may return: lists multiply by page size
    max_cost_per_minute: int = 200_000  # per token (per client address when anonymous)
    max_cached_document_bytes: int = 8192  # larger documents are parsed anew each time
    document_cache_size: int = 256
    max_subscriptions_per_connection: int = 20
    max_ws_message_bytes: int = 64 * 1024
    ws_init_timeout_seconds: float = 10.0
    # How often the live-event tailer looks for events committed without a bus hint
    # (another process on the same database, or a lost hint).
    tailer_poll_seconds: float = 1.0
    # Set to carry live-event hints between server processes (with PostgreSQL).
    redis_url: str | None = None

    @property
    def production(self) -> bool:
        return self.env == "production"

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ValueError(f"HELPDESK_ENV must be development or production, not {self.env!r}")

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
        return cls(**values)  # type: ignore[arg-type]


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
            number = hint(raw)  # type: ignore[operator]
        except ValueError:
            raise ValueError(f"{name} must be a number, not {raw!r}") from None
        if number <= 0:
            raise ValueError(f"{name} must be above zero, not {raw!r}")
        return number
    return raw
