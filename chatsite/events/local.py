"""The embedded setup subscribes the site to its own emulator, so it learns of changes as with real ACS.

The subscription's endpoint is `inprocess:` (the emulator calls this process's site through its WSGI handler):
the emulator cannot know which address the site listens on. Everything else is as in production: the
handshake, the secret, at-least-once delivery with retries.
"""

import logging
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from . import auth, types

logger = logging.getLogger(__name__)

SUBSCRIPTION = "chatsite"

# A message in a thread of N people brings N-1 per-person events: delivered together, not one request each.
BATCH = 100

_lock = threading.Lock()
_subscribed = False


def subscribe_embedded() -> None:
    """Once per process: make sure the emulator's subscription to this site exists and is current (or, when the
    site polls instead, that it is gone)."""
    global _subscribed
    if _subscribed:
        return
    with _lock:
        if _subscribed:
            return
        _subscribed = True
        try:
            if settings.ACS_EVENTS == "eventgrid":
                _subscribe()
            else:
                _unsubscribe()
        except Exception:
            logger.exception("The site could not subscribe to the embedded emulator's events")


def _unsubscribe() -> None:
    from chatsite.emulator.events import subscriptions

    subscriptions.remove(SUBSCRIPTION)


def _subscribe() -> None:
    from chatsite.emulator.events import subscriptions
    from chatsite.emulator.events.models import EventSubscription

    endpoint = f"inprocess:{reverse('events:acs')}?{urlencode({auth.QUERY_PARAMETER: auth.secrets()[0]})}"
    current = EventSubscription.objects.filter(name=SUBSCRIPTION).first()
    wanted = {"endpoint": endpoint, "event_types": list(types.SUBSCRIBED), "max_events_per_batch": BATCH}
    if current is not None and all(getattr(current, key) == value for key, value in wanted.items()):
        return
    # The handshake calls this site's handler: from a thread of its own, so it cannot disturb the request (and
    # database connection) this call may be part of.
    failure = []
    handshake = threading.Thread(target=_handshake, args=(subscriptions, endpoint, failure))
    handshake.start()
    handshake.join()
    if failure:
        raise failure[0]
    subscriptions.save(name=SUBSCRIPTION, **wanted)


def _handshake(subscriptions, endpoint: str, failure: list) -> None:
    from django.db import connections

    try:
        subscriptions.handshake(endpoint, "EventGridSchema")
    except Exception as exc:
        failure.append(exc)
    finally:
        connections.close_all()
