"""The participants panel: list, add people, remove someone."""

from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import reswap, retarget, trigger_client_event

from ..forms import AddPeopleForm, ParticipantForm, PeopleSearchForm, parsed
from ..selectors.membership import panel_context
from ..services import membership
from .picker import people_picker
from .policy import htmx_redirect, thread_view
from .templates import partial


@thread_view(member=True)
def participants(request, thread_id, *, who, roster):
    return _panel(request, who, thread_id)


@thread_view(methods=("GET", "POST"), member=True)
def participants_add(request, thread_id, *, who, roster):
    in_chat = [p.acs_user_id for p in roster.people]
    form = AddPeopleForm(request.POST or None, user=request.user, exclude_acs_ids=in_chat)
    if request.method == "POST" and form.is_valid():
        refusals = membership.participants_add(
            actor=who, thread_id=thread_id, people=form.cleaned_data["people"], history_from=form.history_from()
        )
        if not request.htmx:
            return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))
        # The form sits inside the panel: the answer replaces the whole panel, never nests one in it.
        panel = reswap(retarget(_panel(request, who, thread_id, refusals=refusals), "#participants"), "outerHTML")
        return trigger_client_event(panel, "chat:changed")
    # The picker: who is chosen (a refused post, or ticked before this search), then who `q` finds.
    search = parsed(PeopleSearchForm, request.GET)["q"] if request.method == "GET" else ""
    chosen = form.cleaned_data.get("people", ()) if form.is_bound else form.ticked(request.GET.getlist("people"))
    picker = people_picker(request, chosen_users=chosen, search=search, leave_out_acs_ids=in_chat)
    context = {"thread_id": thread_id, "form": form, "q": search, **picker}
    name = "add-found" if request.htmx and request.htmx.target == "add-found" else "add-form"
    status = 429 if picker["refused"] else 422 if form.errors else 200
    return render(request, partial(name), context, status=status)


@thread_view(methods=("POST",), member=True)
def participant_remove(request, thread_id, *, who, roster):
    someone = parsed(ParticipantForm, request.POST)["participant"]
    membership.participant_remove(actor=who, thread_id=thread_id, acs_user_id=someone)
    if not request.htmx:
        return htmx_redirect(request, reverse("chat:thread_detail", args=[thread_id]))
    return trigger_client_event(_panel(request, who, thread_id), "chat:changed")


def _panel(request, who, thread_id, *, refusals=()):
    """The panel after the person's own action there; focus goes to its heading (the control used is gone)."""
    context = panel_context(actor=who, thread_id=thread_id)
    context.update(thread_id=thread_id, refusals=refusals, focus=True)
    return render(request, partial("participants"), context)
