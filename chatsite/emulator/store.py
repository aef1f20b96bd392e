"""The chat domain: threads, participants, messages and read receipts, with ACS's visibility rules.

Writes run in a transaction that first locks the Thread row (select_for_update), which serialises sequence
and message id allocation per thread. Reads of lists are keyset queries on indexed columns, so a page costs
the same whatever the thread's size.
"""

import contextlib
import dataclasses
import functools
import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import nh3
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from . import events, wire
from .errors import bad_request, forbidden, not_found
from .events.models import SUCCEEDED, EventSubscription
from .models import Identity, Message, Participant, ReadReceipt, Thread

MAX_PARTICIPANTS = 250
MAX_BATCH = 200
MAX_MESSAGE_BYTES = 28 * 1024
# Read receipts and typing are "not supported" above this many participants (LIMITS.md).
RECEIPTS_PARTICIPANT_LIMIT = 20
USER_MESSAGE_TYPES = ("text", "html")


@dataclasses.dataclass(frozen=True)
class NewParticipant:
    user_id: str
    display_name: str = ""
    share_history_time: datetime | None = None
    metadata: dict | None = None


@dataclasses.dataclass(frozen=True)
class InvalidParticipant:
    """One CommunicationError of invalidParticipants; target is the participant's raw id."""

    target: str
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class Page:
    items: list
    # What the next page needs (a keyset or an offset); None on the last page.
    after: dict | None


# --- transactions -----------------------------------------------------------------------------------

# SQLite allows one writer: concurrent writers wait in SQLite's busy handler, which sleeps in growing steps
# (1, 2, 5, 10 ms…) however soon the lock is free. Queuing this process's writers on a lock first hands the
# database over the moment the previous write commits.
_sqlite_writer = threading.RLock()


@contextlib.contextmanager
def _write():
    lock = _sqlite_writer if connection.vendor == "sqlite" else contextlib.nullcontext()
    with lock, transaction.atomic():
        yield


def _writes(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _write():
            return func(*args, **kwargs)

    return wrapper


# --- access ------------------------------------------------------------------------------------------


def _retention_expired(thread: Thread) -> bool:
    """A thread past its retention policy is gone, as if deleted (checked on access, no sweeper)."""
    policy = thread.retention_policy
    if not policy or policy.get("kind") != "threadCreationDate":
        return False
    return datetime.now(UTC) >= thread.created_on + timedelta(days=policy["deleteThreadAfterDays"])


def _thread(thread_id: str, *, lock: bool = False) -> Thread:
    query = Thread.objects.select_for_update() if lock else Thread.objects
    thread = query.filter(pk=thread_id, deleted_on__isnull=True).first()
    if thread is None or _retention_expired(thread):
        raise not_found(f"Thread {thread_id} was not found.")
    return thread


def _member(thread: Thread, user_id: str, *, active: bool) -> Participant:
    """The caller's participation: any (active or removed) to read, active to act; 403 otherwise."""
    participant = Participant.objects.filter(thread=thread, user_id=user_id).first()
    if participant is None or (active and not participant.is_active):
        raise forbidden()
    return participant


def _access(thread_id: str, user_id: str, *, active: bool, lock: bool = False) -> tuple[Thread, Participant]:
    """The thread (locked for a write when `lock`) and the caller's participation in one query; 404 / 403 as
    _thread and _member. Every chat call starts here, so the query is written once in SQL (the ORM spent more
    time building it than the database answering it)."""
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(connection.vendor, lock), [thread_id, user_id])
        row = cursor.fetchone()
    if row is not None:
        thread = _from_row(Thread, _THREAD_FIELDS, row[: len(_THREAD_FIELDS)])
        participant = _from_row(Participant, _PARTICIPANT_FIELDS, row[len(_THREAD_FIELDS) :])
        participant.thread = thread
    if row is None or (active and not participant.is_active) or _retention_expired(thread):
        _thread(thread_id)  # only on the error path: 404 for a missing thread, else 403
        raise forbidden()
    return thread, participant


_THREAD_FIELDS = tuple(Thread._meta.concrete_fields)
_PARTICIPANT_FIELDS = tuple(Participant._meta.concrete_fields)


@functools.cache
def _access_sql(vendor: str, lock: bool) -> str:
    quote = connection.ops.quote_name
    t, p = Thread._meta.db_table, Participant._meta.db_table
    columns = [f"{t}.{quote(f.column)}" for f in _THREAD_FIELDS]
    columns += [f"{p}.{quote(f.column)}" for f in _PARTICIPANT_FIELDS]
    # SQLite has no row locks: its writers are serialised by _write (one writer, BEGIN IMMEDIATE).
    lock_clause = f" FOR UPDATE OF {t}" if lock and vendor != "sqlite" else ""
    return (
        f"SELECT {', '.join(columns)} FROM {p} JOIN {t} ON {t}.id = {p}.thread_id"  # noqa: S608 - names only
        f" WHERE {p}.thread_id = %s AND {p}.user_id = %s AND {t}.deleted_on IS NULL{lock_clause}"
    )


def _from_row(model, fields, values):
    """A model instance from a row of `fields` as the database returned them (SQLite: text times, JSON text)."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        if value is not None and field.get_internal_type() == "DateTimeField":
            value = _from_db_time(value)
        elif value is not None and field.get_internal_type() == "JSONField":
            value = _from_db_json(value)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


@dataclasses.dataclass(frozen=True)
class Window:
    """The sequence ids a participant may read: from its share-history time up to its removal."""

    low: int
    high: int | None

    def q(self) -> Q:
        query = Q(sequence_id__gte=self.low)
        return query & Q(sequence_id__lte=self.high) if self.high is not None else query

    def __contains__(self, sequence_id: int) -> bool:
        return self.low <= sequence_id and (self.high is None or sequence_id <= self.high)


def _window(thread: Thread, participant: Participant) -> Window:
    low = 1
    if participant.share_history_time:
        # created_on is derived from message_id (epoch ms), so one indexed lookup turns the share-history
        # time into a sequence id bound.
        min_id = -(-int(participant.share_history_time.timestamp() * 1_000_000) // 1000)
        first = (
            Message.objects.filter(thread=thread, message_id__gte=min_id)
            .order_by("message_id")
            .values_list("sequence_id", flat=True)
            .first()
        )
        low = first if first is not None else thread.last_sequence_id + 1
    return Window(low=low, high=participant.removed_at_sequence_id)


# --- allocation -------------------------------------------------------------------------------------


def _next_message_id(thread: Thread) -> int:
    """Epoch ms, strictly increasing per thread (also used for edit versions)."""
    thread.last_message_id = max(int(time.time() * 1000), thread.last_message_id + 1)
    return thread.last_message_id


def _append(
    thread: Thread,
    *,
    type: str,
    content: dict,
    sender_id: str = "",
    sender_display_name: str = "",
    metadata: dict | None = None,
) -> Message:
    """Write the next message of a locked thread and the thread's activity fields."""
    message_id = _next_message_id(thread)
    created_on = wire.from_epoch_ms(message_id)
    thread.last_sequence_id += 1
    thread.updated_on = created_on
    if type in USER_MESSAGE_TYPES:
        thread.last_message_received_on = created_on
    thread.save(
        update_fields=["last_sequence_id", "last_message_id", "updated_on", "last_message_received_on"]
    )
    return Message.objects.create(
        thread=thread,
        message_id=message_id,
        sequence_id=thread.last_sequence_id,
        type=type,
        content=content,
        sender_id=sender_id,
        sender_display_name=sender_display_name,
        metadata=metadata,
        created_on=created_on,
        modified_on=created_on,
        version=message_id,
    )


def _participants_message(thread, kind: str, initiator: str, participants: list[dict]) -> Message:
    content = {"participants": participants, "initiatorCommunicationIdentifier": wire.identifier(initiator)}
    return _append(thread, type=kind, content=content)


def _topic_message(thread, initiator: str) -> Message:
    content = {"topic": thread.topic, "initiatorCommunicationIdentifier": wire.identifier(initiator)}
    return _append(thread, type="topicUpdated", content=content)


# --- participants validation ----------------------------------------------------------------------------


def _dedupe(participants: list[NewParticipant]) -> list[NewParticipant]:
    return list({p.user_id: p for p in participants}.values())


def _split_unknown(
    participants: list[NewParticipant],
) -> tuple[list[NewParticipant], list[InvalidParticipant]]:
    known = set(
        Identity.objects.filter(pk__in=[p.user_id for p in participants]).values_list("pk", flat=True)
    )
    invalid = [
        InvalidParticipant(p.user_id, "404", f"Not found: {p.user_id} is not an identity of this resource.")
        for p in participants
        if p.user_id not in known
    ]
    return [p for p in participants if p.user_id in known], invalid


def _check_batch(participants: list[NewParticipant]) -> None:
    if len(participants) > MAX_BATCH:
        raise bad_request(f"At most {MAX_BATCH} participants can be added at once.", target="participants")


def _over_cap(p: NewParticipant) -> InvalidParticipant:
    return InvalidParticipant(
        p.user_id, "403", f"The thread already has the maximum of {MAX_PARTICIPANTS} participants."
    )


# --- threads -------------------------------------------------------------------------------------------


def thread_create(
    *,
    creator: str,
    topic: str,
    participants: list[NewParticipant],
    repeatability_id: str | None,
    metadata: dict | None = None,
    retention_policy: dict | None = None,
) -> tuple[Thread, list[InvalidParticipant]]:
    """A new thread with its creator as participant, or the creator's thread of the same request id."""
    _check_batch(participants)
    repeatability_id = repeatability_id or str(uuid.uuid4())
    existing = Thread.objects.filter(created_by=creator, repeatability_request_id=repeatability_id).first()
    if existing:
        return existing, []
    try:
        with _write():
            return _thread_create(creator, topic, participants, repeatability_id, metadata, retention_policy)
    except IntegrityError:
        # A concurrent request with the same repeatability id won the race: answer with its thread.
        return Thread.objects.get(created_by=creator, repeatability_request_id=repeatability_id), []


def _thread_create(creator, topic, participants, repeatability_id, metadata, retention_policy):
    participants = _dedupe(participants)
    creator_entry = next((p for p in participants if p.user_id == creator), NewParticipant(creator))
    others, invalid = _split_unknown([p for p in participants if p.user_id != creator])
    room = MAX_PARTICIPANTS - 1
    invalid += [_over_cap(p) for p in others[room:]]
    members = [NewParticipant(creator, creator_entry.display_name, metadata=creator_entry.metadata), *others[:room]]

    now = datetime.now(UTC)
    thread = Thread.objects.create(
        id=f"19:{secrets.token_hex(16)}@thread.v2",
        topic=topic,
        created_on=now,
        created_by=creator,
        repeatability_request_id=repeatability_id,
        updated_on=now,
        metadata={k: v for k, v in (metadata or {}).items() if v is not None} or None,
        retention_policy=retention_policy,
    )
    Participant.objects.bulk_create(
        Participant(
            thread=thread,
            user_id=p.user_id,
            display_name=p.display_name,
            share_history_time=p.share_history_time,
            metadata=p.metadata or None,
            added_on=now,
        )
        for p in members
    )
    added = [wire.participant_dict(p.user_id, p.display_name, p.share_history_time) for p in members]
    _participants_message(thread, "participantAdded", creator, added)
    _topic_message(thread, creator)
    events.publish("thread_created", thread=thread)
    return thread, invalid


def thread_get(*, user: str, thread_id: str) -> Thread:
    thread, _ = _access(thread_id, user, active=False)
    return thread


def threads_list(*, user: str, size: int, start_time: datetime | None, after: dict | None) -> Page:
    """The caller's threads (including removed-from and deleted ones), most recent activity first."""
    query = Thread.objects.filter(participants__user_id=user)
    if start_time:
        query = query.filter(updated_on__gte=start_time)
    if after:
        query = query.filter(Q(updated_on__lt=after["u"]) | Q(updated_on=after["u"], id__gt=after["i"]))
    threads = list(query.order_by("-updated_on", "id")[: size + 1])
    if len(threads) <= size:
        return Page(threads, None)
    last = threads[size - 1]
    return Page(threads[:size], {"u": last.updated_on.isoformat(), "i": last.id})


@_writes
def thread_update(
    *, user: str, thread_id: str, topic: str | None, metadata: dict | None, retention_policy: dict | None
) -> None:
    """Merge-patch of topic, metadata (a null value removes a key) and retention policy; only a topic
    writes a system message. A topic or a metadata change publishes ChatThreadPropertiesUpdated.
    `{}` changes nothing but still needs access."""
    thread, _ = _access(thread_id, user, active=True, lock=True)
    metadata_changed = False
    if metadata is not None:
        merged = {**(thread.metadata or {}), **metadata}
        merged = {k: v for k, v in merged.items() if v is not None} or None
        metadata_changed, thread.metadata = merged != thread.metadata, merged
    if retention_policy is not None:
        thread.retention_policy = None if retention_policy.get("kind") == "none" else retention_policy
    if topic is not None:
        thread.topic = topic
    thread.save(update_fields=["topic", "metadata", "retention_policy"])
    if topic is not None:
        version = _topic_message(thread, user).message_id
    elif metadata_changed:
        version = _next_message_id(thread)  # the change's epoch ms, in the thread's id sequence
        thread.save(update_fields=["last_message_id"])
    else:
        return
    events.publish("properties_updated", thread=thread, by=user, version=version)


@_writes
def thread_delete(*, user: str, thread_id: str) -> None:
    """Mark the thread deleted; deleting it again is a success for its participants."""
    thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
    if thread is None:
        raise not_found(f"Thread {thread_id} was not found.")
    _member(thread, user, active=not thread.deleted_on)
    if not thread.deleted_on:
        thread.deleted_on = thread.updated_on = datetime.now(UTC)
        thread.save(update_fields=["deleted_on", "updated_on"])
        events.publish("thread_deleted", thread=thread, by=user)


# --- messages ------------------------------------------------------------------------------------------


def _check_size(content: str) -> None:
    if len(content.encode()) > MAX_MESSAGE_BYTES:
        raise bad_request("Message size exceeded.", target="content")


def _clean(type: str, content: str) -> str:
    # ACS sanitises html messages; nh3 keeps safe markup only.
    return nh3.clean(content) if type == "html" else content


def message_send(
    *, user: str, thread_id: str, type: str, content: str, display_name: str, metadata: dict | None
) -> Message:
    """The hot path, written in SQL (the ORM's query building cost more than the database did). Two statements
    in a transaction (three with SQLite's BEGIN): the thread's counters move in one UPDATE that also checks the
    sender is an active participant (and locks the row on PostgreSQL), then the message is inserted. On
    PostgreSQL with no Event Grid subscription, one statement does both and commits (see _send_at_once)."""
    if type not in USER_MESSAGE_TYPES:
        raise bad_request(f"Message type {type!r} is not supported; use text or html.", target="type")
    _check_size(content)
    content = _clean(type, content)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        sent = _send_at_once(thread_id, user, type, content, display_name, metadata)
        if sent is not None:
            return sent
    with _write():
        claimed = _claim_message_slot(thread_id, user)
        if claimed is None:
            _access(thread_id, user, active=True)  # the error path only: 404 for a missing thread, else 403
            raise forbidden()
        sequence_id, message_id, thread_created_on, retention_policy, subscribed = claimed
        if _retention_expired(Thread(created_on=thread_created_on, retention_policy=retention_policy)):
            raise not_found(f"Thread {thread_id} was not found.")  # rolls the claim back
        created_on = wire.from_epoch_ms(message_id)
        message = Message(
            thread_id=thread_id,
            message_id=message_id,
            sequence_id=sequence_id,
            type=type,
            content={"message": content},
            sender_id=user,
            sender_display_name=display_name,
            metadata=metadata or None,
            created_on=created_on,
            modified_on=created_on,
            version=message_id,
        )
        _insert(message)
        if subscribed:
            events.publish("message_received", message=message)
    return message


def _send_at_once(thread_id, user, type, content, display_name, metadata) -> Message | None:
    """PostgreSQL: claim the slot and insert the message in one statement, its own transaction, when the sender
    is an active participant of a live thread and no subscription wants events (they are written in the same
    transaction). None otherwise, having changed nothing: message_send then takes the general path, which
    publishes the events or tells 404 from 403."""
    now_ms = int(time.time() * 1000)
    message = Message(
        thread_id=thread_id,
        type=type,
        content={"message": content},
        sender_id=user,
        sender_display_name=display_name,
        metadata=metadata or None,
    )
    prepared = [
        Message._meta.get_field(name).get_db_prep_save(getattr(message, name), connection)
        for name in ("type", "content", "sender_id", "sender_display_name", "metadata")
    ]
    with connection.cursor() as cursor:
        cursor.execute(_send_at_once_sql(), [now_ms, now_ms, now_ms, thread_id, user, thread_id, *prepared])
        row = cursor.fetchone()
    if row is None:
        return None
    message.sequence_id, message.message_id = row
    message.version = message.message_id
    message.created_on = message.modified_on = wire.from_epoch_ms(message.message_id)
    return message


@functools.cache
def _send_at_once_sql() -> str:
    t, p, s, m = (model._meta.db_table for model in (Thread, Participant, EventSubscription, Message))
    new_id = "GREATEST(%s::bigint, last_message_id + 1)"
    columns = {
        "thread_id": "%s",
        "message_id": "last_message_id",
        "sequence_id": "last_sequence_id",
        "type": "%s",
        "content": "%s",
        "sender_id": "%s",
        "sender_display_name": "%s",
        "metadata": "%s",
        "created_on": "to_timestamp(last_message_id / 1000.0)",
        "edited_on": "NULL",
        "deleted_on": "NULL",
        "version": "last_message_id",
        "modified_on": "to_timestamp(last_message_id / 1000.0)",
    }
    assert set(columns) == {f.column for f in Message._meta.concrete_fields if not f.primary_key}
    # Table and column names come from the models; every value is a parameter.
    return (
        f"WITH claimed AS (UPDATE {t} SET last_sequence_id = last_sequence_id + 1,"  # noqa: S608
        f" last_message_id = {new_id}, updated_on = to_timestamp({new_id} / 1000.0),"
        f" last_message_received_on = to_timestamp({new_id} / 1000.0)"
        f" WHERE id = %s AND deleted_on IS NULL"
        f" AND EXISTS (SELECT 1 FROM {p} WHERE {p}.thread_id = {t}.id AND {p}.user_id = %s"
        f" AND {p}.removed_at_sequence_id IS NULL)"
        f" AND NOT EXISTS (SELECT 1 FROM {s} WHERE provisioning_state = '{SUCCEEDED}')"
        f" AND (retention_policy IS NULL OR retention_policy ->> 'kind' <> 'threadCreationDate'"
        f" OR created_on + make_interval(days => (retention_policy ->> 'deleteThreadAfterDays')::int) > now())"
        f" RETURNING last_sequence_id, last_message_id)"
        f" INSERT INTO {m} ({', '.join(map(connection.ops.quote_name, columns))})"
        f" SELECT {', '.join(columns.values())} FROM claimed"
        f" RETURNING sequence_id, message_id"
    )


def _claim_message_slot(thread_id: str, user: str):
    """Move the thread's counters for a new user message if `user` is an active participant of the live thread:
    (sequence id, message id, thread created_on, retention policy, any Event Grid subscription?) or None."""
    now_ms = int(time.time() * 1000)
    sql = _claim_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [now_ms, _db_time(now_ms), _db_time(now_ms), thread_id, user])
        row = cursor.fetchone()
        if row is None:
            return None
        sequence_id, message_id, created_on, retention_policy, subscribed = row
        if message_id != now_ms:  # two messages in one millisecond: activity time follows the message id
            cursor.execute(_retime_sql(), [_db_time(message_id), _db_time(message_id), thread_id])
    return sequence_id, message_id, _from_db_time(created_on), _from_db_json(retention_policy), bool(subscribed)


@functools.cache
def _claim_sql(vendor: str) -> str:
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    t, p, s = (m._meta.db_table for m in (Thread, Participant, EventSubscription))
    return (
        # Table and column names come from the models; every value is a parameter.
        f"UPDATE {t} SET last_sequence_id = last_sequence_id + 1,"  # noqa: S608
        f" last_message_id = {greatest}(%s, last_message_id + 1), updated_on = %s, last_message_received_on = %s"
        f" WHERE id = %s AND deleted_on IS NULL AND EXISTS (SELECT 1 FROM {p} WHERE {p}.thread_id = {t}.id"
        f" AND {p}.user_id = %s AND {p}.removed_at_sequence_id IS NULL)"
        f" RETURNING last_sequence_id, last_message_id, created_on, retention_policy,"
        f" EXISTS (SELECT 1 FROM {s} WHERE provisioning_state = '{SUCCEEDED}')"
    )


@functools.cache
def _retime_sql() -> str:
    table = Thread._meta.db_table
    return f"UPDATE {table} SET updated_on = %s, last_message_received_on = %s WHERE id = %s"  # noqa: S608


@functools.cache
def _insert_sql(vendor: str) -> tuple[str, tuple]:
    fields = tuple(f for f in Message._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {Message._meta.db_table} ({columns}) VALUES ({values})", fields  # noqa: S608


def _insert(message: Message) -> None:
    sql, fields = _insert_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields])


_TIME_FIELD = Thread._meta.get_field("updated_on")


def _db_time(ms: int):
    return _TIME_FIELD.get_db_prep_save(wire.from_epoch_ms(ms), connection)


def _from_db_time(value) -> datetime:
    """A DateTimeField value as RETURNING hands it back (SQLite: text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _from_db_json(value):
    return json.loads(value) if isinstance(value, str) else value


def _parse_message_id(message_id: str) -> int:
    # Beyond a 64-bit column's range no message can have it (and the database would refuse the query).
    if not (message_id.isascii() and message_id.isdigit()) or int(message_id) >= 2**63:
        raise not_found(f"Message {message_id} was not found.")
    return int(message_id)


def _visible_message(thread: Thread, participant: Participant, message_id: str, *, lock=False) -> Message:
    with connection.cursor() as cursor:
        cursor.execute(_message_sql(connection.vendor, lock), [thread.id, _parse_message_id(message_id)])
        row = cursor.fetchone()
    message = _from_row(Message, _MESSAGE_FIELDS, row) if row is not None else None
    if message is None or message.sequence_id not in _window(thread, participant):
        raise not_found(f"Message {message_id} was not found.")
    return message


_MESSAGE_FIELDS = tuple(Message._meta.concrete_fields)


@functools.cache
def _message_sql(vendor: str, lock: bool) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _MESSAGE_FIELDS)
    lock_clause = " FOR UPDATE" if lock and vendor != "sqlite" else ""
    table = Message._meta.db_table
    return f"SELECT {columns} FROM {table} WHERE thread_id = %s AND message_id = %s{lock_clause}"  # noqa: S608


def message_get(*, user: str, thread_id: str, message_id: str) -> Message:
    thread, participant = _access(thread_id, user, active=False)
    return _visible_message(thread, participant, message_id)


def messages_list(
    *, user: str, thread_id: str, size: int, start_time: datetime | None, after: dict | None
) -> Page:
    """Newest first (descending sequence id); startTime filters on the last modification."""
    thread, participant = _access(thread_id, user, active=False)
    query = Message.objects.filter(_window(thread, participant).q(), thread=thread)
    if start_time:
        query = query.filter(modified_on__gte=start_time)
    if after:
        query = query.filter(sequence_id__lt=after["s"])
    messages = list(query.order_by("-sequence_id")[: size + 1])
    if len(messages) <= size:
        return Page(messages, None)
    return Page(messages[:size], {"s": messages[size - 1].sequence_id})


def _own_message(user: str, thread_id: str, message_id: str) -> tuple[Thread, Message]:
    thread, participant = _access(thread_id, user, active=True, lock=True)
    message = _visible_message(thread, participant, message_id, lock=True)
    if message.sender_id != user:
        raise forbidden(("NotSender", "Only the sender can update or delete a message."))
    return thread, message


@_writes
def message_update(
    *, user: str, thread_id: str, message_id: str, content: str | None, metadata: dict | None
) -> None:
    """Merge-patch: content replaces, metadata merges (a null value removes a key); `{}` changes nothing."""
    if content is not None:
        _check_size(content)
    thread, message = _own_message(user, thread_id, message_id)
    if message.deleted_on:
        raise not_found(f"Message {message_id} was deleted.")
    if content is None and metadata is None:
        return
    if content is not None:
        message.content = {**message.content, "message": _clean(message.type, content)}
    if metadata is not None:
        merged = {**(message.metadata or {}), **metadata}
        message.metadata = {k: v for k, v in merged.items() if v is not None} or None
    message.version = _next_message_id(thread)
    message.edited_on = message.modified_on = wire.from_epoch_ms(message.version)
    thread.updated_on = message.modified_on
    thread.save(update_fields=["last_message_id", "updated_on"])
    message.save(update_fields=["content", "metadata", "version", "edited_on", "modified_on"])
    events.publish("message_edited", message=message)


@_writes
def message_delete(*, user: str, thread_id: str, message_id: str) -> None:
    """Soft delete: the message stays listed with deletedOn and empty content; deleting again succeeds."""
    thread, message = _own_message(user, thread_id, message_id)
    if message.deleted_on:
        return
    message.version = _next_message_id(thread)
    message.deleted_on = message.modified_on = wire.from_epoch_ms(message.version)
    message.content = {"message": ""}
    message.metadata = None
    thread.updated_on = message.modified_on
    thread.save(update_fields=["last_message_id", "updated_on"])
    message.save(update_fields=["content", "metadata", "version", "deleted_on", "modified_on"])
    events.publish("message_deleted", message=message)


# --- participants -------------------------------------------------------------------------------------


@_writes
def participants_add(
    *, user: str, thread_id: str, participants: list[NewParticipant]
) -> list[InvalidParticipant]:
    """Add or re-activate participants; the ones already active are left as they are."""
    _check_batch(participants)
    thread, _ = _access(thread_id, user, active=True, lock=True)
    valid, invalid = _split_unknown(_dedupe(participants))
    current = {
        p.user_id: p
        for p in Participant.objects.filter(thread=thread, user_id__in=[v.user_id for v in valid])
    }
    joining = [p for p in valid if not (p.user_id in current and current[p.user_id].is_active)]
    room = (
        MAX_PARTICIPANTS
        - Participant.objects.filter(thread=thread, removed_at_sequence_id__isnull=True).count()
    )
    invalid += [_over_cap(p) for p in joining[max(room, 0) :]]
    joining = joining[: max(room, 0)]
    if not joining:
        return invalid
    now = datetime.now(UTC)
    for p in joining:
        Participant.objects.update_or_create(
            thread=thread,
            user_id=p.user_id,
            defaults={
                "display_name": p.display_name,
                "share_history_time": p.share_history_time,
                "metadata": p.metadata or None,
                "added_on": now,
                "removed_at_sequence_id": None,
            },
        )
    added = [wire.participant_dict(p.user_id, p.display_name, p.share_history_time) for p in joining]
    _participants_message(thread, "participantAdded", user, added)
    events.publish("participants_added", thread=thread, by=user, user_ids=[p.user_id for p in joining])
    return invalid


def participants_list(*, user: str, thread_id: str, skip: int, size: int) -> Page:
    thread, _ = _access(thread_id, user, active=False)
    participants = list(
        Participant.objects.filter(thread=thread, removed_at_sequence_id__isnull=True).order_by("id")[
            skip : skip + size + 1
        ]
    )
    return Page(participants[:size], {"skip": skip + size} if len(participants) > size else None)


@_writes
def participant_remove(*, user: str, thread_id: str, target: str) -> None:
    """Remove a participant; it keeps reading up to (and including) the participantRemoved message.
    Removing an already removed participant, or one that never was in the thread, succeeds with no change
    (the real service's answer, which the SDK's own sample relies on)."""
    thread, _ = _access(thread_id, user, active=True, lock=True)
    participant = Participant.objects.filter(thread=thread, user_id=target).first()
    if participant is None or not participant.is_active:
        return
    removed = [wire.participant(participant)]
    message = _participants_message(thread, "participantRemoved", user, removed)
    participant.removed_at_sequence_id = message.sequence_id
    participant.save(update_fields=["removed_at_sequence_id"])
    events.publish("participant_removed", thread=thread, by=user, participant=participant)


# --- read receipts and typing ---------------------------------------------------------------------------


def _receipts_supported(thread: Thread) -> bool:
    active = Participant.objects.filter(thread=thread, removed_at_sequence_id__isnull=True)
    return active.count() <= RECEIPTS_PARTICIPANT_LIMIT


@_writes
def read_receipt_send(*, user: str, thread_id: str, message_id: str) -> None:
    """Keep the latest read message per participant: an older one does not move the receipt back.
    Above 20 participants receipts are accepted and ignored (ACS does not support them there)."""
    thread, participant = _access(thread_id, user, active=True)
    message = _visible_message(thread, participant, message_id)
    if not _receipts_supported(thread):
        return
    receipt = ReadReceipt.objects.select_for_update().filter(thread=thread, user_id=user).first()
    now = datetime.now(UTC)
    if receipt is None:
        ReadReceipt.objects.create(
            thread=thread,
            user_id=user,
            message_id=message.message_id,
            sequence_id=message.sequence_id,
            read_on=now,
        )
    elif message.sequence_id > receipt.sequence_id:
        receipt.message_id, receipt.sequence_id, receipt.read_on = (
            message.message_id,
            message.sequence_id,
            now,
        )
        receipt.save(update_fields=["message_id", "sequence_id", "read_on"])


def read_receipts_list(*, user: str, thread_id: str, skip: int, size: int) -> Page:
    """Receipts of messages the caller can see; none on threads above 20 participants."""
    thread, participant = _access(thread_id, user, active=False)
    if not _receipts_supported(thread):
        return Page([], None)
    receipts = list(
        ReadReceipt.objects.filter(_window(thread, participant).q(), thread=thread).order_by("user_id")[
            skip : skip + size + 1
        ]
    )
    return Page(receipts[:size], {"skip": skip + size} if len(receipts) > size else None)


def typing(*, user: str, thread_id: str) -> None:
    """Typing notifications are not stored (the Python SDK has no channel to deliver them)."""
    _access(thread_id, user, active=True)
