"""Access tokens: the claims real ACS tokens carry, readable the way the chat SDK reads them, and refused when
tampered with, expired, revoked or orphaned; the chat scope matrix."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from azure.communication.chat import CommunicationTokenCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from chatsite.emulator import config, tokens
from chatsite.emulator.errors import AcsError


def sdk_claims(token: str) -> dict:
    # Exactly the chat SDK's decoding (API_NOTES §4): standard base64, "==" appended, ASCII.
    return json.loads(base64.b64decode(token.split(".")[1] + "==").decode("ascii"))


def sdk_safe_payload(claims: dict) -> str:
    """base64url JSON without "-"/"_", which the SDK's standard-base64 decoding would corrupt."""
    for pad in range(100):
        encoded = (
            base64.urlsafe_b64encode(json.dumps(claims | {"pad": "x" * pad}).encode()).decode().rstrip("=")
        )
        if "-" not in encoded and "_" not in encoded:
            return encoded
    raise AssertionError("no SDK-safe encoding found")


def refused(token: str) -> AcsError:
    with pytest.raises(AcsError) as raised:
        tokens.authenticate(f"Bearer {token}")
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        401, "Unauthorized", "Request is not authorized."  # the spec examples' code and wording, whatever the cause
    )
    return raised.value


def test_claims_are_shaped_like_real_acs_tokens(make_user):
    before = int(time.time())
    user, token = make_user(scopes=("chat", "voip"))

    claims = sdk_claims(token)

    assert claims["skypeid"] == user.properties["id"].removeprefix("8:")
    assert claims["scp"] == 1792
    assert isinstance(claims["csi"], str) and before <= int(claims["csi"]) <= time.time()
    assert isinstance(claims["exp"], int) and claims["exp"] == int(claims["csi"]) + 24 * 3600
    assert claims["acsScope"] == "chat,voip"
    assert claims["resourceId"] == config.resource_id()


def test_exp_follows_the_requested_lifetime(identity_client):
    user = identity_client.create_user()

    token = identity_client.get_token(user, scopes=["chat"], token_expires_in=timedelta(minutes=90))

    claims = sdk_claims(token.token)
    assert claims["exp"] == int(claims["csi"]) + 90 * 60
    assert abs(datetime.fromisoformat(token.expires_on).timestamp() - claims["exp"]) < 1


def test_many_tokens_all_decode_with_the_sdk(identity_client):
    # A base64url payload with "-" or "_" would be corrupted by the SDK's standard-base64 decoding.
    user = identity_client.create_user()
    for _ in range(30):
        token = identity_client.get_token(user, scopes=["chat", "chat.join", "voip"]).token
        assert "-" not in token.split(".")[1] and "_" not in token.split(".")[1]
        assert CommunicationTokenCredential(token).get_token().expires_on == sdk_claims(token)["exp"]


def test_valid_token_authenticates_as_its_user(make_user):
    user, token = make_user(scopes=("chat.join",))

    principal = tokens.authenticate(f"Bearer {token}")

    assert principal.user_id == user.properties["id"]
    assert principal.scopes == {"chat.join"}


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_tampered_token_is_refused(make_user, chat_client_for, part):
    _, token = make_user()
    parts = token.split(".")
    if part == 1:  # a forged claim, still decodable by the SDK
        parts[1] = sdk_safe_payload(sdk_claims(token) | {"acsScope": "chat,voip,admin"})
    else:
        parts[part] = parts[part][:-2] + ("AA" if parts[part][-2:] != "AA" else "BB")
    forged = ".".join(parts)

    refused(forged)
    with pytest.raises(ClientAuthenticationError):
        list(chat_client_for(forged).list_chat_threads())


def test_missing_or_malformed_authorization_is_refused(emulator):
    for header in (None, "", "Basic abc", "Bearer", "Bearer not-a-jwt"):
        with pytest.raises(AcsError) as raised:
            tokens.authenticate(header)
        assert raised.value.status == 401


def test_expired_token_is_refused(identity_client, chat_client_for):
    user_id = identity_client.create_user().properties["id"]
    token, expires_on = tokens.issue(user_id, ["chat"], 60, now=datetime.now(UTC) - timedelta(minutes=61))
    assert expires_on < datetime.now(UTC)

    assert refused(token).inner[0] == "TokenExpired"
    # The SDK has no refresher here, so it sends the expired token and the service must refuse it.
    with pytest.raises(ClientAuthenticationError):
        list(chat_client_for(token).list_chat_threads())


def test_revoked_token_is_refused(identity_client, make_user, chat_client_for):
    user, token = make_user()

    identity_client.revoke_tokens(user)

    assert refused(token).inner[0] == "TokenRevoked"
    with pytest.raises(ClientAuthenticationError):
        list(chat_client_for(token).list_chat_threads())


def test_token_of_a_deleted_user_is_refused(identity_client, make_user, chat_client_for):
    user, token = make_user()

    identity_client.delete_user(user)

    refused(token)
    with pytest.raises(ClientAuthenticationError):
        list(chat_client_for(token).list_chat_threads())


def test_token_signed_for_another_deployment_is_refused(make_user, chat_client_for, settings):
    _, token = make_user()
    list(chat_client_for(token).list_chat_threads())  # accepted (and remembered) under this deployment's key

    settings.SECRET_KEY = "another deployment's secret key, so another token signing key"

    refused(token)


# (scopes, manage_threads, manage_participants, read/send): docs identity-model.md, API_NOTES §4.
SCOPE_MATRIX = [
    (("chat",), True, True, True),
    (("chat.join",), False, True, True),
    (("chat.join.limited",), False, False, True),
    (("voip",), False, False, False),
    (("voip.join",), False, False, False),
    (("chat.join.limited", "voip"), False, False, True),
    (("chat.join", "chat"), True, True, True),
]


@pytest.mark.parametrize(
    ("scopes", "threads", "participants", "messages"), SCOPE_MATRIX, ids=lambda v: str(v)
)
def test_scope_matrix(make_user, scopes, threads, participants, messages):
    _, token = make_user(scopes=scopes)
    principal = tokens.authenticate(f"Bearer {token}")

    assert principal.can(manage_threads=True) is threads
    assert principal.can(manage_participants=True) is participants
    assert principal.can() is messages


@pytest.mark.parametrize("scopes", [("chat.join",), ("chat.join.limited",), ("voip",)])
def test_scopes_without_thread_management_cannot_create_a_thread(make_user, chat_client_for, scopes):
    _, token = make_user(scopes=scopes)

    with pytest.raises(HttpResponseError) as raised:
        chat_client_for(token).create_chat_thread("Not allowed")

    assert raised.value.status_code == 403
    assert raised.value.error.code == "Forbidden"
