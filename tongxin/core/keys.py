"""The field-encryption keyring: from TONGXIN_FIELD_KEY, or from the key file in the data directory.

The key never lives in the database. The keyring is an ordered list of secrets; the first encrypts, all decrypt,
so a rotation can re-encrypt row by row without a moment where data is unreadable.
"""

import os
import threading
import time

from tongxin import conf
from tongxin.core.crypto import Keyring

_lock = threading.Lock()
_keyring: Keyring | None = None
_loaded_mtime: float | None = None
_checked_at = 0.0
RELOAD_CHECK_SECONDS = 2.0


def keyring() -> Keyring:
    """The process's keyring; re-read when the key file changes, so a rotation reaches running servers."""
    global _keyring, _checked_at
    now = time.monotonic()
    if _keyring is not None and now - _checked_at >= RELOAD_CHECK_SECONDS:
        _checked_at = now
        if key_source() == "file" and _key_file_mtime() != _loaded_mtime:
            reset_cache()
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _load()
    return _keyring


def _key_file_mtime() -> float | None:
    try:
        return (conf.data_dir() / conf.FIELD_KEY_FILE).stat().st_mtime
    except OSError:
        return None


def _load() -> None:
    global _keyring, _loaded_mtime
    secret = _load_secret_string()
    _loaded_mtime = _key_file_mtime() if key_source() == "file" else None
    _keyring = Keyring.from_string(secret)


def _load_secret_string() -> str:
    from_env = os.environ.get("TONGXIN_FIELD_KEY")
    if from_env:
        return from_env
    return conf.read_or_create_secret(conf.FIELD_KEY_FILE, Keyring.generate_secret)


def key_source() -> str:
    return "env" if os.environ.get("TONGXIN_FIELD_KEY") else "file"


def install_keyring(ring: Keyring) -> None:
    """Make `ring` the process's keyring and, when keys live in the key file, persist it."""
    global _keyring
    with _lock:
        if key_source() == "file":
            conf.write_secret(conf.FIELD_KEY_FILE, ring.to_string())
        else:
            os.environ["TONGXIN_FIELD_KEY"] = ring.to_string()
        global _loaded_mtime
        _loaded_mtime = _key_file_mtime() if key_source() == "file" else None
        _keyring = ring


def reset_cache() -> None:
    global _keyring
    with _lock:
        _keyring = None
