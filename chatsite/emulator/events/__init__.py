"""Event Grid for the emulator: the chat events real ACS publishes, delivered to webhook subscriptions.

`publish(kind, **facts)` is the one call the chat store makes per write; see payloads.py for the events,
delivery.py for retries and dead-lettering, subscriptions.py for the validation handshake.
"""

from .publish import publish

__all__ = ["publish"]
