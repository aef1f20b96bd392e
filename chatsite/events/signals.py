"""The one signal of the events app: sent once per accepted chat event (deduplicated by event id)."""

from django.dispatch import Signal

# Sent with `event`, a chatsite.events.envelope.ChatEvent, inside the transaction that records the event id:
# a receiver that raises makes the delivery fail, and Event Grid delivers the event again later.
chat_event = Signal()
