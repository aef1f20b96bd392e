"""Who is typing: the site's own short-lived record (the Python SDK receives no typing events), cache only."""

import time

from django.core.cache import cache

from . import keys
from .cache import TYPING
from .keys import Typist

# "is typing…" lasts this long after the last keystroke the page reported.
TYPING_FOR = 5


def typing_record(*, thread_id: str, user_pk: int, name: str) -> None:
    # Read-modify-write: two people's keystrokes racing can drop one entry, which their next report restores.
    now = time.time()
    typing = {pk: typist for pk, typist in (cache.get(keys.typing(thread_id)) or {}).items() if typist.until > now}
    typing[str(user_pk)] = Typist(name, now + TYPING_FOR)
    cache.set(keys.typing(thread_id), typing, TYPING_FOR)
    TYPING.bump(thread_id)  # open pages look again (their idle poll compares this version only)


def typing_names(*, thread_id: str, except_pk: int) -> list[str]:
    now = time.time()
    typing = cache.get(keys.typing(thread_id)) or {}
    return sorted(name for pk, (name, until) in typing.items() if until > now and pk != str(except_pk))


def typing_stopped(*, thread_id: str, user_pk: int) -> None:
    """The person sent their message: they are no longer typing it (others' next poll shows so)."""
    typing = cache.get(keys.typing(thread_id)) or {}
    if typing.pop(str(user_pk), None) is not None:
        cache.set(keys.typing(thread_id), typing, TYPING_FOR)
        TYPING.bump(thread_id)
