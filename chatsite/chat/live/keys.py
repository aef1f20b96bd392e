"""Every cache key of the site, and what each holds: the one map of the cache.

Pure names and records: nothing here touches the cache (the mechanics that do, `Counter`, `run_locked`, `gate`,
`within_budget`, `shared_once`, are in live/cache.py). Every other module takes its keys from here; a unit test
(tests/unit/test_structure.py) finds any key written out elsewhere. `Key[T]` is a plain string whose annotation
says what the key holds.

| Key (builder) | Holds | Written by |
| --- | --- | --- |
| `counter(name, scope)` | int, only moving forward (`Count`) | live.cache.Counter |
| `lock(name, scope)` | True while held (`Lock`) | live.cache.run_locked, shared_once |
| `gate(name, scope)` | True, once per interval (`Gate`) | live.cache.gate |
| `budget(name, scope, slot)` | int, calls in one window (`Budget`) | live.cache.within_budget |
| `synced(scope)` | `Synced`: how far the reads of a delta scope reached | live.polling |
| `delta(scope, marker)` | `Delta`: what changed up to a marker | live.polling |
| `page(thread_id, marker)` | `LatestPage`: the service identity's latest page at a marker | selectors.messages |
| `roster_read(thread_id)` | `RosterRead`: the thread's participants as last read | selectors.membership |
| `shared(thread_id)` | bool: the service identity reads the thread for everyone | selectors.threads, services.threads |
| `ended(thread_id, user_pk)` | str: copy of the record: LEFT, REMOVED, or "" while the part lasts | services.record |
| `deleted(thread_id)` | True: copy of the record: the thread was deleted | services.record |
| `typing(thread_id)` | `TypingNow`: who is typing, until when | live.typing |
| `receipts(thread_id)` | `ReceiptsListing`: ACS's read receipts as last listed | selectors, services.presence |
| `receipt_sent(thread_id, user_pk)` | str: the message id of the person's last receipt sent | services.presence |
| `shown(thread_id, user_pk)` | int: the newest message id shown to the person | services.presence |
| `inbox_listed(user_pk)` | `InboxListed`: what ACS's list of the person's threads said | selectors.inbox |
| `inbox_read(thread_id, user_pk)` | int: the message id the person last read up to | services.inbox |
| `hint_queued(scope)` | True: an Event Grid hint waits for a read of the scope | live.hints |
| `hint_read(scope)` | float: when the scope's last read for hints began (epoch seconds) | live.hints |
| `own_write(thread_id, kind, ref)` | True: the site made this change itself (its event needs no read) | live.own |
| `health_probe(token)` | "ok", for a moment | chatsite.health |

Kept by their own packages, which sit below `chat` and must not import it: `acs/keys.py` (a person's ACS user id,
the service identity's), `events/keys.py` (the purge gate of received events). The emulator counts ACS's
throttling windows in keys of its own (it is ACS's side and imports nothing from the site).

Keys that hold records carry `RECORDS` in their name: when a record's shape changes, bumping it makes the values
of the shape before unreadable by name, which every reader takes as never stored (a lost entry), instead of
failing on them while a deployment mixes old and new workers.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

type Key[T] = str  # a cache key; T is what it holds

RECORDS = "v2"  # the shape of the records below (v1: the plain dicts before them)


def _key(*parts) -> str:
    return ":".join(["chat", *map(str, parts)])


def _record_key(kind: str, *parts) -> str:
    return _key(kind, RECORDS, *parts)


def person_scope(thread_id: str, user_pk: int) -> str:
    """One person in one thread: the scope of their own deltas (a thread the site does not host) and gates."""
    return f"{thread_id}:{user_pk}"


# --- The mechanics' keys (live.cache): a name, the scope it applies to ---


class Count(StrEnum):
    """live.cache.Counter: what open pages compare against."""

    MARKER = "marker"  # per thread: any change to its messages
    ROSTER = "roster"  # per thread: its participants (and the topic, read with them)
    RECEIPTS = "receipts"  # per thread: read receipts sent through the site
    TYPING = "typing"  # per thread: who is typing
    INBOX = "inbox"  # per person (user pk): any change to any of their threads


class Lock(StrEnum):
    """live.cache.run_locked / shared_once: one caller at a time."""

    POLL = "poll"  # per delta scope: the read of a change (live.polling)
    ROSTER = "roster"  # per thread: the read of a roster version (selectors.membership)
    PAGE = "page"  # per thread: the read of the latest page at a marker (selectors.messages)
    HINT = "hint"  # per hint scope: the read an Event Grid hint asks for (live.hints)


class Gate(StrEnum):
    """live.cache.gate: at most once per interval."""

    RECEIPT = "receipt"  # per person_scope: a read receipt sent to ACS
    TYPING = "typing"  # per person_scope: a typing notification sent to ACS
    RECEIPTS_LIST = "receipts-list"  # per thread: a listing of ACS's read receipts
    PURGE = "purge"  # per table (SENDS): old rows deleted
    LISTING = "listing"  # per person (user pk): the list's poll lists their threads from ACS (services.listed)


class Budget(StrEnum):
    """live.cache.within_budget: at most so many per window."""

    TYPING = "typing"  # per thread: typing notifications sent to ACS


SENDS = "message-sends"  # the scope of Gate.PURGE for the MessageSend table


def counter(name: str, scope) -> Key[int]:
    return _key("counter", name, scope)


def lock(name: str, scope) -> Key[bool]:
    return _key("lock", name, scope)


def gate(name: str, scope) -> Key[bool]:
    return _key("gate", name, scope)


def budget(name: str, scope, slot: int) -> Key[int]:
    return _key("budget", name, scope, slot)


# --- The live path's records ---


@dataclasses.dataclass(frozen=True)
class Synced:
    """How far the reads of a delta scope reached: the marker and time of the last read, and what it found (its
    next read, from live.polling.OVERLAP before, finds some of them again)."""

    marker: int
    at: datetime
    seen: tuple[tuple, ...] = ()  # (message id, edited on, deleted on) of each message the last read found
    # The thread's newest message at `marker` (sequence id, created on), as far as the reads tell: what a page
    # current with `marker` shows last. None: not known (a chain of reads begun before this was kept).
    newest: tuple[int, datetime] | None = None


@dataclasses.dataclass(frozen=True)
class Delta:
    """What changed from the marker `prev` up to the marker it is stored under."""

    prev: int
    messages: Sequence  # acs.records.Message, as read
    resync: bool  # the changes cannot be replayed (too many, or nothing to read them since): pages reload
    # The newest message at `prev` (Synced.newest): what a page current with `prev` shows last, so a change can be
    # laid out for it without its poll (chat/push/change.py). None: not known.
    base: tuple[int, datetime] | None = None


@dataclasses.dataclass(frozen=True)
class LatestPage:
    """The thread's latest page as the service identity read it, for everyone who opens the page at a marker."""

    items: Sequence  # acs.records.Message
    link: str | None  # ACS's continuation to the page before
    at: datetime  # when it was read


class Listed(NamedTuple):
    """One participant as ACS lists them."""

    acs_user_id: str
    name: str  # the display name ACS has
    history_from: datetime | None  # share-history time, exact where the site set it; None: all history


@dataclasses.dataclass(frozen=True)
class RosterRead:
    version: int  # the ROSTER counter when it was read
    at: float  # when the read began (epoch seconds)
    members: tuple[Listed, ...]  # every participant, the service identity included


@dataclasses.dataclass(frozen=True)
class ReceiptsListing:
    version: int  # the RECEIPTS counter when it was listed
    at: float  # when (epoch seconds)
    read: Mapping[str, int]  # ACS user id -> the newest message id they read


class Typist(NamedTuple):
    name: str
    until: float  # epoch seconds: "is typing…" ends then


type TypingNow = dict[str, Typist]  # by user pk (as a string)


@dataclasses.dataclass(frozen=True)
class ListedThread:
    """A thread of ACS's list the site does not host: the list shows it as ACS names it."""

    id: str
    topic: str
    at: datetime | None  # its last message


@dataclasses.dataclass(frozen=True)
class InboxListed:
    """What ACS's list of a person's threads said, as far as their list page read it."""

    listed: tuple[str, ...]  # every thread id ACS listed
    foreign: tuple[ListedThread, ...]  # those the site does not host
    next: str | None  # the signed continuation of ACS's list


# --- The live path's keys ---


def synced(scope: str) -> Key[Synced]:
    return _record_key("synced", scope)


def delta(scope: str, marker: int) -> Key[Delta]:
    return _record_key("delta", scope, marker)


def page(thread_id: str, marker: int) -> Key[LatestPage]:
    return _record_key("page", thread_id, marker)


def roster_read(thread_id: str) -> Key[RosterRead]:
    return _record_key("roster-list", thread_id)


def shared(thread_id: str) -> Key[bool]:
    return _key("shared", thread_id)


def ended(thread_id: str, user_pk: int) -> Key[str]:
    return _key("state", thread_id, user_pk)


def deleted(thread_id: str) -> Key[bool]:
    return _key("deleted", thread_id)


def typing(thread_id: str) -> Key[TypingNow]:
    return _record_key("typing", thread_id)


def receipts(thread_id: str) -> Key[ReceiptsListing]:
    return _record_key("receipts", thread_id)


def receipt_sent(thread_id: str, user_pk: int) -> Key[str]:
    return _key("receipt-sent", thread_id, user_pk)


def shown(thread_id: str, user_pk: int) -> Key[int]:
    return _key("shown", thread_id, user_pk)


def inbox_listed(user_pk: int) -> Key[InboxListed]:
    return _record_key("inbox-acs", user_pk)


def inbox_read(thread_id: str, user_pk: int) -> Key[int]:
    return _key("inbox-read", thread_id, user_pk)


def hint_queued(scope: str) -> Key[bool]:
    return _key("hint-queued", scope)


def hint_read(scope: str) -> Key[float]:
    return _key("hint-read", scope)


def own_write(thread_id: str, kind: str, ref: str) -> Key[bool]:
    return _key("own", thread_id, kind, ref)


def stream_slot(user_pk: int, n: int) -> Key[str]:
    """One of a person's open push streams (chat/push/stream.py), held by a token until it closes or lapses."""
    return _key("push", "stream", user_pk, n)


def health_probe(token: str) -> Key[Any]:
    """A key no other probe uses at the same time (chatsite.health writes, reads back and deletes it)."""
    return f"chatsite:healthz:{token}"
