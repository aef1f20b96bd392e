"""The ACS identity admin: ids and expiry shown, the token never; revoke and reset in ACS."""

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from chatsite.acs import clients, identities
from chatsite.acs.errors import AcsNotFound
from chatsite.acs.identities import credentials_for, delete_acs_user
from chatsite.acs.models import AcsIdentity

CHANGELIST = reverse("admin:acs_acsidentity_changelist")


def act(client, action, identity):
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [identity.pk], "post": "yes"})
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_pages_show_id_and_expiry_never_the_token(admin_client, alice):
    credentials = credentials_for(alice)
    identity = AcsIdentity.objects.get(user=alice)
    listing = admin_client.get(CHANGELIST).content.decode()
    change = admin_client.get(reverse("admin:acs_acsidentity_change", args=[identity.pk])).content.decode()
    for html in (listing, change):
        assert identity.acs_user_id in html
        assert credentials.token not in html
    service_token = identities.credentials(identities.service_identity()).token
    page = admin_client.get(reverse("admin:acs_serviceidentity_changelist")).content.decode()
    assert identities.service_identity().acs_user_id in page and service_token not in page


def test_revoke_tokens(admin_client, alice):
    old = credentials_for(alice)
    identity = AcsIdentity.objects.get(user=alice)
    assert any("Revoked" in t for t in act(admin_client, "revoke_tokens", identity))
    identity.refresh_from_db()
    assert identity.token == "" and identity.token_expires_on is None
    with pytest.raises(ClientAuthenticationError):
        list(clients.chat_client(old.token).list_chat_threads())
    assert credentials_for(alice).token != old.token  # the person gets a new one on their next request
    assert LogEntry.objects.filter(object_id=str(identity.pk)).exists()


def test_reset_identity(admin_client, alice):
    old = credentials_for(alice)
    identity = AcsIdentity.objects.get(user=alice)
    assert any("Reset" in t for t in act(admin_client, "reset_identity", identity))
    identity.refresh_from_db()
    assert identity.acs_user_id != old.acs_user_id
    with pytest.raises(AcsNotFound):  # the old ACS user is gone
        delete_acs_user(old.acs_user_id)
    list(clients.chat_client(credentials_for(alice).token).list_chat_threads())


def test_acs_refusal_is_reported(admin_client, alice):
    credentials_for(alice)
    identity = alice.acs_identity
    delete_acs_user(identity.acs_user_id)  # gone from ACS behind the site's back
    messages = act(admin_client, "revoke_tokens", identity)
    assert any("ACS refused" in t for t in messages)
    assert not LogEntry.objects.exists()


def test_permissions(staff, alice, monkeypatch):
    credentials_for(alice)
    identity = alice.acs_identity
    viewer = staff("acs.view_acsidentity")
    assert viewer.get(CHANGELIST).status_code == 200
    html = viewer.get(CHANGELIST).content.decode()
    assert "revoke_tokens" not in html and "reset_identity" not in html

    def refuse(*args, **kwargs):
        raise HttpResponseError(message="must not be called")

    monkeypatch.setattr("chatsite.acs.staff.tokens_revoke", refuse)
    act(viewer, "revoke_tokens", identity)  # not offered to this user: nothing happens
    assert staff(username="other").get(CHANGELIST).status_code == 403
    editor = staff("acs.view_acsidentity", "acs.change_acsidentity", username="editor")
    html = editor.get(CHANGELIST).content.decode()
    assert "revoke_tokens" in html and "reset_identity" not in html
    assert viewer.get(reverse("admin:acs_acsidentity_add")).status_code == 403
