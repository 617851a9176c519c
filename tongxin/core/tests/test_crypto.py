"""Tests for tongxin.core.crypto: SM4-GCM field encryption, HMAC-SM3 blind indexes, key rotation, masking."""

import base64
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tongxin.core.crypto import DecryptionError, Keyring, mask_id_number, mask_phone

SECRET_A = bytes(range(32))
SECRET_B = bytes(range(100, 140))
SECRET_C = b"\xff" * 32
TOKEN_RE = re.compile(r"sm4gcm1:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}")


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _replace_blob(token: str, raw: bytes) -> str:
    head, _, _ = token.rpartition(":")
    return f"{head}:{_b64(raw)}"


def _raw(token: str) -> bytes:
    return base64.b64decode(token.rpartition(":")[2])


@pytest.fixture
def ring():
    return Keyring([SECRET_A])


class TestPrimitives:
    """The backend must implement the national standards, not merely something named after them."""

    def test_sm4_standard_vector(self):
        key = bytes.fromhex("0123456789abcdeffedcba9876543210")
        enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - single-block test vector
        assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"

    def test_sm3_standard_vector(self):
        assert _sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


class TestKeyringConstruction:
    def test_key_id_is_sm3_prefix(self, ring):
        assert ring.active_key_id == _sm3(b"tongxin-keyid-v1" + SECRET_A).hex()[:8]
        assert ring.key_ids == (ring.active_key_id,)

    def test_key_ids_in_order(self):
        ring = Keyring([SECRET_B, SECRET_A])
        assert ring.key_ids == (Keyring([SECRET_B]).active_key_id, Keyring([SECRET_A]).active_key_id)
        assert ring.active_key_id == ring.key_ids[0]

    @pytest.mark.parametrize("secrets", [[], [b"short"], [b"x" * 31], [SECRET_A, b"x" * 16], ["a" * 40]])
    def test_rejects_bad_secrets(self, secrets):
        with pytest.raises(ValueError):
            Keyring(secrets)

    def test_rejects_duplicate_secret(self):
        with pytest.raises(ValueError, match="twice"):
            Keyring([SECRET_A, SECRET_A])

    def test_generate_secret(self):
        s1, s2 = Keyring.generate_secret(), Keyring.generate_secret()
        assert s1 != s2
        assert len(base64.b64decode(s1, validate=True)) == 32
        assert Keyring.from_string(s1).active_key_id != Keyring.from_string(s2).active_key_id

    def test_from_string_standard_and_urlsafe_agree(self):
        secret = b"\xfb\xff\xfe" * 11  # encodes with '+' and '/' in standard base64
        standard = base64.b64encode(secret).decode()
        urlsafe = base64.urlsafe_b64encode(secret).decode()
        assert "+" in standard or "/" in standard
        assert standard != urlsafe
        ids = {Keyring.from_string(s).active_key_id for s in (standard, urlsafe, urlsafe.rstrip("="))}
        assert ids == {Keyring([secret]).active_key_id}

    def test_from_string_list(self):
        text = f" {_b64(SECRET_B)} , {_b64(SECRET_A)},"
        ring = Keyring.from_string(text)
        assert ring.key_ids == Keyring([SECRET_B, SECRET_A]).key_ids

    @pytest.mark.parametrize("text", ["", " , ", "not base64!!", _b64(b"too short")])
    def test_from_string_rejects(self, text):
        with pytest.raises(ValueError):
            Keyring.from_string(text)

    def test_to_string_round_trip(self):
        ring = Keyring([SECRET_B, SECRET_A, SECRET_C])
        again = Keyring.from_string(ring.to_string())
        assert again.key_ids == ring.key_ids
        assert again.decrypt(ring.encrypt("x")) == "x"

    def test_repr_hides_secrets(self):
        ring = Keyring([SECRET_A])
        text = repr(ring)
        assert ring.active_key_id in text
        assert _b64(SECRET_A) not in text
        assert SECRET_A.hex() not in text

    def test_with_new_active(self, ring):
        rotated = ring.with_new_active(SECRET_B)
        assert rotated.key_ids == (Keyring([SECRET_B]).active_key_id, ring.active_key_id)


class TestEncryption:
    @pytest.mark.parametrize("plaintext", ["", "张三", "510903198503011234", "a" * 5000, "emoji 🙂 \x00 nul"])
    def test_round_trip(self, ring, plaintext):
        token = ring.encrypt(plaintext)
        assert TOKEN_RE.fullmatch(token)
        assert ring.decrypt(token) == plaintext

    def test_token_layout(self, ring):
        token = ring.encrypt("hello")
        scheme, key_id, _ = token.split(":")
        assert (scheme, key_id) == ("sm4gcm1", ring.active_key_id)
        assert len(_raw(token)) == 12 + len(b"hello") + 16

    def test_matches_specified_construction(self, ring):
        """Other tools must be able to open tokens from the published recipe: HKDF key, GCM, header as AAD."""
        token = ring.encrypt("互操作")
        raw = _raw(token)
        key = HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"tongxin-sm4-v1").derive(SECRET_A)
        dec = Cipher(algorithms.SM4(key), modes.GCM(raw[:12], raw[-16:])).decryptor()
        dec.authenticate_additional_data(f"sm4gcm1:{ring.active_key_id}".encode())
        assert (dec.update(raw[12:-16]) + dec.finalize()).decode() == "互操作"

    def test_random_nonce(self, ring):
        tokens = {ring.encrypt("same") for _ in range(50)}
        assert len(tokens) == 50
        assert len({_raw(t)[:12] for t in tokens}) == 50

    def test_plaintext_not_in_token(self, ring):
        secret = "510903198503011234"
        token = ring.encrypt(secret)
        assert secret not in token
        assert secret.encode() not in _raw(token)
        assert _b64(secret.encode()) not in token
        assert "张三" not in ring.encrypt("张三")

    def test_encrypt_requires_str(self, ring):
        with pytest.raises(TypeError):
            ring.encrypt(b"bytes")
        with pytest.raises(TypeError):
            ring.encrypt(None)

    @pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
    def test_tampering_detected(self, ring, where):
        token = ring.encrypt("510903198503011234")
        raw = bytearray(_raw(token))
        index = {"nonce": 0, "ciphertext": 12, "tag": len(raw) - 1}[where]
        raw[index] ^= 0x01
        with pytest.raises(DecryptionError):
            ring.decrypt(_replace_blob(token, bytes(raw)))

    def test_truncation_detected(self, ring):
        token = ring.encrypt("510903198503011234")
        raw = _raw(token)
        for cut in (raw[:-1], raw[:-16], raw[:27], raw[1:]):
            with pytest.raises(DecryptionError):
                ring.decrypt(_replace_blob(token, cut))

    def test_ciphertext_swap_between_keys_detected(self):
        """Relabelling a token with another key id of the same ring fails: the header is authenticated."""
        ring = Keyring([SECRET_A, SECRET_B])
        token = ring.encrypt("x")
        other = ring.key_ids[1]
        forged = token.replace(ring.active_key_id, other, 1)
        with pytest.raises(DecryptionError):
            ring.decrypt(forged)

    def test_unknown_key(self, ring):
        token = Keyring([SECRET_B]).encrypt("x")
        with pytest.raises(DecryptionError, match="not in the keyring"):
            ring.decrypt(token)

    @pytest.mark.parametrize(
        "token",
        [
            "",
            "plain text",
            "sm4gcm1:",
            "sm4gcm1:abcd:AAAA",
            "sm4gcm2:00000000:AAAA",
            "sm4gcm1:ABCDEF01:AAAA",
            "sm4gcm1:0000000g:AAAA",
            "sm4gcm1:00000000:AAAA:extra",
            None,
            b"sm4gcm1:00000000:AAAA",
        ],
    )
    def test_malformed_tokens(self, ring, token):
        with pytest.raises(DecryptionError):
            ring.decrypt(token)

    def test_bad_base64_payload(self, ring):
        with pytest.raises(DecryptionError, match="base64"):
            ring.decrypt(f"sm4gcm1:{ring.active_key_id}:@@@@")

    def test_decryption_error_is_not_value_error(self):
        """Callers catching ValueError for user input must not silently swallow key problems."""
        assert not issubclass(DecryptionError, ValueError)


class TestRotation:
    def test_old_tokens_decrypt_after_rotation(self):
        old_ring = Keyring([SECRET_A])
        old_token = old_ring.encrypt("旧数据")
        new_ring = Keyring([SECRET_B, SECRET_A])
        assert new_ring.decrypt(old_token) == "旧数据"
        new_token = new_ring.encrypt("新数据")
        assert new_ring.key_id_of(new_token) == new_ring.active_key_id
        assert new_ring.key_id_of(old_token) == old_ring.active_key_id
        with pytest.raises(DecryptionError):
            old_ring.decrypt(new_token)

    def test_is_current(self):
        old_ring = Keyring([SECRET_A])
        new_ring = old_ring.with_new_active(SECRET_B)
        old_token, new_token = old_ring.encrypt("a"), new_ring.encrypt("a")
        assert old_ring.is_current(old_token)
        assert not new_ring.is_current(old_token)
        assert new_ring.is_current(new_token)
        assert not new_ring.is_current("garbage")
        assert not new_ring.is_current(None)

    def test_re_encrypt_then_drop_old_key(self):
        old_ring = Keyring([SECRET_A])
        tokens = [old_ring.encrypt(v) for v in ("甲", "乙", "丙")]
        rotating = old_ring.with_new_active(SECRET_B)
        tokens = [t if rotating.is_current(t) else rotating.encrypt(rotating.decrypt(t)) for t in tokens]
        final = Keyring([SECRET_B])
        assert [final.decrypt(t) for t in tokens] == ["甲", "乙", "丙"]

    def test_key_id_of_unknown_key(self, ring):
        token = Keyring([SECRET_C]).encrypt("x")
        assert ring.key_id_of(token) == Keyring([SECRET_C]).active_key_id
        with pytest.raises(DecryptionError):
            ring.key_id_of("nope")


class TestBlindIndex:
    def test_deterministic_hex(self, ring):
        a = ring.blind_index("510903198503011234", purpose="id_number")
        assert a == ring.blind_index("510903198503011234", purpose="id_number")
        assert a == Keyring([SECRET_A]).blind_index("510903198503011234", purpose="id_number")
        assert re.fullmatch(r"[0-9a-f]{64}", a)

    def test_matches_specified_construction(self, ring):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tongxin-bidx-v1").derive(SECRET_A)
        mac = HMAC(key, hashes.SM3())
        mac.update(b"phone\x0013812345678")
        assert ring.blind_index("13812345678", purpose="phone") == mac.finalize().hex()

    def test_differs_per_purpose_value_and_key(self, ring):
        base = ring.blind_index("13812345678", purpose="phone")
        assert base != ring.blind_index("13812345678", purpose="id_number")
        assert base != ring.blind_index("13812345679", purpose="phone")
        assert base != Keyring([SECRET_B]).blind_index("13812345678", purpose="phone")

    def test_purpose_boundary_is_unambiguous(self, ring):
        assert ring.blind_index("b", purpose="a") != ring.blind_index("", purpose="ab")

    def test_does_not_normalize(self, ring):
        assert ring.blind_index("138 1234 5678", purpose="phone") != ring.blind_index(
            "13812345678", purpose="phone"
        )

    def test_value_not_exposed(self, ring):
        assert "13812345678" not in ring.blind_index("13812345678", purpose="phone")

    @pytest.mark.parametrize("purpose", ["", "a\x00b"])
    def test_bad_purpose(self, ring, purpose):
        with pytest.raises(ValueError):
            ring.blind_index("x", purpose=purpose)

    def test_purpose_is_keyword_only(self, ring):
        with pytest.raises(TypeError):
            ring.blind_index("x", "phone")

    def test_blind_indexes_under_every_key(self):
        ring = Keyring([SECRET_B, SECRET_A, SECRET_C])
        expected = [Keyring([s]).blind_index("v", purpose="p") for s in (SECRET_B, SECRET_A, SECRET_C)]
        assert ring.blind_indexes("v", "p") == expected
        assert ring.blind_indexes("v", purpose="p") == expected
        assert ring.blind_indexes("v", "p")[0] == ring.blind_index("v", purpose="p")

    def test_lookup_during_rotation_finds_old_rows(self):
        old_index = Keyring([SECRET_A]).blind_index("510903198503011234", purpose="id_number")
        rotated = Keyring([SECRET_B, SECRET_A])
        assert old_index in rotated.blind_indexes("510903198503011234", "id_number")
        assert rotated.blind_index("510903198503011234", purpose="id_number") != old_index


class TestMasking:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("510903198503011234", "510903********1234"),
            ("11010519491231002X", "110105********002X"),
            ("110105491231002", "110105*****1002"),
            ("12345678901", "123456*8901"),
            ("1234567890", "**********"),
            ("123", "***"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_mask_id_number(self, value, expected):
        assert mask_id_number(value) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("13812345678", "138****5678"),
            ("0825-1234567", "0825-***4567"),
            ("010-12345678", "010-****5678"),
            ("0825-1234567-801", "0825-***4567-801"),
            ("0825-1234", "0825-****"),
            ("12345678", "123*5678"),
            ("1234567", "*******"),
            ("123", "***"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_mask_phone(self, value, expected):
        assert mask_phone(value) == expected

    def test_mask_keeps_length(self):
        for value in ("510903198503011234", "13812345678", "0825-1234567"):
            assert len(mask_id_number(value)) == len(value)
            assert len(mask_phone(value)) == len(value)


# -- bulk helpers (imports) ------------------------------------------------------------------------------------


def test_sealer_and_encrypt_many_make_tokens_like_encrypt(ring):
    seal = ring.sealer()
    assert seal is ring.sealer()  # prepared once per ring
    values = ["510903198503011234", "13912341234", "", "测试 ✓"]
    tokens = [seal(v) for v in values] + ring.encrypt_many(values)
    for token, value in zip(tokens, values + values, strict=True):
        assert token.startswith(f"sm4gcm1:{ring.active_key_id}:")
        assert ring.decrypt(token) == value
        assert len(_raw(token)) == 12 + len(value.encode()) + 16
    assert len(set(tokens)) == len(tokens)  # a fresh nonce each time
    with pytest.raises(TypeError):
        seal(123)


def _nonces(tokens) -> list[bytes]:
    return [_raw(token)[:12] for token in tokens]


def _nonces_in_a_child(seal_some) -> list[bytes]:
    """The nonces of the tokens `seal_some()` makes in a forked child process, sent back through a pipe."""
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, b"".join(_nonces(seal_some())))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    blob = b""
    while chunk := os.read(read, 65536):
        blob += chunk
    os.close(read)
    return [blob[i:i + 12] for i in range(0, len(blob), 12)]


def test_sealer_nonces_never_repeat_across_refills_threads_and_a_fork(ring):
    """The sealer draws nonces in blocks; a repeated nonce under one key would break GCM, so: none in many more
    tokens than one block, none between threads, none between a parent and a child forked with a half-used
    block (the child draws its own)."""
    from concurrent.futures import ThreadPoolExecutor

    seal = ring.sealer()
    first = [seal("13912341234") for _ in range(1000)]  # three blocks' worth
    with ThreadPoolExecutor(4) as pool:
        threaded = [t for part in pool.map(lambda _: [seal("1") for _ in range(500)], range(4)) for t in part]
    # the child draws 50 nonces from what the parent's half-used block would have given
    child = _nonces_in_a_child(lambda: [seal("x") for _ in range(50)])
    parent = _nonces(seal("x") for _ in range(50))
    assert len(child) == 50
    everything = _nonces(first) + _nonces(threaded) + parent + child
    assert len(set(everything)) == len(everything)


def test_sealer_falls_back_to_the_public_api(ring, monkeypatch):
    import cryptography.hazmat.bindings._rust as rust

    monkeypatch.setattr(rust, "openssl", object())  # backend internals not as expected
    seal = Keyring([b"k" * 32]).sealer()
    token = seal("13912341234")
    assert Keyring([b"k" * 32]).decrypt(token) == "13912341234"


def _gcm_reference(ring, token: str) -> bytes:
    """What OpenSSL's SM4-GCM gives for the token's own nonce and plaintext: nonce + ciphertext + tag."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = _raw(token)
    nonce, plain = raw[:12], ring.decrypt(token)
    key = ring._keys[0]
    encryptor = Cipher(algorithms.SM4(key.sm4_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(f"sm4gcm1:{key.key_id}".encode())
    return nonce + encryptor.update(plain.encode()) + encryptor.finalize() + encryptor.tag


def test_encrypt_many_is_byte_for_byte_openssl_gcm_for_every_length(ring):
    """The bulk sealer computes GCM itself (counter blocks from one SM4 context, GHASH by tables): every token must
    be exactly what OpenSSL gives for the same nonce — lengths 0 to 100 bytes, across the one-, two- and
    many-block paths and the longer values sealed one by one — and open with `decrypt`."""
    import random

    rng = random.Random(7)
    alphabet = "0123456789X-测试 ✓a"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(800)]
    values += ["x" * n for n in range(101)] + ["510903198503011234", "13912341234", "0825-1234567-123"]
    tokens = ring.encrypt_many(values)
    assert ring.__dict__["_bulk"] is not None  # the bulk path, not the per-value fallback
    for token, value in zip(tokens, values, strict=True):
        assert token.startswith(f"sm4gcm1:{ring.active_key_id}:")
        assert ring.decrypt(token) == value
        assert _raw(token) == _gcm_reference(ring, token)
    assert len(set(_nonces(tokens))) == len(tokens)
    with pytest.raises(TypeError):
        ring.encrypt_many(["1", 2])


def test_encrypt_many_draws_fresh_nonces_across_batches_and_a_fork(ring):

    first = ring.encrypt_many(["13912341234"] * 300) + ring.encrypt_many(["510903198503011234"] * 300)
    # the child seals with the bulk sealer it inherited, half-used nonce block and all
    child = _nonces_in_a_child(lambda: ring.encrypt_many(["x"] * 50))
    everything = _nonces(first) + _nonces(ring.encrypt_many(["x"] * 50)) + child
    assert len(child) == 50
    assert len(set(everything)) == len(everything)


def test_encrypt_many_falls_back_when_its_self_check_fails(monkeypatch):
    """A bulk sealer whose tokens would not open (here: the wrong field polynomial) is never used."""
    from tongxin.core import crypto

    monkeypatch.setattr(crypto._BulkSealer, "_R", 0x87 << 120)
    ring = Keyring([b"f" * 32])
    tokens = ring.encrypt_many(["510903198503011234", "13912341234"])
    assert ring.__dict__["_bulk"] is None
    assert [ring.decrypt(t) for t in tokens] == ["510903198503011234", "13912341234"]


def test_blind_indexer_equals_blind_indexes_under_every_key(ring):
    rotated = ring.with_new_active(b"n" * 32)
    for keys in (ring, rotated):
        indexes = keys.blind_indexer("id_number")
        for value in ("510903198503011234", "", "张三"):
            assert indexes(value) == keys.blind_indexes(value, "id_number")
            assert indexes(value)[0] == keys.blind_index(value, purpose="id_number")
    assert ring.blind_indexer("phone")("1") != ring.blind_indexer("id_number")("1")
    with pytest.raises(ValueError):
        ring.blind_indexer("")
