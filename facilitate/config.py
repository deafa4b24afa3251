"""Settings: defaults in code, then `FACILITATE_*` environment variables, then test overrides."""

import os
import secrets
from pathlib import Path

PREFIX = "FACILITATE_"


def default_data_dir() -> Path:
    """Where the embedded database and the generated secret live, per user."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "facilitate"


def load(overrides: dict | None = None) -> dict:
    """The app's settings, from the three layers."""
    env = {k.removeprefix(PREFIX): v for k, v in os.environ.items() if k.startswith(PREFIX)}
    settings = {
        "DATA_DIR": str(default_data_dir()),
        "DATABASE_URL": None,
        "SECRET_KEY": None,
        "PUBLIC_URL": None,
        "REDIS_URL": None,
        "KITS_DIR": None,
        "ASYNC_MODE": "threading",
        "BATCH_SECONDS": 1.0,
        "RETENTION_DAYS": 365,
        **env,
        **(overrides or {}),
    }
    data_dir = Path(settings["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{data_dir / 'facilitate.sqlite3'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _kept_secret(data_dir / "secret_key")
    settings["BATCH_SECONDS"] = float(settings["BATCH_SECONDS"])
    settings["RETENTION_DAYS"] = int(settings["RETENTION_DAYS"])
    return settings


def _kept_secret(path: Path) -> str:
    """A secret generated once and kept, so that a restart keeps tokens and cookies valid."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
