"""How an ACS refusal reads when it comes from acting in a thread one may no longer be part of."""

import contextlib

from django.utils.translation import gettext as _

from chatsite.acs.errors import AcsForbidden


@contextlib.contextmanager
def as_participant():
    """A removed person acting in the thread: ACS says 403; they read that they are no longer part of it."""
    try:
        yield
    except AcsForbidden:
        raise AcsForbidden(_("You are no longer part of this chat.")) from None
