"""Who is typing: the site's own short-lived record (the Python SDK receives no typing events), cache only."""

import time

from django.core.cache import cache

from .cache import TYPING, key

# "is typing…" lasts this long after the last keystroke the page reported.
TYPING_FOR = 5


def typing_record(*, thread_id: str, user_pk: int, name: str) -> None:
    # Read-modify-write: two people's keystrokes racing can drop one entry, which their next report restores.
    now = time.time()
    typing = {pk: value for pk, value in (cache.get(key("typing", thread_id)) or {}).items() if value[1] > now}
    typing[str(user_pk)] = (name, now + TYPING_FOR)
    cache.set(key("typing", thread_id), typing, TYPING_FOR)
    TYPING.bump(thread_id)  # open pages look again (their idle poll compares this version only)


def typing_names(*, thread_id: str, except_pk: int) -> list[str]:
    now = time.time()
    typing = cache.get(key("typing", thread_id)) or {}
    return sorted(name for pk, (name, until) in typing.items() if until > now and pk != str(except_pk))


def typing_stopped(*, thread_id: str, user_pk: int) -> None:
    """The person sent their message: they are no longer typing it (others' next poll shows so)."""
    typing = cache.get(key("typing", thread_id)) or {}
    if typing.pop(str(user_pk), None) is not None:
        cache.set(key("typing", thread_id), typing, TYPING_FOR)
        TYPING.bump(thread_id)
