"""The identity API through the unmodified SDK, sync and async (aiohttp): every operation and its errors."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)
from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

from chatsite.emulator import config, throttle
from chatsite.emulator.models import Identity
from tests.emulator.signing import IDENTITY_API, send

EXPIRES_ON = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$")
SCOPES_REQUIRED = {
    "code": "ValidationError",
    "message": "Scopes: The Scopes field is required.",
    "target": "Scopes",
}


def expiry_error(minutes: int) -> dict:
    return {
        "code": "ValidationError",
        "message": f"ExpiresInMinutes value {minutes} is invalid. "
        "Value must be within the [60, 1440] interval.",
        "target": "ExpiresInMinutes",
    }


def user_id_pattern() -> re.Pattern:
    return re.compile(
        rf"^8:acs:{config.resource_id()}_[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$"
    )


def expires_in(expires_on: str) -> timedelta:
    return datetime.fromisoformat(expires_on) - datetime.now(UTC)


def error_of(raised) -> dict:
    error = raised.value.error
    return {"code": error.code, "message": error.message, "target": error.target}


@pytest.fixture
def chat_works(chat_client_for):
    """chat_works(token) -> True if the chat service accepts the token, False on 401."""

    def check(token: str) -> bool:
        try:
            list(chat_client_for(token).list_chat_threads())
        except ClientAuthenticationError:
            return False
        return True

    return check


# --- sync client (requests: sends and signs the identity id percent-encoded) ---


def test_create_user_returns_an_acs_id_of_this_resource(identity_client):
    user = identity_client.create_user()

    assert isinstance(user, CommunicationUserIdentifier)
    assert user_id_pattern().match(user.properties["id"])
    assert Identity.objects.filter(pk=user.properties["id"]).exists()


def test_create_user_and_token_defaults_to_24_hours(identity_client, chat_works):
    user, token = identity_client.create_user_and_token(scopes=[CommunicationTokenScope.CHAT])

    assert user_id_pattern().match(user.properties["id"])
    assert EXPIRES_ON.match(token.expires_on)
    assert timedelta(hours=23, minutes=59) < expires_in(token.expires_on) <= timedelta(hours=24)
    assert chat_works(token.token)


@pytest.mark.parametrize("minutes", [60, 1440])
def test_create_user_and_token_with_custom_expiry(identity_client, minutes):
    _, token = identity_client.create_user_and_token(
        scopes=["chat"], token_expires_in=timedelta(minutes=minutes)
    )

    assert timedelta(minutes=minutes - 1) < expires_in(token.expires_on) <= timedelta(minutes=minutes)


@pytest.mark.parametrize("minutes", [59, 1441])
def test_create_user_and_token_refuses_expiry_outside_60_to_1440_and_creates_nobody(identity_client, minutes):
    with pytest.raises(HttpResponseError) as raised:
        identity_client.create_user_and_token(scopes=["chat"], token_expires_in=timedelta(minutes=minutes))

    assert raised.value.status_code == 400
    assert error_of(raised) == expiry_error(minutes)
    assert not Identity.objects.exists()


def test_create_user_and_token_refuses_no_scopes(identity_client):
    with pytest.raises(HttpResponseError) as raised:
        identity_client.create_user_and_token(scopes=[])

    assert raised.value.status_code == 400
    assert raised.value.error.code == "ValidationError"
    assert not Identity.objects.exists()


def test_create_user_accepts_explicit_nulls_as_older_sdks_send(emulator):
    body = b'{"createTokenWithScopes": null, "expiresInMinutes": null}'

    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", body, key=config.access_key())

    assert response.status_code == 201
    assert set(response.json()) == {"identity"}


def test_get_token_issues_a_working_token(identity_client, chat_works):
    user = identity_client.create_user()

    token = identity_client.get_token(user, scopes=["chat", "voip"], token_expires_in=timedelta(hours=1))

    assert EXPIRES_ON.match(token.expires_on)
    assert timedelta(minutes=59) < expires_in(token.expires_on) <= timedelta(hours=1)
    assert chat_works(token.token)


def test_get_token_requires_scopes(identity_client):
    user = identity_client.create_user()

    with pytest.raises(HttpResponseError) as raised:
        identity_client.get_token(user, scopes=[])

    assert raised.value.status_code == 400
    assert error_of(raised) == SCOPES_REQUIRED


def test_get_token_refuses_an_unknown_scope(identity_client):
    user = identity_client.create_user()

    with pytest.raises(HttpResponseError) as raised:
        identity_client.get_token(user, scopes=["chat", "admin"])

    assert raised.value.status_code == 400
    assert raised.value.error.code == "ValidationError"
    assert raised.value.error.target == "Scopes"


@pytest.mark.parametrize("minutes", [59, 1441])
def test_get_token_refuses_expiry_outside_60_to_1440(identity_client, minutes):
    user = identity_client.create_user()

    with pytest.raises(HttpResponseError) as raised:
        identity_client.get_token(user, scopes=["chat"], token_expires_in=timedelta(minutes=minutes))

    assert raised.value.status_code == 400
    assert error_of(raised) == expiry_error(minutes)


def test_get_token_for_an_unknown_user_is_404(identity_client):
    stranger = CommunicationUserIdentifier(
        f"8:acs:{config.resource_id()}_00000005-14a2-493b-8a72-5a3a0d000081"
    )

    with pytest.raises(ResourceNotFoundError):
        identity_client.get_token(stranger, scopes=["chat"])


def test_revoke_tokens_refuses_every_earlier_token_but_not_later_ones(identity_client, chat_works):
    user, first = identity_client.create_user_and_token(scopes=["chat"])
    second = identity_client.get_token(user, scopes=["chat"])
    assert chat_works(first.token) and chat_works(second.token)

    identity_client.revoke_tokens(user)

    assert not chat_works(first.token)
    assert not chat_works(second.token)
    assert chat_works(identity_client.get_token(user, scopes=["chat"]).token)


def test_revoke_tokens_of_an_unknown_user_is_404(identity_client):
    user = identity_client.create_user()
    identity_client.delete_user(user)

    with pytest.raises(ResourceNotFoundError):
        identity_client.revoke_tokens(user)


def test_delete_user_invalidates_its_tokens(identity_client, chat_works):
    user, token = identity_client.create_user_and_token(scopes=["chat"])

    identity_client.delete_user(user)

    assert not Identity.objects.filter(pk=user.properties["id"]).exists()
    assert not chat_works(token.token)
    with pytest.raises(ResourceNotFoundError):
        identity_client.get_token(user, scopes=["chat"])


def test_delete_unknown_user_is_404(identity_client):
    user = identity_client.create_user()
    identity_client.delete_user(user)

    with pytest.raises(ResourceNotFoundError) as raised:
        identity_client.delete_user(user)
    assert raised.value.error.code == "NotFound"


def test_teams_token_exchange_is_refused_clearly(identity_client):
    with pytest.raises(ClientAuthenticationError) as raised:
        identity_client.get_token_for_teams_user("aad-token", "client-id", "user-object-id")

    assert raised.value.error.code == "InvalidAccessToken"
    assert "Entra ID" in raised.value.error.message


def test_wrong_access_key_is_denied(emulator):
    forged = emulator.connection_string.replace(config.access_key(), "d3Jvbmcga2V5")
    client = CommunicationIdentityClient.from_connection_string(
        forged, connection_verify=str(emulator.ca_cert)
    )

    with pytest.raises(ClientAuthenticationError) as raised:
        client.create_user()
    assert raised.value.error.code == "Denied"


def test_identity_operations_are_throttled_per_resource(throttled_emulator, identity_client, monkeypatch):
    # Really 1000 per 30 s; 2 keeps the test fast. A window may roll over mid-test, hence up to 5 tries.
    monkeypatch.setitem(throttle.RULES, "create_identity", (("resource", 30, 2),))
    created = 0
    with pytest.raises(HttpResponseError) as raised:
        for _ in range(5):
            identity_client.create_user(retry_total=0)
            created += 1

    assert created >= 2
    assert raised.value.status_code == 429
    assert raised.value.error.code == "TooManyRequests"
    assert Identity.objects.count() == created


# --- async client (aiohttp: sends and signs the identity id unencoded) ---


@pytest.fixture
def run_async(emulator):
    """run_async(lambda client: coroutine) -> its result, with an async identity client to the emulator."""

    def run(operation):
        async def main():
            async with AsyncIdentityClient.from_connection_string(
                emulator.connection_string, connection_verify=str(emulator.ca_cert)
            ) as client:
                return await operation(client)

        return asyncio.run(main())

    return run


def test_async_every_operation(run_async, chat_works):
    async def scenario(client):
        plain = await client.create_user()
        user, first = await client.create_user_and_token(["chat"], token_expires_in=timedelta(hours=2))
        second = await client.get_token(user, ["chat.join"])
        before_revoke = [chat_works(first.token), chat_works(second.token)]
        await client.revoke_tokens(user)
        after_revoke = [chat_works(first.token), chat_works(second.token)]
        third = await client.get_token(user, ["chat"])
        await client.delete_user(plain)
        return plain, user, first, before_revoke, after_revoke, third

    plain, user, first, before_revoke, after_revoke, third = run_async(scenario)

    assert user_id_pattern().match(plain.properties["id"]) and user_id_pattern().match(user.properties["id"])
    assert EXPIRES_ON.match(first.expires_on)
    assert timedelta(minutes=119) < expires_in(first.expires_on) <= timedelta(hours=2)
    assert before_revoke == [True, True]
    assert after_revoke == [False, False]
    assert chat_works(third.token)
    assert not Identity.objects.filter(pk=plain.properties["id"]).exists()
    assert Identity.objects.filter(pk=user.properties["id"]).exists()


def test_async_errors(run_async):
    async def scenario(client):
        user = await client.create_user()
        errors = {}
        for name, call in {
            "no_scopes": lambda: client.get_token(user, []),
            "too_long": lambda: client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=1441)),
            "teams": lambda: client.get_token_for_teams_user("aad-token", "client-id", "user-object-id"),
        }.items():
            try:
                await call()
            except HttpResponseError as exc:
                errors[name] = exc
        await client.delete_user(user)
        for name, call in {
            "delete_again": lambda: client.delete_user(user),
            "token_for_deleted": lambda: client.get_token(user, ["chat"]),
            "revoke_for_deleted": lambda: client.revoke_tokens(user),
        }.items():
            try:
                await call()
            except HttpResponseError as exc:
                errors[name] = exc
        return errors

    errors = run_async(scenario)

    assert errors["no_scopes"].status_code == 400
    assert errors["no_scopes"].error.message == SCOPES_REQUIRED["message"]
    assert errors["too_long"].error.message == expiry_error(1441)["message"]
    assert isinstance(errors["teams"], ClientAuthenticationError)
    for name in ("delete_again", "token_for_deleted", "revoke_for_deleted"):
        assert isinstance(errors[name], ResourceNotFoundError), name
