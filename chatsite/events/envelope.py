"""Event Grid deliveries, in the Event Grid schema or CloudEvents 1.0, read with the Azure SDK's models
(`azure-eventgrid`'s EventGridEvent, `azure.core.messaging.CloudEvent`) into typed, frozen ChatEvents, or refused.

Tolerated, as EVENT_GRID.md §2 and §8 ask: arrays or single objects, `version` as a number or a decimal string,
timestamps with `Z` or an offset and up to 7 fractional digits, unknown fields and unknown event types.

Refused (Malformed, answered 400, which Event Grid never retries): what the webhook cannot use. JSON nested deeper
than MAX_DEPTH or more than MAX_EVENTS events; any field of the spec's `data` definitions (AzureCommunicationServices
.json) holding another type than the spec's; ids not shaped as ACS makes them (event ids fit ReceivedEvent's
column); numbers outside int64 or negative; times outside [EARLIEST, LATEST). So every value a ChatEvent carries
fits the columns, cache keys and arithmetic it may end in, on every database.
"""

import dataclasses
import html
import json
import re
from datetime import UTC, datetime

import nh3
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from . import types

PREVIEW_LENGTH = 200
# System.Text.Json's default maximum depth (the emulator's too); ACS's deepest field is 7 levels down.
MAX_DEPTH = 64
MAX_EVENTS = 5000  # Event Grid's largest batch
# Every version ACS sends is epoch ms; the site keeps them in 64-bit integer columns.
INT64_MAX = 2**63 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# Event Grid's ids are GUIDs for ACS's events; what ReceivedEvent.event_id holds (64), printable ASCII.
EVENT_ID = re.compile(r"[\x21-\x7e]{1,64}")
# `19:<opaque>@thread.v2` (API_NOTES.md); Teams interop threads end in other suffixes. At most 255 characters.
THREAD_ID = re.compile(r"19:[A-Za-z0-9_.~=+!\-]{1,200}@[A-Za-z0-9.\-]{1,50}")
# `8:acs:<resource>_<id>`, `4:+<phone>`, `8:orgid:<id>`, `28:<app>`… (API_NOTES.md: rawId prefixes). At most 254.
RAW_ID = re.compile(r"[0-9]{1,3}:[A-Za-z0-9_.:@+=\-]{1,250}")
# Message ids and versions are epoch ms, message ids as decimal strings: 64-bit integers.
DECIMAL = re.compile(r"[0-9]{1,19}")
VALIDATION_CODE = re.compile(r"[\x20-\x7e]{1,256}")

# The fields of the spec's `data` definitions (EVENT_GRID.md §2), by what they hold; one name means one thing in
# every event type, so they are checked wherever they appear.
TIMES = ("composeTime", "editTime", "deleteTime", "createTime", "time")
TEXTS = ("transactionId", "senderDisplayName", "type", "messageBody")
# Who acted, by event: the sender, or the one who created, edited, deleted, added or removed.
ACTORS = (
    "senderCommunicationIdentifier",
    "createdByCommunicationIdentifier",
    "editedByCommunicationIdentifier",
    "deletedByCommunicationIdentifier",
    "addedByCommunicationIdentifier",
    "removedByCommunicationIdentifier",
)
IDENTIFIER_OBJECTS = ("phoneNumber", "microsoftTeamsUser", "microsoftTeamsApp")


class Malformed(ValueError):
    """The body is not a delivery the webhook can use (answered 400: Event Grid does not retry it). The message
    names the field, never its value."""


@dataclasses.dataclass(frozen=True)
class Participant:
    acs_user_id: str
    display_name: str


@dataclasses.dataclass(frozen=True)
class ChatEvent:
    id: str
    type: str  # without the Microsoft.Communication. prefix, e.g. "ChatMessageReceivedInThread"
    thread_id: str
    time: datetime | None  # when ACS says it happened (eventTime / time), in UTC
    source: str  # the ACS resource (Event Grid topic, CloudEvents source)
    subject: str
    sender: str  # raw id of whoever acted (sender, creator, editor, deleter, adder, remover); "" if none
    sender_name: str
    recipient: str  # user-level events only: the raw id of the participant it is for
    message_id: str  # decimal, at most 19 digits and within int64; "" when the event names no message
    message_type: str
    version: int | None  # ACS's ordering number for the message or thread (epoch ms), 0 ≤ version < 2**63
    body: str  # the message as sent (text, or html from other clients)
    topic: str | None  # the thread's topic, when the event carries its properties
    participants: tuple[Participant, ...]  # created: all of them; added / removed: the one
    # A message's metadata as its sender set it.
    metadata: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)

    @property
    def user_level(self) -> bool:
        return bool(self.recipient)

    @property
    def preview(self) -> str:
        """The message as one line of plain text (html reduced to its text)."""
        text = self.body
        if self.message_type.lower() == "html":
            text = html.unescape(nh3.clean(text, tags=set()))
        text = re.sub(r"\s+", " ", text).strip()
        return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


@dataclasses.dataclass(frozen=True)
class Delivery:
    events: tuple[ChatEvent, ...]
    validation_code: str | None  # a SubscriptionValidationEvent's code, to echo back
    ignored: int  # events of other types (answered 200 so they are not retried)


@dataclasses.dataclass(frozen=True)
class _Envelope:
    """What both schemas share, as the SDK's model read it."""

    id: str
    type: str
    time: datetime | None
    source: str
    subject: str
    data: object


def parse(body: bytes) -> Delivery:
    payload = _json(body)
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_EVENTS:
        raise Malformed(f"more than {MAX_EVENTS} events")
    events, validation_code, ignored = [], None, 0
    for index, item in enumerate(items):
        envelope = _envelope(item, f"event {index}")
        if envelope.type == types.VALIDATION:
            validation_code = _validation_code(envelope.data)
        elif envelope.type in types.CHAT:
            events.append(_chat_event(envelope, f"event {index}"))
        else:
            ignored += 1
    return Delivery(tuple(events), validation_code, ignored)


def _json(body: bytes):
    try:
        payload = json.loads(body)
    except RecursionError as exc:  # nested beyond the parser's own limit
        raise Malformed(f"nested deeper than {MAX_DEPTH}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("not JSON") from exc
    if _depth(payload) > MAX_DEPTH:
        raise Malformed(f"nested deeper than {MAX_DEPTH}")
    return payload


def _depth(value) -> int:
    """Nesting depth, iteratively: the value is as deep as the parser allowed."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest if isinstance(value, dict | list) else 0


def _envelope(item, where: str) -> _Envelope:
    if not isinstance(item, dict):
        raise Malformed(f"{where} is not an object")
    fields = _Fields(item, where)
    # Both models make up an id when there is none: a delivery without one could never be deduplicated.
    event_id = fields.shaped("id", EVENT_ID, "an event id of at most 64 printable characters")
    if not event_id:
        raise Malformed(f"{where} has no id")
    if "specversion" in item:
        for name in ("specversion", "source", "type", "subject", "datacontenttype", "dataschema"):
            fields.text(name)
        # The SDK reads an offset's hours from one digit (-08:00 becomes UTC): the time is read here instead.
        time = fields.time("time")
        event = _read(CloudEvent.from_dict, {k: v for k, v in item.items() if k != "time"}, where)
        return _Envelope(event_id, event.type, time, event.source, event.subject or "", event.data)
    for name in ("topic", "subject", "eventType", "dataVersion", "metadataVersion"):
        fields.text(name)
    fields.time("eventTime")  # so that a time out of range is refused by its name
    event = _read(EventGridEvent.from_dict, item, where)
    time = _in_range(event.event_time, f"{where}.eventTime")
    return _Envelope(event_id, event.event_type or "", time, event.topic or "", event.subject or "", event.data)


def _read(model, item: dict, where: str):
    try:
        return model(item)
    except Exception as exc:  # the SDK's ways of saying "not this schema" (ValueError, KeyError, TypeError…)
        raise Malformed(f"{where} is not an event of its schema ({type(exc).__name__})") from exc


def _validation_code(data) -> str:
    code = data.get("validationCode") if isinstance(data, dict) else None
    if not isinstance(code, str) or not VALIDATION_CODE.fullmatch(code):
        raise Malformed("a validation event without a validation code")
    return code


def _chat_event(envelope: _Envelope, where: str) -> ChatEvent:
    if not isinstance(envelope.data, dict):
        raise Malformed(f"{where}: data is not an object")
    data = _Fields(envelope.data, f"{where}.data")
    thread_id = data.shaped("threadId", THREAD_ID, "an ACS thread id")
    if not thread_id:
        raise Malformed(f"{where}: no threadId")
    for name in TIMES:
        data.time(name)
    for name in TEXTS:
        data.text(name)
    actors = [data.identifier(name) for name in ACTORS]
    participants = [data.participant(name) for name in ("participantAdded", "participantRemoved")]
    participants = data.participants("participants") or [p for p in participants if p is not None]
    properties = data.object("properties")
    topic = (
        _Fields(properties, f"{where}.data.properties").text("topic") if properties.get("topic") is not None else None
    )
    return ChatEvent(
        id=envelope.id,
        type=types.short(envelope.type),
        thread_id=thread_id,
        time=envelope.time,
        source=envelope.source,
        subject=envelope.subject,
        sender=next((actor for actor in actors if actor), ""),
        sender_name=data.text("senderDisplayName"),
        recipient=data.identifier("recipientCommunicationIdentifier"),
        message_id=data.shaped("messageId", DECIMAL, "a message id", bound=INT64_MAX),
        message_type=data.text("type"),
        version=data.number("version"),
        body=data.text("messageBody"),
        topic=topic,
        participants=tuple(p for p in participants if p.acs_user_id),
        metadata=data.metadata("metadata"),
    )


class _Fields:
    """Typed reads of one JSON object's fields; a field holding anything else is Malformed, named by its path.
    An absent or null field reads as empty."""

    def __init__(self, values: dict, where: str):
        self.values, self.where = values, where

    def _get(self, name: str, kind: type, what: str):
        value = self.values.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise Malformed(f"{self.where}.{name} is not {what}")
        return value

    def text(self, name: str) -> str:
        return self._get(name, str, "a string") or ""

    def shaped(self, name: str, pattern: re.Pattern, what: str, *, bound: int | None = None) -> str:
        value = self.text(name)
        if value and (not pattern.fullmatch(value) or (bound is not None and int(value) > bound)):
            raise Malformed(f"{self.where}.{name} is not {what}")
        return value

    def number(self, name: str) -> int | None:
        """int64 in the spec, a decimal string in the thread-level doc examples: either, from 0 to 2**63-1."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str) and DECIMAL.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INT64_MAX:
            raise Malformed(f"{self.where}.{name} is not a whole number from 0 to 2**63-1")
        return value

    def time(self, name: str) -> datetime | None:
        value = self.text(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Malformed(f"{self.where}.{name} is not a date and time") from None
        return _in_range(parsed, f"{self.where}.{name}")

    def object(self, name: str) -> dict:
        return self._get(name, dict, "an object") or {}

    def identifier(self, name: str) -> str:
        """A CommunicationIdentifierModel's raw id ("" when absent): communicationUser.id, else rawId."""
        model = _Fields(self.object(name), f"{self.where}.{name}")
        raw_id = model.shaped("rawId", RAW_ID, "an ACS raw id")
        model.text("kind")
        for sub in IDENTIFIER_OBJECTS:
            model.object(sub)
        user_id = _Fields(model.object("communicationUser"), model.where + ".communicationUser")
        return user_id.shaped("id", RAW_ID, "an ACS user id") or raw_id

    def participant(self, name: str) -> Participant | None:
        if self.values.get(name) is None:
            return None
        fields = _Fields(self.object(name), f"{self.where}.{name}")
        fields.metadata("metadata")
        return Participant(fields.identifier("participantCommunicationIdentifier"), fields.text("displayName"))

    def participants(self, name: str) -> list[Participant]:
        items = self._get(name, list, "a list") or []
        numbered = _Fields(dict(enumerate(items)), f"{self.where}.{name}")
        return [numbered.participant(index) for index in range(len(items)) if items[index] is not None]

    def metadata(self, name: str) -> dict[str, str]:
        values = self.object(name)
        if not all(isinstance(value, str) for value in values.values()):
            raise Malformed(f"{self.where}.{name} is not a map of strings")
        return dict(values)


def _in_range(value: datetime | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        # A time without an offset is read as UTC (EVENT_GRID.md: ACS writes Z or +00:00).
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise Malformed(f"{where} is out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise Malformed(f"{where} is out of range")
    return utc
