"""The site's answer when a service it stands on cannot be reached (Redis, the database): 503 with Retry-After.

Nobody's mistake, and over in seconds when a cache restarts or a database fails over, so not a 500: the thread page
takes it as "Reconnecting…" and polls again (static/js/thread/poll.js), its outbox keeps what the person wrote and
sends it after the wait named (static/js/thread/outbox.js), and a load balancer sees a worker that is down for now.
Any other error stays the ordinary 500.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.deprecation import MiddlewareMixin
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a restarted Redis answers within it; the page's beat is 2 s
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OperationalError, InterfaceError)


class OutageMiddleware(MiddlewareMixin):
    """Last in MIDDLEWARE, so a view's exception reaches it first (the cache and the database are used in views:
    the session and the user are loaded lazily there too)."""

    def process_exception(self, request, exception):
        if not isinstance(exception, UNREACHABLE):
            return None
        logger.error("%s %s: a service the site needs is unreachable", request.method, request.path, exc_info=True)
        # As 500.html: rendered without the request, since what failed may be what a context processor needs.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
