"""Model -> ACS Chat JSON, and the request values every chat endpoint parses (identifiers, timestamps).

Shapes follow the 2024-03-07 spec; timestamps are second precision with `Z`, as the real service sends them.
"""

from datetime import UTC, datetime, timedelta

from .errors import bad_request
from .models import Message, Participant, ReadReceipt, Thread

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Prefixes of ACS user ids (API_NOTES §1); only these get a typed `communicationUser` sub-object.
ACS_USER_PREFIXES = ("8:acs:", "8:dod-acs:", "8:gcch-acs:", "8:spool:")


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC, second precision: `0001-01-01T00:00:00Z`. Not strftime("%Y"), which writes year 1 as
    "1" on glibc, a date no SDK can read."""
    return f"{value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()}Z"


def from_epoch_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def parse_timestamp(value, *, target: str) -> datetime:
    """An ISO 8601 instant as the SDK sends it (`2024-01-01T00:00:00.000Z`); naive means UTC."""
    if not isinstance(value, str):
        raise bad_request(f"{target} must be an ISO 8601 date-time string.", target=target)
    # In a query string an unencoded `+` of `+00:00` arrives as a space.
    text = value.strip().replace(" ", "+")
    try:
        parsed = datetime.fromisoformat(text)
        # Normalised here: an offset that moves the instant outside years 1-9999 is the client's mistake.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"{target} is not a valid ISO 8601 date-time: {value!r}.", target=target) from exc


def identifier(raw_id: str) -> dict:
    # The SDK builds identifiers from rawId, so rawId is always sent alongside the typed sub-object.
    if raw_id.startswith(ACS_USER_PREFIXES):
        return {"rawId": raw_id, "communicationUser": {"id": raw_id}}
    return {"rawId": raw_id}


def parse_identifier(value, *, target: str) -> str:
    """The raw id of a CommunicationIdentifierModel: `communicationUser.id`, else `rawId`."""
    if not isinstance(value, dict):
        raise bad_request(f"{target} must be a CommunicationIdentifierModel object.", target=target)
    user = value.get("communicationUser")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]:
        return user["id"]
    raw_id = value.get("rawId")
    if isinstance(raw_id, str) and raw_id:
        return raw_id
    raise bad_request(f"{target} has neither communicationUser.id nor rawId.", target=target)


def participant(p: Participant, *, with_metadata: bool = False) -> dict:
    data = participant_dict(p.user_id, p.display_name, p.share_history_time)
    if with_metadata and p.metadata:
        data["metadata"] = p.metadata
    return data


def participant_dict(user_id: str, display_name: str, share_history_time: datetime | None) -> dict:
    data = {"communicationIdentifier": identifier(user_id)}
    if display_name:
        data["displayName"] = display_name
    # Unset share-history time reads back as the epoch, as the real service returns it.
    data["shareHistoryTime"] = timestamp(share_history_time or EPOCH)
    return data


def thread_properties(t: Thread, *, with_metadata: bool = False) -> dict:
    data = {
        "id": t.id,
        "topic": t.topic,
        "createdOn": timestamp(t.created_on),
        "createdByCommunicationIdentifier": identifier(t.created_by),
    }
    if t.deleted_on:
        data["deletedOn"] = timestamp(t.deleted_on)
    if with_metadata:
        if t.metadata:
            data["metadata"] = t.metadata
        if t.retention_policy:
            data["retentionPolicy"] = t.retention_policy
    return data


def thread_item(t: Thread) -> dict:
    data = {"id": t.id, "topic": t.topic}
    if t.deleted_on:
        data["deletedOn"] = timestamp(t.deleted_on)
    if t.last_message_received_on:
        data["lastMessageReceivedOn"] = timestamp(t.last_message_received_on)
    return data


def message(m: Message, *, with_metadata: bool = True) -> dict:
    data = {
        "id": str(m.message_id),
        "type": m.type,
        "sequenceId": str(m.sequence_id),
        "version": str(m.version),
        "content": m.content,
        "createdOn": timestamp(m.created_on),
    }
    if not m.is_system:
        data["senderDisplayName"] = m.sender_display_name
        data["senderCommunicationIdentifier"] = identifier(m.sender_id)
        if m.metadata and with_metadata:
            data["metadata"] = m.metadata
    if m.edited_on:
        data["editedOn"] = timestamp(m.edited_on)
    if m.deleted_on:
        data["deletedOn"] = timestamp(m.deleted_on)
    return data


def read_receipt(r: ReadReceipt) -> dict:
    return {
        "senderCommunicationIdentifier": identifier(r.user_id),
        "chatMessageId": str(r.message_id),
        "readOn": timestamp(r.read_on),
    }


# --- 2020-11-01-preview3 shapes (chat SDK 1.0.0b4): identifiers are raw id strings --------------------------


def _raw(identifier_model: dict) -> str:
    return identifier_model.get("rawId") or identifier_model.get("communicationUser", {}).get("id", "")


def participant_preview(p: Participant) -> dict:
    data = {"id": p.user_id}
    if p.display_name:
        data["displayName"] = p.display_name
    data["shareHistoryTime"] = timestamp(p.share_history_time or EPOCH)
    return data


def thread_preview(t: Thread) -> dict:
    data = {"id": t.id, "topic": t.topic, "createdOn": timestamp(t.created_on), "createdBy": t.created_by}
    if t.deleted_on:
        data["deletedOn"] = timestamp(t.deleted_on)
    return data


def message_preview(m: Message) -> dict:
    data = message(m)
    data.pop("metadata", None)
    sender = data.pop("senderCommunicationIdentifier", None)
    if sender:
        data["senderId"] = _raw(sender)
    content = dict(data["content"])
    if "initiatorCommunicationIdentifier" in content:
        content["initiator"] = _raw(content.pop("initiatorCommunicationIdentifier"))
    if "participants" in content:
        content["participants"] = [
            {"id": _raw(p["communicationIdentifier"]), **{k: v for k, v in p.items() if k != "communicationIdentifier"}}
            for p in content["participants"]
        ]
    data["content"] = content
    return data


def read_receipt_preview(r: ReadReceipt) -> dict:
    return {"senderId": r.user_id, "chatMessageId": str(r.message_id), "readOn": timestamp(r.read_on)}


def collection(items: list[dict], next_link: str | None) -> dict:
    data = {"value": items}
    if next_link:
        data["nextLink"] = next_link
    return data
