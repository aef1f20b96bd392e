"""The thread list, a new chat, the thread page (and its older messages), the topic, leaving and deleting."""

from uuid import uuid4

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from ..forms import MessageForm, ThreadCreateForm, TopicForm
from ..selectors.membership import member_roster, panel_context
from ..selectors.messages import older_messages, thread_page_opened
from ..selectors.threads import thread_list as threads_of
from ..selectors.threads import thread_mirror_info
from ..services import membership, threads
from ..timeline import day_of, poll_state, rows
from .policy import acs_error_policy, actor, htmx_redirect
from .templates import partial


@require_GET
@login_required
@acs_error_policy
def thread_list(request):
    found, next_page = threads_of(actor=actor(request), page=request.GET.get("page"))
    template = "chat/thread_list.html"
    if request.htmx and request.GET.get("page"):
        template += "#thread-page"
    return render(request, template, {"threads": found, "next_page": next_page})


@require_http_methods(["GET", "POST"])
@login_required
@acs_error_policy
def thread_create(request):
    form = ThreadCreateForm(request.POST or None, user=request.user, initial={"idempotency_token": uuid4()})
    if request.method == "POST" and form.is_valid():
        thread = threads.thread_create(actor=actor(request), **form.cleaned_data)
        return htmx_redirect(request, reverse("chat:thread_detail", args=[thread.acs_thread_id]))
    template = "chat/thread_create.html"
    if request.htmx:
        template += "#create-form"
    return render(request, template, {"form": form}, status=422 if form.errors else 200)


@require_GET
@login_required
@acs_error_policy
def thread_detail(request, thread_id):
    who = actor(request)
    older = request.GET.get("older")
    if older and request.htmx:
        page = older_messages(actor=who, thread_id=thread_id, older=older)
        before_day = request.GET.get("before_day")
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
    opened = thread_page_opened(actor=who, thread_id=thread_id)
    context = {
        "thread_id": thread_id,
        "thread": opened.thread,
        "page": opened.page,
        "rows": rows(opened.page.messages, viewer_id=who.acs_user_id),
        "poll": poll_state(opened.marker, opened.page.messages),
        "form": MessageForm(),
        **panel_context(actor=who, thread_id=thread_id),
    }
    return render(request, "chat/thread_detail.html", context)


@require_GET
@login_required
@acs_error_policy
def topic(request, thread_id):
    member_roster(actor=actor(request), thread_id=thread_id)
    return _topic(request, thread_id)


@require_http_methods(["GET", "POST"])
@login_required
@acs_error_policy
def topic_edit(request, thread_id):
    who = actor(request)
    member_roster(actor=who, thread_id=thread_id)
    form = TopicForm(request.POST or None, initial={"topic": thread_mirror_info(thread_id=thread_id).topic})
    if request.method == "POST" and form.is_valid():
        threads.topic_update(actor=who, thread_id=thread_id, topic=form.cleaned_data["topic"])
        if not request.htmx:
            return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))
        return trigger_client_event(_topic(request, thread_id), "chat:changed")
    context = {"thread_id": thread_id, "form": form}
    return render(request, partial("topic-form"), context, status=422 if form.errors else 200)


@require_POST
@login_required
@acs_error_policy
def thread_leave(request, thread_id):
    who = actor(request)
    member_roster(actor=who, thread_id=thread_id)
    membership.thread_leave(actor=who, thread_id=thread_id)
    return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))


@require_POST
@login_required
@acs_error_policy
def thread_delete(request, thread_id):
    who = actor(request)
    member_roster(actor=who, thread_id=thread_id)
    threads.thread_delete(actor=who, thread_id=thread_id)
    return htmx_redirect(request, reverse("chat:thread_list"))


def _topic(request, thread_id):
    context = {"thread_id": thread_id, "thread": thread_mirror_info(thread_id=thread_id)}
    return render(request, partial("topic"), context)
