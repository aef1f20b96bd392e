"""ACS Identity REST API (2023-10-01): users and their access tokens, for HMAC-signed callers."""

import uuid
from datetime import UTC, datetime

from . import api, config, hmac_auth, throttle, tokens
from .errors import AcsError, not_found, validation_error
from .models import Identity


def _new_identity_id() -> str:
    return f"8:acs:{config.resource_id()}_{uuid.uuid4()}"


def _expires_on(moment: datetime) -> str:
    # Real format "2021-03-24T02:00:49.3681884+00:00" (.NET, 7 digits); the SDK hands it out verbatim.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "0+00:00"


def _scopes(value, *, target: str = "Scopes") -> list[str]:
    if not value:
        raise validation_error(f"{target}: The {target} field is required.", target=target)
    if not isinstance(value, list) or not all(isinstance(scope, str) for scope in value):
        raise validation_error(f"{target}: The {target} field must be an array of scopes.", target=target)
    unknown = [scope for scope in value if scope not in tokens.SCOPES]
    if unknown:
        # GUESS: the real wording for an unknown scope is unrecorded.
        raise validation_error(
            f"{target}: '{unknown[0]}' is not a valid scope. Valid scopes: {', '.join(tokens.SCOPES)}.",
            target=target,
        )
    return list(dict.fromkeys(value))


def _minutes(body: dict) -> int:
    value = body.get("expiresInMinutes")
    if value is None:
        return tokens.DEFAULT_MINUTES
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(f"ExpiresInMinutes value {value} is invalid.", target="ExpiresInMinutes")
    if not tokens.MIN_MINUTES <= value <= tokens.MAX_MINUTES:
        raise validation_error(
            f"ExpiresInMinutes value {value} is invalid. "
            f"Value must be within the [{tokens.MIN_MINUTES}, {tokens.MAX_MINUTES}] interval.",
            target="ExpiresInMinutes",
        )
    return value


def _access_token(identity_id: str, scopes: list[str], minutes: int) -> dict:
    token, expires_on = tokens.issue(identity_id, scopes, minutes)
    return {"token": token, "expiresOn": _expires_on(expires_on)}


def _existing(identity_id: str) -> Identity:
    identity = Identity.objects.filter(pk=identity_id).first()
    if identity is None:
        raise not_found(f"Identity '{identity_id}' does not exist.")
    return identity


def _create(request):
    hmac_auth.verify(request)
    body = api.json_body(request, allow_empty=True)
    # Explicit nulls are what identity SDK 1.3.x sends for "no token" (API_NOTES §2).
    with_token = body.get("createTokenWithScopes") is not None
    scopes = _scopes(body["createTokenWithScopes"], target="CreateTokenWithScopes") if with_token else []
    minutes = _minutes(body)
    throttle.check("create_user_and_token" if with_token else "create_identity")
    identity = Identity.objects.create(id=_new_identity_id())
    result = {"identity": {"id": identity.id}}
    if with_token:
        result["accessToken"] = _access_token(identity.id, scopes, minutes)
    return api.ok_json(result, status=201)


def _delete(request, identity_id):
    hmac_auth.verify(request)
    throttle.check("delete_identity")
    # Deleting the identity is what makes its tokens fail: authenticate() finds no identity.
    deleted, _ = Identity.objects.filter(pk=identity_id).delete()
    tokens.forget(identity_id)
    if not deleted:
        raise not_found(f"Identity '{identity_id}' does not exist.")
    return api.no_content()


def _issue(request, identity_id):
    hmac_auth.verify(request)
    body = api.json_body(request, allow_empty=True)
    scopes = _scopes(body.get("scopes"))
    minutes = _minutes(body)
    throttle.check("issue_token")
    identity = _existing(identity_id)
    return api.ok_json(_access_token(identity.id, scopes, minutes))


def _revoke(request, identity_id):
    hmac_auth.verify(request)
    throttle.check("revoke_tokens")
    identity = _existing(identity_id)
    identity.tokens_valid_after = datetime.now(UTC)
    identity.save(update_fields=["tokens_valid_after"])
    tokens.forget(identity_id)
    return api.no_content()


def _exchange(request):
    hmac_auth.verify(request)
    body = api.json_body(request, allow_empty=True)
    for field in ("token", "appId", "userId"):
        if not body.get(field):
            raise validation_error(f"{field}: The {field} field is required.", target=field)
    throttle.check("exchange_teams_token")
    # Exchanging needs Microsoft Entra ID to validate the Teams user's token; the emulator has none, so every
    # token is refused the way real ACS refuses an invalid one.
    raise AcsError(
        401,
        "InvalidAccessToken",
        "Provided access token is not valid. (The ACS emulator has no Microsoft Entra ID: "
        "Teams user tokens cannot be exchanged; use a real ACS resource.)",
    )


identities = api.endpoint(methods={"POST": _create}, versions=api.IDENTITY_API_VERSIONS)
identity = api.endpoint(methods={"DELETE": _delete}, versions=api.IDENTITY_API_VERSIONS)
issue_access_token = api.endpoint(methods={"POST": _issue}, versions=api.IDENTITY_API_VERSIONS)
revoke_access_tokens = api.endpoint(methods={"POST": _revoke}, versions=api.IDENTITY_API_VERSIONS)
exchange_teams_token = api.endpoint(methods={"POST": _exchange}, versions=api.IDENTITY_API_VERSIONS)
