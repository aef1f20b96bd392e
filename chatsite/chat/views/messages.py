"""Messages on the thread page: the live poll (messages, typing, "seen by", the panel, the end of one's part),
send, one message, edit, delete."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import reswap, trigger_client_event

from ..forms import MessageForm, owner_mark
from ..live.page import PageState
from ..selectors.inbox import thread_header
from ..selectors.live import thread_live
from ..selectors.membership import gone_text, panel_context
from ..selectors.messages import message_get, own_message_get
from ..services import messages
from ..services.changes import POLL, changes_apply
from ..services.presence import messages_shown
from ..timeline import day_of, poll_changes, poll_state, rows
from .policy import thread_view
from .templates import partial
from .threads import thread_page


@thread_view()
def thread_poll(request, thread_id, *, who):
    """The page's one poll, every few seconds while it is in view: 204 from the cache when nothing changed.
    A GET, so it changes nothing: reading is marked by the page's POST (views.presence.thread_read)."""
    page = PageState.parse(request.GET)
    live = thread_live(actor=who, thread_id=thread_id, page=page)
    if live is not None and live.read:
        # What the poll read from ACS (another client's messages, a removal) reaches every surface.
        changes_apply(thread_id=thread_id, messages=live.read, source=POLL)
    if live is None or live.idle:
        return HttpResponse(status=204)
    if live.ended:
        return render(request, partial("gone-update"), {"thread_id": thread_id, "gone": gone_text(live.ended)})
    context = {"thread_id": thread_id, "poller": live.next}
    update = live.messages
    if update is not None:
        context["messages_changed"] = True
        # What this answer shows bounds what the page may then mark read.
        messages_shown(user_pk=who.user.pk, thread_id=thread_id, messages=update.messages)
        if update.resync:
            context["page"] = update.resync
            context["rows"] = rows(update.resync.messages, viewer_id=who.acs_user_id)
            context["poller"] = live.next.at(**poll_state(update.marker, update.resync.messages))
        else:
            changes = poll_changes(
                update.messages, marker=update.marker, seq=page.seq, day=page.day, viewer_id=who.acs_user_id
            )
            context.update(changes, poller=live.next.at(**changes.pop("poll")))
    status = live.status
    if status is not None:
        context.update(status=True, typing=status.typing, seen=status.seen, seen_after=status.seen_after)
        if status.panel:
            context.update(panel_context(actor=who, thread_id=thread_id))
            context["thread"] = thread_header(user=request.user, thread_id=thread_id)
    return render(request, partial("live-update"), context)


@thread_view(methods=("POST",), member=True)
def message_send(request, thread_id, *, who, roster):
    form = MessageForm(request.POST, owner=owner_mark(request.user))
    if form.written_by_someone_else():
        return _not_theirs(request, form)
    if not form.is_valid():
        if not request.htmx:  # without script: the whole page again, the words back in the composer by their error
            return thread_page(request, who, thread_id, form=form, status=422)
        return _composer(request, thread_id, form, status=422)
    client_id = form.cleaned_data["client_id"]
    message_id = messages.message_send(
        actor=who,
        thread_id=thread_id,
        content=form.cleaned_data["content"],
        client_id=client_id and str(client_id),
        read_ahead=_reads_ahead(request),
    )
    if not request.htmx:
        return redirect("chat:thread_detail", thread_id)
    # The composer is not replaced (the person may have typed on while this was sent): static/js/thread.js clears
    # what it sent and shows "Sending…" until the page's own poll (at once) brings the message with this id.
    response = HttpResponse(status=200)
    response["X-Message-Id"] = message_id
    return trigger_client_event(response, "chat:changed")


@thread_view(member=True)
def message_detail(request, thread_id, message_id, *, who, roster):
    return _message(request, who, thread_id, message_id, focus=True)  # an edit cancelled: back on its menu button


@thread_view(methods=("GET", "POST"), member=True)
def message_edit(request, thread_id, message_id, *, who, roster):
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        messages.message_edit(
            actor=who,
            thread_id=thread_id,
            message_id=message_id,
            content=form.cleaned_data["content"],
            read_ahead=_reads_ahead(request),
        )
        return _message(request, who, thread_id, message_id, focus=True)
    if request.method == "GET":
        message = own_message_get(actor=who, thread_id=thread_id, message_id=message_id)
        form = MessageForm(initial={"content": message.content})
    context = {"thread_id": thread_id, "message_id": message_id, "form": form}
    return render(request, partial("edit-form"), context, status=422 if form.errors else 200)


@thread_view(methods=("POST",), member=True)
def message_delete(request, thread_id, message_id, *, who, roster):
    messages.message_delete(actor=who, thread_id=thread_id, message_id=message_id, read_ahead=_reads_ahead(request))
    return _message(request, who, thread_id, message_id, focus_composer=True)  # nothing left to focus in the row


def _reads_ahead(request) -> bool:
    """A page with script polls (or its stream asks) for the change's delta once a write of its own answers: its
    read starts now. Without script the page reloads, which reads the latest page instead: reading the delta too
    would be a second read."""
    return bool(request.htmx)


def _message(request, who, thread_id, message_id, *, focus=False, focus_composer=False):
    """One message; `focus` puts the keyboard back on it (its menu button) after the person's own edit,
    `focus_composer` on the composer (static/js/thread.js) after a deletion."""
    message = message_get(actor=who, thread_id=thread_id, message_id=message_id)
    [row] = rows([message], viewer_id=who.acs_user_id, previous_day=day_of(message))
    context = {"thread_id": thread_id, "row": row, "focus": focus, "focus_composer": focus_composer}
    return render(request, partial("message"), context)


def _not_theirs(request, form):
    """A message another account wrote on this browser (its page's outbox outlived a logout): not sent, and not
    handed back either (static/js/thread.js drops it on 409), since the words are not this person's."""
    [error] = form.errors["owner"]
    if request.htmx:
        return reswap(render(request, partial("banner-oob"), {"error": error}, status=409), "none")
    return render(request, "chat/unavailable.html", {"error": error}, status=409)


def _composer(request, thread_id, form, *, status=200):
    """The composer with the error of a refused message (htmx)."""
    return render(request, partial("composer"), {"thread_id": thread_id, "form": form}, status=status)
