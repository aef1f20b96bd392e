"""What gunicorn's master loads before it forks the ASGI workers (`preload_app`, chatsite/gunicorn_asgi_conf.py).

Loaded once there, the modules every worker runs (the views and all they import, the Redis client, psycopg's pool)
sit in memory pages the workers share copy-on-write instead of each worker importing its own copy at its first
request. No connection is opened here: each worker makes its own database, Redis and ACS connections after the fork.
"""

import gc
import importlib

from django.conf import settings
from django.urls import get_resolver


def warm() -> None:
    get_resolver().url_patterns  # noqa: B018 - resolving the URLconf imports every view and what it imports
    for library in _backend_libraries():
        importlib.import_module(library)
    # Python writes to an object's header whenever the cyclic collector visits it, which would copy the page into
    # the worker; frozen objects are never visited (gunicorn's and CPython's own advice for pre-fork servers).
    gc.collect()
    gc.freeze()


def _backend_libraries() -> list[str]:
    libraries = []
    if any(cache["BACKEND"].endswith(".RedisCache") for cache in settings.CACHES.values()):
        libraries += ["redis", "django.core.cache.backends.redis"]
    if any("pool" in database.get("OPTIONS", {}) for database in settings.DATABASES.values()):
        libraries.append("psycopg_pool")
    return libraries
