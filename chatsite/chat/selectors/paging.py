"""Continuation links handed to pages, and what reading a thread one is not part of looks like."""

import contextlib

from django.core import signing

from chatsite.acs.errors import AcsBadContinuation, AcsForbidden, AcsNotFound

# A page's "more" link carries ACS's continuation (only the opaque query of ACS's nextLink: the gateway builds the
# URL itself, on the configured endpoint), signed for the one list it continues.
_PAGE_SALT = "chatsite.chat.page"


def sign(continuation: str | None, *, scope: str) -> str | None:
    return signing.dumps({"s": scope, "l": continuation}, salt=_PAGE_SALT) if continuation else None


def unsign(token: str | None, *, scope: str) -> str | None:
    """The continuation a page sent back; None for none. AcsBadContinuation (400) for anything the site did not
    sign for this list: an out-of-date link is reloaded, never read as "the first page" again."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_PAGE_SALT)
    except signing.BadSignature:
        raise AcsBadContinuation() from None
    if not (isinstance(data, dict) and data.get("s") == scope and isinstance(data.get("l"), str) and data["l"]):
        raise AcsBadContinuation()
    return data["l"]


@contextlib.contextmanager
def thread_reads():
    """Reading a thread one is not part of: ACS says 403; the person sees the same 404 as for no thread."""
    try:
        yield
    except AcsForbidden:
        raise AcsNotFound() from None
