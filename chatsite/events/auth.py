"""Who may deliver events: whoever knows a secret of EVENTGRID_SECRET.

Event Grid does not sign deliveries. The secret rides in the endpoint URL's query (`?secret=…`, which Event Grid
sends with every request, handshakes included, and hides when the subscription is read back) or, if the
subscription sets a delivery header, in `X-Events-Secret`. Several comma-separated secrets are accepted so one
can be rotated without losing events. Production alternative: Microsoft Entra ID (the subscription names an app
registration and Event Grid sends `Authorization: Bearer <JWT>`), described in the README.

The secrets come from settings only: given, or (locally, with Event Grid) random and kept in the var directory,
never derived from another value. With none configured every delivery is refused. The query's secret never
reaches an access log (chatsite/redaction.py).
"""

import hmac

from django.conf import settings

QUERY_PARAMETER = "secret"
HEADER = "X-Events-Secret"
UNAUTHENTICATED = 401  # no secret given
FORBIDDEN = 403  # a wrong secret, or the site has none configured


def secrets() -> list[str]:
    return [s.strip() for s in (getattr(settings, "EVENTGRID_SECRET", "") or "").split(",") if s.strip()]


def check(request) -> int | None:
    """None when the request carries a configured secret, otherwise the status to answer."""
    given = request.GET.get(QUERY_PARAMETER) or request.headers.get(HEADER)
    if not given:
        return UNAUTHENTICATED
    # Compare with every secret, in constant time, so timing says nothing about which or how much matched.
    matches = [hmac.compare_digest(given.encode(), secret.encode()) for secret in secrets()]
    return None if any(matches) else FORBIDDEN
