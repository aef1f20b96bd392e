"""The one parser of an ACS connection string, shared by the settings check and the SDK clients' endpoint."""

import pytest

from chatsite.acs.connection_string import parse

KEY = "c2VjcmV0c2VjcmV0"  # base64 of "secretsecret"


def test_the_portal_form():
    parsed = parse(f"endpoint=https://chat.communication.azure.com/;accesskey={KEY}")

    assert parsed.endpoint == "https://chat.communication.azure.com"
    assert parsed.access_key == KEY


def test_keys_are_case_blind_and_space_tolerant():
    parsed = parse(f" AccessKey = {KEY} ; Endpoint = https://127.0.0.1:8443/ ;")

    assert parsed.endpoint == "https://127.0.0.1:8443"


@pytest.mark.parametrize(
    "value",
    [
        "",
        f"accesskey={KEY}",
        f"endpoint=http://chat.communication.azure.com/;accesskey={KEY}",
        f"endpoint=chat.communication.azure.com;accesskey={KEY}",
        f"endpoint=https://[::1/;accesskey={KEY}",
        "endpoint=https://chat.communication.azure.com/",
        "endpoint=https://chat.communication.azure.com/;accesskey=",
        "endpoint=https://chat.communication.azure.com/;accesskey=not-base64-but-secret",
    ],
)
def test_refuses_what_is_not_a_connection_string(value):
    with pytest.raises(ValueError):
        parse(value)


def test_the_error_never_repeats_the_key():
    with pytest.raises(ValueError) as error:
        parse("endpoint=https://chat.communication.azure.com/;accesskey=not-base64-but-secret")

    assert "not-base64-but-secret" not in str(error.value)


def test_the_key_stays_out_of_repr():
    assert KEY not in repr(parse(f"endpoint=https://chat.communication.azure.com/;accesskey={KEY}"))
