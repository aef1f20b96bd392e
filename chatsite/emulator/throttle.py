"""ACS rate limits (LIMITS.md) as fixed windows counted in Django's cache.

The cache is shared by workers when Redis is configured, so every worker counts against the same windows.
Usage: `throttle.check("send_message", thread=thread_id, user=user_id)` raises AcsError 429 when over.
Only active when settings.ACS_EMULATOR_THROTTLING is true.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache

from .errors import too_many_requests

# operation -> (scope, window seconds, limit). Scope names which of user / thread key the counter.
RULES: dict[str, tuple[tuple[str, int, int], ...]] = {
    "create_thread": (("user", 10, 10),),
    "delete_thread": (("user", 10, 10),),
    "update_thread": (("thread", 10, 5),),
    "get_thread": (("user", 10, 50),),  # also list threads
    "change_participants": (("thread", 10, 10), ("thread", 60, 30)),
    "list_participants": (("user_thread", 10, 10), ("thread", 10, 250)),
    "get_message": (("user_thread", 10, 50), ("thread", 10, 250)),
    "list_messages": (
        ("user_thread", 10, 50),
        ("user_thread", 60, 200),
        ("thread", 10, 250),
        ("thread", 60, 400),
    ),
    "send_message": (("thread", 10, 10), ("thread", 60, 30)),  # also update and delete message
    "list_read_receipts": (("user_thread", 10, 5), ("thread", 10, 100)),
    "send_read_receipt": (("user_thread", 10, 10), ("user_thread", 60, 30)),
    "typing": (("user_thread", 10, 5), ("user_thread", 60, 15), ("thread", 10, 10), ("thread", 60, 30)),
    # Identity: per resource.
    "create_identity": (("resource", 30, 1000),),
    "delete_identity": (("resource", 30, 500),),
    "issue_token": (("resource", 30, 1000),),
    "revoke_tokens": (("resource", 30, 500),),
    "create_user_and_token": (("resource", 30, 1000),),
    "exchange_teams_token": (("resource", 30, 500),),
}


def _scope_key(scope: str, *, user: str | None, thread: str | None) -> str:
    parts = {"user": (user,), "thread": (thread,), "user_thread": (user, thread), "resource": ()}[scope]
    return ":".join(p or "-" for p in parts)


def _count(key: str, seconds: int) -> int:
    # add() creates the window's counter atomically; incr() is atomic on Redis and locmem alike.
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new counter
        cache.add(key, 1, timeout=seconds + 1)
        return 1


def check(operation: str, *, user: str | None = None, thread: str | None = None) -> None:
    if not getattr(settings, "ACS_EMULATOR_THROTTLING", True):
        return
    now = time.time()
    for scope, seconds, limit in RULES[operation]:
        window = int(now // seconds)
        scope_key = _scope_key(scope, user=user, thread=thread)
        key = f"acs-emulator:throttle:{operation}:{seconds}:{scope_key}:{window}"
        if _count(key, seconds) > limit:
            raise too_many_requests(max(1, math.ceil((window + 1) * seconds - now)))
