"""One list of Event Grid event types, named by the Azure SDK: what the site subscribes to is what the emulator
publishes and what the README tells a deployment to subscribe to."""

import re
from pathlib import Path

from azure.eventgrid import SystemEventNames

from chatsite.emulator.events import payloads
from chatsite.events import types

README = Path(__file__).resolve().parents[2] / "README.md"
SDK_NAMES = {name.value for name in SystemEventNames}


def test_the_emulator_publishes_the_16_documented_chat_events_by_their_sdk_names():
    assert len(set(payloads.ALL_TYPES)) == len(payloads.ALL_TYPES) == 16
    assert set(payloads.ALL_TYPES) <= types.CHAT <= SDK_NAMES
    # Each change publishes a thread-level event and its per-person copy.
    assert all(not thread.endswith("WithUser") and user != thread for thread, user in payloads.TYPES.values())


def test_the_site_subscribes_to_events_the_emulator_publishes():
    assert set(types.SUBSCRIBED) <= set(payloads.ALL_TYPES)
    assert types.VALIDATION in SDK_NAMES


def test_the_readme_subscribes_a_deployment_to_the_sites_list():
    text = README.read_text()
    (listed,) = re.findall(r'EVENT_TYPES="([^"]*)"', text)
    assert set(re.findall(r"Microsoft\.Communication\.\w+", listed)) == set(types.SUBSCRIBED)
    assert text.count("--included-event-types $EVENT_TYPES") == 2  # both subscriptions, secret and Entra ID
