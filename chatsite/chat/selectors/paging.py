"""Continuation links handed to pages, and what reading a thread one is not part of looks like."""

import contextlib

from django.core import signing

from chatsite.acs.errors import AcsForbidden, AcsNotFound

# ACS continuation links are followed verbatim with the person's token: only links the site signed are used.
_PAGE_SALT = "chatsite.chat.page"


def sign(link: str | None, *, scope: str) -> str | None:
    return signing.dumps({"s": scope, "l": link}, salt=_PAGE_SALT) if link else None


def unsign(token: str | None, *, scope: str) -> str | None:
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_PAGE_SALT)
    except signing.BadSignature:
        return None
    return data["l"] if isinstance(data, dict) and data.get("s") == scope else None


@contextlib.contextmanager
def thread_reads():
    """Reading a thread one is not part of: ACS says 403; the person sees the same 404 as for no thread."""
    try:
        yield
    except AcsForbidden:
        raise AcsNotFound() from None
