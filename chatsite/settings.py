"""Chatsite settings, read from environment variables (docs/configuration.md lists them all).

Two modes, chosen by CHATSITE_ENV:
- "local" (the default): nothing needs setting. SQLite, an in-process cache and the embedded ACS emulator.
- "production": SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL), REDIS_URL and ACS_CONNECTION_STRING are
  required, DEBUG must be off, and HTTPS-only cookies and HSTS are on. Start-up stops with a message naming
  every missing or malformed variable.
"""

import hashlib
import os
from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from chatsite.environment import Environment

BASE_DIR = Path(__file__).resolve().parent.parent
env = Environment()

CHATSITE_ENV = env("CHATSITE_ENV", "local")
if CHATSITE_ENV not in ("local", "production"):
    env.invalid("CHATSITE_ENV", f"must be local or production, not {CHATSITE_ENV!r}")
PRODUCTION = CHATSITE_ENV == "production"

DEBUG = env.flag("DEBUG", default=False)
if PRODUCTION and DEBUG:
    env.invalid("DEBUG", "must be off in production: error pages would show settings and source code")
# Local state (SQLite file, the emulator's CA) lives here; deployments may point it elsewhere.
VAR_DIR = Path(env("CHATSITE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env.secret_key("SECRET_KEY", required=PRODUCTION) or (
    "django-insecure-local-only-chatsite-key"  # noqa: S105 - local default, refused in production
)

ALLOWED_HOSTS = env.csv(
    "ALLOWED_HOSTS", None if PRODUCTION else "localhost,127.0.0.1,[::1]", required=PRODUCTION
)
# Only needed when a proxy in front changes the origin the browser sees (scheme://host[:port]).
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "chatsite.emulator",
    "chatsite.acs",
    "chatsite.chat",
    "chatsite.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware: static files get its headers but skip sessions, auth and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "chatsite.urls"
WSGI_APPLICATION = "chatsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database():
    url = env("DATABASE_URL", required=PRODUCTION)
    if url is None:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Several threads (site + embedded emulator) write: wait for the lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory: the test server threads (site, emulator) each get their own connection
            # instead of sharing one, which SQLite does not allow at the same time. One file per test run.
            "TEST": {"NAME": VAR_DIR / f"test-db-{os.getpid()}.sqlite3"},
        }
    import dj_database_url

    try:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError:
        env.invalid("DATABASE_URL", "must be a database URL such as postgres://user:password@host:5432/name")
        return {}
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A database that does not answer fails the request (and /healthz) instead of hanging a worker thread.
        database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    elif PRODUCTION:
        env.invalid("DATABASE_URL", "must point at PostgreSQL in production (postgres://…)")
    return database


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache():
    """Redis when REDIS_URL is set: everything cached (poll change markers, typing records, tokens' locks) is
    then shared by all worker processes. The local default is per process, fine for one runserver."""
    url = env("REDIS_URL", required=PRODUCTION)
    if url is None:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "chatsite"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        env.invalid("REDIS_URL", "must start with redis://, rediss:// or unix://")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        # Fail fast rather than hang a request when Redis is away.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }


CACHES = {"default": _cache()}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat:thread_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("pt-br", _("Brazilian Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "chatsite" / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves `collectstatic` output: hashed names cached forever, gzip/brotli precompressed.
    # Locally WhiteNoise serves straight from static/ so neither runserver nor the tests need collectstatic.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- HTTP security ---------------------------------------------------------------------------------
# The site's own files only: no inline script at all (htmx is served from static/vendor and configured with a
# <meta name="htmx-config"> tag so it injects no <style>). Inline <style> needs the request's nonce, which
# Django's own pages (admin, CSRF failure) carry.
_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Enforced everywhere, tests included, so a violation shows up before production; with DEBUG on it only
# reports, so Django's debug pages (inline styles and scripts) stay readable.
SECURE_CSP = {} if DEBUG else _CSP
SECURE_CSP_REPORT_ONLY = _CSP if DEBUG else {}

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", default=True)


def _proxy_ssl_header():
    """Opt-in, because trusting the header without a proxy that always sets it lets anyone claim HTTPS.
    Given as the header the TLS-terminating proxy sets, e.g. "X-Forwarded-Proto: https"."""
    value = env("SECURE_PROXY_SSL_HEADER")
    if value is None:
        return None
    name, _, expected = value.partition(":")
    name, expected = name.strip(), expected.strip() or "https"
    if not name or not all(ch.isalnum() or ch == "-" for ch in name):
        env.invalid("SECURE_PROXY_SSL_HEADER", f"must be like X-Forwarded-Proto: https, not {value!r}")
        return None
    return ("HTTP_" + name.upper().replace("-", "_"), expected)


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()

# --- ACS -------------------------------------------------------------------------------------------
# Real ACS when set ("endpoint=https://<resource>.communication.azure.com/;accesskey=<key>").
# Unset (local only): the embedded emulator is started inside this process and used instead.
ACS_CONNECTION_STRING = env.acs_connection_string("ACS_CONNECTION_STRING", required=PRODUCTION)
# CA bundle the SDK clients trust (an emulator started by `runemulator` prints it); unset = system CAs.
ACS_CA_CERT = env.existing_file("ACS_CA_CERT")
# Seconds an SDK call may take before the person sees the "ACS is unavailable" banner.
ACS_TIMEOUT = env.integer("ACS_TIMEOUT", default=10, minimum=1)
# How the site learns of changes other ACS clients make: "eventgrid" (an Event Grid subscription delivers them to
# /events/acs/; the embedded emulator subscribes the site by itself) or "poll" (open pages read ACS now and then).
ACS_EVENTS = env("ACS_EVENTS", "poll" if ACS_CONNECTION_STRING else "eventgrid")
if ACS_EVENTS not in ("eventgrid", "poll"):
    env.invalid("ACS_EVENTS", f"must be eventgrid or poll, not {ACS_EVENTS!r}")
# Secret(s) Event Grid deliveries must carry (?secret=… in the subscription's URL); comma-separated to rotate.
# Locally derived from SECRET_KEY; required in production with ACS_EVENTS=eventgrid (32+ random characters).
EVENTGRID_SECRET = env("EVENTGRID_SECRET", required=PRODUCTION and ACS_EVENTS == "eventgrid")
if EVENTGRID_SECRET and any(len(s.strip()) < 32 for s in EVENTGRID_SECRET.split(",")):
    env.invalid("EVENTGRID_SECRET", "must be random values of at least 32 characters each")
EVENTGRID_SECRET = EVENTGRID_SECRET or hashlib.sha256(f"eventgrid:{SECRET_KEY}".encode()).hexdigest()

# --- The embedded emulator ----------------------------------------------------------------------------
# ACS's rate limits (LIMITS.md) are enforced by default so the site is built against them.
ACS_EMULATOR_THROTTLING = env.flag("ACS_EMULATOR_THROTTLING", default=True)
# Where the emulator keeps its locally generated CA and server certificate.
ACS_EMULATOR_CERT_DIR = Path(env("ACS_EMULATOR_CERT_DIR", str(VAR_DIR / "emulator-tls")))

LOG_LEVEL = env("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    env.invalid("LOG_LEVEL", f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")
    LOG_LEVEL = "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # azure-core logs request headers at DEBUG; keep it quiet so no token can reach a log line.
        "azure": {"level": "WARNING"},
    },
}

env.raise_problems()
