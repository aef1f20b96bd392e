"""Chatsite settings, read from environment variables with safe local defaults.

Locally nothing needs setting: SQLite, an in-process cache and the embedded ACS emulator.
A deployment sets at least SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and ACS_CONNECTION_STRING.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


DEBUG = env_bool("DEBUG", default=False)
# Local state (SQLite file, the emulator's CA) lives here; deployments may point it elsewhere.
VAR_DIR = Path(env("CHATSITE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG and env("ACS_CONNECTION_STRING"):
        raise ImproperlyConfigured("SECRET_KEY must be set when ACS_CONNECTION_STRING is set.")
    SECRET_KEY = "django-insecure-local-only-chatsite-key"  # noqa: S105 - local default, refused in production

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database():
    url = env("DATABASE_URL")
    if url is None:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Several threads (site + embedded emulator) write: wait for the lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    import dj_database_url

    try:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache():
    url = env("REDIS_URL")
    if url is None:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "chatsite"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


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

# --- ACS -------------------------------------------------------------------------------------------
# Real ACS when set ("endpoint=https://<resource>.communication.azure.com/;accesskey=<key>").
# Unset: the embedded emulator is started inside this process and used instead.
ACS_CONNECTION_STRING = env("ACS_CONNECTION_STRING")
# CA bundle the SDK clients trust (an emulator started by `runemulator` prints it); unset = system CAs.
ACS_CA_CERT = env("ACS_CA_CERT")
# Seconds an SDK call may take before the person sees the "ACS is unavailable" banner.
ACS_TIMEOUT = int(env("ACS_TIMEOUT", "10"))

# --- The embedded emulator ----------------------------------------------------------------------------
# ACS's rate limits (LIMITS.md) are enforced by default so the site is built against them.
ACS_EMULATOR_THROTTLING = env_bool("ACS_EMULATOR_THROTTLING", default=True)
# Where the emulator keeps its locally generated CA and server certificate.
ACS_EMULATOR_CERT_DIR = Path(env("ACS_EMULATOR_CERT_DIR", str(VAR_DIR / "emulator-tls")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # azure-core logs request headers at DEBUG; keep it quiet so no token can reach a log line.
        "azure": {"level": "WARNING"},
    },
}
