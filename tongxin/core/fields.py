"""Encrypted personal-data fields with a keyed blind index for exact lookup.

`EncryptedField` stores SM4-GCM ciphertext; its companion `<name>_bidx` column holds HMAC-SM3 of the normalized
value so that "find the person with this ID number" is an indexed equality, and the database never sees the value.
"""

from django.core import checks
from django.db import models

from tongxin.core import crypto, validators
from tongxin.core.keys import keyring


def normalize_phone(value: str) -> str:
    """One spelling per number, so "+86 138…" and "138…" share a blind index."""
    try:
        return validators.check_phone(value).replace("-", "")
    except validators.ValidationError:
        return validators.normalize_digits(value)


KINDS = {
    "id_number": (validators.normalize_digits, crypto.mask_id_number),
    "phone": (normalize_phone, crypto.mask_phone),
    "text": (validators.normalize_text, lambda v: "*" * len(v) if v else ""),
}


class EncryptedField(models.TextField):
    """A text value encrypted at rest; `kind` chooses normalization and masking."""

    sensitive = True

    def __init__(self, *args, kind: str = "text", blind_index: bool = True, **kwargs):
        self.kind = kind
        self.has_blind_index = blind_index
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if not self.has_blind_index:
            kwargs["blind_index"] = False
        return name, path, args, kwargs

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.kind not in KINDS:
            errors.append(checks.Error(f"unknown EncryptedField kind {self.kind!r}", obj=self))
        if self.has_blind_index and not hasattr(self.model, "_meta"):
            return errors
        if self.has_blind_index:
            names = {f.name for f in self.model._meta.local_fields}
            if self.bidx_name not in names:
                errors.append(checks.Error(f"{self.name} needs a sibling field {self.bidx_name}", obj=self))
        return errors

    @property
    def bidx_name(self) -> str:
        return f"{self.name}_bidx"

    def normalize(self, value: str) -> str:
        return KINDS[self.kind][0](value or "")

    def mask(self, value: str) -> str:
        return KINDS[self.kind][1](value or "")

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return keyring().decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        if value.startswith("sm4gcm1:"):
            return value
        return keyring().encrypt(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname) or ""
        if self.has_blind_index:
            setattr(model_instance, self.bidx_name, blind_index_for(self.kind, self.normalize(value)) if value else "")
        return value


class BytewiseCollationMixin:
    """On PostgreSQL the column compares bytes (collation "C"), for keys of ASCII text whose order means nothing
    or is the same byte by byte: under the database's own collation (C.UTF-8, zh_CN.UTF-8…) every comparison goes
    through the C library's locale-aware strcoll and sorting cannot use abbreviated keys — building such a column's
    index over a million rows takes about twice as long (an initial import rebuilds it, issue #3). A plain b-tree
    index of a "C" column also answers LIKE 'prefix%', so no LIKE-pattern twin is needed."""

    #: the collation of the column on PostgreSQL
    POSTGRES_COLLATION = "C"

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = self.POSTGRES_COLLATION
        return params


class AsciiKeyField(BytewiseCollationMixin, models.CharField):
    """A derived search or sort key in ASCII (a name's pinyin), compared byte by byte on PostgreSQL."""


class BlindIndexField(BytewiseCollationMixin, models.CharField):
    """A keyed hash (64 hex digits) of an encrypted field's normalized value, looked up by equality only; its
    collation on PostgreSQL is "C" (migration people 0004 sets it on databases made before)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def blind_index_for(kind: str, normalized_value: str) -> str:
    return keyring().blind_index(normalized_value, purpose=kind)


def blind_lookup(model, field_name: str, value: str) -> dict:
    """Filter kwargs that find rows whose encrypted `field_name` equals `value` (under any key of the ring)."""
    field = model._meta.get_field(field_name)
    normalized = field.normalize(value)
    if not normalized:
        return {f"{field.bidx_name}__in": []}
    return {f"{field.bidx_name}__in": keyring().blind_indexes(normalized, purpose=field.kind)}


def encrypted_fields(model) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
