"""Fixtures shared by every test: a live emulator served over HTTPS, and the site pointed at it."""

import pytest
from django.core.cache import cache
from django.db import connections

from chatsite.emulator import server


@pytest.fixture(scope="session")
def acs_emulator(django_db_setup, django_db_blocker, tmp_path_factory):
    """The emulator on a loopback HTTPS port for the whole session, as `runemulator` serves it.

    An in-memory SQLite test database exists once per connection, so the server thread shares the test's
    connection (as Django's LiveServerThread does); PostgreSQL needs nothing special.
    """
    from django.conf import settings

    settings.ACS_EMULATOR_CERT_DIR = tmp_path_factory.mktemp("emulator-tls")
    with django_db_blocker.unblock():
        overrides = {}
        for conn in connections.all():
            if conn.vendor == "sqlite" and conn.is_in_memory_db():
                conn.inc_thread_sharing()
                overrides[conn.alias] = conn
        running = server.start_in_thread(connections_override=overrides)
        yield running
        running.stop()
        for conn in overrides.values():
            conn.dec_thread_sharing()


@pytest.fixture
def emulator(acs_emulator, transactional_db, settings):
    """A clean emulator for one test, with the site configured to use it like a real ACS resource."""
    settings.ACS_CONNECTION_STRING = acs_emulator.connection_string
    settings.ACS_CA_CERT = str(acs_emulator.ca_cert)
    settings.ACS_EMULATOR_THROTTLING = False
    cache.clear()
    yield acs_emulator
    cache.clear()


@pytest.fixture
def throttled_emulator(emulator, settings):
    settings.ACS_EMULATOR_THROTTLING = True
    return emulator
