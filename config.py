"""Configuration from the environment, with the embedded defaults (SQLite, in-process broker)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


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
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
