"""Configuration from the environment, with the embedded defaults (SQLite, in-process broker)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class ProviderSettings:
    """Where outside data comes from (IPCREDIT_PROVIDER_*): a bank's data platform over HTTP at
    `url`, the bank's own `adapter` (`package.module:name` of a `DataProvider`), or with
    neither the world directory in the data directory."""

    url: str = ""
    adapter: str = ""
    token: str | None = None  # sent as `Authorization: Bearer ...` when set
    timeout_seconds: float = 5.0  # per attempt: reading, writing, waiting for a connection
    connect_timeout_seconds: float = 2.0
    retries: int = 2  # further attempts after a timeout, a 5xx or a connection error
    backoff_seconds: float = 0.2  # the first wait between attempts, doubled each time
    backoff_max_seconds: float = 5.0
    breaker_failures: int = 5  # consecutive failed requests of one source open its circuit
    breaker_cooldown_seconds: float = 30.0  # an open circuit lets one trial through after this
    cache_ttl_seconds: float = 60.0  # 0 turns the response cache off
    cache_size: int = 1024  # answers kept, one per enterprise and source


@dataclass(frozen=True)
class Settings:
    """Typed settings; read once per process by `settings()`."""

    data_dir: Path
    database_url: str
    broker_url: str | None
    env: str
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    jwt_ttl_seconds: int
    log_level: str
    sweep_interval_seconds: int
    four_eyes_amount: str
    gnn_device: str
    provider: ProviderSettings
    # where verification notices go: "file" (notifications.jsonl in the data directory), "log",
    # "none" (refuse to send), or "package.module:factory" for the bank's own channel
    notifier: str

    @property
    def production(self) -> bool:
        """True in production mode: introspection and GraphiQL off, errors masked."""
        return self.env == "production"


def _jwt_secret(data_dir: Path) -> str:
    """The JWT secret from the environment, else generated once into the data directory."""
    env_secret = os.environ.get("IPCREDIT_JWT_SECRET")
    if env_secret:
        return env_secret
    path = data_dir / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(secret)
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return secret


def _provider_settings() -> ProviderSettings:
    """Provider settings from the environment; a negative or malformed number is refused."""
    default = ProviderSettings()

    def number(name: str, value: float, kind: type[int] | type[float]) -> float:
        raw = os.environ.get(f"IPCREDIT_PROVIDER_{name}")
        try:
            parsed = kind(raw) if raw not in (None, "") else value
        except ValueError:
            raise ValueError(f"IPCREDIT_PROVIDER_{name} must be a number, not {raw!r}") from None
        if parsed < 0:
            raise ValueError(f"IPCREDIT_PROVIDER_{name} must not be negative")
        return parsed

    url = os.environ.get("IPCREDIT_PROVIDER_URL", "").strip().rstrip("/")
    adapter = os.environ.get("IPCREDIT_PROVIDER_ADAPTER", "").strip()
    if url and adapter:
        raise ValueError("set IPCREDIT_PROVIDER_URL or IPCREDIT_PROVIDER_ADAPTER, not both")
    return ProviderSettings(
        url=url,
        adapter=adapter,
        token=os.environ.get("IPCREDIT_PROVIDER_TOKEN") or None,
        timeout_seconds=number("TIMEOUT", default.timeout_seconds, float),
        connect_timeout_seconds=number("CONNECT_TIMEOUT", default.connect_timeout_seconds, float),
        retries=int(number("RETRIES", default.retries, int)),
        backoff_seconds=number("BACKOFF", default.backoff_seconds, float),
        backoff_max_seconds=number("BACKOFF_MAX", default.backoff_max_seconds, float),
        breaker_failures=max(1, int(number("BREAKER_FAILURES", default.breaker_failures, int))),
        breaker_cooldown_seconds=number(
            "BREAKER_COOLDOWN", default.breaker_cooldown_seconds, float
        ),
        cache_ttl_seconds=number("CACHE_TTL", default.cache_ttl_seconds, float),
        cache_size=int(number("CACHE_SIZE", default.cache_size, int)),
    )


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing it)."""
    data_dir = Path(os.environ.get("IPCREDIT_DATA_DIR", "./data")).resolve()
    env = os.environ.get("IPCREDIT_ENV", "development")
    if env not in ("development", "production"):
        raise ValueError(f"IPCREDIT_ENV must be development or production, not {env!r}")
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite://{data_dir / 'ipcredit.sqlite3'}",
        broker_url=os.environ.get("BROKER_URL") or None,
        env=env,
        jwt_secret=_jwt_secret(data_dir),
        jwt_issuer=os.environ.get("IPCREDIT_JWT_ISSUER", "ipcredit"),
        jwt_audience=os.environ.get("IPCREDIT_JWT_AUDIENCE", "ipcredit-api"),
        jwt_ttl_seconds=int(os.environ.get("IPCREDIT_JWT_TTL", "3600")),
        log_level=os.environ.get("IPCREDIT_LOG_LEVEL", "INFO"),
        sweep_interval_seconds=int(os.environ.get("IPCREDIT_SWEEP_INTERVAL", "3600")),
        four_eyes_amount=os.environ.get("IPCREDIT_FOUR_EYES_AMOUNT", "3000000"),
        gnn_device=os.environ.get("GNN_DEVICE", "cpu"),
        provider=_provider_settings(),
        notifier=os.environ.get("IPCREDIT_NOTIFIER")
        or ("file" if env == "development" else "none"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
