"""The Event Grid event types the site knows, named by the Azure SDK (`azure-eventgrid`'s SystemEventNames) rather
than spelled out here: the parser, the embedded subscription and the README's list all come from this module, and
the emulator publishes the same names (emulator/events/payloads.py)."""

from azure.eventgrid import SystemEventNames as Names

PREFIX = "Microsoft.Communication."
VALIDATION = Names.EventGridSubscriptionValidationEventName.value

# Every chat event type the SDK knows: parsed into a ChatEvent (the chat side ignores the ones it has no use for).
CHAT = frozenset(name.value for name in Names if name.value.startswith(PREFIX + "Chat"))

# What the site subscribes to: every thread-level change, and the per-person "message received" (unread counts).
SUBSCRIBED = tuple(
    name.value
    for name in (
        Names.AcsChatThreadCreatedEventName,
        Names.AcsChatThreadDeletedEventName,
        Names.AcsChatThreadPropertiesUpdatedEventName,
        Names.AcsChatThreadParticipantAddedEventName,
        Names.AcsChatThreadParticipantRemovedEventName,
        Names.AcsChatMessageReceivedInThreadEventName,
        Names.AcsChatMessageEditedInThreadEventName,
        Names.AcsChatMessageDeletedInThreadEventName,
        Names.AcsChatMessageReceivedEventName,
    )
)


def short(event_type: str) -> str:
    """The name ChatEvent.type carries: without the Microsoft.Communication. prefix."""
    return event_type.removeprefix(PREFIX)
