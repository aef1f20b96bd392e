"""The thread list and its poll, a new chat, the thread page (and its older messages), the topic, leaving, deleting."""

from uuid import uuid4

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from ..forms import (
    MessageForm,
    OlderForm,
    PeopleSearchForm,
    ThreadCreateForm,
    ThreadListForm,
    TopicForm,
    owner_mark,
    parsed,
)
from ..live.page import ListState, PageState
from ..selectors.inbox import (
    direct_thread_with,
    inbox_more,
    inbox_page,
    inbox_poll,
    thread_header,
    thread_title,
    unread_on_open,
)
from ..selectors.membership import panel_context
from ..selectors.messages import older_messages, thread_page_opened
from ..selectors.threads import thread_mirror_info
from ..services import listed, membership, threads
from ..services.inbox import listing_remember
from ..services.presence import messages_shown
from ..timeline import day_of, poll_state, rows
from .picker import people_picker
from .policy import acs_error_policy, actor, htmx_redirect, login_required, thread_view
from .templates import partial


@require_GET
@login_required
@acs_error_policy
def thread_list(request):
    who = actor(request)
    owner = owner_mark(request.user)
    if page := parsed(ThreadListForm, request.GET)["page"]:
        template = "chat/thread_list.html#thread-page" if request.htmx else "chat/thread_list.html"
        inbox = inbox_more(actor=who, page=page)
    else:
        template, inbox = "chat/thread_list.html", inbox_page(actor=who)
    listing_remember(user_pk=request.user.pk, listed=inbox.listed)
    listed.listing_opened(user_pk=request.user.pk)
    return render(request, template, {"inbox": inbox, "owner": owner})


@require_GET
@login_required
@acs_error_policy(quiet=True)
def thread_list_poll(request):
    """Polled every few seconds by static/js/inbox.js: 204 from one cache read unless the person's threads changed."""
    state = ListState.parse(request.GET)
    listed.listing_refresh(actor=actor(request))
    found = inbox_poll(user=request.user, version=state.version)
    if found is None:
        return HttpResponse(status=204)
    return render(request, "chat/thread_list.html#inbox", {"inbox": found})


@require_http_methods(["GET", "POST"])
@login_required
@acs_error_policy
def thread_create(request):
    search = parsed(PeopleSearchForm, request.GET)["q"] if request.method == "GET" else ""
    form = ThreadCreateForm(request.POST or None, user=request.user, initial={"idempotency_token": uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = list(data["participants"])
        existing = data["direct"] and direct_thread_with(user=request.user, other=people[0])
        thread = existing or threads.thread_create(
            actor=actor(request),
            topic=data["topic"],
            participants=people,
            idempotency_token=data["idempotency_token"],
            direct=data["direct"],
        )
        return htmx_redirect(request, reverse("chat:thread_detail", args=[thread.acs_thread_id]))
    chosen = form.cleaned_data.get("participants", ()) if form.is_bound else ()
    picker = people_picker(request, chosen_users=chosen, search=search)
    template = "chat/thread_create.html"
    if request.htmx:
        template += "#people-found" if request.htmx.target == "people-found" else "#create-form"
    status = 429 if picker["refused"] else 422 if form.errors else 200
    return render(request, template, {"form": form, "q": search, **picker}, status=status)


@thread_view()
def thread_detail(request, thread_id, *, who):
    params = parsed(OlderForm, request.GET)
    older = params["older"]
    if older and request.htmx:
        page = older_messages(actor=who, thread_id=thread_id, older=older)
        before_day = params["before_day"] and params["before_day"].isoformat()
        context = {
            "thread_id": thread_id,
            "page": page,
            "rows": rows(page.messages, viewer_id=who.acs_user_id),
            # The day shown above the first message already on the page moves up if the older page ends on it.
            "drop_day": before_day
            if page.messages and day_of(page.messages[-1]).isoformat() == before_day
            else None,
        }
        return render(request, partial("older"), context)
    return thread_page(request, who, thread_id, older=older)


def thread_page(request, who, thread_id, *, older: str = "", form=None, status: int = 200):
    """The whole thread page. `older` (the "Load older messages" link followed without script): that page of
    messages instead of the newest, with a link back to them and no live updates. `form`: the composer as the
    person sent it, refused, with its error (a post without script)."""
    opened = thread_page_opened(actor=who, thread_id=thread_id)
    opened.thread.topic = thread_title(user=request.user, thread_id=thread_id, topic=opened.thread.topic)
    page = older_messages(actor=who, thread_id=thread_id, older=older) if older else opened.page
    # Where the "New messages" divider goes, from the mirror. Opening the page (a GET) marks nothing read: the page
    # says what the person saw with a POST (views.presence.thread_read), up to what this answer shows them.
    unread = None
    if not older:
        unread = unread_on_open(
            user=request.user,
            thread_id=thread_id,
            messages=page.messages,
            viewer_id=who.acs_user_id,
            more=bool(page.older),
        )
        messages_shown(user_pk=request.user.pk, thread_id=thread_id, messages=page.messages)
    owner = owner_mark(request.user)
    panel = panel_context(actor=who, thread_id=thread_id)
    context = {
        # The divider above the first unread message when it is loaded; else the bar saying how many are new, with
        # a jump that loads older pages up to it (static/js/thread/unread.js).
        "unread": unread,
        "first_unread_id": unread and unread.divider_id,
        "thread_id": thread_id,
        "thread": opened.thread,
        "page": page,
        "rows": rows(page.messages, viewer_id=who.acs_user_id),
        "archive": bool(older),
        "autofocus": form is not None,
        # What the poll carries besides the messages' marker: the panel's roster version; typing and "seen by" are
        # looked at on the first poll, which the page makes as it opens.
        "poller": PageState(**poll_state(opened.marker, page.messages), roster=str(panel["roster"].version)),
        "form": form or MessageForm(initial={"owner": owner}),
        "owner": owner,
        **panel,
    }
    return render(request, "chat/thread_detail.html", context, status=status)


@thread_view(member=True)
def topic(request, thread_id, *, who, roster):
    return _topic(request, thread_id)


@thread_view(methods=("GET", "POST"), member=True)
def topic_edit(request, thread_id, *, who, roster):
    form = TopicForm(request.POST or None, initial={"topic": thread_mirror_info(thread_id=thread_id).topic})
    if request.method == "POST" and form.is_valid():
        threads.topic_update(actor=who, thread_id=thread_id, topic=form.cleaned_data["topic"])
        if not request.htmx:
            return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))
        return trigger_client_event(_topic(request, thread_id), "chat:changed")
    context = {"thread_id": thread_id, "form": form}
    return render(request, partial("topic-form"), context, status=422 if form.errors else 200)


@thread_view(methods=("POST",), member=True)
def thread_leave(request, thread_id, *, who, roster):
    membership.thread_leave(actor=who, thread_id=thread_id)
    return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))


@thread_view(methods=("POST",), member=True)
def thread_delete(request, thread_id, *, who, roster):
    threads.thread_delete(actor=who, thread_id=thread_id)
    return htmx_redirect(request, reverse("chat:thread_list"))


def _topic(request, thread_id):
    context = {"thread_id": thread_id, "thread": thread_header(user=request.user, thread_id=thread_id)}
    return render(request, partial("topic"), context)
