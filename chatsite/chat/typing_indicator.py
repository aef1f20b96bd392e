"""Who is typing: the site's own short-lived record, since the Python SDK receives no typing events.

The record lives in the cache (shared by every worker) and is read by polls without any ACS call. ACS is
still told, so other ACS clients see it too, within its budgets: 15/min per person per thread (one per
SEND_EVERY here) and 30/min per thread (THREAD_BUDGET per 10 s window here).
"""

import time

from django.core.cache import cache

from chatsite.acs import clients
from chatsite.acs.errors import AcsError, acs_errors
from chatsite.acs.identities import credentials_for

from .people import display_name
from .roster import Roster

# "is typing…" lasts this long after the last keystroke the page reported.
TYPING_FOR = 5
SEND_EVERY = 5
THREAD_WINDOW = 10
THREAD_BUDGET = 5


def typing_started(*, user, thread_id: str, roster: Roster) -> None:
    _record(user, thread_id)
    if roster.receipts_supported and _within_budget(user, thread_id):
        credentials = credentials_for(user)
        try:
            with acs_errors():
                clients.thread_client(credentials.token, thread_id).send_typing_notification(
                    sender_display_name=display_name(user)
                )
        except AcsError:
            pass  # typing is a hint: the site's own record above still shows it


def typing_names(*, user, thread_id: str) -> list[str]:
    """Who else is typing now (cache only)."""
    now = time.time()
    typing = cache.get(_key("who", thread_id)) or {}
    return sorted(name for pk, (name, until) in typing.items() if until > now and pk != str(user.pk))


def _record(user, thread_id: str) -> None:
    # Read-modify-write: two people's keystrokes racing can drop one entry, which their next report restores.
    now = time.time()
    typing = {pk: value for pk, value in (cache.get(_key("who", thread_id)) or {}).items() if value[1] > now}
    typing[str(user.pk)] = (display_name(user), now + TYPING_FOR)
    cache.set(_key("who", thread_id), typing, TYPING_FOR)


def _within_budget(user, thread_id: str) -> bool:
    if not cache.add(_key("gate", thread_id, user.pk), True, SEND_EVERY):
        return False
    window = _key("window", thread_id, int(time.time() // THREAD_WINDOW))
    cache.add(window, 0, THREAD_WINDOW * 2)
    try:
        return cache.incr(window) <= THREAD_BUDGET
    except ValueError:
        return False


def _key(kind: str, thread_id: str, *parts) -> str:
    return ":".join(["chat", "typing", kind, thread_id, *map(str, parts)])
