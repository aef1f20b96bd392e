"""Whatever a page, a tampered form or a hand-typed URL sends, the site answers without a server error, and the
chat is still there afterwards.

Hypothesis puts random values (any unicode, control characters, huge strings, empty, HTML and script, numbers,
negative numbers, dates) into every form field and URL parameter, as Ana (in the chat) and as Carla (never in
it). Every answer must be below 500 (the emulator runs without throttling or delays: a 502/503 here would be a
mapping of ACS trouble that did not happen). After each property the chat still opens for its members with the
messages ACS has.
"""

import re
import uuid
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chatsite.acs.identities import identity_for
from chatsite.acs.service import known_id
from chatsite.chat.actors import Actor
from chatsite.chat.live.cache import MARKER
from chatsite.chat.selectors.messages import MESSAGES_PER_PAGE
from chatsite.chat.services import accounts, threads

from .conftest import HTMX, PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")

FUZZ = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

NASTY = [
    "",
    " ",
    "\x00",
    "\r\n\t",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00%2F%3F",
    "null",
    "NaN",
    "-1",
    "0",
    "-0",
    "1e309",
    "9" * 40,
    "-" + "9" * 40,
    "2024-02-30",
    "0001-01-01",
    "9999-12-31",
    "１２３",  # noqa: RUF001 - full-width digits: int() reads them
    "😀" * 3,
    "\u202e\u200b",
]
# Huge: around ACS's 28 KB message limit, counted in bytes (multi-byte characters count more).
HUGE = st.builds(lambda n, c: c * n, st.integers(7_000, 40_000), st.sampled_from(["a", "é", "😀", "<b>"]))
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=30),  # control characters
    st.sampled_from(NASTY),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
    HUGE,
)
PARAM = st.one_of(st.none(), TEXT)  # a query parameter: absent or anything
WHO = st.sampled_from(["ana", "carla"])  # in the chat, never in it


@pytest.fixture(scope="module")
def db(django_db_setup, django_db_blocker):
    """The database for the whole module, flushed at its end (as in test_authorization.py: named `db` so that
    pytest-django sets up the test database; Hypothesis runs many examples against one world)."""
    with django_db_blocker.unblock():
        yield
        cache.clear()
        call_command("flush", interactive=False, verbosity=0)


class World:
    def __init__(self):
        self.clients = {}
        for name in ("ana", "bruno", "carla", "dora"):
            user = accounts.account_create(username=name, password=PASSWORD, display_name=name.title())
            self.clients[name] = Client()
            self.clients[name].force_login(user)
            self.clients[name].user = user
        ana, bruno = self.clients["ana"], self.clients["bruno"]
        self.thread_id = threads.thread_create(
            actor=Actor.person(ana.user),
            topic="Lunch",
            participants=[bruno.user],
            idempotency_token=str(uuid.uuid4()),
        ).acs_thread_id
        for client, text in ((ana, "hello from ana"), (bruno, "hi from bruno")):
            response = client.post(reverse("chat:message_send", args=[self.thread_id]), {"content": text}, **HTMX)
            assert response.status_code == 200
        self.message_id = self.acs_messages()[-1].id  # Bruno's
        self.ana_message_id = self.acs_messages()[-2].id

    def acs_messages(self):
        """The latest page as ACS has it (read by the service identity), chat messages only, oldest first."""
        page = Actor.service().acs.messages_page(self.thread_id, page_size=MESSAGES_PER_PAGE)
        return sorted((m for m in page.items if m.type in ("text", "html")), key=lambda m: m.sequence_id)

    def acs_id(self, name):
        return identity_for(self.clients[name].user).acs_user_id

    def pk(self, name):
        return self.clients[name].user.pk

    def check(self, response):
        assert response.status_code < 500, (response.status_code, response.content[:1000])
        return response

    def assert_chat_intact(self):
        """Both members open the chat and see every message ACS has on its latest page, none missing."""
        expected = {m.id for m in self.acs_messages() if m.deleted_on is None}
        assert expected
        for name in ("ana", "bruno"):
            response = self.clients[name].get(reverse("chat:thread_detail", args=[self.thread_id]))
            assert response.status_code == 200
            shown = set(re.findall(r'id="m-(\d+)"', response.content.decode()))
            assert expected <= shown, (name, expected - shown)


@pytest.fixture(scope="module")
def world(db, acs_emulator):
    with override_settings(
        ACS_CONNECTION_STRING=acs_emulator.connection_string,
        ACS_CA_CERT=str(acs_emulator.ca_cert),
        ACS_EMULATOR_THROTTLING=False,
    ):
        cache.clear()
        world = World()
        yield world
        world.assert_chat_intact()
        cache.clear()


def url(name, world, *args):
    return typed(name, world.thread_id, *args)


def typed(name, thread_id, message_id=None):
    """The URL as someone would type it, with any thread and message id in it (reverse() takes only valid ones)."""
    path = reverse(f"chat:{name}", args=["19:T@thread.v2", *(["1"] if message_id is not None else [])])
    path = path.replace("19:T@thread.v2", quote(thread_id, safe=""), 1)
    return path if message_id is None else path.replace("/1/", f"/{quote(message_id, safe='')}/", 1)


def form(**fields):
    """Form data as a browser posts it: absent fields left out."""
    return {name: value for name, value in fields.items() if value is not None}


def test_new_chat_and_people_search(world):
    people = st.lists(st.one_of(TEXT, st.sampled_from(["bruno", "carla", "dora"]).map(world.pk).map(str)), max_size=4)

    @FUZZ
    @given(who=WHO, q=PARAM, topic=PARAM, participants=people, token=st.one_of(PARAM, st.uuids().map(str)))
    # Found by this test: a search over SQLite's 50 KB LIKE limit; ids beyond the id column's range.
    @example(who="ana", q="😀" * 12_500, topic=None, participants=[], token=None)
    @example(who="ana", q="\x00", topic="x", participants=[str(2**63), str(-(2**63) - 1)], token=str(uuid.uuid4()))
    def prop(who, q, topic, participants, token):
        client = world.clients[who]
        world.check(client.get(reverse("chat:thread_create"), form(q=q)))
        world.check(client.get(reverse("chat:thread_create"), form(q=q), **HTMX))
        data = form(topic=topic, participants=participants, idempotency_token=token)
        world.check(client.post(reverse("chat:thread_create"), data, **HTMX))

    prop()
    world.assert_chat_intact()


def test_topic(world):
    @FUZZ
    @given(who=WHO, topic=PARAM, htmx=st.booleans())
    def prop(who, topic, htmx):
        world.check(world.clients[who].post(url("topic_edit", world), form(topic=topic), **(HTMX if htmx else {})))

    prop()
    world.assert_chat_intact()


def test_message_send(world):
    @FUZZ
    @given(who=WHO, content=PARAM, client_id=st.one_of(PARAM, st.uuids().map(str)), htmx=st.booleans())
    def prop(who, content, client_id, htmx):
        data = form(content=content, client_id=client_id)
        world.check(world.clients[who].post(url("message_send", world), data, **(HTMX if htmx else {})))

    prop()
    world.assert_chat_intact()


def test_message_edit(world):
    ids = st.one_of(TEXT, st.sampled_from([world.ana_message_id, world.message_id]))

    @FUZZ
    @given(who=WHO, message_id=ids, content=PARAM)
    def prop(who, message_id, content):
        client = world.clients[who]
        world.check(client.get(url("message_edit", world, message_id), **HTMX))
        world.check(client.post(url("message_edit", world, message_id), form(content=content), **HTMX))

    prop()
    world.assert_chat_intact()


def test_add_people(world):
    people = st.lists(st.one_of(TEXT, st.sampled_from(["ana", "bruno", "carla", "dora"]).map(world.pk).map(str)))

    @FUZZ
    @given(
        who=WHO,
        people=people.filter(lambda p: len(p) < 5),
        history=st.one_of(PARAM, st.sampled_from(["all", "now", "date"])),
        day=st.one_of(PARAM, st.dates().map(str)),
    )
    # The edges of what a date field takes and of Unix time, and the furthest future.
    @example(who="ana", people=[str(world.pk("dora"))], history="date", day="0001-01-01")
    @example(who="ana", people=[str(world.pk("dora"))], history="date", day="0999-12-31")
    @example(who="ana", people=[str(world.pk("dora"))], history="date", day="1969-12-31")
    @example(who="ana", people=[str(world.pk("dora"))], history="date", day="9999-12-31")
    @example(who="ana", people=[str(2**63)], history="all", day=None)  # found by this test: beyond the id column
    def prop(who, people, history, day):
        client = world.clients[who]
        data = form(people=people, history=history, history_date=day)
        world.check(client.get(url("participants_add", world), **HTMX))
        world.check(client.post(url("participants_add", world), data, **HTMX))

    prop()
    world.assert_chat_intact()


def test_remove_someone(world):
    # Never Bruno: a member removing a member is allowed, and the chat is checked for both of them afterwards.
    someone = st.one_of(PARAM, st.sampled_from(["ana", "carla", "dora"]).map(world.acs_id), st.just(known_id() or ""))

    @FUZZ
    @given(who=WHO, participant=someone, htmx=st.booleans())
    def prop(who, participant, htmx):
        data = form(participant=participant)
        world.check(world.clients[who].post(url("participant_remove", world), data, **(HTMX if htmx else {})))

    prop()
    world.assert_chat_intact()


def test_polls(world):
    """The page's poll (marker, seq, day, own, v, r, t, o), typing, reading, and the list's poll (v)."""

    @FUZZ
    @given(
        who=WHO,
        marker=st.one_of(PARAM, st.integers().map(str)),
        seq=st.one_of(PARAM, st.integers().map(str)),
        day=st.one_of(PARAM, st.dates().map(str)),
        read=st.one_of(PARAM, st.integers(min_value=-1).map(str), st.just(world.message_id)),
        own=st.one_of(PARAM, st.integers().map(str), st.just(world.ana_message_id)),
        v=st.one_of(PARAM, st.integers().map(str)),
        stopped=PARAM,
    )
    def prop(who, marker, seq, day, read, own, v, stopped):
        client = world.clients[who]
        world.check(client.get(url("thread_poll", world), form(marker=marker, seq=seq, day=day), **HTMX))
        current = str(MARKER.current(world.thread_id))
        versions = form(own=own, v=v, r=v, t=v, o=own)
        world.check(client.get(url("thread_poll", world), {"marker": current, **versions}, **HTMX))
        world.check(client.post(url("typing", world), form(stopped=stopped), **HTMX))
        world.check(client.post(url("thread_read", world), form(message=read)))
        world.check(client.get(reverse("chat:thread_list_poll"), form(v=v), **HTMX))

    prop()
    world.assert_chat_intact()


# What no page sends: a number below 0 or beyond 64 bits, or no number at all (letters, punctuation, symbols; the
# usual spellings of numbers that are not whole ones).
NOT_A_NUMBER = st.one_of(
    st.text(alphabet=st.characters(categories=("L", "P", "S"), exclude_characters="\x00"), min_size=1, max_size=30),
    st.sampled_from(["1e309", "NaN", "inf", "0x10", "1.5", "-0.5", "12abc", "<script>", "9" * 40 + "x"]),
)
NEGATIVE = st.integers(max_value=-1).map(str)
HUGE_NUMBER = st.integers(min_value=2**63).map(str)
BAD_NUMBER = st.one_of(NEGATIVE, HUGE_NUMBER, NOT_A_NUMBER)
BAD_DAY = st.one_of(
    NOT_A_NUMBER,
    st.dates(max_value=date(1969, 12, 31)).map(str),
    st.dates(min_value=date.today() + timedelta(days=3)).map(str),
    st.sampled_from(["2024-02-30", "2024-13-01", "2024-1-1x", "20240101", "-2024-01-01"]),
)
BAD_POLL = st.one_of(
    st.tuples(st.sampled_from(["marker", "seq", "v", "t", "o", "own"]), BAD_NUMBER),
    st.tuples(st.just("day"), BAD_DAY),
    # r is a receipts listing ("<version>.<ms>"), or "-" where receipts are not shown.
    st.tuples(
        st.just("r"),
        st.one_of(BAD_NUMBER, st.sampled_from(["5", "5.", "1.2.3"])).filter(
            lambda v: not re.fullmatch(r"-|[0-9]{1,19}\.[0-9]{1,19}", v)
        ),
    ),
)


def test_a_bad_value_for_any_poll_parameter_is_a_bad_request(world):
    """Every parameter of the page's poll, huge, negative or not a number (or not a day): 400, never 500, and never
    an answer as if it were fine; the same for the list's poll and the read POST."""
    client = world.clients["ana"]

    @FUZZ
    @given(bad=BAD_POLL, list_marker=BAD_NUMBER, message=BAD_NUMBER)
    @example(bad=("seq", "-1"), list_marker="-1", message="9" * 20)  # found by hand: a 500 in the read marking
    @example(bad=("marker", str(2**63)), list_marker="1e309", message="-1")
    @example(bad=("day", "0001-01-01"), list_marker="abc", message="abc")
    def prop(bad, list_marker, message):
        name, value = bad
        params = {"marker": str(MARKER.current(world.thread_id)), "seq": "1", "v": "1", name: value}
        assert client.get(url("thread_poll", world), params, **HTMX).status_code == 400, params
        assert client.get(reverse("chat:thread_list_poll"), {"v": list_marker}, **HTMX).status_code == 400
        assert client.post(url("thread_read", world), {"message": message}).status_code == 400

    prop()
    world.assert_chat_intact()


def test_what_pages_send_by_themselves_is_bounded(world):
    """Continuation links, the day above the first message shown, the people search and the hidden fields of
    typing and removal: a value no page sends is a 400 (a long link is never handed to ACS or the signer)."""
    client = world.clients["ana"]
    long_link = "a" * 2001
    bad = [
        (client.get, url("thread_detail", world), {"older": long_link}, HTMX),
        (client.get, url("thread_detail", world), {"older": "x", "before_day": "2024-02-30"}, HTMX),
        (client.get, url("thread_detail", world), {"before_day": "0001-01-01"}, {}),
        (client.get, reverse("chat:thread_list"), {"page": long_link}, {}),
        (client.get, reverse("chat:thread_list"), {"page": "\x00"}, HTMX),
        (client.get, reverse("chat:thread_create"), {"q": "a" * 1001}, {}),
        (client.post, url("typing", world), {"stopped": "yes"}, HTMX),
        (client.post, url("participant_remove", world), {"participant": ""}, HTMX),
        (client.post, url("participant_remove", world), {"participant": "8:acs:" + "x" * 300}, {}),
    ]
    for method, path, params, headers in bad:
        assert method(path, params, **headers).status_code == 400, (path, params)
    assert client.post(url("typing", world), {"stopped": "1"}, **HTMX).status_code == 204

    # How a 400 reads: the banner and nothing swapped for htmx (the list's poll swaps nothing either), the
    # site's 400 page for a full page.
    poll = client.get(url("thread_poll", world), {"marker": "-1"}, **HTMX)
    assert poll["HX-Reswap"] == "none" and "<html" not in poll.content.decode()
    assert "This page sent something the site does not understand. Reload it to go on." in poll.content.decode()
    assert client.get(reverse("chat:thread_list_poll"), {"v": "x"}, **HTMX)["HX-Reswap"] == "none"
    page = client.get(reverse("chat:thread_list"), {"page": long_link}).content.decode()
    assert "This link or form is not one the site made" in page and "Back to your chats" in page


def test_paging(world):
    """Older messages (older, before_day) and the thread list's pages (page)."""

    @FUZZ
    @given(who=WHO, older=PARAM, before_day=PARAM, page=PARAM, htmx=st.booleans())
    def prop(who, older, before_day, page, htmx):
        client = world.clients[who]
        headers = HTMX if htmx else {}
        world.check(client.get(url("thread_detail", world), form(older=older, before_day=before_day), **headers))
        world.check(client.get(reverse("chat:thread_list"), form(page=page), **headers))

    prop()
    world.assert_chat_intact()


def test_ids_in_the_path(world):
    """Any thread or message id typed into a URL, on every page that takes one."""
    ids = TEXT
    thread_ids = st.one_of(ids, st.just(world.thread_id), st.just(world.thread_id.upper()))
    message_ids = st.one_of(ids, st.just(world.message_id))

    @FUZZ
    @given(who=WHO, thread_id=thread_ids, message_id=message_ids)
    @example(who="ana", thread_id="😀" * 7000, message_id="1")  # found by this test: too long to send to ACS
    @example(who="carla", thread_id=world.thread_id + "x" * 300, message_id="9" * 25)
    def prop(who, thread_id, message_id):
        client = world.clients[who]
        for name in ("thread_detail", "topic", "participants"):
            world.check(client.get(typed(name, thread_id), **HTMX))
        world.check(client.get(typed("thread_poll", thread_id), {"marker": 0}, **HTMX))
        world.check(client.get(typed("message_detail", thread_id, message_id), **HTMX))
        if thread_id != world.thread_id:  # anything else is not a chat anyone may change
            world.check(client.post(typed("message_delete", thread_id, message_id), **HTMX))
            world.check(client.post(typed("thread_leave", thread_id), **HTMX))

    prop()
    world.assert_chat_intact()
