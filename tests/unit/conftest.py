"""Fast unit tests of the site's pure logic: no emulator, no network, no ACS call.

The cache is always Django's in-process one here (also in the PostgreSQL + Redis run), fresh for each test.
"""

from datetime import datetime

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from chatsite.chat.presentation import Message

SERVICE_ID = "8:acs:service-identity"

# No example database in the work tree, and no per-example deadline: the machine is shared, and speed is not
# what these tests assert.
hypothesis_settings.register_profile("chatsite", database=None, deadline=None)
hypothesis_settings.load_profile("chatsite")


@pytest.fixture(autouse=True)
def local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "chatsite-unit"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service_identity():
    """The site's service identity as `acs.service.is_service_identity` knows it (no database read)."""
    cache.set("acs:service-identity-id", SERVICE_ID, timeout=None)
    return SERVICE_ID


def message(seq: int, created_on: datetime, *, sender: str | None = "8:acs:bruno", **fields) -> Message:
    """A message as the page shows it; `sender=None` with a system type makes a system message."""
    return Message(id=str(seq), sequence_id=seq, type=fields.pop("type", "text"), created_on=created_on,
                   sender_id=sender, **fields)
