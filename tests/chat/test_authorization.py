"""Who may do what: every URL of the chat app, for every kind of requester, plain and htmx.

One world is built once for the module (ACS calls cost time): Ana started "Lunch" with Bruno, Dora and Eve;
Dora was removed, Eve left; then Ana and Bruno went on talking, every message carrying SECRET. Carla was never in
the chat; the anonymous visitor is logged out. Each row of SPEC is one URL × requester with the status the
requester must get, plain and htmx; on top of it, nobody outside the chat (anonymous, never a member, removed,
left) ever gets a body with SECRET in it, and a refused write changes nothing in ACS.

Expected answers, as the views' policy (chat/views/policy.py) and membership check (selectors/membership.access)
give them:
- anonymous: the login page (302); htmx: 401 with HX-Redirect to the login page and back to the page it came from.
- never a member: 404 everywhere, as for a thread that does not exist.
- removed, left: the thread page and its poll show the ended state (200, nothing new); older
  pages give their own history; everything else is 403 (the quiet typing report: a bare 403).
- participant: 200 (a plain form post: 302 back to the page).
- another participant editing, deleting, or opening the edit form of someone else's message: 403.
- anyone, with a method the URL does not take (a POST to a page, a GET of an action): 405 with an Allow header,
  before anything else is looked at, and nothing changes.
"""

import dataclasses
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from chatsite.acs.identities import identity_for
from chatsite.chat.actors import Actor
from chatsite.chat.models import InboxEntry
from chatsite.chat.selectors import messages as message_selectors
from chatsite.chat.services import accounts, threads

from .conftest import HTMX, PASSWORD

SECRET = "SECRET-7f3c"  # in every message sent after Dora's removal and Eve's leaving
OUTSIDERS = ("anonymous", "stranger", "removed", "left")
PAGE_SIZE = 3  # small pages, so that an older page exists and holds a secret message

LOGIN = "login"  # 302 to the login page; htmx: 401 with HX-Redirect to it
GET, POST, PUT, DELETE = "GET", "POST", "PUT", "DELETE"
WRONG_METHOD = 405


@dataclasses.dataclass(frozen=True)
class Row:
    url: str
    method: str
    requester: str
    plain: int | str  # the status of a plain request, or LOGIN
    htmx: int | str  # the status of an htmx request, or LOGIN

    def __str__(self):
        return f"{self.url}-{self.method}-{self.requester}"


def rows(url, method, **expected):
    """One row per requester named: `requester=status` or `requester=(plain status, htmx status)`."""
    out = []
    for requester, status in expected.items():
        plain, htmx = status if isinstance(status, tuple) else (status, status)
        out.append(Row(url, method, requester, plain, htmx))
    return out


ENDED = 200  # the ended state ("You were removed from this chat."), with nothing new
ENDED_URLS = ("thread_detail", "thread_poll")
WRITE = (302, 200)  # a plain form post is redirected back; htmx gets the part to swap

SPEC = [
    # The lists: a chat one left or was removed from may be listed (ACS lists it), never with a later message.
    *rows("thread_list", GET, anonymous=LOGIN, stranger=200, removed=200, left=200, participant=200),
    *rows("thread_list_poll", GET, anonymous=LOGIN, stranger=200, removed=200, left=200, participant=200),
    *rows("thread_create", GET, anonymous=LOGIN, stranger=200, removed=200, participant=200),
    *rows("thread_create", POST, anonymous=LOGIN, removed=WRITE, participant=WRITE),
    # The thread page: its ended state for removed and left people; their older pages are their own history.
    *rows("thread_detail", GET, anonymous=LOGIN, stranger=404, removed=ENDED, left=ENDED, participant=200),
    *rows("older_messages", GET, anonymous=LOGIN, stranger=404, removed=200, left=200, participant=200),
    *rows("thread_poll", GET, anonymous=LOGIN, stranger=404, removed=ENDED, left=ENDED, participant=200),
    *rows("topic", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=200),
    *rows("topic_edit", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=200),
    *rows("topic_edit", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=WRITE),
    *rows("thread_leave", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=WRITE),
    *rows("thread_delete", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, other=403, participant=WRITE),
    *rows("typing", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=204),
    *rows("thread_read", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=204),
    *rows("participants", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=200),
    *rows("participants_add", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=200),
    *rows("participants_add", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=WRITE),
    *rows("participant_remove", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=WRITE),
    # Messages: the one of Ana's that carries SECRET; Bruno ("other") may read it, not change it.
    *rows("message_send", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, participant=WRITE),
    *rows("message_detail", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, other=200, participant=200),
    *rows("message_edit", GET, anonymous=LOGIN, stranger=404, removed=403, left=403, other=403, participant=200),
    *rows("message_edit", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, other=403, participant=200),
    *rows("message_delete", POST, anonymous=LOGIN, stranger=404, removed=403, left=403, other=403, participant=200),
]

# The methods each URL takes (the Allow header of its 405); every other method is refused, for anyone.
ALLOWED = {
    **dict.fromkeys(
        [
            "thread_list",
            "thread_list_poll",
            "thread_detail",
            "older_messages",
            "thread_poll",
            "topic",
            "participants",
            "message_detail",
        ],
        (GET,),
    ),
    **dict.fromkeys(
        [
            "thread_leave",
            "thread_delete",
            "typing",
            "thread_read",
            "participant_remove",
            "message_send",
            "message_delete",
        ],
        (POST,),
    ),
    **dict.fromkeys(["signup", "thread_create", "topic_edit", "participants_add", "message_edit"], (GET, POST)),
}
SPEC += [
    row
    for url, allowed in ALLOWED.items()
    for method in (GET, POST, PUT, DELETE)
    if method not in allowed
    for row in rows(url, method, anonymous=WRONG_METHOD, participant=WRONG_METHOD)
]

# Who each requester is in the world: "participant" is Ana, who started the chat and wrote the secret message.
CLIENTS = {
    "anonymous": "anonymous",
    "stranger": "carla",
    "removed": "dora",
    "left": "eve",
    "participant": "ana",
    "other": "bruno",
}


@dataclasses.dataclass
class World:
    clients: dict[str, Client]
    thread_id: str
    secret_id: str  # Ana's first message after Dora's removal and Eve's leaving
    older: str  # the link to the page before the latest one, as Ana's page has it: it holds the secret message

    def person(self, name):
        return self.clients[name].user

    def acs_id(self, name):
        return identity_for(self.person(name)).acs_user_id

    def fresh_thread(self) -> tuple[str, str]:
        """A chat of Ana's with Bruno and one message of hers, for a participant's write that changes it for
        good (leave, delete, remove, …); returns the thread id and the message id."""
        ana = self.clients["ana"]
        thread_id = threads.thread_create(
            actor=Actor.person(ana.user),
            topic="Scratch",
            participants=[self.person("bruno")],
            idempotency_token=str(uuid.uuid4()),
        ).acs_thread_id
        send(ana, thread_id, "mine")
        return thread_id, message_selectors.message_page(actor=Actor.person(ana.user), thread_id=thread_id).messages[
            -1
        ].id

    def fingerprint(self) -> list:
        """Everything a write could change, as the service identity reads it from ACS: each message with its
        content and edit/delete times (topic changes, adds, removals and leaving are system messages); and what
        each person has read of it and not."""
        page = Actor.service().acs.messages_page(self.thread_id, page_size=200)
        inbox = InboxEntry.objects.order_by("pk").values_list("user_id", "unread_count", "last_read_message_id")
        return [(m.id, m.type, m.content, m.edited_on, m.deleted_on) for m in page.items] + list(inbox)


def send(client, thread_id, text):
    response = client.post(reverse("chat:message_send", args=[thread_id]), {"content": text}, **HTMX)
    assert response.status_code == 200, response.content


@pytest.fixture(scope="module")
def db(django_db_setup, django_db_blocker):
    """The database for the whole module, flushed at its end as a transactional test would be.

    Named `db` so that pytest-django sets up the test database for these tests; it stands in for its per-test
    fixture here, so the world is built once instead of once per row.
    """
    with django_db_blocker.unblock():
        yield
        cache.clear()
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def world(db, acs_emulator):
    with (
        override_settings(
            ACS_CONNECTION_STRING=acs_emulator.connection_string,
            ACS_CA_CERT=str(acs_emulator.ca_cert),
            ACS_EMULATOR_THROTTLING=False,
        ),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(message_selectors, "MESSAGES_PER_PAGE", PAGE_SIZE)
        cache.clear()
        clients = {"anonymous": Client()}
        for name in ("ana", "bruno", "carla", "dora", "eve"):
            user = accounts.account_create(username=name, password=PASSWORD, display_name=name.title())
            clients[name] = Client()
            clients[name].force_login(user)
            clients[name].user = user
        ana, bruno, dora, eve = (clients[name] for name in ("ana", "bruno", "dora", "eve"))
        thread_id = threads.thread_create(
            actor=Actor.person(ana.user),
            topic="Lunch",
            participants=[bruno.user, dora.user, eve.user],
            idempotency_token=str(uuid.uuid4()),
        ).acs_thread_id
        send(ana, thread_id, "hello all")
        send(bruno, thread_id, "hi")
        for client in (dora, eve):  # their pages and lists were open: whatever they cached must not leak later
            assert client.get(reverse("chat:thread_list")).status_code == 200
            assert client.get(reverse("chat:thread_detail", args=[thread_id])).status_code == 200
        removal = ana.post(
            reverse("chat:participant_remove", args=[thread_id]), {"participant": identity_for(dora.user).acs_user_id}
        )
        assert removal.status_code == 302
        assert eve.post(reverse("chat:thread_leave", args=[thread_id])).status_code == 302

        send(ana, thread_id, f"{SECRET} 1")
        for number in range(2, PAGE_SIZE + 2):  # a full page after the first secret message, the last one too
            send(bruno if number % 2 else ana, thread_id, f"{SECRET} {number}")
        latest = message_selectors.message_page(actor=Actor.person(ana.user), thread_id=thread_id)
        older = message_selectors.message_page(actor=Actor.person(ana.user), thread_id=thread_id, older=latest.older)
        [secret_id] = [m.id for m in older.messages if m.content == f"{SECRET} 1"]
        older_url = reverse("chat:thread_detail", args=[thread_id]) + f"?older={latest.older}"
        yield World(clients, thread_id, secret_id, older_url)
        cache.clear()


def request(world, row, *, htmx):
    """The row's request, as the page would send it, with what it needs to be a valid write."""
    client = world.clients[CLIENTS[row.requester]]
    thread_id, message_id = world.thread_id, world.secret_id
    wrong_method = row.plain == WRONG_METHOD
    if row.requester == "participant" and row.method == POST and row.url != "thread_create" and not wrong_method:
        thread_id, message_id = world.fresh_thread()  # a write that succeeds changes a chat of its own
        if row.url == "thread_read":  # what the page says was read is what it showed
            client.get(reverse("chat:thread_detail", args=[thread_id]))
    # Outsiders try to add themselves back; the participant adds Carla.
    added = client.user.pk if row.requester in OUTSIDERS[1:] else world.person("carla").pk
    data = {
        "thread_create": {
            "topic": "Mine",
            "participants": [world.person("bruno").pk],
            "idempotency_token": uuid.uuid4(),
        },
        "topic_edit": {"topic": "Taken over"},
        "message_send": {"content": "intruder"},
        "message_edit": {"content": "changed by someone"},
        "participants_add": {"people": [added], "history": "all"},
        "participant_remove": {"participant": world.acs_id("bruno")},
        "thread_read": {"message": message_id},
    }.get(row.url, {})
    # The page's poll with everything to look at: messages, typing, "seen by", the panel.
    params = {"marker": 0, "v": 0} if row.url == "thread_poll" else {"v": 0} if "poll" in row.url else {}
    if row.url == "older_messages":
        path = world.older
    elif row.url.startswith("message_") and row.url != "message_send":
        path = reverse(f"chat:{row.url}", args=[thread_id, message_id])
    elif row.url in ("thread_list", "thread_list_poll", "thread_create", "signup"):
        path = reverse(f"chat:{row.url}")
    else:
        path = reverse(f"chat:{row.url}", args=[thread_id])
    page = f"http://testserver{reverse('chat:thread_detail', args=[thread_id])}"
    headers = {**HTMX, "HTTP_HX_CURRENT_URL": page} if htmx else {}
    if row.method == GET:
        return client.get(path, {**params, **data}, **headers), page
    if row.method == POST:
        return client.post(path, {**params, **data}, **headers), page
    return client.generic(row.method, path, **headers), page


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("row", SPEC, ids=str)
def test_authorization(world, row, htmx):
    wrong_method = row.plain == WRONG_METHOD
    refused_write = (row.method == POST and row.requester in (*OUTSIDERS, "other")) or wrong_method
    before = world.fingerprint() if refused_write else None

    response, page = request(world, row, htmx=htmx)

    expected = row.htmx if htmx else row.plain
    body = response.content.decode()
    if expected == LOGIN:
        if htmx:  # the whole page goes to log in, and comes back to the page after
            assert response.status_code == 401
            to = urlsplit(response.headers["HX-Redirect"])
            assert (to.path, parse_qs(to.query)) == (reverse("login"), {"next": [urlsplit(page).path]})
        else:
            assert response.status_code == 302
            assert urlsplit(response.headers["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected, body[:2000]
    if wrong_method:
        assert response.headers["Allow"] == ", ".join(ALLOWED[row.url])
    if row.requester in OUTSIDERS:
        assert SECRET not in body
    if row.url in ENDED_URLS and row.requester in ("removed", "left"):
        assert ("You were removed from this chat." if row.requester == "removed" else "You left this chat.") in body
    if refused_write:
        assert world.fingerprint() == before


# What a participant sees where outsiders must not: the check above could not fail without it.
@pytest.mark.parametrize(
    "url",
    [
        "thread_list",
        "thread_list_poll",
        "thread_detail",
        "older_messages",
        "thread_poll",
        "message_detail",
        "message_edit",
    ],
)
def test_participant_sees_the_secret_messages(world, url):
    response, _page = request(world, Row(url, GET, "participant", 200, 200), htmx=url != "thread_detail")
    assert response.status_code == 200
    assert SECRET in response.content.decode()
