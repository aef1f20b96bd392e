"""Deliveries authenticated with Microsoft Entra ID (EVENTGRID_AUTH=entra, or both while migrating): Event Grid's
`Authorization: Bearer` token, checked against a key set generated here and served on a loopback URL as the
tenant's keys endpoint would serve it."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from chatsite.acs.models import AcsIdentity
from chatsite.chat.models import Thread
from chatsite.events import entra
from chatsite.events.models import ReceivedEvent

from .support import SECRET
from .test_envelope import EXAMPLE

URL = "/events/acs/"
TENANT = "00000000-1111-2222-3333-444444444444"
APP_ID = "55555555-6666-7777-8888-999999999999"
APP_ID_URI = "api://chatsite-events"
EVENT_GRID_APP_ID = "4962773b-9cdb-44cf-a8bf-237846a00ab7"  # Event Grid's first-party app in the public cloud
V1_ISSUER = f"https://sts.windows.net/{TENANT}/"
V2_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
KEYS = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("k1", "k2", "other")}


class KeyServer:
    """The tenant's keys endpoint on loopback: serves the published kids' public keys, counts its fetches."""

    def __init__(self, published=("k1",)):
        self.published, self.fetches, self.failing = list(published), 0, False
        keys = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                keys.fetches += 1
                body = json.dumps({"keys": [jwk(kid) for kid in keys.published]}).encode()
                self.send_response(500 if keys.failing else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{TENANT}/discovery/v2.0/keys"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def jwk(kid: str) -> dict:
    # As Entra publishes them: RSA, use "sig", a kid, no "alg".
    return {**jwt.algorithms.RSAAlgorithm.to_jwk(KEYS[kid].public_key(), as_dict=True), "kid": kid, "use": "sig"}


def claims(**changes) -> dict:
    """An access token's claims as Event Grid gets one for the webhook's app (a v1 token)."""
    now = int(time.time())
    token = {
        "aud": APP_ID_URI,
        "iss": V1_ISSUER,
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "appid": EVENT_GRID_APP_ID,
        "roles": [entra.ROLE],
        "tid": TENANT,
        "ver": "1.0",
    }
    return {name: value for name, value in {**token, **changes}.items() if value is not None}


def token(kid="k1", signer=None, **changes) -> str:
    return jwt.encode(claims(**changes), KEYS[signer or kid], algorithm="RS256", headers={"kid": kid})


def unsigned(header: dict, payload: dict, sign) -> str:
    """A token put together by hand, for what PyJWT refuses to make ("none", HMAC keyed by a public key)."""

    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(payload)}"
    return f"{signing_input}.{base64.urlsafe_b64encode(sign(signing_input.encode())).rstrip(b'=').decode()}"


@pytest.fixture
def keys():
    server = KeyServer()
    yield server
    server.stop()


@pytest.fixture
def entra_auth(settings, keys):
    settings.EVENTGRID_AUTH = "entra"
    settings.EVENTGRID_SECRET = SECRET
    settings.EVENTGRID_ENTRA_TENANT_ID = TENANT
    settings.EVENTGRID_ENTRA_AUDIENCE = [APP_ID_URI, APP_ID]
    settings.EVENTGRID_ENTRA_JWKS_URL = keys.url
    settings.EVENTGRID_ENTRA_ISSUER = [V1_ISSUER, V2_ISSUER]
    entra.key_set.cache_clear()  # each test its own key server, fetched afresh
    yield settings
    entra.key_set.cache_clear()


def deliver(client, bearer=None, query="", *events, **headers):
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    body = list(events) or [{**EXAMPLE, "id": str(uuid.uuid4())}]
    return client.post(URL + query, json.dumps(body), content_type="application/json", headers=headers)


def validation(client, bearer=None):
    event = {
        "id": str(uuid.uuid4()),
        "topic": EXAMPLE["topic"],
        "subject": "",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "dataVersion": "1",
        "metadataVersion": "1",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
    }
    return deliver(client, bearer, "", event, **{"aeg-event-type": "SubscriptionValidation"})


def consent(client, bearer=None):
    headers = {"WebHook-Request-Origin": "eventgrid.azure.net"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    return client.options(URL, headers=headers)


@pytest.mark.django_db
def test_event_grids_token_is_accepted_for_deliveries_and_both_handshakes(entra_auth, client, handled):
    assert deliver(client, token()).status_code == 200
    # A v2 token naming the app id rather than its URI is Event Grid's too.
    assert deliver(client, token(iss=V2_ISSUER, aud=APP_ID, ver="2.0")).status_code == 200
    assert len(handled) == 2

    answer = validation(client, token())
    assert answer.status_code == 200
    assert answer.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    answer = consent(client, token())
    assert answer.status_code == 200 and answer["WebHook-Allowed-Origin"] == "eventgrid.azure.net"


def forged_tokens() -> dict[str, str]:
    public_pem = (
        KEYS["k1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {
        "expired an hour ago": token(iat=int(time.time()) - 7200, nbf=None, exp=int(time.time()) - 3600),
        "for another app": token(aud="api://someone-else"),
        "from another tenant": token(iss="https://sts.windows.net/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/"),
        "without the app role": token(roles=None),
        "with another app role": token(roles=["Reader"]),
        "with alg none": unsigned({"alg": "none", "kid": "k1", "typ": "JWT"}, claims(), lambda _: b""),
        "HS256 keyed by the public key": unsigned(
            {"alg": "HS256", "kid": "k1", "typ": "JWT"},
            claims(),
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "signed by another key under a known kid": token(kid="k1", signer="other"),
        "with a key id the tenant never published": token(kid="other"),
        "not a token": "not.a.token",
        "without an expiry": token(exp=None),
    }


@pytest.mark.parametrize("name", list(forged_tokens()))
def test_a_token_that_is_not_event_grids_for_this_webhook_is_refused_with_401(name, entra_auth, client, handled, db):
    bearer = forged_tokens()[name]
    assert deliver(client, bearer).status_code == 401
    assert validation(client, bearer).status_code == 401
    refused = consent(client, bearer)
    assert refused.status_code == 401 and "WebHook-Allowed-Origin" not in refused
    assert handled == [] and not ReceivedEvent.objects.exists()
    assert deliver(client, token()).status_code == 200  # the same delivery with Event Grid's token is taken


def test_nothing_a_person_sees_changes_after_refused_deliveries(entra_auth, ana, bruno, thread_id, handled):
    """Forged events for a hosted thread (a message, a new topic, Bruno's removal, the thread's deletion), each with
    every forged token, change nothing on Bruno's list or thread page, or in the site's copy of the thread."""
    ana_id = AcsIdentity.objects.get(user=ana.user).acs_user_id
    bruno_id = AcsIdentity.objects.get(user=bruno.user).acs_user_id
    webhook = Client()

    def seen() -> dict:
        listed = bruno.get(reverse("chat:thread_list"))
        page = bruno.get(reverse("chat:thread_detail", args=[thread_id]))
        assert (listed.status_code, page.status_code) == (200, 200)
        return {"list": listed.content.decode(), "thread": page.content.decode()}

    shown = seen()
    mirror = Thread.objects.values().get(acs_thread_id=thread_id)
    base = {"threadId": thread_id, "transactionId": "t", "version": int(time.time() * 1000)}
    who = {"rawId": ana_id, "communicationUser": {"id": ana_id}}
    bruno_participant = {"participantCommunicationIdentifier": {"rawId": bruno_id}, "displayName": "Bruno"}
    forged = {
        "ChatMessageReceivedInThread": {
            **base,
            "messageId": str(base["version"]),
            "type": "Text",
            "messageBody": "FORGED message",
            "senderCommunicationIdentifier": who,
            "senderDisplayName": "Ana",
        },
        "ChatThreadPropertiesUpdated": {
            **base,
            "editedByCommunicationIdentifier": who,
            "properties": {"topic": "FORGED topic"},
            "metadata": {},
        },
        "ChatThreadParticipantRemoved": {
            **base,
            "removedByCommunicationIdentifier": who,
            "participantRemoved": bruno_participant,
        },
        "ChatThreadDeleted": {**base, "deletedByCommunicationIdentifier": who},
    }
    for bearer in forged_tokens().values():
        for kind, data in forged.items():
            event = {**EXAMPLE, "id": str(uuid.uuid4()), "eventType": f"Microsoft.Communication.{kind}", "data": data}
            assert deliver(webhook, bearer, "", event).status_code == 401

    assert handled == []
    assert Thread.objects.values().get(acs_thread_id=thread_id) == mirror
    now = seen()
    assert "FORGED" not in now["list"] + now["thread"]
    assert "Lunch" in now["list"] and "Lunch" in now["thread"]
    assert shown["list"].count(thread_id) == now["list"].count(thread_id)


@pytest.mark.django_db
def test_an_unknown_key_id_refetches_the_keys_at_most_once_a_minute(entra_auth, keys, client, monkeypatch):
    moment = [1000.0]
    monkeypatch.setattr(entra, "clock", lambda: moment[0])

    assert deliver(client, token("k1")).status_code == 200
    assert keys.fetches == 1  # then kept
    assert deliver(client, token("k1")).status_code == 200
    assert keys.fetches == 1

    # Forged key ids: one refetch (a key may have rolled over since), then none for a minute, however many.
    for _ in range(5):
        assert deliver(client, token("k2")).status_code == 401
    assert keys.fetches == 2

    # The tenant rolls its keys over: k2 is published. Within the minute the site does not look again...
    keys.published.append("k2")
    moment[0] += 59
    assert deliver(client, token("k2")).status_code == 401
    assert keys.fetches == 2
    # ...after it, the first token naming k2 fetches the keys once more and is accepted, and so are the next.
    moment[0] += 2
    assert deliver(client, token("k2")).status_code == 200
    assert deliver(client, token("k2")).status_code == 200
    assert deliver(client, token("k1")).status_code == 200
    assert keys.fetches == 3


@pytest.mark.django_db
def test_keys_that_cannot_be_fetched_answer_503_so_event_grid_delivers_again(entra_auth, keys, client, handled):
    keys.failing = True
    assert deliver(client, token()).status_code == 503
    assert handled == []
    keys.failing = False
    assert deliver(client, token()).status_code == 200
    assert len(handled) == 1


@pytest.mark.django_db
def test_under_entra_alone_the_secret_is_not_enough(entra_auth, client, handled):
    assert deliver(client, None, f"?secret={SECRET}").status_code == 401
    assert deliver(client, None, "", **{"X-Events-Secret": SECRET}).status_code == 401
    assert handled == []


@pytest.mark.django_db
def test_while_migrating_either_the_secret_or_the_token_is_enough(entra_auth, client, handled):
    entra_auth.EVENTGRID_AUTH = "both"
    assert deliver(client, None, f"?secret={SECRET}").status_code == 200  # the old subscription
    assert deliver(client, token()).status_code == 200  # the new one
    assert deliver(client, token(), f"?secret={SECRET}").status_code == 200  # one that has both
    assert len(handled) == 3

    assert deliver(client).status_code == 401
    assert deliver(client, None, "?secret=guess").status_code == 403
    assert deliver(client, token(aud="api://someone-else")).status_code == 401
    assert len(handled) == 3
