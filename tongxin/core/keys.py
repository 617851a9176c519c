"""The field-encryption keyring: from TONGXIN_FIELD_KEY, or from the key file in the data directory.

The key never lives in the database. The keyring is an ordered list of secrets; the first encrypts, all decrypt,
so a rotation can re-encrypt row by row without a moment where data is unreadable.
"""

import os
import threading

from tongxin import conf
from tongxin.core.crypto import Keyring

_lock = threading.Lock()
_keyring: Keyring | None = None


def keyring() -> Keyring:
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _keyring = Keyring.from_string(_load_secret_string())
    return _keyring


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
        _keyring = ring


def reset_cache() -> None:
    global _keyring
    with _lock:
        _keyring = None
