"""People, a thread the site created, and staff users holding exactly the permissions a test names."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for
from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, threads
from tests.acs.conftest import acs_calls  # noqa: F401 - shared fixture


@pytest.fixture
def person(emulator):
    def make(username):
        return accounts.account_create(username=username, password="x-long-password-1", display_name=username.title())

    return make


@pytest.fixture
def alice(person):
    return person("alice")


@pytest.fixture
def bob(person):
    return person("bob")


@pytest.fixture
def thread(alice, bob):
    return threads.thread_create(
        actor=Actor.person(alice), topic="Plans", participants=[bob], idempotency_token=str(uuid.uuid4())
    )


@pytest.fixture
def staff(emulator):
    """A logged-in client for a staff user with the given permissions ("app_label.codename")."""

    def make(*perms, username="staff"):
        user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


def thread_client_for(user, thread):
    """The person's own SDK view of the thread, to check what ACS holds."""
    return clients.thread_client(credentials_for(user).token, thread.acs_thread_id)
