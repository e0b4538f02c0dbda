"""Settings from the environment, with defaults that make the embedded mode work with no configuration.

AIDX_ENV: "embedded" (default: SQLite under var/, generated secret, DEBUG, demo accounts allowed)
or "production" (PostgreSQL via DATABASE_URL, secret and hosts required, no DEBUG, no demo accounts).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AIDX_VAR_DIR", BASE_DIR / "var"))
NODE_MODULES = Path(os.environ.get("AIDX_NODE_MODULES", BASE_DIR / "node_modules"))

AIDX_ENV = os.environ.get("AIDX_ENV", "embedded")
if AIDX_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"AIDX_ENV must be 'embedded' or 'production', not {AIDX_ENV!r}")
PRODUCTION = AIDX_ENV == "production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [part.strip() for part in value.split(",") if part.strip()] if value else default


def _secret_key() -> str:
    key = os.environ.get("AIDX_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("AIDX_SECRET_KEY must be set in production (at least 50 random characters).")
    # Embedded mode: generate once and keep it, so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("AIDX_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("AIDX_DEBUG must be off in production.")
ALLOWED_HOSTS = _env_list("AIDX_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("AIDX_ALLOWED_HOSTS must name the host(s) aidx is served on.")
CSRF_TRUSTED_ORIGINS = _env_list("AIDX_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "aidx.core",
    "aidx.nations",
    "aidx.accounts",
    "aidx.catalogue",
    "aidx.audit",
    "aidx.documents",
    "aidx.notifications",
    "aidx.assistance",
    "aidx.stockpile",
    "aidx.fund",
    "aidx.logistics",
    "aidx.matching",
    "aidx.interchange",
    "aidx.preparedness",
    "aidx.resilience",
    "aidx.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aidx.web.middleware.norwegian_accept_language",
    "django.middleware.locale.LocaleMiddleware",
    "aidx.web.middleware.refuse_nul_characters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aidx.urls"
WSGI_APPLICATION = "aidx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aidx.web.context.navigation",
            ],
        },
    },
]


def _database() -> Mapping[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("AIDX_DB_CONN_MAX_AGE", "60")))
        if PRODUCTION:
            config["CONN_HEALTH_CHECKS"] = True
        # psycopg 3 prepares a statement on the server after it ran this many times on a connection — but only a
        # statement whose parameters are bound on the server. Django's cursors bind them on the client (the ORM's
        # SQL is not always preparable) and are never prepared, whatever this says; the stock ledger's two
        # statements per movement bind on the server and are prepared (aidx.stockpile.services._prepared).
        # AIDX_DB_PREPARE_THRESHOLD=none turns it off, e.g. behind a transaction-mode pooler that does not keep
        # prepared statements.
        threshold = os.environ.get("AIDX_DB_PREPARE_THRESHOLD", "5").strip().lower()
        if config.get("ENGINE") == "django.db.backends.postgresql" and threshold not in {"", "none"}:
            config.setdefault("OPTIONS", {})["prepare_threshold"] = int(threshold)
        return config
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "aidx.sqlite3",
        # The web server and the worker share the file: WAL lets readers run beside one writer,
        # IMMEDIATE takes the write lock up front so a transaction never fails half-way on upgrade.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
        "TEST": {"NAME": os.environ.get("AIDX_TEST_SQLITE_NAME")},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "aidx.accounts.backends.AidxModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AIDX_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "aidx.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# English dates in the British style with a 24-hour clock (Django's "en" is American); see aidx/formats/en.
FORMAT_MODULE_PATH = ["aidx.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders here; keep it quiet
# Front-end libraries come from npm (package-lock.json) and are served from node_modules.
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/world-atlas", NODE_MODULES / "world-atlas"),
    ("vendor/topojson-client", NODE_MODULES / "topojson-client" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    # axe-core (a development dependency) checks the pages' accessibility in the browser tests
    ("vendor/axe-core", NODE_MODULES / "axe-core"),
]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Reject oversize bodies before a view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("AIDX_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
# Processes a large match run's substitution families are solved in (one per core, at most 2 by default).
AIDX_MATCH_WORKERS = max(1, int(os.environ.get("AIDX_MATCH_WORKERS", str(min(2, os.cpu_count() or 1)))))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

TASKS = {"default": {"BACKEND": os.environ.get("AIDX_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

EMAIL_BACKEND = os.environ.get(
    "AIDX_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("AIDX_EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("AIDX_FROM_EMAIL", "aidx@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Everything the pages load is served from here (htmx, Leaflet, Chart.js and the world map from node_modules, the
# API docs from django-ninja): no inline script or style, no eval, no frames. `data:` images are Leaflet's and
# Swagger UI's icons written into their stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Powerful browser features no page uses are turned off for the page and anything it might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("AIDX_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("AIDX_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_in_one_line": {"()": "aidx.core.log.ClientErrorsInOneLine"}},
    # On the handler too, for the loggers under django.security (one per kind of refusal: NulCharacter, ...).
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_in_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("AIDX_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Refusals (403) and bad requests (400) on one line each, without a traceback: aidx.core.log.
        "django.request": {"filters": ["client_errors_in_one_line"]},
        "django.security": {"filters": ["client_errors_in_one_line"]},
    },
}

AIDX_PAGE_SIZE = 50
NINJA_PAGINATION_CLASS = "aidx.core.paging.CappedPageNumberPagination"
NINJA_PAGINATION_PER_PAGE = AIDX_PAGE_SIZE
# The largest page_size is aidx.core.paging.MAX_PAGE_SIZE (500), enforced by the pagination's own input.

# Interchange (aidx/interchange): this node's name in message ids and envelopes, the nations it serves (an envelope
# addressed to none of them is refused; empty: every nation with a standing today), and the webhooks' retry timing.
AIDX_NODE_ID = os.environ.get("AIDX_NODE_ID", "aidx")
AIDX_INTERCHANGE_NATIONS = [code.upper() for code in _env_list("AIDX_INTERCHANGE_NATIONS", [])]
AIDX_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("AIDX_WEBHOOK_BACKOFF_SECONDS", "10"))
AIDX_WEBHOOK_BACKOFF_MAX_SECONDS = float(os.environ.get("AIDX_WEBHOOK_BACKOFF_MAX_SECONDS", "3600"))
AIDX_WEBHOOK_PAUSE_AFTER = int(os.environ.get("AIDX_WEBHOOK_PAUSE_AFTER", "12"))
AIDX_WEBHOOK_TICK_SECONDS = float(os.environ.get("AIDX_WEBHOOK_TICK_SECONDS", "5"))
AIDX_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("AIDX_WEBHOOK_TIMEOUT_SECONDS", "10"))
AIDX_WEBHOOK_LOOKBACK_SECONDS = float(os.environ.get("AIDX_WEBHOOK_LOOKBACK_SECONDS", "3600"))

# Covering indexes (INCLUDE) serve PostgreSQL's index-only counts; SQLite ignores the extra columns, harmlessly.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
