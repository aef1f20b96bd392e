"""Thin views for managing a conversation: participants, topic, receipts and typing, leaving, deleting."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from chatsite.acs.errors import AcsError, AcsNotFound
from chatsite.acs.identities import identity_for

from . import conversation, receipts, roster, selectors, typing_indicator
from .forms_manage import AddPeopleForm, TopicForm
from .models import Thread

DETAIL, OOB = "chat/thread_detail.html", "chat/thread_oob.html"
# ACS message ids are numbers; anything else from a page is not worth a call.
MESSAGE_ID = re.compile(r"^[0-9]{1,20}$")


def page_context(*, user, thread_id: str) -> dict:
    """What the thread page needs to show the panel, or that this person is no longer in the chat."""
    current = roster.roster(user=user, thread_id=thread_id)
    viewer = identity_for(user).acs_user_id
    gone = (
        None if current.has(viewer) else _gone_text(conversation.viewer_state(user=user, thread_id=thread_id))
    )
    return {
        "roster": current,
        "viewer_id": viewer,
        "gone": gone,
        "can_delete": Thread.objects.filter(
            acs_thread_id=thread_id, created_by=user, deleted_at=None
        ).exists(),
    }


@require_GET
@login_required
def thread_status(request, thread_id):
    """Polled every few seconds: typing, receipts, panel changes, the end of this person's part. Cache only
    when nothing changed."""
    state = conversation.viewer_state(user=request.user, thread_id=thread_id)
    if state is not None:
        return _gone(request, thread_id, state)
    try:
        current = roster.roster(user=request.user, thread_id=thread_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError:
        return HttpResponse(status=204)  # the next poll tries again; the message poll shows the banner
    viewer = identity_for(request.user).acs_user_id
    if not current.has(viewer):
        return _gone(request, thread_id, conversation.REMOVED)
    newest, own = _message_id(request.GET.get("newest")), _message_id(request.GET.get("own"))
    if newest:  # the page polls only while it is in view: a receipt means the person saw the message
        receipts.receipt_send(user=request.user, thread_id=thread_id, message_id=newest, roster=current)
    context = {
        "thread_id": thread_id,
        "typing": typing_indicator.typing_names(user=request.user, thread_id=thread_id),
        "seen": own
        and receipts.seen_text(user=request.user, thread_id=thread_id, message_id=own, roster=current),
        "seen_after": own,
    }
    if request.GET.get("v") != str(current.version):
        context.update(page_context(user=request.user, thread_id=thread_id), thread=_thread_info(thread_id))
    return render(request, f"{OOB}#status-update", context)


@require_POST
@login_required
def typing(request, thread_id):
    try:
        current = roster.roster(user=request.user, thread_id=thread_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError:
        return HttpResponse(status=204)  # typing is a hint: nothing to tell the page
    if not current.has(identity_for(request.user).acs_user_id):
        raise Http404
    typing_indicator.typing_started(user=request.user, thread_id=thread_id, roster=current)
    return HttpResponse(status=204)


@require_GET
@login_required
def participants(request, thread_id):
    _roster_or_404(request, thread_id)
    return _panel(request, thread_id)


@require_http_methods(["GET", "POST"])
@login_required
def participants_add(request, thread_id):
    current = _roster_or_404(request, thread_id)
    form = AddPeopleForm(
        request.POST or None, user=request.user, exclude_acs_ids=[p.acs_user_id for p in current.people]
    )
    if request.method == "POST" and form.is_valid():
        try:
            refusals = conversation.participants_add(
                user=request.user,
                thread_id=thread_id,
                people=form.cleaned_data["people"],
                history_from=form.history_from(),
            )
        except AcsNotFound:
            raise Http404 from None
        except AcsError as error:
            return _add_form(request, thread_id, form, error=error.message, status=error.status)
        if not request.htmx:
            return redirect("chat:thread_detail", thread_id)
        return trigger_client_event(_panel(request, thread_id, refusals=refusals), "chat:changed")
    return _add_form(request, thread_id, form, status=422 if form.errors else 200)


@require_POST
@login_required
def participant_remove(request, thread_id):
    _roster_or_404(request, thread_id)
    try:
        conversation.participant_remove(
            user=request.user, thread_id=thread_id, acs_user_id=request.POST.get("participant", "")
        )
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return _panel(request, thread_id, error=error.message, status=error.status)
    if not request.htmx:
        return redirect("chat:thread_detail", thread_id)
    return trigger_client_event(_panel(request, thread_id), "chat:changed")


@require_POST
@login_required
def thread_leave(request, thread_id):
    _roster_or_404(request, thread_id)
    try:
        conversation.thread_leave(user=request.user, thread_id=thread_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return _panel(request, thread_id, error=error.message, status=error.status)
    return _to(request, reverse("chat:thread_detail", args=[thread_id]))


@require_POST
@login_required
def thread_delete(request, thread_id):
    _roster_or_404(request, thread_id)
    try:
        conversation.thread_delete(user=request.user, thread_id=thread_id)
    except AcsNotFound:
        raise Http404 from None
    except AcsError as error:
        return _panel(request, thread_id, error=error.message, status=error.status)
    return _to(request, reverse("chat:thread_list"))


@require_http_methods(["GET", "POST"])
@login_required
def topic_edit(request, thread_id):
    _roster_or_404(request, thread_id)
    form = TopicForm(request.POST or None, initial={"topic": _thread_info(thread_id).topic})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            conversation.topic_update(
                user=request.user, thread_id=thread_id, topic=form.cleaned_data["topic"]
            )
        except AcsNotFound:
            raise Http404 from None
        except AcsError as exc:
            error = exc
        else:
            if not request.htmx:
                return redirect("chat:thread_detail", thread_id)
            return trigger_client_event(_topic(request, thread_id), "chat:changed")
    status = error.status if error else 422 if form.errors else 200
    context = {"thread_id": thread_id, "form": form, "error": error and error.message}
    return render(request, f"{DETAIL}#topic-form", context, status=status)


@require_GET
@login_required
def topic(request, thread_id):
    _roster_or_404(request, thread_id)
    return _topic(request, thread_id)


def _topic(request, thread_id):
    return render(request, f"{DETAIL}#topic", {"thread_id": thread_id, "thread": _thread_info(thread_id)})


def _thread_info(thread_id):
    mirror = Thread.objects.filter(acs_thread_id=thread_id).values_list("topic", flat=True).first()
    return selectors.ThreadInfo(thread_id, mirror or "")


def _panel(request, thread_id, *, refusals=(), error=None, status=200):
    context = page_context(user=request.user, thread_id=thread_id)
    context.update(thread_id=thread_id, refusals=refusals, panel_error=error)
    return render(request, f"{DETAIL}#participants", context, status=status)


def _add_form(request, thread_id, form, *, error=None, status=200):
    context = {"thread_id": thread_id, "form": form, "error": error}
    return render(request, f"{DETAIL}#add-form", context, status=status)


def _gone(request, thread_id, state):
    return render(request, f"{OOB}#gone-update", {"thread_id": thread_id, "gone": _gone_text(state)})


def _gone_text(state) -> str:
    if state == conversation.DELETED:
        return _("This chat was deleted.")
    if state == conversation.LEFT:
        return _("You left this chat.")
    return _("You were removed from this chat.")


def _roster_or_404(request, thread_id) -> roster.Roster:
    """Only the thread's current participants manage it; others get the same 404 as for no thread."""
    try:
        current = roster.roster(user=request.user, thread_id=thread_id)
    except AcsError:
        raise Http404 from None
    if not current.has(identity_for(request.user).acs_user_id):
        raise Http404
    return current


def _to(request, url):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _message_id(value):
    return value if value and MESSAGE_ID.match(value) else None
