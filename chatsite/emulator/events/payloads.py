"""The chat events ACS publishes to Event Grid, built from the emulator's state.

Field names and shapes follow `AzureCommunicationServices.json` (the Event Grid data-plane spec, 2018-01-01) and
the subjects follow the event docs' examples (EVENT_GRID.md §1–2). `version` is an integer, as the spec says (some
doc examples quote it). Each change yields one thread-level event and one user-level event per participant; a
message's sender gets no user-level event for it (the current docs).
"""

import dataclasses
import secrets
import uuid
from datetime import UTC, datetime

from azure.eventgrid import SystemEventNames as Names

from .. import config, wire
from ..models import Message, Participant, Thread

PREFIX = "Microsoft.Communication."
# What each change of the chat store publishes: its thread-level event and the per-participant copies, named by
# the Azure SDK (azure-eventgrid is an ACS-side package; the site's webhook reads the same names). These are the
# 16 documented chat events; the spec-only typing and bot-command events are not published: ACS's event docs list
# these and no other, and typing reaches ACS clients through real-time notifications.
TYPES = {
    "thread_created": (Names.AcsChatThreadCreatedEventName, Names.AcsChatThreadCreatedWithUserEventName),
    "thread_deleted": (Names.AcsChatThreadDeletedEventName, Names.AcsChatThreadWithUserDeletedEventName),
    "properties_updated": (
        Names.AcsChatThreadPropertiesUpdatedEventName,
        Names.AcsChatThreadPropertiesUpdatedPerUserEventName,
    ),
    "participants_added": (
        Names.AcsChatThreadParticipantAddedEventName,
        Names.AcsChatParticipantAddedToThreadWithUserEventName,
    ),
    "participant_removed": (
        Names.AcsChatThreadParticipantRemovedEventName,
        Names.AcsChatParticipantRemovedFromThreadWithUserEventName,
    ),
    "message_received": (Names.AcsChatMessageReceivedInThreadEventName, Names.AcsChatMessageReceivedEventName),
    "message_edited": (Names.AcsChatMessageEditedInThreadEventName, Names.AcsChatMessageEditedEventName),
    "message_deleted": (Names.AcsChatMessageDeletedInThreadEventName, Names.AcsChatMessageDeletedEventName),
}
TYPES = {kind: (thread_level.value, user_level.value) for kind, (thread_level, user_level) in TYPES.items()}
ALL_TYPES = [name for pair in TYPES.values() for name in pair]
# The wire's message types, as the events spell them (the docs show "Text").
MESSAGE_TYPES = {"text": "Text", "html": "Html"}


@dataclasses.dataclass(frozen=True)
class Event:
    """An event in the Event Grid schema (EVENT_GRID.md §3)."""

    type: str  # e.g. Microsoft.Communication.ChatMessageReceivedInThread
    subject: str
    time: datetime
    data: dict

    def envelope(self) -> dict:
        return {
            "id": str(uuid.uuid4()),
            "topic": topic(),
            "subject": self.subject,
            "eventType": self.type,
            "eventTime": timestamp(self.time),
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": self.data,
        }


def topic() -> str:
    # The emulated resource as an Azure resource id (its subscription id is the emulator's resource id).
    return (
        f"/subscriptions/{config.resource_id()}/resourceGroups/chatsite-emulator"
        "/providers/Microsoft.Communication/communicationServices/acs-emulator"
    )


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cloud_event(envelope: dict) -> dict:
    """The same event in the CloudEvents 1.0 schema (EVENT_GRID.md §3)."""
    return {
        "specversion": "1.0",
        "id": envelope["id"],
        "source": envelope["topic"],
        "subject": envelope["subject"],
        "type": envelope["eventType"],
        "time": envelope["eventTime"],
        "data": envelope["data"],
    }


def transaction_id() -> str:
    return secrets.token_urlsafe(16)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _active(thread: Thread) -> list[Participant]:
    return list(Participant.objects.filter(thread=thread, removed_at_sequence_id__isnull=True).order_by("id"))


def _participant(p: Participant) -> dict:
    data = {"displayName": p.display_name, "participantCommunicationIdentifier": wire.identifier(p.user_id)}
    if p.metadata:  # AcsChatThreadParticipantProperties.metadata (api-version 2025-03-15 participant metadata)
        data["metadata"] = p.metadata
    return data


def _per_user(kind: str, base: dict, subject: str, when: datetime, recipients: list[str]) -> list[Event]:
    """The thread-level event and the user-level copies, which add the recipient."""
    thread_level, user_level = TYPES[kind]
    events = [Event(thread_level, subject, when, base)]
    for recipient in recipients:
        data = {**base, "recipientCommunicationIdentifier": wire.identifier(recipient)}
        events.append(Event(user_level, f"{subject}/recipient/{recipient}", when, data))
    return events


# --- threads --------------------------------------------------------------------------------------------------


def thread_created(*, thread: Thread) -> list[Event]:
    members = _active(thread)
    base = {
        "threadId": thread.id,
        "transactionId": transaction_id(),
        "createTime": timestamp(thread.created_on),
        "version": thread.last_message_id,
        "createdByCommunicationIdentifier": wire.identifier(thread.created_by),
        "properties": {"topic": thread.topic},
        "metadata": thread.metadata or {},
        "participants": [_participant(p) for p in members],
    }
    subject = f"thread/{thread.id}/createdBy/{thread.created_by}"
    recipients = [p.user_id for p in members]
    return _per_user("thread_created", base, subject, thread.created_on, recipients)


def thread_deleted(*, thread: Thread, by: str) -> list[Event]:
    base = {
        "threadId": thread.id,
        "transactionId": transaction_id(),
        "createTime": timestamp(thread.created_on),
        "version": _ms(thread.deleted_on),
        "deletedByCommunicationIdentifier": wire.identifier(by),
        "deleteTime": timestamp(thread.deleted_on),
    }
    subject = f"thread/{thread.id}/deletedBy/{by}"
    recipients = [p.user_id for p in _active(thread)]
    return _per_user("thread_deleted", base, subject, thread.deleted_on, recipients)


def properties_updated(*, thread: Thread, by: str, version: int) -> list[Event]:
    """A topic or metadata change: `properties` holds the topic, `metadata` the thread's metadata after the
    change (both whole, changed or not); `version` and `editTime` are the change's epoch ms."""
    edited = wire.from_epoch_ms(version)
    base = {
        "threadId": thread.id,
        "transactionId": transaction_id(),
        "createTime": timestamp(thread.created_on),
        "version": version,
        "editedByCommunicationIdentifier": wire.identifier(by),
        "editTime": timestamp(edited),
        "properties": {"topic": thread.topic},
        "metadata": thread.metadata or {},
    }
    subject = f"thread/{thread.id}/editedBy/{by}"
    recipients = [p.user_id for p in _active(thread)]
    return _per_user("properties_updated", base, subject, edited, recipients)


# --- participants ---------------------------------------------------------------------------------------------


def participants_added(*, thread: Thread, by: str, user_ids: list[str]) -> list[Event]:
    """One event per participant added (the event names a single participantAdded)."""
    when = wire.from_epoch_ms(thread.last_message_id)
    members = _active(thread)
    thread_level_type, user_level_type = TYPES["participants_added"]
    events = []
    for p in (m for m in members if m.user_id in set(user_ids)):
        base = {
            "threadId": thread.id,
            "transactionId": transaction_id(),
            "time": timestamp(when),
            "version": thread.last_message_id,
            "addedByCommunicationIdentifier": wire.identifier(by),
            "participantAdded": _participant(p),
        }
        thread_level = Event(thread_level_type, f"thread/{thread.id}/participantadded/{p.user_id}", when, base)
        events.append(thread_level)
        user_base = {**base, "createTime": timestamp(thread.created_on)}
        for recipient in members:
            data = {**user_base, "recipientCommunicationIdentifier": wire.identifier(recipient.user_id)}
            subject = f"thread/{thread.id}/participantAdded/{p.user_id}/recipient/{recipient.user_id}"
            events.append(Event(user_level_type, subject, when, data))
    return events


def participant_removed(*, thread: Thread, by: str, participant: Participant) -> list[Event]:
    when = wire.from_epoch_ms(thread.last_message_id)
    base = {
        "threadId": thread.id,
        "transactionId": transaction_id(),
        "time": timestamp(when),
        "version": thread.last_message_id,
        "removedByCommunicationIdentifier": wire.identifier(by),
        "participantRemoved": _participant(participant),
    }
    thread_level_type, user_level_type = TYPES["participant_removed"]
    events = [Event(thread_level_type, f"thread/{thread.id}/participantremoved/{participant.user_id}", when, base)]
    user_base = {**base, "createTime": timestamp(thread.created_on)}
    # The removed participant hears of it too.
    for recipient in [p.user_id for p in _active(thread)] + [participant.user_id]:
        data = {**user_base, "recipientCommunicationIdentifier": wire.identifier(recipient)}
        subject = f"thread/{thread.id}/participantRemoved/{participant.user_id}/recipient/{recipient}"
        events.append(Event(user_level_type, subject, when, data))
    return events


# --- messages -------------------------------------------------------------------------------------------------


def _message_base(message: Message) -> dict:
    return {
        "threadId": message.thread_id,
        "transactionId": transaction_id(),
        "messageId": str(message.message_id),
        "senderCommunicationIdentifier": wire.identifier(message.sender_id),
        "senderDisplayName": message.sender_display_name,
        "composeTime": timestamp(message.created_on),
        "type": MESSAGE_TYPES.get(message.type, message.type),
        "version": message.version,
    }


def _message_events(kind: str, message: Message, own: dict, when: datetime) -> list[Event]:
    base = {**_message_base(message), **own}
    subject = f"thread/{message.thread_id}/sender/{message.sender_id}"
    recipients = [p.user_id for p in _active(message.thread) if p.user_id != message.sender_id]
    return _per_user(kind, base, subject, when, recipients)


def message_received(*, message: Message) -> list[Event]:
    own = {"messageBody": message.content.get("message", ""), "metadata": message.metadata or {}}
    return _message_events("message_received", message, own, message.created_on)


def message_edited(*, message: Message) -> list[Event]:
    own = {
        "messageBody": message.content.get("message", ""),
        "metadata": message.metadata or {},
        "editTime": timestamp(message.edited_on),
    }
    return _message_events("message_edited", message, own, message.edited_on)


def message_deleted(*, message: Message) -> list[Event]:
    return _message_events(
        "message_deleted", message, {"deleteTime": timestamp(message.deleted_on)}, message.deleted_on
    )


BUILDERS = {
    "thread_created": thread_created,
    "thread_deleted": thread_deleted,
    "properties_updated": properties_updated,
    "participants_added": participants_added,
    "participant_removed": participant_removed,
    "message_received": message_received,
    "message_edited": message_edited,
    "message_deleted": message_deleted,
}
