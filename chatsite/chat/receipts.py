"""Read receipts within ACS's budgets: sending 30/min per person per thread, listing 5 per 10 s.

A person's receipt goes out only when the newest message they see changed, and at most once per SEND_EVERY.
The thread's receipts are listed once per change (a receipt sent through the site bumps the version) and at
most once per LIST_EVERY, however many people watch; receipts from other ACS clients show after REFRESH_AFTER.
"""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from chatsite.acs import clients
from chatsite.acs.errors import AcsError, acs_errors
from chatsite.acs.identities import credentials_for
from chatsite.acs.participants import raw_id

from .roster import Roster

SEND_EVERY = 3  # at most 20 a minute, 4 per 10 s: inside ACS's 30 and 10
LIST_EVERY = 2.5  # per thread, so per person too: at most 4 per 10 s, inside ACS's 5
REFRESH_AFTER = 30
PAGE_SIZE = 250


def receipt_send(*, user, thread_id: str, message_id: str, roster: Roster) -> bool:
    """Tell ACS `user` read up to `message_id`, when that is news and the budget allows; True if sent."""
    if not roster.receipts_supported:
        return False
    sent_key = _key("sent", thread_id, user.pk)
    if cache.get(sent_key) == message_id:
        return False
    if not cache.add(_key("gate", thread_id, user.pk), True, SEND_EVERY):
        return False  # the page asks again on its next poll
    credentials = credentials_for(user)
    try:
        with acs_errors():
            clients.thread_client(credentials.token, thread_id).send_read_receipt(message_id)
    except AcsError:
        # A receipt is a courtesy: a stale id, a removal or a busy ACS must not break the page.
        return False
    cache.set(sent_key, message_id, timeout=None)
    _bump(thread_id)
    return True


def seen_by(*, user, thread_id: str, message_id: str, roster: Roster) -> list[str] | None:
    """Who, besides `user`, read `message_id` or a later message; None when ACS cannot say."""
    if not roster.receipts_supported:
        return None
    read = _latest_read(user, thread_id)
    if read is None:
        return None
    me = credentials_for(user).acs_user_id
    return [
        p.name for p in roster.people if p.acs_user_id != me and read.get(p.acs_user_id, 0) >= int(message_id)
    ]


def seen_text(*, user, thread_id: str, message_id: str, roster: Roster) -> str:
    """ "Seen by Ana, Bruno", "Seen by everyone", or nothing (nobody yet, or more than 20 participants)."""
    names = seen_by(user=user, thread_id=thread_id, message_id=message_id, roster=roster)
    if not names:
        return ""
    if len(names) == len(roster.people) - 1:
        return _("Seen by everyone")
    return _("Seen by %(names)s") % {"names": ", ".join(names)}


def _latest_read(user, thread_id: str) -> dict[str, int] | None:
    version = _version(thread_id)
    cached = cache.get(_key("list", thread_id))
    fresh = cached is not None and cached["version"] == version and time.time() - cached["at"] < REFRESH_AFTER
    if fresh or not cache.add(_key("list-gate", thread_id), True, LIST_EVERY):
        return cached and cached["read"]
    credentials = credentials_for(user)
    try:
        with acs_errors():
            thread = clients.thread_client(credentials.token, thread_id)
            items = list(thread.list_read_receipts(results_per_page=PAGE_SIZE))
    except AcsError:
        return cached and cached["read"]
    read = {}
    for item in items:
        sender = raw_id(item.sender)
        read[sender] = max(read.get(sender, 0), int(item.chat_message_id))
    cache.set(_key("list", thread_id), {"version": version, "at": time.time(), "read": read}, timeout=None)
    return read


def _version(thread_id: str) -> int:
    key = _key("v", thread_id)
    cache.add(key, time.time_ns() // 1_000_000, timeout=None)
    return cache.get(key)


def _bump(thread_id: str) -> None:
    _version(thread_id)
    try:
        cache.incr(_key("v", thread_id))
    except ValueError:
        _version(thread_id)


def _key(kind: str, thread_id: str, *parts) -> str:
    return ":".join(["chat", "receipts", kind, thread_id, *map(str, parts)])
