"""HMAC-SHA256 signing of the identity API, with requests we sign ourselves (tests/emulator/signing.py)."""

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.test import RequestFactory

from chatsite.emulator import config, hmac_auth
from chatsite.emulator.errors import AcsError
from tests.emulator.signing import IDENTITY_API, host_of, http_date, raw, send, signed_headers

DENIED = {"error": {"code": "Denied", "message": "Denied by the resource provider."}}


@pytest.fixture
def key(emulator):
    return config.access_key()


@pytest.fixture
def user_id(identity_client):
    return identity_client.create_user().properties["id"]


def test_correctly_signed_request_creates_a_user(emulator, key):
    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", key=key)

    assert response.status_code == 201
    assert response.json()["identity"]["id"].startswith("8:acs:")


def test_a_request_signed_with_the_date_header_is_accepted(emulator, key):
    """Identity SDK 1.0.0 and earlier sign `Date` (SignedHeaders=date;host;x-ms-content-sha256)."""
    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", key=key, date_header="Date")
    assert response.status_code == 201, response.text

    stale = datetime.now(UTC) - timedelta(minutes=10)
    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", key=key, date_header="Date", date=http_date(stale))
    assert response.status_code == 401


def test_client_request_id_is_echoed(emulator, key):
    path = f"/identities?{IDENTITY_API}"
    headers = signed_headers("POST", path, host_of(emulator), b"", key)

    response = raw(emulator, "POST", path, headers={**headers, "x-ms-client-request-id": "abc-123"})

    assert response.status_code == 201
    assert response.headers["x-ms-client-request-id"] == "abc-123"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda user_id: quote(user_id, safe=""), id="percent-encoded-as-requests-sends"),
        pytest.param(lambda user_id: user_id, id="raw-as-aiohttp-sends"),
    ],
)
def test_both_path_encodings_of_the_id_are_accepted(emulator, key, user_id, encode):
    path = f"/identities/{encode(user_id)}/:issueAccessToken?{IDENTITY_API}"

    response = send(emulator, "POST", path, json.dumps({"scopes": ["chat"]}).encode(), key=key)

    assert response.status_code == 200, response.text
    assert response.json()["token"].count(".") == 2


def test_wrong_key_is_denied(emulator):
    other_key = base64.b64encode(secrets.token_bytes(64)).decode()

    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", key=other_key)

    assert response.status_code == 401
    assert response.json() == DENIED


def test_bad_signature_is_denied(emulator, key):
    path = f"/identities?{IDENTITY_API}"
    headers = signed_headers("POST", path, host_of(emulator), b"", key)
    headers["Authorization"] = headers["Authorization"][:-8] + "AAAAAAA="

    response = raw(emulator, "POST", path, headers=headers)

    assert response.status_code == 401
    assert response.json() == DENIED


def test_missing_signature_is_denied(emulator):
    response = raw(emulator, "POST", f"/identities?{IDENTITY_API}")

    assert response.status_code == 401
    assert response.json() == DENIED


def test_signature_over_another_path_is_denied(emulator, key, user_id):
    # Signed for the raw id but sent percent-encoded: the path is signed as transmitted.
    body = json.dumps({"scopes": ["chat"]}).encode()
    signed = f"/identities/{user_id}/:issueAccessToken?{IDENTITY_API}"
    headers = signed_headers("POST", signed, host_of(emulator), body, key)

    sent = f"/identities/{quote(user_id, safe='')}/:issueAccessToken?{IDENTITY_API}"
    response = raw(emulator, "POST", sent, body, headers)

    assert response.status_code == 401
    assert response.json() == DENIED


def test_tampered_body_is_denied(emulator, key, user_id):
    path = f"/identities/{quote(user_id, safe='')}/:issueAccessToken?{IDENTITY_API}"
    headers = signed_headers("POST", path, host_of(emulator), b'{"scopes":["chat"]}', key)

    response = raw(emulator, "POST", path, b'{"scopes":["voip"]}', headers)

    assert response.status_code == 401
    assert response.json() == DENIED


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)], ids=["stale", "future"])
def test_date_outside_five_minutes_is_refused(emulator, key, skew):
    date = (datetime.now(UTC) + skew).strftime("%a, %d %b %Y %H:%M:%S GMT")

    response = send(emulator, "POST", f"/identities?{IDENTITY_API}", key=key, date=date)

    assert response.status_code == 401
    assert response.json()["error"] == {"code": "Denied", "message": hmac_auth.SKEW_MESSAGE}


def test_date_within_five_minutes_is_accepted(emulator, key):
    date = (datetime.now(UTC) - timedelta(minutes=4)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    assert send(emulator, "POST", f"/identities?{IDENTITY_API}", key=key, date=date).status_code == 201


def test_host_with_trailing_slash_is_accepted(emulator, key):
    # What the SDK signs when its endpoint was given with a trailing slash (API_NOTES §2).
    path = f"/identities?{IDENTITY_API}"
    headers = signed_headers("POST", path, host_of(emulator) + "/", b"", key)

    response = raw(emulator, "POST", path, headers=headers)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "MissingApiVersionParameter"), ("?api-version=2099-01-01", "UnsupportedApiVersion")],
    ids=["missing", "unknown"],
)
def test_api_version_missing_or_unknown_is_400(emulator, key, query, code):
    response = send(emulator, "POST", f"/identities{query}", key=key)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("version", ["2023-10-01", "2021-03-07"])
def test_supported_api_versions_are_accepted(emulator, key, version):
    assert send(emulator, "POST", f"/identities?api-version={version}", key=key).status_code == 201


# Behind a server that does not pass the raw request target (no RAW_URI), the decoded PATH_INFO is re-encoded
# both ways the SDKs send it.
@pytest.mark.parametrize("encode", [lambda s: quote(s, safe=""), lambda s: s], ids=["percent-encoded", "raw"])
def test_without_raw_uri_both_encodings_are_accepted(settings, encode):
    user_id = "8:acs:" + "0" * 8 + "-0000-4000-8000-" + "0" * 12 + "_00000005-14a2-493b-8a72-5a3a0d000081"
    signed_path = f"/identities/{encode(user_id)}/:issueAccessToken?{IDENTITY_API}"
    body = b'{"scopes":["chat"]}'
    headers = signed_headers("POST", signed_path, "testserver", body, config.access_key())
    request = RequestFactory().post(
        f"/identities/{quote(user_id, safe='')}/:issueAccessToken?{IDENTITY_API}",
        data=body,
        content_type="application/json",
        headers={**{k: v for k, v in headers.items() if k != "Content-Type"}, "Host": "testserver"},
    )
    assert "RAW_URI" not in request.META

    hmac_auth.verify(request)  # no AcsError


def test_without_raw_uri_a_wrong_path_is_denied():
    body = b""
    headers = signed_headers("POST", f"/other?{IDENTITY_API}", "testserver", body, config.access_key())
    request = RequestFactory().post(
        f"/identities?{IDENTITY_API}",
        data=body,
        content_type="application/json",
        headers={**{k: v for k, v in headers.items() if k != "Content-Type"}, "Host": "testserver"},
    )

    with pytest.raises(AcsError) as raised:
        hmac_auth.verify(request)
    assert raised.value.status == 401 and raised.value.code == "Denied"
