"""Thin views: parse the request, call a service or selector, render a page or an htmx partial."""

from datetime import date
from uuid import uuid4

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from chatsite.acs.errors import AcsError, AcsNotFound
from chatsite.acs.identities import identity_for

from . import polling, selectors, services, views_manage
from .forms import MessageForm, SignUpForm, ThreadCreateForm
from .timeline import day_of, rows

DETAIL, OOB = "chat/thread_detail.html", "chat/thread_oob.html"


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.account_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("chat:thread_list")
    return render(request, "registration/signup.html", {"form": form}, status=422 if form.errors else 200)


@require_GET
@login_required
def thread_list(request):
    context = {"threads": [], "next_page": None, "error": None}
    try:
        context["threads"], context["next_page"] = selectors.thread_list(
            user=request.user, page=request.GET.get("page")
        )
    except AcsError as error:
        context["error"] = error.message
    template = "chat/thread_list.html"
    if request.htmx and request.GET.get("page"):
        template += "#thread-page"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def thread_create(request):
    form = ThreadCreateForm(request.POST or None, user=request.user, initial={"idempotency_token": uuid4()})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(user=request.user, **form.cleaned_data)
        except AcsError as exc:
            error = exc
        else:
            url = reverse("chat:thread_detail", args=[thread.acs_thread_id])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "chat/thread_create.html"
    if request.htmx:
        template += "#create-form"
    status = error.status if error else 422 if form.errors else 200
    return render(request, template, {"form": form, "error": error and error.message}, status=status)


@require_GET
@login_required
def thread_detail(request, thread_id):
    older = request.GET.get("older")
    try:
        viewer_id = identity_for(request.user).acs_user_id
        if older and request.htmx:
            page = selectors.message_page(user=request.user, thread_id=thread_id, older=older)
            return _render_older(request, thread_id, page, viewer_id)
        marker = polling.current(thread_id)
        read_at = timezone.now()
        thread = selectors.thread_get(user=request.user, thread_id=thread_id)
        page = selectors.message_page(user=request.user, thread_id=thread_id)
        manage = views_manage.page_context(user=request.user, thread_id=thread_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return render(
            request, DETAIL, {"thread_id": thread_id, "error": error.message, "form": MessageForm()}
        )
    polling.page_opened(user=request.user, thread_id=thread_id, marker=marker, read_at=read_at)
    context = {
        "thread_id": thread_id,
        "thread": thread,
        "page": page,
        "rows": rows(page.messages, viewer_id=viewer_id),
        "poll": _poll_state(marker, page.messages),
        "form": MessageForm(),
        **manage,
    }
    return render(request, DETAIL, context)


@require_GET
@login_required
def thread_poll(request, thread_id):
    try:
        marker = int(request.GET["marker"])
        seq = int(request.GET.get("seq") or 0)
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else None
    except (KeyError, ValueError):
        return HttpResponse(status=400)
    try:
        update = polling.poll(user=request.user, thread_id=thread_id, marker=marker)
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return render(request, f"{OOB}#banner-oob", {"error": error.message})
    if update is None:
        return HttpResponse(status=204)
    viewer_id = identity_for(request.user).acs_user_id
    context = {"thread_id": thread_id}
    if update.resync:
        context["page"] = update.resync
        context["rows"] = rows(update.resync.messages, viewer_id=viewer_id)
        context["poll"] = _poll_state(update.marker, update.resync.messages)
    else:
        new = [m for m in update.messages if m.sequence_id > seq]
        context["changed"] = rows([m for m in update.messages if m.sequence_id <= seq], viewer_id=viewer_id)
        context["new_rows"] = rows(new, viewer_id=viewer_id, previous_day=day)
        context["announce"] = [m for m in new if not m.sent_by(viewer_id) and not m.is_system]
        context["poll"] = {
            "marker": update.marker,
            "seq": max([seq, *(m.sequence_id for m in new)]),
            "day": day_of(new[-1]) if new else day,
        }
    return render(request, f"{OOB}#poll-update", context)


@require_POST
@login_required
def message_send(request, thread_id):
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _composer(request, thread_id, form, status=422)
    try:
        services.message_send(user=request.user, thread_id=thread_id, content=form.cleaned_data["content"])
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return _composer(request, thread_id, form, error=error.message, status=error.status)
    if not request.htmx:
        return redirect("chat:thread_detail", thread_id)
    # The page's own poll fetches the new message (shared with every viewer) right away.
    return trigger_client_event(_composer(request, thread_id, MessageForm(), autofocus=True), "chat:changed")


@require_http_methods(["GET", "POST"])
@login_required
def message_edit(request, thread_id, message_id):
    form = MessageForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(
                user=request.user,
                thread_id=thread_id,
                message_id=message_id,
                content=form.cleaned_data["content"],
            )
        except AcsNotFound:
            raise Http404 from None
        except AcsError as exc:
            error = exc
        else:
            return _message(request, thread_id, message_id)
    if request.method == "GET":
        message = _get_message(request, thread_id, message_id)
        form = MessageForm(initial={"content": message.content})
    context = {
        "thread_id": thread_id,
        "message_id": message_id,
        "form": form,
        "error": error and error.message,
    }
    status = error.status if error else 422 if form.errors else 200
    return render(request, f"{DETAIL}#edit-form", context, status=status)


@require_GET
@login_required
def message_detail(request, thread_id, message_id):
    return _message(request, thread_id, message_id)


@require_POST
@login_required
def message_delete(request, thread_id, message_id):
    try:
        services.message_delete(user=request.user, thread_id=thread_id, message_id=message_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return render(request, f"{OOB}#banner-oob", {"error": error.message}, status=error.status)
    return _message(request, thread_id, message_id)


def _message(request, thread_id, message_id):
    message = _get_message(request, thread_id, message_id)
    [row] = rows([message], viewer_id=identity_for(request.user).acs_user_id, previous_day=day_of(message))
    return render(request, f"{DETAIL}#message", {"thread_id": thread_id, "row": row})


def _get_message(request, thread_id, message_id):
    try:
        return selectors.message_get(user=request.user, thread_id=thread_id, message_id=message_id)
    except AcsNotFound:
        raise Http404 from None


def _render_older(request, thread_id, page, viewer_id):
    before_day = request.GET.get("before_day")
    context = {
        "thread_id": thread_id,
        "page": page,
        "rows": rows(page.messages, viewer_id=viewer_id),
        # The day shown above the first message already on the page moves up if the older page ends on it.
        "drop_day": before_day
        if page.messages and day_of(page.messages[-1]).isoformat() == before_day
        else None,
    }
    return render(request, f"{OOB}#older", context)


def _composer(request, thread_id, form, *, error=None, status=200, autofocus=False):
    context = {"thread_id": thread_id, "form": form, "error": error, "autofocus": autofocus}
    if not request.htmx:
        return render(request, DETAIL, context, status=status)
    return render(request, f"{DETAIL}#composer", context, status=status)


def _poll_state(marker, messages):
    return {
        "marker": marker,
        "seq": messages[-1].sequence_id if messages else 0,
        "day": day_of(messages[-1]) if messages else None,
    }
