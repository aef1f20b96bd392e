"""Acting as another ACS client in tests: the SDK directly, as a mobile app or a bot would."""

from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier


def raw_id(identifier) -> str | None:
    if identifier is None:
        return None
    return getattr(identifier, "raw_id", None) or identifier.properties.get("id")


def participant(acs_user_id: str, display_name: str, share_history_time=None) -> ChatParticipant:
    return ChatParticipant(
        identifier=CommunicationUserIdentifier(acs_user_id),
        display_name=display_name,
        share_history_time=share_history_time,
    )
