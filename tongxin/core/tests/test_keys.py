import os

from tongxin import conf
from tongxin.core import keys
from tongxin.core.crypto import Keyring


def test_a_rotation_written_by_another_process_reaches_this_one(monkeypatch):
    monkeypatch.delenv("TONGXIN_FIELD_KEY", raising=False)
    monkeypatch.setattr(keys, "RELOAD_CHECK_SECONDS", 0.0)
    keys.reset_cache()
    before = keys.keyring()
    token = before.encrypt("13800001111")
    rotated = Keyring.from_string(Keyring.generate_secret() + "," + before.to_string())
    path = conf.data_dir() / conf.FIELD_KEY_FILE
    path.write_text(rotated.to_string() + "\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    after = keys.keyring()
    assert after.active_key_id == rotated.active_key_id != before.active_key_id
    assert after.decrypt(token) == "13800001111"
    keys.reset_cache()
