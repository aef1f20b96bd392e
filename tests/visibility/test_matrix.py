"""Every surface × every membership state: each shows Dora exactly the marker messages ACS shows her.

The expected answer is what the SDK returns when called as Dora (a token for her ACS id from the identity SDK),
less what a moderator hid on the site. Markers are sent before and after each state's boundary; one run per
state, once more with the cache flushed right after the boundary (losing the cache never widens what she sees).
Poll mode (ACS_EVENTS=poll): a removal by another ACS client reaches the site through an open page's read.
"""

import dataclasses
import re
import time
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from azure.communication.chat import CommunicationUserIdentifier
from azure.core.exceptions import HttpResponseError
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.chat.live import keys, polling
from chatsite.chat.selectors import messages as message_selectors
from chatsite.chat.services import record
from tests.chat.conftest import HTMX, Page

MARK = re.compile(r"\bmk-[a-z0-9-]+\b")
STATES = [
    "never",
    "all-history",
    "from-now-on",
    "from-a-date",
    "removed-by-site",
    "removed-by-other-client",
    "left",
    "removed-and-added-again",
    "thread-deleted",
    "hidden-by-moderator",
]


@dataclasses.dataclass
class Story:
    """What happened: every marker sent (in order), and those sent while the site had Dora in the thread."""

    sent: list = dataclasses.field(default_factory=list)
    while_member: set = dataclasses.field(default_factory=set)
    hidden: set = dataclasses.field(default_factory=set)


def marks(html: str) -> set[str]:
    return set(MARK.findall(html))


def acs_shows(person, thread_id) -> set[str]:
    """The markers ACS lists when asked as `person` (nothing when it refuses them)."""
    try:
        items = clients.thread_client(credentials_for(person.user).token, thread_id).list_messages(results_per_page=200)
        return {m.content.message for m in items if m.type.lower() == "text" and m.content and m.content.message}
    except HttpResponseError:
        return set()


def add(by, person, thread_id, history="all", **extra):
    data = {"people": [person.user.pk], "history": history, **extra}
    assert by.post(reverse("chat:participants_add", args=[thread_id]), data, **HTMX).status_code == 200


def say(story, by, thread_id, text, *, dora_in):
    assert by.post(reverse("chat:message_send", args=[thread_id]), {"content": text}, **HTMX).status_code in (200, 204)
    story.sent.append(text)
    if dora_in:
        story.while_member.add(text)
    time.sleep(0.003)  # ACS ids are epoch ms: a boundary never shares one with a marker


def list_row(person, thread_id) -> tuple[str | None, int, str]:
    """The row of the thread in the person's list: its preview (the notification's text), unread, and the title."""
    html = person.get(reverse("chat:thread_list")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    row = re.search(rf'data-thread="{re.escape(thread_id)}"\s+data-unread="(\d+)"[^>]*data-preview="([^"]*)"', html)
    if row is None:
        return None, 0, title
    return row.group(2), int(row.group(1)), title


def list_poll_row(person, thread_id) -> tuple[str | None, int]:
    html = person.get(reverse("chat:thread_list_poll"), {"v": "0"}, **HTMX).content.decode()
    row = re.search(rf'data-thread="{re.escape(thread_id)}"\s+data-unread="(\d+)"[^>]*data-preview="([^"]*)"', html)
    return (row.group(2), int(row.group(1))) if row else (None, 0)


def page_and_older(person, thread_id) -> set[str]:
    """The thread page and every older page its "Load older messages" button reaches."""
    html = person.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    seen = marks(html)
    for _ in range(20):
        link = re.search(r'hx-get="([^"]*\?older=[^"]+)"', html)
        if not link:
            break
        path, _, query = link.group(1).replace("&amp;", "&").partition("?")
        html = person.get(path, dict(parse_qsl(query)), **HTMX).content.decode()
        seen |= marks(html)
    return seen


def background_read_due(thread_id):
    synced = cache.get(keys.synced(thread_id))
    if synced is not None:
        earlier = synced.at - polling.BACKGROUND_INTERVAL - timedelta(seconds=1)
        cache.set(keys.synced(thread_id), dataclasses.replace(synced, at=earlier), None)


def ids_by_marker(person, thread_id) -> dict[str, str]:
    items = clients.thread_client(credentials_for(person.user).token, thread_id).list_messages(results_per_page=200)
    return {m.content.message: m.id for m in items if m.type.lower() == "text" and m.content}


@pytest.mark.parametrize("flush", [False, True], ids=["cached", "cache-flushed"])
@pytest.mark.parametrize("state", STATES)
def test_every_surface_shows_dora_what_acs_shows_her(state, flush, ana, bruno, make_person, thread_id, settings):
    settings.ACS_EVENTS = "poll"
    # Small pages: "Load older messages" is a surface of its own.
    message_selectors.MESSAGES_PER_PAGE, per_page = 3, message_selectors.MESSAGES_PER_PAGE
    try:
        _run(state, flush, ana, bruno, make_person("dora", "Dora"), thread_id)
    finally:
        message_selectors.MESSAGES_PER_PAGE = per_page


def _run(state, flush, ana, bruno, dora, thread_id):
    story = Story()
    member = state not in ("never",)
    for n in (1, 2):
        say(story, ana, thread_id, f"mk-before-{n}", dora_in=False)
    if state == "from-a-date":
        add(ana, dora, thread_id, "date", history_date=timezone.localdate().isoformat())
    elif state == "from-now-on":
        add(ana, dora, thread_id, "now")
    elif member:
        add(ana, dora, thread_id)
    bruno_page = Page(bruno, thread_id)
    dora_page = Page(dora, thread_id) if member else None
    if member:
        say(story, bruno, thread_id, "mk-while-in", dora_in=True)
    dora_acs = identity_for(dora.user).acs_user_id
    still_in = member
    if state == "removed-by-site":
        ana.post(reverse("chat:participant_remove", args=[thread_id]), {"participant": dora_acs}, **HTMX)
        still_in = False
    elif state == "left":
        assert dora.post(reverse("chat:thread_leave", args=[thread_id]), **HTMX).status_code == 200
        still_in = False
    elif state == "removed-by-other-client":
        # Another ACS client (an app on the SDK, as Ana) removes her: the site's marker does not move.
        clients.thread_client(credentials_for(ana.user).token, thread_id).remove_participant(
            CommunicationUserIdentifier(dora_acs)
        )
        still_in = False
    elif state == "removed-and-added-again":
        ana.post(reverse("chat:participant_remove", args=[thread_id]), {"participant": dora_acs}, **HTMX)
        say(story, ana, thread_id, "mk-while-out", dora_in=False)
        add(ana, dora, thread_id, "now")
    elif state == "hidden-by-moderator":
        say(story, ana, thread_id, "mk-to-hide", dora_in=True)
        hidden_id = ids_by_marker(ana, thread_id)["mk-to-hide"]
        record.message_hide(thread_id=thread_id, message_id=int(hidden_id))
        story.hidden.add("mk-to-hide")
    if flush:
        cache.clear()
    if state == "thread-deleted":
        for n in (1, 2):
            say(story, bruno, thread_id, f"mk-after-{n}", dora_in=member)
        assert ana.post(reverse("chat:thread_delete", args=[thread_id]), **HTMX).status_code == 200
    else:
        for n in (1, 2):
            say(story, bruno, thread_id, f"mk-after-{n}", dora_in=still_in)
    # An open page's poll: in poll mode, the background read that finds another client's change.
    background_read_due(thread_id)
    bruno_page.poll()

    expected = acs_shows(dora, thread_id) - story.hidden
    assert expected <= set(story.sent)
    # The thread page, its older pages, its poll.
    assert page_and_older(dora, thread_id) == expected
    if dora_page is not None:
        dora_page.poll()
        assert marks(dora_page.seen) <= expected
    # One message and the edit form, for every marker: a participant's (the site answers 403 to anyone whose part
    # ended: narrower than ACS, never wider).
    ids = ids_by_marker(ana, thread_id) if state != "thread-deleted" else {}
    for text, message_id in ids.items():
        one = dora.get(reverse("chat:message_detail", args=[thread_id, message_id]), **HTMX)
        if still_in:
            assert (text in one.content.decode()) == (text in expected), text
        assert text not in one.content.decode() or text in expected, text
        edit = dora.get(reverse("chat:message_edit", args=[thread_id, message_id]), **HTMX)
        assert text not in edit.content.decode() or text in expected, text
    # The list, its poll, the preview (a desktop notification's text), unread counts and the title's total.
    preview, unread, title = list_row(dora, thread_id)
    polled_preview, polled_unread = list_poll_row(dora, thread_id)
    shown = [t for t in story.sent if t in expected]
    for text in (preview, polled_preview):
        assert text is None or marks(text) <= expected
    if preview and marks(preview):
        assert marks(preview) == {shown[-1]}
    if shown and shown[-1] == story.sent[-1] and state not in ("thread-deleted",):
        assert shown[-1] in (preview or "")  # the newest message is hers: it is the preview
    counted = len(expected & story.while_member)
    assert unread == polled_unread == counted
    assert (f"({unread})" in title) == (unread > 0)
