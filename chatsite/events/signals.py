"""The signals of the events app: what the chat side listens to."""

from django.dispatch import Signal

# Sent with `event`, a chatsite.events.envelope.ChatEvent, once per event id (deduplicated), as it is recorded.
chat_event = Signal()

# Sent once per delivery, after every event of it was recorded, with `events`: all its chat events, those seen
# before included (an event is a hint to read ACS, and a delivery Event Grid retries must hint again), and
# `received_at`: when the delivery arrived (epoch seconds; what it tells of happened before). A receiver that
# raises makes the delivery fail (503), and Event Grid delivers it again later.
chat_events = Signal()
