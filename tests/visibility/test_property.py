"""Hypothesis interleaves what can happen to a thread and checks every surface against ACS after every step.

Steps: site writes (send, edit, delete, add with all history or from now on, remove), writes by other ACS clients
(the SDK with a person's own token, or as the site's service identity), the Event Grid deliveries of what happened
(caught by a recording subscription and handed to the webhook late, reversed, twice, or an old one again), forged
deliveries (the five attacks of issue 19), cache flushes, and polls of the thread page and the list.

Invariants, for Ana, Bruno and Dora, asking ACS as that person with the SDK:
- after every step, no surface (thread page, its poll, the list row's preview, the unread count) shows a message
  ACS does not list for them (markers are mapped to message ids as ACS lists them to Ana, who sees the whole thread:
  an edit keeps its id, so stale text of a message they may open is not a leak);
- once everything has been delivered and each person has read once (a poll), the thread page shows exactly the
  live messages ACS shows them, and the list's preview shows nothing else (the newest one when it is ACS's newest).
"""

import json
import os
import re
import uuid

import pytest
from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier
from azure.core.exceptions import HttpResponseError
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chatsite.acs import clients
from chatsite.acs.identities import credentials, credentials_for, service_identity
from chatsite.chat.actors import Actor
from chatsite.chat.live import hints
from chatsite.chat.services import threads
from chatsite.emulator.events import subscriptions
from chatsite.emulator.events.models import EventDelivery
from chatsite.events import types
from tests.chat.conftest import HTMX, poller_url
from tests.events.support import SECRET, Recorder, wait_for
from tests.events.test_hints import attacks

MARK = re.compile(r"\bmk-\d+\b")
PEOPLE = ("ana", "bruno", "dora")
ATTACKS = ["preview ACS lacks, pinned", "rename", "+5 unread", "lock a member out", "chat vanishes from a list"]
WEBHOOK = f"/events/acs/?secret={SECRET}"

SEND = st.tuples(st.just("send"), st.sampled_from(PEOPLE))
STEP = st.one_of(
    SEND,
    SEND,  # writes weigh more than the rest: every other step needs messages to matter
    st.tuples(st.just("phone"), st.just("send"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("edit"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("delete"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("add"), st.sampled_from(["all", "now"])),
    st.just(("remove",)),
    st.tuples(st.just("phone"), st.sampled_from(["send", "edit", "delete", "add", "remove"]), st.sampled_from(PEOPLE)),
    st.tuples(st.just("service"), st.sampled_from(["send", "add", "remove"])),
    st.tuples(st.just("deliver"), st.sampled_from(["in order", "reversed", "twice", "late"])),
    st.tuples(st.just("forge"), st.sampled_from(ATTACKS)),
    st.just(("flush",)),
    st.tuples(st.just("poll"), st.sampled_from(PEOPLE)),
)


class World:
    """One example's thread, the people, what ACS told Ana of it, and the events not yet handed to the site."""

    def __init__(self, people, recorder, thread_id):
        self.people = people
        self.recorder = recorder
        self.thread_id = thread_id
        self.n = 0
        self.ids: dict[str, str] = {}  # marker -> message id, as ACS lists them to Ana
        self.delivered: list[dict] = []
        self.handed = 0  # how many of the thread's recorded events the site has been handed
        self.pages: dict[str, str] = {}  # person -> their open page's next poll URL

    def marker(self):
        self.n += 1
        return f"mk-{self.n}"

    # What ACS says.
    def acs(self, who):
        """(ids of every text message, {marker: id} of the live ones, the newest item) as ACS lists them to `who`."""
        try:
            token = credentials_for(self.people[who].user).token
            items = list(clients.thread_client(token, self.thread_id).list_messages(results_per_page=200))
        except HttpResponseError:
            return set(), {}, None
        text = [m for m in items if m.type.lower() == "text"]
        live = {m.content.message: m.id for m in text if not m.deleted_on and m.content and m.content.message}
        return {m.id for m in text}, live, items[0] if items else None

    def learn_ids(self):
        _, live, _ = self.acs("ana")
        self.ids.update(live)

    def own_live(self, who):
        """The id of `who`'s newest live message, as ACS lists it to Ana."""
        acs_id = credentials_for(self.people[who].user).acs_user_id
        token = credentials_for(self.people["ana"].user).token
        for m in clients.thread_client(token, self.thread_id).list_messages(results_per_page=200):
            if m.type.lower() == "text" and not m.deleted_on and m.sender and m.sender.raw_id == acs_id:
                return m.id
        return None

    # The events the emulator sent the recording subscription.
    def events(self):
        wait_for(lambda: not EventDelivery.objects.exists(), what="the emulator's deliveries")
        return [e for e in self.recorder.events() if (e.get("data") or {}).get("threadId") == self.thread_id]

    def hand(self, batch):
        if batch:
            response = Client().post(WEBHOOK, json.dumps(batch), content_type="application/json")
            assert response.status_code == 200, response.content
            self.delivered += batch
        wait_for(lambda: hints.idle(self.thread_id), what="the hints' reads")

    def deliver(self, how):
        recorded = self.events()
        pending, self.handed = recorded[self.handed :], len(recorded)
        if how == "late" and self.delivered:
            pending = [self.delivered[0], *pending]  # the oldest again, after everything since
        if how == "reversed":
            pending.reverse()
        self.hand(pending)
        if how == "twice":
            self.hand(pending)


def surfaces(world, who):
    """What each surface shows `who`: markers (and forged text) on the thread page, its poll, the list row."""
    person = world.people[who]
    page = person.get(reverse("chat:thread_detail", args=[world.thread_id])).content.decode()
    shown = {"page": page}
    if who in world.pages:
        path, _, query = world.pages[who].partition("?")
        answer = person.get(path + "?" + query, **HTMX)
        if answer.status_code == 200:
            shown["poll"] = answer.content.decode()
            world.pages[who] = poller_url(shown["poll"]) or world.pages[who]
    elif poller_url(page):
        world.pages[who] = poller_url(page)
    listing = person.get(reverse("chat:thread_list")).content.decode()
    row = re.search(
        rf'data-thread="{re.escape(world.thread_id)}"\s+data-unread="(\d+)"[^>]*data-preview="([^"]*)"', listing
    )
    preview, unread = (row.group(2), int(row.group(1))) if row else ("", 0)
    shown["preview"] = preview
    return shown, unread


def check_nothing_leaks(world):
    world.learn_ids()
    for who in PEOPLE:
        ids, _, _ = world.acs(who)
        shown, unread = surfaces(world, who)
        for surface, html in shown.items():
            assert "Forged" not in html, (who, surface)
            for mark in set(MARK.findall(html)):
                assert world.ids.get(mark) in ids, (who, surface, mark)
        assert unread <= len(ids), (who, unread)  # never counts more messages than they could open


def check_equal_after_a_read(world):
    world.deliver("in order")
    world.learn_ids()
    for who in PEOPLE:
        ids, live, newest = world.acs(who)
        surfaces(world, who)  # the read: their page, its poll and their list
        shown, unread = surfaces(world, who)
        assert set(MARK.findall(shown["page"])) == set(live), who
        assert set(MARK.findall(shown["preview"])) <= set(live), who
        if newest is not None and newest.type.lower() == "text" and newest.content and not newest.deleted_on:
            assert newest.content.message in shown["preview"], who
        # Bounded by every message ACS lists, deleted ones too: a message deleted after it arrived stays counted
        # (test_a_deleted_message_is_nobodys_unread_message below, xfail).
        assert unread <= len(ids), who


def step(world, action):
    kind, *args = action
    people, tid = world.people, world.thread_id
    if kind == "send":
        people[args[0]].post(reverse("chat:message_send", args=[tid]), {"content": world.marker()}, **HTMX)
    elif kind in ("edit", "delete"):
        message_id = world.own_live(args[0])
        if message_id:
            name = "chat:message_edit" if kind == "edit" else "chat:message_delete"
            data = {"content": world.marker()} if kind == "edit" else {}
            people[args[0]].post(reverse(name, args=[tid, message_id]), data, **HTMX)
    elif kind == "add":
        data = {"people": [people["dora"].user.pk], "history": args[0]}
        people["ana"].post(reverse("chat:participants_add", args=[tid]), data, **HTMX)
    elif kind == "remove":
        dora = credentials_for(people["dora"].user).acs_user_id
        people["ana"].post(reverse("chat:participant_remove", args=[tid]), {"participant": dora}, **HTMX)
    elif kind in ("phone", "service"):
        what, who = args[0], (args[1] if kind == "phone" else None)
        token = credentials_for(people[who].user).token if who else credentials(service_identity()).token
        outside(world, clients.thread_client(token, tid), what, who)
    elif kind == "deliver":
        world.deliver(args[0])
    elif kind == "forge":
        world.hand(attacks(tid, people["ana"], people["bruno"])[args[0]])
    elif kind == "flush":
        cache.clear()
    elif kind == "poll":
        surfaces(world, args[0])


def outside(world, client, what, who):
    """Another ACS client's write; ACS refuses what the identity may not do (that is fine: nothing happened)."""
    dora = CommunicationUserIdentifier(credentials_for(world.people["dora"].user).acs_user_id)
    try:
        if what == "send":
            client.send_message(world.marker(), sender_display_name="Elsewhere")
        elif what in ("edit", "delete") and (message_id := world.own_live(who)):
            if what == "edit":
                client.update_message(message_id, content=world.marker())
            else:
                client.delete_message(message_id)
        elif what == "add":
            client.add_participants([ChatParticipant(identifier=dora, display_name="Dora")])
        elif what == "remove":
            client.remove_participant(dora)
    except HttpResponseError:
        pass


@pytest.fixture
def recorder(emulator, settings):
    """The thread's events go to a recording subscription, not the site: the test hands them over when it likes."""
    settings.ACS_EVENTS = "eventgrid"
    settings.EVENTGRID_SECRET = SECRET
    settings.ACS_EMULATOR_EVENTS_TIME_SCALE = 0.01
    hook = Recorder()
    subscriptions.create(name="recorder", endpoint=hook.url, event_types=list(types.SUBSCRIBED))
    yield hook
    hook.stop()


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    # CI draws the same examples every run (a red CI names a change, not a draw); elsewhere each run explores anew.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The stories of issue 19 always run, whatever else Hypothesis draws: removed by the site, then a message; removed
# by another client with the events reversed; added "from now on" after a flush; removed by the service identity
# with the events twice and late; forged removal and pinned preview.
@example(dora_added="all", steps=[("remove",), ("send", "ana")])
# Found by a draw: another client's edit within the second of the site's send must reach the preview.
@example(dora_added="all", steps=[("send", "bruno"), ("phone", "edit", "bruno"), ("deliver", "twice")])
@example(
    dora_added="all", steps=[("phone", "remove", "ana"), ("send", "bruno"), ("deliver", "reversed"), ("poll", "ana")]
)
@example(dora_added=None, steps=[("send", "bruno"), ("flush",), ("add", "now"), ("send", "ana"), ("poll", "dora")])
@example(dora_added="all", steps=[("service", "remove"), ("deliver", "twice"), ("send", "ana"), ("deliver", "late")])
@example(dora_added="now", steps=[("forge", "lock a member out"), ("forge", "preview ACS lacks, pinned"), ("flush",)])
@given(dora_added=st.sampled_from([None, "all", "now"]), steps=st.lists(STEP, min_size=1, max_size=8))
def test_no_surface_ever_shows_more_than_acs_and_one_read_shows_what_acs_shows(
    dora_added, steps, recorder, ana, bruno, make_person
):
    people = {"ana": ana, "bruno": bruno, "dora": dora_for(make_person)}
    thread = threads.thread_create(
        actor=Actor.person(ana.user), topic="Lunch", participants=[bruno.user], idempotency_token=str(uuid.uuid4())
    )
    world = World(people, recorder, thread.acs_thread_id)
    step(world, ("send", "ana"))  # before Dora's window
    if dora_added:
        step(world, ("add", dora_added))
    world.deliver("in order")
    world.learn_ids()  # before any edit: a stale text of an edited message maps to its id
    for action in steps:
        step(world, action)
        check_nothing_leaks(world)
    check_equal_after_a_read(world)


def dora_for(make_person):
    """Dora is made once for the whole run (the fixtures are shared by every example)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="dora").first()
    if user is None:
        return make_person("dora", "Dora")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_a_deleted_message_is_nobodys_unread_message(ana, bruno, thread_id):
    """Found by the property above (steps: Ana sends, Ana deletes it; then Bruno's list)."""
    ana.post(reverse("chat:message_send", args=[thread_id]), {"content": "mk-1"}, **HTMX)
    sent = next(iter(clients.thread_client(credentials_for(ana.user).token, thread_id).list_messages()))  # newest
    assert sent.content.message == "mk-1"
    ana.post(reverse("chat:message_delete", args=[thread_id, sent.id]), **HTMX)
    listing = bruno.get(reverse("chat:thread_list")).content.decode()
    unread = re.search(rf'data-thread="{re.escape(thread_id)}"\s+data-unread="(\d+)"', listing).group(1)
    assert unread == "0"
