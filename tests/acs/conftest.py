import pytest

from chatsite.acs.signals import acs_request


@pytest.fixture
def acs_calls():
    """Every request the site sends to ACS during the test, as (method, path)."""
    calls = []

    def record(sender, method, path, **kwargs):
        calls.append((method, path))

    acs_request.connect(record)
    yield calls
    acs_request.disconnect(record)
