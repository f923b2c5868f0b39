"""Engine settings read from the environment: where the database and the data folder live."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "CLAIMS_DATABASE_URL"
DATA_DIR_ENV = "CLAIMS_DATA_DIR"
PAYER_RULES_ENV = "CLAIMS_PAYER_RULES_DIR"


def data_dir() -> Path:
    """The folder for the embedded database and stored files (CLAIMS_DATA_DIR, else ./data)."""
    return Path(os.environ.get(DATA_DIR_ENV) or "data").resolve()


def database_url(explicit: str | None = None) -> str:
    """The database URL: the explicit one, else CLAIMS_DATABASE_URL, else a SQLite file."""
    url = explicit or os.environ.get(DATABASE_URL_ENV)
    if not url:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'claims.db'}"
    # psycopg 3 is the driver we ship; accept the plain scheme people paste from psql.
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def payer_rules_dir(explicit: Path | None = None) -> Path | None:
    """Where payer rule files (*.toml) live: the explicit folder, else CLAIMS_PAYER_RULES_DIR,
    else payer-rules/ in the data folder when it exists; None when there are none."""
    if explicit is not None:
        return explicit
    configured = os.environ.get(PAYER_RULES_ENV)
    if configured:
        return Path(configured)
    default = data_dir() / "payer-rules"
    return default if default.is_dir() else None
