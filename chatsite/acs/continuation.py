"""ACS's continuation links, reduced to what is ACS's own: the query of its nextLink.

ACS answers a list with `nextLink`, an absolute URL (`https://<resource>/chat/threads/<id>/messages?syncState=…&
maxPageSize=30&api-version=…`, API_NOTES §3), and the SDK's `by_page(continuation_token=link)` requests that
link's scheme, host and path as given, with the caller's bearer token. A link that came back from a page would be
followed wherever it points. So the site keeps only the query (opaque to it; api-version is the SDK's to set),
signs that into its pages (chat/selectors/paging.py), and builds the link again from the configured endpoint and
the operation's own path. Anything else is refused before any request is made.
"""

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from . import config
from .errors import AcsBadContinuation

THREADS_PATH = "/chat/threads"
# Far more than ACS's (a syncState of ~150 characters with startTime and maxPageSize), far less than a URL's limit.
MAX_LENGTH = 4096
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
SDK_OWNED = {"api-version"}


def messages_path(thread_id: str) -> str:
    return f"{THREADS_PATH}/{quote(thread_id, safe='')}/messages"


def continuation_of(next_link: str | None) -> str | None:
    """The opaque part of ACS's nextLink (its query, without api-version); None when there is no next page."""
    if not next_link:
        return None
    pairs = [(name, value) for name, value in parse_qsl(urlsplit(next_link).query) if name not in SDK_OWNED]
    return urlencode(pairs) or None


def next_link(path: str, continuation: str | None) -> str | None:
    """The link the SDK follows for `continuation`: on the configured ACS endpoint, at `path`, never elsewhere."""
    if continuation is None:
        return None
    endpoint = urlsplit(config.current().endpoint)
    link = urlunsplit((endpoint.scheme, endpoint.netloc, endpoint.path.rstrip("/") + path, _query(continuation), ""))
    if urlsplit(link).netloc != endpoint.netloc:  # whatever the continuation held, the token goes nowhere else
        raise AcsBadContinuation()
    return link


def _query(continuation: str) -> str:
    """The continuation as a query string ACS could have written; refused unless it is one."""
    if not isinstance(continuation, str) or not 0 < len(continuation) <= MAX_LENGTH:
        raise AcsBadContinuation()
    try:
        pairs = parse_qsl(continuation, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise AcsBadContinuation() from None
    if not all(NAME.fullmatch(name) for name, _value in pairs):
        raise AcsBadContinuation()
    return urlencode([(name, value) for name, value in pairs if name not in SDK_OWNED])
