"""Configuration from the environment, with the embedded defaults (SQLite, in-process broker)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
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
class SigningSettings:
    """Platform signing keys, trusted time and revocation data (IPCREDIT_KEY_*, IPCREDIT_TSA_*,
    IPCREDIT_PKCS11_*, IPCREDIT_PUBLIC_URL)."""

    key_passphrase: str | None = field(default=None, repr=False)
    key_passphrase_file: Path | None = None
    # an RFC 3161 time-stamping authority; empty: the platform's own TSA (served at /tsa)
    tsa_url: str = ""
    # where the API is reached: certificates name `<public_url>/crl/platform-ca.crl`
    public_url: str = "http://localhost:8000"
    # the bank's signing key in a PKCS#11 token instead of an encrypted file
    pkcs11_module: str = ""
    pkcs11_token_label: str = ""
    pkcs11_pin: str | None = field(default=None, repr=False)
    pkcs11_key_label: str = ""
    pkcs11_cert_label: str = ""


def _signing_settings() -> SigningSettings:
    """Signing settings from the environment."""
    env = os.environ.get
    passphrase_file = env("IPCREDIT_KEY_PASSPHRASE_FILE")
    return SigningSettings(
        key_passphrase=env("IPCREDIT_KEY_PASSPHRASE") or None,
        key_passphrase_file=Path(passphrase_file) if passphrase_file else None,
        tsa_url=env("IPCREDIT_TSA_URL", "").strip(),
        public_url=env("IPCREDIT_PUBLIC_URL", "http://localhost:8000").strip().rstrip("/"),
        pkcs11_module=env("IPCREDIT_PKCS11_MODULE", "").strip(),
        pkcs11_token_label=env("IPCREDIT_PKCS11_TOKEN", "").strip(),
        pkcs11_pin=env("IPCREDIT_PKCS11_PIN") or None,
        pkcs11_key_label=env("IPCREDIT_PKCS11_KEY_LABEL", "").strip(),
        pkcs11_cert_label=env("IPCREDIT_PKCS11_CERT_LABEL", "").strip(),
    )


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
    gnn_device: str
    provider: ProviderSettings
    # where verification notices go: "file" (notifications.jsonl in the data directory), "log",
    # "none" (refuse to send), or "package.module:factory" for the bank's own channel
    notifier: str
    signing: SigningSettings = field(default_factory=SigningSettings)
    # a session lasts this long without use; its access tokens (jwt_ttl_seconds) are renewed
    # by rotating its refresh token
    refresh_ttl_seconds: int = 7 * 24 * 3600
    # PUBSUB_URL: what carries live notices (warnings, application updates) to the subscribers
    # of every API process: redis://... (Redis pub/sub), postgres://... (PostgreSQL
    # LISTEN/NOTIFY) or "local" (this process's subscribers only). Unset: the broker's Redis
    # when BROKER_URL is Redis, else local; several API replicas need it set (docs/runtime.md)
    pubsub_url: str | None = None
    # IPCREDIT_SEND_TIMEOUT: the longest one send to the broker or the pub/sub may take before
    # the message is left in the outbox for a later round
    send_timeout_seconds: float = 2.0
    # IPCREDIT_AUDIT_CHECKPOINT_INTERVAL: how often the scheduler has the bank's key sign the
    # audit chain's head (when the chain grew since the last checkpoint)
    audit_checkpoint_interval_seconds: int = 600
    # IPCREDIT_REFRESH_SETTLE: how long a worker's indicator refresh after events waits for the
    # events right behind the first, so that one pass computes their firms together
    refresh_settle_seconds: float = 2.0

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
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner-only: keys, files, database
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


PUBSUB_SCHEMES = ("redis://", "rediss://", "unix://", "postgres://", "postgresql://")
LOCAL_PUBSUB = "local"


def _pubsub_url() -> str | None:
    """PUBSUB_URL, checked: a Redis or PostgreSQL URL, "local", or unset (None)."""
    raw = (os.environ.get("PUBSUB_URL") or "").strip()
    if not raw:
        return None
    if raw != LOCAL_PUBSUB and not raw.startswith(PUBSUB_SCHEMES):
        raise ValueError(
            f"PUBSUB_URL must be redis://..., postgres://... or local, not {raw.split(':')[0]!r}"
        )
    return raw


def _seconds(name: str, default: float, *, zero: bool = False) -> float:
    """A number of seconds from the environment: positive (or zero when `zero`)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name} must be {'zero or ' if zero else ''}positive")
    return value


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing it)."""
    data_dir = Path(os.environ.get("IPCREDIT_DATA_DIR", "./data")).resolve()
    env = os.environ.get("IPCREDIT_ENV", "development")
    if env not in ("development", "production"):
        raise ValueError(f"IPCREDIT_ENV must be development or production, not {env!r}")
    if os.environ.get("IPCREDIT_FOUR_EYES_AMOUNT"):
        # refused rather than ignored: an operator who set it must learn where the rule went
        raise ValueError(
            "IPCREDIT_FOUR_EYES_AMOUNT is no longer read: the four-eyes amount lives in the "
            "credit policy file (approvals.four_eyes_above, domain/decision/policy/)"
        )
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite://{data_dir / 'ipcredit.sqlite3'}",
        broker_url=os.environ.get("BROKER_URL") or None,
        env=env,
        jwt_secret=_jwt_secret(data_dir),
        jwt_issuer=os.environ.get("IPCREDIT_JWT_ISSUER", "ipcredit"),
        jwt_audience=os.environ.get("IPCREDIT_JWT_AUDIENCE", "ipcredit-api"),
        jwt_ttl_seconds=int(os.environ.get("IPCREDIT_JWT_TTL", "600")),
        refresh_ttl_seconds=int(os.environ.get("IPCREDIT_REFRESH_TTL", str(7 * 24 * 3600))),
        log_level=os.environ.get("IPCREDIT_LOG_LEVEL", "INFO"),
        sweep_interval_seconds=int(os.environ.get("IPCREDIT_SWEEP_INTERVAL", "3600")),
        gnn_device=os.environ.get("GNN_DEVICE", "cpu"),
        provider=_provider_settings(),
        notifier=os.environ.get("IPCREDIT_NOTIFIER")
        or ("file" if env == "development" else "none"),
        signing=_signing_settings(),
        pubsub_url=_pubsub_url(),
        send_timeout_seconds=_seconds("IPCREDIT_SEND_TIMEOUT", 2.0),
        refresh_settle_seconds=_seconds("IPCREDIT_REFRESH_SETTLE", 2.0, zero=True),
        audit_checkpoint_interval_seconds=max(
            1, int(os.environ.get("IPCREDIT_AUDIT_CHECKPOINT_INTERVAL", "600"))
        ),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
