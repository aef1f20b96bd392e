"""Event Grid deliveries, in the Event Grid schema or CloudEvents 1.0, parsed into typed, frozen events.

Tolerant as EVENT_GRID.md §2 and §8 ask: arrays or single objects, `version` as number or string, timestamps
with `Z` or an offset and up to 7 fractional digits, unknown fields and unknown event types ignored.
"""

import dataclasses
import html
import json
import re
from datetime import UTC, datetime

import nh3

PREFIX = "Microsoft.Communication."
VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
PREVIEW_LENGTH = 200
# Who acted, by event: the sender, or the one who created, edited, deleted, added or removed.
ACTOR_FIELDS = (
    "senderCommunicationIdentifier",
    "createdByCommunicationIdentifier",
    "editedByCommunicationIdentifier",
    "deletedByCommunicationIdentifier",
    "addedByCommunicationIdentifier",
    "removedByCommunicationIdentifier",
)


class Malformed(ValueError):
    """The body is not an Event Grid or CloudEvents delivery (answered 400: Event Grid does not retry it)."""


@dataclasses.dataclass(frozen=True)
class Participant:
    acs_user_id: str
    display_name: str


@dataclasses.dataclass(frozen=True)
class ChatEvent:
    id: str
    type: str  # without the Microsoft.Communication. prefix, e.g. "ChatMessageReceivedInThread"
    thread_id: str
    time: datetime | None  # when ACS says it happened (eventTime / time)
    source: str  # the ACS resource (Event Grid topic, CloudEvents source)
    subject: str
    sender: str  # raw id of whoever acted (sender, creator, editor, deleter, adder, remover); "" if none
    sender_name: str
    recipient: str  # user-level events only: the raw id of the participant it is for
    message_id: str
    message_type: str
    version: int | None  # ACS's ordering number for the message or thread (epoch ms)
    body: str  # the message as sent (text, or html from other clients)
    topic: str | None  # the thread's topic, when the event carries its properties
    participants: tuple[Participant, ...]  # created: all of them; added / removed: the one
    # A message's metadata as its sender set it (string values only).
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


def parse(body: bytes) -> Delivery:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("not JSON") from exc
    items = payload if isinstance(payload, list) else [payload]
    events, validation_code, ignored = [], None, 0
    for item in items:
        if not isinstance(item, dict):
            raise Malformed("an event is not an object")
        cloud = "specversion" in item
        event_type = _text(item.get("type" if cloud else "eventType"))
        data = item.get("data")
        if event_type == VALIDATION and isinstance(data, dict):
            validation_code = _text(data.get("validationCode")) or None
        elif event_type.startswith(PREFIX + "Chat") and isinstance(data, dict):
            events.append(_chat_event(item, event_type.removeprefix(PREFIX), data, cloud))
        else:
            ignored += 1
    return Delivery(tuple(events), validation_code, ignored)


def _chat_event(item: dict, event_type: str, data: dict, cloud: bool) -> ChatEvent:
    event_id, thread_id = _text(item.get("id")), _text(data.get("threadId"))
    if not event_id or not thread_id:
        raise Malformed("a chat event without id or threadId")
    actor = next((data[f] for f in ACTOR_FIELDS if isinstance(data.get(f), dict)), {})
    participants = data.get("participants")
    if not isinstance(participants, list):
        single = data.get("participantAdded") or data.get("participantRemoved")
        participants = [single] if single else []
    properties = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    return ChatEvent(
        id=event_id,
        type=event_type,
        thread_id=thread_id,
        time=_time(item.get("time" if cloud else "eventTime")),
        source=_text(item.get("source" if cloud else "topic")),
        subject=_text(item.get("subject")),
        sender=_raw_id(actor),
        sender_name=_text(data.get("senderDisplayName")),
        recipient=_raw_id(data.get("recipientCommunicationIdentifier")),
        message_id=_text(data.get("messageId")),
        message_type=_text(data.get("type")),
        version=_integer(data.get("version")),
        body=_text(data.get("messageBody")),
        topic=_text(properties["topic"]) if "topic" in properties else None,
        participants=tuple(
            Participant(_raw_id(p.get("participantCommunicationIdentifier")), _text(p.get("displayName")))
            for p in participants
            if isinstance(p, dict) and _raw_id(p.get("participantCommunicationIdentifier"))
        ),
        metadata=_metadata(data.get("metadata")),
    )


def _metadata(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _raw_id(identifier) -> str:
    if not isinstance(identifier, dict):
        return ""
    user = identifier.get("communicationUser")
    if isinstance(user, dict) and _text(user.get("id")):
        return user["id"]
    return _text(identifier.get("rawId"))


def _integer(value) -> int | None:
    # int64 in the spec, a decimal string in the thread-level doc examples.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
