"""Hypothesis puts huge, negative, overlong, nested and mistyped values into every field of every kind of chat event
(both schemas) and delivers it, with the secret, for a thread the site hosts (in the emulator), so the chat side's
reactions run on whatever is let through, on SQLite and on PostgreSQL.

- Whatever the value, the answer is 200 or 400, never a 5xx (Event Grid would retry it for a day), and every
  event the webhook hands on holds ids, numbers and times within what ACS makes and the columns hold.
- In an id, a message id, a version or a time, any such value is refused with 400 and nothing is handled.
  (Text — a message, a name, a topic — may be long: it is cut where it is shown, not refused.)
"""

import json
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatsite.acs.models import AcsIdentity

from .support import SECRET

URL = f"/events/acs/?secret={SECRET}"
PREFIX = "Microsoft.Communication."
PROPERTY = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
WHEN = "2024-05-01T10:00:00.1234567Z"


class Deep:
    """JSON nested `levels` deep, written into the body as text (json.dumps would recurse that deep)."""

    def __init__(self, levels: int):
        self.levels = levels

    def __repr__(self):
        return f"Deep({self.levels})"


def ident(raw_id: str) -> dict:
    return {"rawId": raw_id, "communicationUser": {"id": raw_id}}


def chat_events(thread_id: str, ana: str, bruno: str) -> list[dict]:
    """One event of every kind the site reads, with every field its spec definition has (EVENT_GRID.md §2)."""
    message = {
        "threadId": thread_id,
        "transactionId": "aBcDeFgHiJkLmNoPqRsTuV.1.1.1.1.123456789.1",
        "messageId": "1714557600100",
        "senderCommunicationIdentifier": ident(ana),
        "senderDisplayName": "Ana",
        "composeTime": WHEN,
        "type": "Text",
        "version": "1714557600100",
        "messageBody": "Hello",
        "metadata": {"k": "v"},
    }
    participant = {"displayName": "Bruno", "participantCommunicationIdentifier": ident(bruno), "metadata": {}}
    thread = {"threadId": thread_id, "transactionId": "t", "createTime": WHEN, "version": 1714557600100}
    kinds = {
        "ChatMessageReceivedInThread": message,
        "ChatMessageReceived": {**message, "recipientCommunicationIdentifier": ident(bruno)},
        "ChatMessageEditedInThread": {**message, "editTime": WHEN},
        "ChatMessageDeletedInThread": {**message, "deleteTime": WHEN},
        "ChatThreadCreated": {
            **thread,
            "createdByCommunicationIdentifier": ident(ana),
            "properties": {"topic": "Lunch"},
            "metadata": {},
            "participants": [participant],
        },
        "ChatThreadPropertiesUpdated": {
            **thread,
            "editedByCommunicationIdentifier": ident(ana),
            "editTime": WHEN,
            "properties": {"topic": "Dinner"},
            "metadata": {"k": "v"},
        },
        "ChatThreadParticipantAdded": {
            **thread,
            "time": WHEN,
            "addedByCommunicationIdentifier": ident(ana),
            "participantAdded": participant,
        },
        "ChatThreadParticipantRemoved": {
            **thread,
            "time": WHEN,
            "removedByCommunicationIdentifier": ident(ana),
            "participantRemoved": participant,
        },
        "ChatThreadDeleted": {**thread, "deletedByCommunicationIdentifier": ident(ana), "deleteTime": WHEN},
    }
    grid = [
        {
            "id": "id",
            "topic": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
            "subject": f"thread/{thread_id}/sender/{ana}",
            "eventType": PREFIX + kind,
            "eventTime": WHEN,
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": data,
        }
        for kind, data in kinds.items()
    ]
    cloud = [
        {
            "specversion": "1.0",
            "id": "id",
            "source": event["topic"],
            "subject": event["subject"],
            "type": event["eventType"],
            "time": "2024-05-01T02:00:00-08:00",
            "data": event["data"],
        }
        for event in grid
    ]
    return grid + cloud


def paths(value, prefix=()) -> list[tuple]:
    """Every field of a JSON value, containers included, as key paths."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


# What may end in a key, a column or arithmetic: refused whatever the event when it is not what ACS makes.
STRICT = {
    "id": "event id",
    "threadId": "thread id",
    "rawId": "raw id",
    "messageId": "message id",
    "version": "number",
    **dict.fromkeys(("eventTime", "time", "composeTime", "editTime", "deleteTime", "createTime"), "time"),
}
STRICT_PARENTS = {"communicationUser": {"id": "raw id"}}


def strict_kind(path: tuple) -> str | None:
    if len(path) >= 2 and path[-2] in STRICT_PARENTS:
        return STRICT_PARENTS[path[-2]].get(path[-1])
    return STRICT.get(path[-1]) if isinstance(path[-1], str) else None


HUGE = st.sampled_from([2**63, 10**30, 2**64 + 1, -1, -(2**63) - 1, -(10**30)]) | st.integers()
NESTED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
).filter(lambda v: isinstance(v, list | dict)) | st.sampled_from([Deep(70), Deep(1000), Deep(100_000)])
# Of another type than any id, number or time.
WRONG_TYPE = st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | NESTED
NOT_DECIMAL = ["-1", "1.5", "１２", "²", " 12", "12 ", "0x1F", "1e3"]  # noqa: RUF001 - full-width digits
BAD = {
    "event id": WRONG_TYPE | HUGE | st.sampled_from(["e" * 65, "x" * 5000, "has space", "é", "", "tab\there"]),
    "thread id": WRONG_TYPE
    | HUGE
    | st.sampled_from(["19:" + "t" * 300 + "@thread.v2", "t" * 5000, "19:has space@thread.v2", "19:abc", "", "²"]),
    "raw id": WRONG_TYPE | HUGE | st.sampled_from(["8:acs:" + "a" * 300, "8:acs:has space", "acs:x", "８:acs:x"]),
    "message id": WRONG_TYPE | HUGE | st.sampled_from(["9" * 40, "1" * 20, str(2**63), *NOT_DECIMAL]),
    "number": WRONG_TYPE
    | HUGE.filter(lambda n: not 0 <= n < 2**63)
    | st.sampled_from(["9" * 40, str(2**63), "", "abc", *NOT_DECIMAL]),
    "time": WRONG_TYPE
    | HUGE
    | st.sampled_from(
        [
            "0001-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "1999-12-31T23:59:59Z",
            "2100-01-01T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "yesterday",
        ]
    ),
}
ANYTHING = st.one_of(*BAD.values(), st.none(), st.text(max_size=50), st.sampled_from(["", "0", "x" * 5000]))


@pytest.fixture
def hosted(settings, ana, bruno, thread_id):
    settings.EVENTGRID_SECRET = SECRET
    ids = dict(AcsIdentity.objects.filter(user__in=[ana.user, bruno.user]).values_list("user__username", "acs_user_id"))
    return chat_events(thread_id, ids["ana"], ids["bruno"])


def deliver(client, base: dict, path: tuple, value) -> int:
    event = json.loads(json.dumps(base))
    event["id"] = str(uuid.uuid4())  # a new event each time, unless the id itself is what is replaced
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    marker = f"@@deep-{uuid.uuid4()}@@"
    holder[path[-1]] = marker if isinstance(value, Deep) else value
    body = json.dumps([event])
    if isinstance(value, Deep):
        body = body.replace(json.dumps(marker), "[" * value.levels + "]" * value.levels)
    return client.post(URL, body, content_type="application/json").status_code


def assert_within_bounds(event) -> None:
    """What the columns, keys and arithmetic downstream can take: ReceivedEvent.event_id holds 64, ACS ids 255."""
    assert isinstance(event.id, str) and 0 < len(event.id) <= 64 and event.id.isprintable()
    for raw_id in [event.thread_id, event.sender, event.recipient, *(p.acs_user_id for p in event.participants)]:
        assert isinstance(raw_id, str) and len(raw_id) <= 255 and raw_id.isascii() and " " not in raw_id
    assert event.message_id == "" or event.message_id.isdecimal() and event.message_id.isascii()
    assert event.message_id == "" or 0 <= int(event.message_id) < 2**63
    assert event.version is None or type(event.version) is int and 0 <= event.version < 2**63
    assert event.time is None or datetime(2000, 1, 1, tzinfo=UTC) <= event.time < datetime(2100, 1, 1, tzinfo=UTC)
    assert all(
        isinstance(v, str) for v in [event.sender_name, event.body, event.message_type, *event.metadata.values()]
    )
    assert event.topic is None or isinstance(event.topic, str)


def test_any_value_in_any_field_is_answered_200_or_400_and_what_passes_is_within_bounds(hosted, handled):
    client = Client(raise_request_exception=False)
    cases = [(base, path) for base in hosted for path in paths(base)]
    answers = Counter()

    @PROPERTY
    @given(case=st.sampled_from(cases), value=ANYTHING)
    def delivered(case, value):
        base, path = case
        handled.clear()
        status = deliver(client, base, path, value)
        assert status in (200, 400), (path, value, status)
        answers[status, bool(handled)] += 1
        for event in handled:
            assert_within_bounds(event)

    delivered()
    assert len(cases) > 150  # every field of 18 kinds of event
    assert answers[200, True] and answers[400, False]  # both taken and refused, never one without the other


def test_a_bad_id_number_or_time_anywhere_is_refused_with_400_and_nothing_is_handled(hosted, handled):
    client = Client(raise_request_exception=False)
    cases = [(base, path) for base in hosted for path in paths(base) if strict_kind(path)]

    @PROPERTY
    @given(case=st.sampled_from(cases), data=st.data())
    def refused(case, data):
        base, path = case
        value = data.draw(BAD[strict_kind(path)], label="value")
        handled.clear()
        assert deliver(client, base, path, value) == 400, (path, value)
        assert handled == []

    refused()
    # The same events untouched are taken, each handled: the refusals are the values' doing.
    for base in hosted:
        handled.clear()
        assert deliver(client, base, ("subject",), base["subject"]) == 200
        assert len(handled) == 1
