"""GET /healthz for load balancers and orchestrators: is this worker able to reach its database and cache?

Answers 200 or 503 with {"status": …, "checks": {"database": "ok"|"error", "cache": "ok"|"error"}}. What went
wrong is logged here, never sent: the endpoint is public and error text can name hosts and users.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chatsite.chat.live import keys

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A write and a read back: a Redis that accepts connections but cannot store is not healthy. The key is
    # unique so concurrent probes of several workers cannot overwrite each other's value.
    key = keys.health_probe(secrets.token_hex(8))
    cache.set(key, "ok", timeout=10)
    stored = cache.get(key)
    cache.delete(key)
    if stored != "ok":
        raise RuntimeError("the cache did not return the value just stored")


CHECKS = {"database": _database, "cache": _cache}


@never_cache
@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503
    )
