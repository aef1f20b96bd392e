"""SDK identifier and participant objects, so the chat app never imports azure.*."""

from datetime import datetime

from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier


def participant(
    acs_user_id: str, display_name: str, share_history_time: datetime | None = None
) -> ChatParticipant:
    return ChatParticipant(
        identifier=CommunicationUserIdentifier(acs_user_id),
        display_name=display_name,
        share_history_time=share_history_time,
    )


def raw_id(identifier) -> str | None:
    """The ACS id of a sender/initiator identifier (None for system senders)."""
    if identifier is None:
        return None
    return getattr(identifier, "raw_id", None) or identifier.properties.get("id")


def identifier(acs_user_id: str) -> CommunicationUserIdentifier:
    return CommunicationUserIdentifier(acs_user_id)
