"""Everything an idle poll needs from the cache, in one round trip (cache.get_many).

A poll that finds nothing new must cost about what a bare login-required view costs: one read of the thread's
marker, the viewer's ended state, the roster, whether the thread's reads are shared, and the versions of what
the page's other live parts show (read receipts, typing), all at once.
"""

import dataclasses

from django.core.cache import cache

from chatsite.acs.identities import acs_user_id_key

from .cache import key


@dataclasses.dataclass(frozen=True)
class Snapshot:
    marker: int | None
    deleted: bool
    ended: str | None
    roster_version: int | None
    roster: dict | None  # the cached roster read: {"version", "at", "ids": [(acs_id, name, history_from)]}
    shared: bool | None
    acs_user_id: str | None  # the viewer's, when cached
    receipts_version: int | None = None  # live.cache.RECEIPTS
    receipts: dict | None = None  # the cached receipts listing: {"version", "at", "read"} (selectors.presence)
    typing_version: int | None = None  # live.cache.TYPING


def read(*, thread_id: str, user_pk: int) -> Snapshot:
    keys = {
        "marker": key("counter", "marker", thread_id),
        "deleted": key("deleted", thread_id),
        "ended": key("state", thread_id, user_pk),
        "roster_version": key("counter", "roster", thread_id),
        "roster": key("roster-list", thread_id),
        "shared": key("shared", thread_id),
        "acs_user_id": acs_user_id_key(user_pk),
        "receipts_version": key("counter", "receipts", thread_id),
        "receipts": key("receipts", thread_id),
        "typing_version": key("counter", "typing", thread_id),
    }
    found = cache.get_many(keys.values())
    values = {name: found.get(cache_key) for name, cache_key in keys.items()}
    values["deleted"] = bool(values["deleted"])
    return Snapshot(**values)
