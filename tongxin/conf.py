"""Where the installation keeps its data, and the secrets that live there.

Settings read environment variables only; when a secret is not given in the environment it is generated once
into the data directory (mode 0600), so that `tongxin demo` needs no key-generation step.
"""

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
FIELD_KEY_FILE = "field.key"


def data_dir() -> Path:
    return Path(os.environ.get("TONGXIN_DATA_DIR") or (Path.cwd() / "var")).resolve()


def ensure_data_dir() -> Path:
    path = data_dir()
    path.mkdir(parents=True, exist_ok=True)
    (path / "media").mkdir(exist_ok=True)
    return path


def read_or_create_secret(name: str, factory) -> str:
    path = ensure_data_dir() / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = factory()
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    try:
        os.link(tmp, path)  # atomic: a concurrent reader sees no file or the whole file, never a half-written one
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return value


def write_secret(name: str, value: str) -> None:
    path = ensure_data_dir() / name
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.replace(tmp, path)


def secret_key() -> str:
    return os.environ.get("SECRET_KEY") or read_or_create_secret(SECRET_KEY_FILE, lambda: secrets.token_urlsafe(50))
