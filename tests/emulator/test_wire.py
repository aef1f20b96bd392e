"""What a client sees on the wire beyond the SDK's models: links, headers, dates, limits, latency."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from azure.communication.chat import ChatParticipant
from azure.core.exceptions import ServiceResponseError
from azure.core.rest import HttpRequest

from tests.emulator.chat_members import ids


@pytest.fixture
def thread_id(alice, bob):
    return alice.client.create_chat_thread(
        "Wire", thread_participants=[ChatParticipant(identifier=bob.user, display_name="Bob")]
    ).chat_thread.id


def get_url(member, url):  # a Member, not the fixture
    """GET a URL exactly as given, as the JS SDK and Python chat 1.1.0 follow a nextLink."""
    return member.client._client._send_request(HttpRequest("GET", url), retry_total=0)


def thread_path(thread_id, suffix=""):
    return f"/chat/threads/{quote(thread_id, safe='')}" + (f"/{suffix}" if suffix else "")


@pytest.mark.parametrize(
    ("suffix", "size"),
    [("messages", 2), ("participants", 1), ("readReceipts", 1), (None, 1)],
)
def test_next_links_are_absolute_carry_api_version_and_can_be_followed_as_given(
    alice, bob, emulator, thread_id, suffix, size
):
    chat = alice.thread(thread_id)
    message_id = chat.send_message("hi").id
    chat.send_read_receipt(message_id)
    bob.thread(thread_id).send_read_receipt(message_id)
    alice.client.create_chat_thread("Second")
    path = thread_path(thread_id, suffix) if suffix else "/chat/threads"

    seen, url = [], None
    first = alice.raw("GET", f"{path}?maxPageSize={size}")
    assert first.status_code == 200, first.text()
    body = first.json()
    while True:
        seen += body["value"]
        url = body.get("nextLink")
        if not url:
            break
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == emulator.endpoint
        assert parse_qs(parts.query)["api-version"] == ["2024-03-07"]
        page = get_url(alice, url)
        assert page.status_code == 200, page.text()
        body = page.json()
    assert len(seen) >= 2


def test_location_headers_name_https(alice, emulator, thread_id):
    created = alice.raw("POST", "/chat/threads", json={"topic": "Located"})
    assert created.headers["Location"].startswith(f"{emulator.endpoint}/chat/threads/")
    sent = alice.raw("POST", thread_path(thread_id, "messages"), json={"content": "x"})
    assert sent.headers["Location"] == f"{emulator.endpoint}{thread_path(thread_id)}/messages/{sent.json()['id']}"


def test_share_history_time_of_year_one_round_trips(alice, bob, member, thread_id):
    carol = member()
    chat = alice.thread(thread_id)
    chat.add_participants([ChatParticipant(identifier=carol.user, share_history_time=datetime(1, 1, 1, tzinfo=UTC))])
    listed = {p.identifier.properties["id"]: p.share_history_time for p in chat.list_participants()}
    assert listed[carol.id] == datetime(1, 1, 1, tzinfo=UTC)
    raw = alice.raw("GET", thread_path(thread_id, "participants")).json()["value"]
    assert "0001-01-01T00:00:00Z" in {p["shareHistoryTime"] for p in raw}
    added = next(iter(chat.list_messages()))  # the participantAdded system message carries it too
    assert ids(p.identifier for p in added.content.participants) == {carol.id}


@pytest.mark.parametrize("when", ["yesterday", "2024-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00", 7])
def test_unparseable_times_are_400_in_acs_shape(alice, member, thread_id, when):
    entry = {"communicationIdentifier": {"rawId": member().id}, "shareHistoryTime": when}
    response = alice.raw("POST", thread_path(thread_id, "participants/:add"), json={"participants": [entry]})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["code"] == "BadRequest"


def test_answers_carry_acs_headers_and_none_of_the_sites(alice, thread_id):
    got = alice.raw("GET", thread_path(thread_id))
    sent = alice.raw("POST", thread_path(thread_id, "typing"), json={})
    deleted = alice.raw("DELETE", thread_path(thread_id))
    unknown = alice.raw("GET", "/no/such/route")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NotFound")
    for response in (got, sent, deleted, unknown):
        assert len(response.headers["MS-CV"].split(".")[0]) == 22
        # As the SDK team's recordings of ACS show on every answer.
        assert response.headers["Strict-Transport-Security"] == "max-age=2592000"
        assert re.fullmatch(r"\d+ms", response.headers["X-Processing-Time"]), response.headers["X-Processing-Time"]
        for header in ("Server", "Vary", "Content-Language", "X-Frame-Options", "X-Content-Type-Options",
                       "Referrer-Policy", "Cross-Origin-Opener-Policy", "Set-Cookie"):
            assert header not in response.headers, header
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert (sent.status_code, deleted.status_code) == (200, 204)
    assert "Content-Type" not in sent.headers and "Content-Type" not in deleted.headers
    assert got.headers["MS-CV"] != sent.headers["MS-CV"]


@pytest.mark.parametrize(
    ("method", "suffix", "allowed"),
    [("PUT", "", "GET, PATCH, DELETE"), ("DELETE", "messages", "POST, GET"), ("GET", "typing", "POST")],
)
def test_a_method_the_route_lacks_is_405_with_allow(alice, thread_id, method, suffix, allowed):
    response = alice.raw(method, thread_path(thread_id, suffix), json={} if method == "PUT" else None)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["error"]["code"] == "MethodNotAllowed"


SPEC_401 = {"code": "Unauthorized", "message": "Request is not authorized."}
SPEC_403 = {"code": "Forbidden", "message": "User is not allowed to perform specified action."}


def spec_part(response) -> dict:
    """The error as the spec examples show it (the emulator adds its reason in innererror)."""
    error = response.json()["error"]
    return {"code": error["code"], "message": error["message"]}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_401_is_worded_as_the_spec_examples(emulator, thread_id, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(
        f"{emulator.endpoint}{thread_path(thread_id)}?api-version=2024-03-07",
        headers=headers,
        verify=str(emulator.ca_cert),
        timeout=60,
    )
    assert response.status_code == 401
    assert spec_part(response) == SPEC_401
    assert response.json()["error"]["innererror"]["code"] in ("MissingToken", "InvalidToken")


def test_403_is_worded_as_the_spec_examples(alice, bob, member, thread_id):
    message_id = alice.thread(thread_id).send_message("mine").id
    outsider = member()
    reader = member(scopes=("chat.join",))
    alice.thread(thread_id).add_participants([ChatParticipant(identifier=reader.user)])

    not_a_participant = outsider.raw("GET", thread_path(thread_id))
    not_the_sender = bob.raw("PATCH", thread_path(thread_id, f"messages/{message_id}"), json={"content": "x"},
                             headers={"Content-Type": "application/merge-patch+json"})
    scope = reader.raw("DELETE", thread_path(thread_id))

    for response in (not_a_participant, not_the_sender, scope):
        assert response.status_code == 403
        assert spec_part(response) == SPEC_403
    assert "innererror" not in not_a_participant.json()["error"]  # exactly the example
    assert not_the_sender.json()["error"]["innererror"]["code"] == "NotSender"
    assert scope.json()["error"]["innererror"]["code"] == "ScopeNotAllowed"


def test_participant_added_system_messages_carry_what_acs_recorded(alice, bob, member, thread_id):
    """The SDK team's recordings of ACS (JS SDK, 2021-2022) show each entry of content.participants[] as
    {communicationIdentifier, shareHistoryTime}, the epoch when unset; the spec example leaves out
    shareHistoryTime. A display name given to the participant is kept beside them (GUESS: no recording gives one)."""
    carol = member()
    alice.thread(thread_id).add_participants([ChatParticipant(identifier=carol.user)])
    messages = alice.raw("GET", thread_path(thread_id, "messages")).json()["value"]
    created, added = [m["content"]["participants"] for m in messages if m["type"] == "participantAdded"][::-1]

    assert added == [{"communicationIdentifier": {"rawId": carol.id, "communicationUser": {"id": carol.id}},
                      "shareHistoryTime": "1970-01-01T00:00:00Z"}]
    by_id = {p["communicationIdentifier"]["rawId"]: p for p in created}
    assert set(by_id[alice.id]) == {"communicationIdentifier", "shareHistoryTime"}
    assert by_id[bob.id]["displayName"] == "Bob"
    assert set(by_id[bob.id]) == {"communicationIdentifier", "displayName", "shareHistoryTime"}


def test_a_deeply_nested_body_is_400(alice, thread_id):
    deep = b'{"content": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = alice.raw("POST", thread_path(thread_id, "messages"), content=deep,
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    nested = {"content": "x", "metadata": {"k": "v"}}
    value = nested
    for _ in range(80):
        value["deeper"] = {}
        value = value["deeper"]
    response = alice.raw("POST", thread_path(thread_id, "messages"), json=nested)
    assert response.status_code == 400 and "depth" in response.json()["error"]["message"]


def test_a_huge_body_is_413_in_acs_shape(alice, thread_id):
    body = json.dumps({"content": "x" * 10_000_000}).encode()
    response = alice.raw("POST", thread_path(thread_id, "messages"), content=body,
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"


@pytest.mark.parametrize("suffix", ["", "messages/{mid}"])
def test_an_empty_patch_is_400(alice, thread_id, suffix):
    message_id = alice.thread(thread_id).send_message("x").id
    response = alice.raw("PATCH", thread_path(thread_id, suffix.format(mid=message_id)), content=b"",
                         headers={"Content-Type": "application/merge-patch+json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_a_late_answer_still_stores_the_write(alice, thread_id, settings):
    """ACS_EMULATOR_DELAY: the client gives up waiting, but the message was sent (as with a slow ACS)."""
    chat = alice.thread(thread_id)
    settings.ACS_EMULATOR_DELAY = 2
    with pytest.raises(ServiceResponseError):
        chat.send_message("late", read_timeout=0.2, retry_total=0)
    settings.ACS_EMULATOR_DELAY = 0
    assert "late" in {m.content.message for m in chat.list_messages() if m.type == "text"}


def test_api_version_2025_03_15_reads_and_writes_thread_metadata_and_retention(alice, member):
    bob = member()
    v = "2025-03-15"
    created = alice.raw(
        "POST",
        "/chat/threads",
        api_version=v,
        json={
            "topic": "Kept",
            "metadata": {"project": "apollo"},
            "retentionPolicy": {"kind": "threadCreationDate", "deleteThreadAfterDays": 40},
            "participants": [{"communicationIdentifier": {"rawId": bob.id}, "metadata": {"role": "guest"}}],
        },
    )
    assert created.status_code == 201, created.text()
    thread = created.json()["chatThread"]
    assert thread["metadata"] == {"project": "apollo"}
    assert thread["retentionPolicy"] == {"kind": "threadCreationDate", "deleteThreadAfterDays": 40}
    path = thread_path(thread["id"])

    patched = alice.raw("PATCH", path, api_version=v, json={"metadata": {"stage": "2", "project": None}},
                        headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 204
    assert alice.raw("GET", path, api_version=v).json()["metadata"] == {"stage": "2"}
    participants = alice.raw("GET", f"{path}/participants", api_version=v).json()["value"]
    assert {p["communicationIdentifier"]["rawId"]: p.get("metadata") for p in participants}[bob.id] == {"role": "guest"}

    bad = alice.raw("PATCH", path, api_version=v, json={"retentionPolicy": {"kind": "threadCreationDate"}},
                    headers={"Content-Type": "application/merge-patch+json"})
    assert bad.status_code == 400
    # Older versions neither show nor change them.
    assert "metadata" not in alice.raw("GET", path).json()


def test_message_metadata_exists_from_2021_09_07_and_is_kept_whatever_version_writes_or_reads_it(alice, thread_id):
    """The 2021-09-07 spec has message metadata on send, get, list and update; 2021-03-07 and preview3 have none,
    so they neither show it nor lose it."""
    path = thread_path(thread_id, "messages")
    merge = {"Content-Type": "application/merge-patch+json"}
    old = alice.raw("POST", path, api_version="2021-09-07", json={"content": "a", "metadata": {"k": "v"}}).json()["id"]
    new = alice.raw("POST", path, api_version="2024-03-07", json={"content": "b", "metadata": {"k": "v"}}).json()["id"]
    for version in ("2021-09-07", "2023-11-07", "2024-03-07", "2025-03-15"):
        assert alice.raw("GET", f"{path}/{old}", api_version=version).json()["metadata"] == {"k": "v"}, version
        assert alice.raw("GET", f"{path}/{new}", api_version=version).json()["metadata"] == {"k": "v"}, version
        listed = {m["id"]: m.get("metadata") for m in alice.raw("GET", path, api_version=version).json()["value"]}
        assert listed[old] == listed[new] == {"k": "v"}, version

    # An edit at 2021-09-07 merges into metadata written at a newer version.
    edited = alice.raw("PATCH", f"{path}/{new}", api_version="2021-09-07", json={"metadata": {"k": None, "x": "y"}},
                       headers=merge)
    assert edited.status_code == 204
    assert alice.raw("GET", f"{path}/{new}").json()["metadata"] == {"x": "y"}

    # Versions without metadata neither show it nor drop it when they edit the message.
    for version in ("2021-03-07", "2020-11-01-preview3"):
        assert "metadata" not in alice.raw("GET", f"{path}/{old}", api_version=version).json(), version
    assert alice.raw("PATCH", f"{path}/{old}", api_version="2021-03-07", json={"content": "a2", "metadata": {"k": "w"}},
                     headers=merge).status_code == 204
    assert alice.raw("GET", f"{path}/{old}", api_version="2021-09-07").json()["metadata"] == {"k": "v"}


def test_preview3_shapes_and_delete_route(alice, bob, member, thread_id):
    v = "2020-11-01-preview3"
    carol = member()
    added = alice.raw("POST", thread_path(thread_id, "participants/:add"), api_version=v,
                      json={"participants": [{"id": carol.id, "displayName": "Carol"}, {"id": "8:acs:nobody"}]})
    assert added.status_code == 201
    assert [e["target"] for e in added.json()["errors"]["invalidParticipants"]] == ["8:acs:nobody"]
    listed = alice.raw("GET", thread_path(thread_id, "participants"), api_version=v).json()["value"]
    assert {p["id"] for p in listed} == {alice.id, bob.id, carol.id}
    thread = alice.raw("GET", thread_path(thread_id), api_version=v).json()
    assert thread["createdBy"] == alice.id and "createdByCommunicationIdentifier" not in thread
    message = alice.raw("GET", thread_path(thread_id, "messages"), api_version=v).json()["value"][0]
    assert message["type"] == "participantAdded" and message["content"]["initiator"] == alice.id
    assert message["content"]["participants"][0]["id"] == carol.id

    route = thread_path(thread_id, f"participants/{quote(carol.id, safe='')}")
    assert alice.raw("DELETE", route, api_version=v).status_code == 204
    assert alice.raw("DELETE", route).status_code == 400  # that route is preview3's only (UnsupportedApiVersion)
    listed = alice.raw("GET", thread_path(thread_id, "participants"), api_version=v).json()["value"]
    assert {p["id"] for p in listed} == {alice.id, bob.id}


@pytest.mark.parametrize("message_id", ["99999999999999999999999", "9223372036854775808", "\u00b2", "12a"])
def test_a_message_id_no_message_can_have_is_404(alice, thread_id, message_id):
    for method in ("GET", "DELETE"):
        response = alice.raw(method, thread_path(thread_id, f"messages/{quote(message_id, safe='')}"))
        assert response.status_code == 404, (method, response.text())
        assert response.json()["error"]["code"] == "NotFound"
