import uuid

import pytest
from django.test import Client

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, threads
from tests.acs.conftest import acs_calls  # noqa: F401 - shared fixture

PASSWORD = "a-long-test-password-9"


@pytest.fixture
def make_person(emulator):
    def make(username, name=None):
        user = accounts.account_create(username=username, password=PASSWORD, display_name=name or username.title())
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def ana(make_person):
    return make_person("ana", "Ana")


@pytest.fixture
def bruno(make_person):
    return make_person("bruno", "Bruno")


@pytest.fixture
def thread_id(ana, bruno):
    thread = threads.thread_create(
        actor=Actor.person(ana.user), topic="Lunch", participants=[bruno.user], idempotency_token=str(uuid.uuid4())
    )
    return thread.acs_thread_id


HTMX = {"HTTP_HX_REQUEST": "true"}
