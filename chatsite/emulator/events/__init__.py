"""Event Grid for the emulator: the chat events real ACS publishes, delivered to webhook subscriptions.

`publish.publish(kind, **facts)` is the one call the chat store makes per write; see payloads.py for the events,
delivery.py for retries and dead-lettering, subscriptions.py for the validation handshake.

Nothing is imported here: the site's processes load this package for its tables (models.py, an installed app)
and never publish, so the publisher (requests, azure-eventgrid's payloads) stays out of a site worker.
"""
