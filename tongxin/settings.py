"""Django settings: defaults here, deployment values from environment variables only (12-factor)."""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tongxin import conf


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = env_bool("TONGXIN_TESTING") or "pytest" in sys.modules
if TESTING and (not os.environ.get("TONGXIN_DATA_DIR")
                or os.environ.get("TONGXIN_TEST_DIR_PID", str(os.getpid())) != str(os.getpid())):
    # Each test process (and each xdist worker, which inherits the environment) gets a data dir of its own.
    os.environ["TONGXIN_DATA_DIR"] = tempfile.mkdtemp(prefix="tongxin-test-")
    os.environ["TONGXIN_TEST_DIR_PID"] = str(os.getpid())

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = conf.data_dir()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = conf.secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "tongxin.core",
    "tongxin.people",
    "tongxin.orgs",
    "tongxin.liaison",
    "tongxin.activities",
    "tongxin.voice",
    "tongxin.sites",
    "tongxin.reports",
    "tongxin.portal",
    "tongxin.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tongxin.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tongxin.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tongxin.core.middleware.IdleTimeoutMiddleware",
    "tongxin.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
WSGI_APPLICATION = "tongxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tongxin.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=15000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests run on a database file of their own (in the test process's data dir), not Django's default shared-cache
    # in-memory database: there, two connections (tests of concurrent workers) get "database table is locked" at
    # once instead of waiting out the busy timeout, as connections to a real file do.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif os.environ.get("TONGXIN_PG_RANDOM_PAGE_COST", "1.1"):
    # PostgreSQL's planner assumes by default that reading a random page costs four sequential ones (spinning
    # disks). A registry lives on SSD and mostly in memory; at 4, a pinyin search matching a thousand persons of a
    # million is planned as a walk down the whole person table by id (45 ms) instead of an index lookup (4 ms).
    # Set for the platform's own sessions; TONGXIN_PG_RANDOM_PAGE_COST="" keeps the server's setting (needed
    # behind a connection pooler that refuses startup options).
    _cost = os.environ.get("TONGXIN_PG_RANDOM_PAGE_COST", "1.1")
    try:
        _cost = float(_cost)
    except ValueError:
        raise ImproperlyConfigured(f"TONGXIN_PG_RANDOM_PAGE_COST 应为数字，现为 {_cost!r}") from None
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c random_page_cost={_cost}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "tongxin.core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "tongxin.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tongxin.core.passwords.CharacterClassValidator"},
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Login security: lockout (django-axes), idle expiry, cookies.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE = env_bool("TONGXIN_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "tongxin.core.staticfiles.StaticStorage"
    },
}
if TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
TONGXIN_MAX_UPLOAD_BYTES = int(os.environ.get("TONGXIN_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
TONGXIN_MAX_IMPORT_ROWS = int(os.environ.get("TONGXIN_MAX_IMPORT_ROWS", "1000000"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tongxin.api.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tongxin.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "同心 Tongxin API",
    "DESCRIPTION": "新的社会阶层人士统战工作平台 REST API",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "tongxin.core.logging.RedactSensitiveFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django.security.DisallowedHost": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}

OTP_TOTP_ISSUER = "同心"
TONGXIN_JOB_STALE_MINUTES = int(os.environ.get("TONGXIN_JOB_STALE_MINUTES", "5"))
TONGXIN_JOBS_INLINE = env_bool("TONGXIN_JOBS_INLINE", TESTING)
# The dashboard reads its figures from snapshots younger than this many seconds; older ones are shown (with their
# time) while a job recomputes them; 0 computes every page from the records.
TONGXIN_FIGURES_MAX_AGE = int(os.environ.get("TONGXIN_FIGURES_MAX_AGE", "600"))
TONGXIN_SITE_NAME = _("同心 · 新阶统战工作平台")
