"""Chatsite settings, read from environment variables (docs/configuration.md lists them all).

Two modes, chosen by CHATSITE_ENV:
- "local" (the default): nothing needs setting. SQLite, an in-process cache and the embedded ACS emulator.
- "production": SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL), REDIS_URL and ACS_CONNECTION_STRING are
  required, DEBUG must be off, and HTTPS-only cookies and HSTS are on. Start-up stops with a message naming
  every missing or malformed variable.
"""

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from chatsite import local_secrets
from chatsite.configuration import acs_connection_string, new_env, origins, raise_problems, rule

BASE_DIR = Path(__file__).resolve().parent.parent


# Every value is read through chatsite/configuration.py: stripped, blank counting as unset, and every problem
# reported together at the end (raise_problems) naming its variable.
env = new_env()

CHATSITE_ENV = env.choice("CHATSITE_ENV", "local", choices=("local", "production"))
PRODUCTION = CHATSITE_ENV == "production"


def required_in_production(local_default):
    """The default to give environs: none (a required variable) in production."""
    return ... if PRODUCTION else local_default


DEBUG = env.flag(
    "DEBUG",
    False,
    validate=rule(
        lambda debug: not (PRODUCTION and debug),
        "must be off in production: error pages would show settings and source code",
    ),
)
# Local state (SQLite file, the emulator's CA) lives here; deployments may point it elsewhere.
VAR_DIR = Path(env.text("CHATSITE_VAR_DIR", str(BASE_DIR / "var")))


def strong_secret(key):
    # The bar `check --deploy` sets (security.W009); only production is held to it.
    return not PRODUCTION or (len(key) >= 50 and len(set(key)) >= 5 and not key.startswith("django-insecure-"))


# Unset outside production: a random key made once for this install and kept in VAR_DIR (local_secrets.py). Never a
# key written here: anyone could sign sessions and the site's links with a public one.
SECRET_KEY = env.text(
    "SECRET_KEY",
    required_in_production(None),
    validate=rule(strong_secret, "must be a random value of at least 50 characters"),
) or (None if PRODUCTION else local_secrets.kept_secret(VAR_DIR, "secret_key", variable="SECRET_KEY"))

ALLOWED_HOSTS = env.csv("ALLOWED_HOSTS", required_in_production(["localhost", "127.0.0.1", "[::1]"]))
# Only needed when a proxy in front changes the origin the browser sees (scheme://host[:port]).
CSRF_TRUSTED_ORIGINS = env.csv("CSRF_TRUSTED_ORIGINS", [], validate=origins)
# A refused post: the styled 403 page, or for htmx the banner with nothing swapped (a draft stays).
CSRF_FAILURE_VIEW = "chatsite.chat.views.policy.csrf_failure"

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
    "chatsite.staticfiles.StaticFilesMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Redis or the database unreachable: 503 with Retry-After, not 500 (pages say "Reconnecting…").
    "chatsite.outage.OutageMiddleware",
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
    database = env.database_url(
        "DATABASE_URL",
        required_in_production(None),
        validate=rule(
            lambda database: not PRODUCTION or database["ENGINE"] == "django.db.backends.postgresql",
            "must point at PostgreSQL in production (postgres://…)",
        ),
    )
    if database is not None:
        return _pooled(database)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
        # Several threads (site + embedded emulator) write: wait for the lock instead of failing. Write-ahead
        # logging: a commit costs ~0.3 ms instead of ~8.6 ms (a flush per commit), and readers never wait for a
        # writer (measured by the emulator's benchmark, tests/benchmarks/bench_emulator_sdk.py).
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
        # A file, not memory: the test server threads (site, emulator) each get their own connection
        # instead of sharing one, which SQLite does not allow at the same time. One file per test run.
        "TEST": {"NAME": VAR_DIR / f"test-db-{os.getpid()}.sqlite3"},
    }


def _pooled(database):
    """psycopg's connection pool when DATABASE_POOL_SIZE is set (chatsite/gunicorn_asgi_conf.py sets it): under ASGI
    each request's sync code runs on a thread of its own, so a connection kept per thread (CONN_MAX_AGE) would be
    opened for every request and never reused; the pool hands one to each request and takes it back at its end."""
    size = env.whole_number("DATABASE_POOL_SIZE", 0)
    if not size or database["ENGINE"] != "django.db.backends.postgresql":
        return database
    database["CONN_MAX_AGE"] = 0  # Django refuses persistent connections beside a pool
    database.setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": size, "timeout": 10}
    return database


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache():
    """Redis when REDIS_URL is set: everything cached (poll change markers, typing records, tokens' locks) is
    then shared by all worker processes. The local default is per process, fine for one runserver."""
    url = env.text(
        "REDIS_URL",
        required_in_production(None),
        validate=rule(
            lambda url: url.startswith(("redis://", "rediss://", "unix://")),
            "must start with redis://, rediss:// or unix://",
        ),
    )
    if url is None:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "chatsite"}
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
TIME_ZONE = env.text("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# A bare "www.example.com" in a message becomes an https link (Django 2028's default, chosen now).
URLIZE_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.text("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves `collectstatic` output: hashed names cached forever, gzip precompressed (brotli, from the
    # `brotli` package, would save 10-15 % more once per browser and deploy for 4× collectstatic's CPU: left out).
    # Locally WhiteNoise serves straight from static/ so neither runserver nor the tests need collectstatic.
    "staticfiles": {
        "BACKEND": "chatsite.staticfiles.ManifestStaticFilesStorage"
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
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.whole_number("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", True)


# Opt-in, because trusting the header without a proxy that always sets it lets anyone claim HTTPS.
SECURE_PROXY_SSL_HEADER = env.proxy_ssl_header("SECURE_PROXY_SSL_HEADER", None)

# --- ACS -------------------------------------------------------------------------------------------
# Real ACS when set ("endpoint=https://<resource>.communication.azure.com/;accesskey=<key>").
# Unset (local only): the embedded emulator is started inside this process and used instead.
ACS_CONNECTION_STRING = env.text("ACS_CONNECTION_STRING", required_in_production(None), validate=acs_connection_string)
# CA bundle the SDK clients trust (an emulator started by `runemulator` prints it); unset = system CAs.
ACS_CA_CERT = env.text(
    "ACS_CA_CERT",
    None,
    validate=rule(lambda path: Path(path).is_file(), "must be the path of a readable file; {value} is not one"),
)
# Seconds an SDK call may take before the person sees the "ACS is unavailable" banner.
ACS_TIMEOUT = env.whole_number("ACS_TIMEOUT", 10, minimum=1)
# How the site learns of changes other ACS clients make: "eventgrid" (an Event Grid subscription delivers them to
# /events/acs/; the embedded emulator subscribes the site by itself) or "poll" (open pages read ACS now and then).
ACS_EVENTS = env.choice("ACS_EVENTS", "poll" if ACS_CONNECTION_STRING else "eventgrid", choices=("eventgrid", "poll"))
# How Event Grid deliveries authenticate (events/auth.py): "secret" (EVENTGRID_SECRET), "entra" (a Microsoft Entra
# ID token from Event Grid, events/entra.py) or "both" (either, while a subscription moves from one to the other).
EVENTGRID_AUTH = env.choice("EVENTGRID_AUTH", "secret", choices=("secret", "entra", "both"))
_SECRET_AUTH = EVENTGRID_AUTH in ("secret", "both")
_ENTRA_AUTH = EVENTGRID_AUTH in ("entra", "both")
# Secret(s) Event Grid deliveries must carry (?secret=… in the subscription's URL); comma-separated to rotate.
# Required in production with ACS_EVENTS=eventgrid and EVENTGRID_AUTH secret or both (32+ random characters).
# Unset locally with Event Grid: random, made once and kept in VAR_DIR like SECRET_KEY (the embedded emulator's
# subscription reads it from here, through events/auth.py). Unset otherwise: none, and every secret is refused.
EVENTGRID_SECRET = env.text(
    "EVENTGRID_SECRET",
    required_in_production(None) if ACS_EVENTS == "eventgrid" and _SECRET_AUTH else None,
    validate=rule(
        lambda value: all(len(part.strip()) >= 32 for part in value.split(",")),
        "must be random values of at least 32 characters each",
    ),
)
if not EVENTGRID_SECRET and ACS_EVENTS == "eventgrid" and not PRODUCTION:
    EVENTGRID_SECRET = local_secrets.kept_secret(VAR_DIR, "eventgrid_secret", variable="EVENTGRID_SECRET")


def is_guid(value):
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def is_https_url(value):
    # Plain http only locally (the tests' loopback key server).
    parts = urlsplit(value)
    return bool(parts.netloc) and parts.scheme in (("https",) if PRODUCTION else ("https", "http"))


# Entra ID (EVENTGRID_AUTH entra or both): required then, in every mode, since nothing local could stand in.
# The tenant of the webhook's app registration, and the audiences its tokens name: the app id and/or the app id
# URI given to the subscription as --azure-active-directory-application-id-or-uri.
EVENTGRID_ENTRA_TENANT_ID = (
    env.text(
        "EVENTGRID_ENTRA_TENANT_ID",
        ... if _ENTRA_AUTH else None,
        validate=rule(is_guid, "must be the tenant id, a GUID such as 00000000-0000-0000-0000-000000000000"),
    )
    or ""
).lower()  # as the tokens' issuers spell it
EVENTGRID_ENTRA_AUDIENCE = env.csv(
    "EVENTGRID_ENTRA_AUDIENCE",
    ... if _ENTRA_AUTH else [],
    validate=rule(
        lambda values: values and all(is_guid(v) or urlsplit(v).scheme in ("api", "https") for v in values),
        "must be the app registration's application id (a GUID) and/or application id URI (api://…), comma-separated",
    ),
)
# Where the tenant publishes its signing keys, and the issuers its tokens name (v1 tokens, which Event Grid gets by
# default, and v2). Set both for a sovereign cloud (e.g. login.microsoftonline.us); tests point them at loopback.
_TENANT = EVENTGRID_ENTRA_TENANT_ID
EVENTGRID_ENTRA_JWKS_URL = env.text(
    "EVENTGRID_ENTRA_JWKS_URL",
    f"https://login.microsoftonline.com/{_TENANT}/discovery/v2.0/keys" if _TENANT else None,
    validate=rule(is_https_url, "must be an https:// URL, not {value}"),
)
EVENTGRID_ENTRA_ISSUER = env.csv(
    "EVENTGRID_ENTRA_ISSUER",
    [f"https://sts.windows.net/{_TENANT}/", f"https://login.microsoftonline.com/{_TENANT}/v2.0"] if _TENANT else [],
    validate=rule(bool, "must name at least one issuer"),
)

# --- The embedded emulator ----------------------------------------------------------------------------
# ACS's rate limits (LIMITS.md) are enforced by default so the site is built against them.
ACS_EMULATOR_THROTTLING = env.flag("ACS_EMULATOR_THROTTLING", True)
# Where the emulator keeps its locally generated CA and server certificate.
ACS_EMULATOR_CERT_DIR = Path(env.text("ACS_EMULATOR_CERT_DIR", str(VAR_DIR / "emulator-tls")))

LOG_LEVEL = (
    env.text(
        "LOG_LEVEL",
        "INFO",
        validate=rule(
            lambda level: level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
            "must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value}",
        ),
    )
    or "INFO"
).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Credentials in URLs (Event Grid's ?secret=… above all) are written as [redacted] (chatsite/redaction.py).
    "filters": {"redact": {"()": "chatsite.redaction.RedactUrlSecrets"}},
    "formatters": {
        # Django's own for runserver's request lines, defined again because its logger is configured again here.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # azure-core logs request headers at DEBUG; keep it quiet so no token can reach a log line.
        "azure": {"level": "WARNING"},
        # runserver's access log: every request line, queries included.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

raise_problems(env)
