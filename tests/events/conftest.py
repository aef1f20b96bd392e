import pytest

from chatsite.emulator.events import subscriptions
from chatsite.events import types
from chatsite.events.signals import chat_event
from tests.acs.conftest import acs_calls  # noqa: F401 - shared fixtures
from tests.chat.conftest import ana, bruno, make_person, thread_id  # noqa: F401
from tests.emulator.conftest import identity_client  # noqa: F401

from .support import SECRET, SiteServer


@pytest.fixture
def site(emulator, settings):
    """The site served over HTTP and subscribed to the emulator's events as the README tells for real ACS;
    Event Grid's retry schedule runs at a hundredth of its pace."""
    settings.EVENTGRID_SECRET = SECRET
    settings.ACS_EMULATOR_EVENTS_TIME_SCALE = 0.01
    server = SiteServer()
    subscriptions.create(
        name="site", endpoint=f"{server.url}/events/acs/?secret={SECRET}", event_types=list(types.SUBSCRIBED)
    )
    yield server
    server.stop()


@pytest.fixture
def handled():
    """The events the site handled (its chat_event signal), in order."""
    events = []

    def record(sender, event, **kwargs):
        events.append(event)

    chat_event.connect(record)
    yield events
    chat_event.disconnect(record)
