from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files after collectstatic; plain names before it (a development checkout)."""

    manifest_strict = False
