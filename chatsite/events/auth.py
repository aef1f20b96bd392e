"""Who may deliver events, by EVENTGRID_AUTH: whoever knows a secret of EVENTGRID_SECRET ("secret", the default),
Event Grid with a Microsoft Entra ID token for the webhook's app registration ("entra", entra.py), or either
("both", while a subscription moves from the secret to Entra ID: README "Events from ACS").

Event Grid does not sign deliveries. The secret rides in the endpoint URL's query (`?secret=…`, which Event Grid
sends with every request, handshakes included, and hides when the subscription is read back) or, if the
subscription sets a delivery header, in `X-Events-Secret`. Several comma-separated secrets are accepted so one
can be rotated without losing events. The secrets come from settings only: given, or (locally, with Event Grid)
random and kept in the var directory, never derived from another value. With none configured every secret is
refused. The query's secret never reaches an access log (chatsite/redaction.py).
"""

import hmac

from django.conf import settings

QUERY_PARAMETER = "secret"
HEADER = "X-Events-Secret"
UNAUTHENTICATED = 401  # no credential, or a token that is not Event Grid's for this webhook
FORBIDDEN = 403  # a wrong secret, or the site has none configured
UNAVAILABLE = 503  # the tenant's keys could not be fetched: Event Grid tries again later


def secrets() -> list[str]:
    return [s.strip() for s in (getattr(settings, "EVENTGRID_SECRET", "") or "").split(",") if s.strip()]


def check(request) -> int | None:
    """None when the request carries a credential the settings accept, otherwise the status to answer."""
    mode = settings.EVENTGRID_AUTH
    refused = UNAUTHENTICATED
    if mode in ("secret", "both"):
        refused = _secret(request)
        if refused is None:
            return None
    if mode in ("entra", "both"):
        # Imported only here: PyJWT and cryptography cost a worker ~11 MB it never needs with secrets alone.
        from . import entra

        try:
            if entra.valid(request.headers.get("Authorization")):
                return None
        except entra.Unavailable:
            return UNAVAILABLE
        if mode == "entra" or "Authorization" in request.headers:
            return UNAUTHENTICATED
    return refused


def _secret(request) -> int | None:
    given = request.GET.get(QUERY_PARAMETER) or request.headers.get(HEADER)
    if not given:
        return UNAUTHENTICATED
    # Compare with every secret, in constant time, so timing says nothing about which or how much matched.
    matches = [hmac.compare_digest(given.encode(), secret.encode()) for secret in secrets()]
    return None if any(matches) else FORBIDDEN
