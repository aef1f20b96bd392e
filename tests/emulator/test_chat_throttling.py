"""ACS rate limits (LIMITS.md) with the throttled emulator: 429, the spec's body and a short Retry-After."""

from urllib.parse import quote

import pytest
from azure.core.exceptions import HttpResponseError


@pytest.fixture
def alice(throttled_emulator, member):
    return member()


def test_typing_is_limited_per_user_per_thread(alice):
    thread_id = alice.client.create_chat_thread("Busy").chat_thread.id
    path = f"/chat/threads/{quote(thread_id, safe='')}/typing"
    # 5 per 10 s; a window may end mid-test, so allow one reset.
    statuses = [alice.raw("POST", path, json={}).status_code for _ in range(11)]
    assert 429 in statuses and statuses.count(200) <= 10

    response = alice.raw("POST", path, json={})
    assert response.status_code == 429
    assert response.json() == {"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}}
    assert 1 <= int(response.headers["Retry-After"]) <= 10

    with pytest.raises(HttpResponseError) as excinfo:
        alice.thread(thread_id).send_typing_notification(retry_total=0)
    assert excinfo.value.status_code == 429


def test_other_threads_are_not_affected(alice):
    busy, calm = (alice.client.create_chat_thread(t).chat_thread.id for t in ("Busy", "Calm"))
    path = f"/chat/threads/{quote(busy, safe='')}/typing"
    while alice.raw("POST", path, json={}).status_code != 429:
        pass
    alice.thread(calm).send_typing_notification(retry_total=0)


def test_throttling_off_in_the_plain_emulator(emulator, member):
    alice = member()
    chat = alice.thread(alice.client.create_chat_thread("Free").chat_thread.id)
    for _ in range(20):
        chat.send_typing_notification(retry_total=0)
