"""Settings, read once from the environment."""

import os
from dataclasses import dataclass, field
from pathlib import Path


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
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
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

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get("HELPDESK_ENV", "development")
        if env not in ("development", "production"):
            raise ValueError(f"HELPDESK_ENV must be development or production, not {env!r}")
        origins = os.environ.get("HELPDESK_ALLOWED_ORIGINS", "")
        return cls(
            database_url=os.environ.get("HELPDESK_DATABASE_URL") or _default_database_url(),
            env=env,
            allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            redis_url=os.environ.get("HELPDESK_REDIS_URL") or None,
            tailer_poll_seconds=float(os.environ.get("HELPDESK_TAILER_POLL_SECONDS", "1.0")),
            ws_init_timeout_seconds=float(os.environ.get("HELPDESK_WS_INIT_TIMEOUT_SECONDS", "10")),
        )
