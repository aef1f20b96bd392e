"""Staff view of every thread the site hosts; staff act in ACS as the site's service identity (chat/actors.py)."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from chatsite.acs import identities
from chatsite.acs.errors import AcsError, AcsForbidden, AcsNotFound, AcsRejected, AcsThrottled
from chatsite.admin_pages import confirmation, message_preview, person_label

from .actors import Actor
from .admin_forms import (
    MessageDeleteForm,
    ParticipantAddForm,
    ParticipantRemoveForm,
    ThreadImportForm,
    TopicForm,
)
from .models import Thread
from .selectors.accounts import people_by_acs_id
from .selectors.messages import message_get
from .selectors.record import hidden_ids
from .selectors.threads import thread_live
from .services import membership, record, threads
from .services import messages as message_services
from .services.membership import NotAllowed


class StatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", gettext_lazy("Active")), ("deleted", gettext_lazy("Deleted"))]

    def queryset(self, request, queryset):
        if self.value() in ("active", "deleted"):
            return queryset.filter(deleted_at__isnull=self.value() == "active")
        return queryset


# Long topics are cut in the list (the full one is its tooltip) so the list fits a 1280 px screen.
LIST_TOPIC_CHARS = 48


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    # The creation date is the date hierarchy above the list; the ACS id is on the change page.
    list_display = ["short_topic", "started_by", "participant_count", "last_activity_at", "is_active"]
    list_display_links = ["short_topic"]
    list_filter = [StatusFilter, "created_at"]
    search_fields = [
        "topic",
        "acs_thread_id",
        "participants__username",
        "participants__profile__display_name",
    ]
    list_select_related = ["created_by__profile"]
    date_hierarchy = "created_at"
    # The row mirrors ACS: nothing is edited here, ACS changes go through the live section's own forms.
    fields = readonly_fields = [
        "topic",
        "acs_thread_id",
        "created_by",
        "created_at",
        "participant_count",
        "last_activity_at",
        "deleted_at",
    ]
    actions = ["delete_in_acs", "refresh_from_acs"]
    change_form_template = "admin/chat/thread/change_form.html"

    @admin.display(boolean=True, description=gettext_lazy("active"), ordering="deleted_at")
    def is_active(self, thread):
        return thread.deleted_at is None

    @admin.display(description=gettext_lazy("topic"), ordering="topic")
    def short_topic(self, thread):
        short = Truncator(thread.topic).chars(LIST_TOPIC_CHARS)
        return format_html('<span title="{}">{}</span>', thread.topic, short) if short != thread.topic else short

    @admin.display(description=gettext_lazy("started by"), ordering="created_by__username")
    def started_by(self, thread):
        return person_label(thread.created_by) if thread.created_by else "—"

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        # Deleting only the row would leave the conversation in ACS with no staff view of it.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Delete selected threads in ACS"), permissions=["delete"])
    def delete_in_acs(self, request, queryset):
        live = list(queryset.filter(deleted_at__isnull=True).select_related("created_by__profile"))
        if not live:
            self.message_user(request, _("The selected threads are deleted already."), messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            return self._confirm_delete(
                request,
                live,
                hidden=[("action", "delete_in_acs"), *((ACTION_CHECKBOX_NAME, t.pk) for t in live)],
                cancel_url=reverse("admin:chat_thread_changelist"),
            )
        for thread in live:
            self._apply(request, thread, _delete_thread)
        return None

    @admin.action(description=gettext_lazy("Refresh selected threads from ACS"), permissions=["change"])
    def refresh_from_acs(self, request, queryset):
        for thread in queryset.filter(deleted_at__isnull=True):
            self._apply(request, thread, _refresh)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{prefix}_import"),
            *(
                path(
                    f"<path:object_id>/{route}/",
                    wrap(self._moderation_view(form, operation)),
                    name=f"{prefix}_{name}",
                )
                for route, name, form, operation in [
                    ("topic", "topic", TopicForm, _rename),
                    ("participants/add", "participant_add", ParticipantAddForm, _add_participant),
                ]
            ),
            path(
                "<path:object_id>/participants/remove/",
                wrap(self.participant_remove_view),
                name=f"{prefix}_participant_remove",
            ),
            path("<path:object_id>/messages/delete/", wrap(self.message_delete_view), name=f"{prefix}_message_delete"),
            path("<path:object_id>/messages/hide/", wrap(self.message_hide_view), name=f"{prefix}_message_hide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        thread = self._thread(request, object_id)
        if not self.has_view_or_change_permission(request, thread):
            raise PermissionDenied
        context = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": thread.deleted_at is None,
            "can_moderate": self.has_change_permission(request, thread) and thread.deleted_at is None,
        }
        if request.method == "GET" and thread.deleted_at is None:
            try:
                live = threads.thread_refresh(thread=thread)
            except AcsError as error:
                context["live_error"] = refusal(error)
            else:
                context["live"] = live
                # Each message with the preview its link names it by (as the confirmation will) and the one action
                # that can work on it.
                hidden = hidden_ids(thread_id=thread.acs_thread_id)
                context["message_rows"] = [
                    (message, message_preview(message), moderation(message, live.members, hidden))
                    for message in live.messages
                ]
                context["topic_form"] = TopicForm(initial={"topic": live.topic})
                context["add_form"] = ParticipantAddForm()
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        # A thread exists in ACS first; the only way to add one here is to import it.
        return redirect("admin:chat_thread_import")

    def delete_view(self, request, object_id, extra_context=None):
        thread = self._thread(request, object_id)
        if not self.has_delete_permission(request, thread):
            raise PermissionDenied
        if thread.deleted_at is not None:
            self.message_user(request, _("“%(thread)s” is deleted already.") % {"thread": thread}, messages.WARNING)
        elif request.method == "POST":
            self._apply(request, thread, _delete_thread)
        else:
            return self._confirm_delete(
                request, [thread], obj=thread, cancel_url=reverse("admin:chat_thread_change", args=[thread.pk])
            )
        return redirect("admin:chat_thread_changelist")

    def _confirm_delete(self, request, threads_, *, cancel_url, hidden=(), obj=None):
        return confirmation(
            request,
            self,
            obj=obj,
            title=ngettext("Delete this thread in ACS", "Delete these threads in ACS", len(threads_)),
            question=ngettext(
                "Delete this thread in ACS for everyone in it?",
                "Delete these %(count)d threads in ACS for everyone in them?",
                len(threads_),
            )
            % {"count": len(threads_)},
            items=[_thread_label(thread) for thread in threads_],
            consequence=_(
                "ACS deletes the conversation and its messages for good: people no longer see it in their chats. "
                "The site keeps its record of the thread, marked deleted."
            ),
            confirm=ngettext("Yes, delete it", "Yes, delete them", len(threads_)),
            cancel_url=cancel_url,
            hidden=hidden,
        )

    @method_decorator(require_http_methods(["GET", "POST"]))
    def participant_remove_view(self, request, object_id):
        """GET: who will be removed, to confirm; POST: remove them in ACS."""
        thread = self._changeable(request, object_id)
        form = ParticipantRemoveForm(request.POST if request.method == "POST" else request.GET)
        if not form.is_valid():
            return self._invalid(request, thread, form)
        if request.method == "POST":
            self._apply(request, thread, _remove_participant, form.cleaned_data)
            return redirect("admin:chat_thread_change", thread.pk)
        acs_user_id = form.cleaned_data["acs_user_id"]
        try:
            member = _member(thread, acs_user_id)
        except AcsError as error:
            return self._refused(request, thread, error)
        if member is None:
            self.message_user(request, _("This person is no longer in the thread."), messages.WARNING)
            return redirect("admin:chat_thread_change", thread.pk)
        name = _member_label(member)
        return confirmation(
            request,
            self,
            obj=thread,
            title=_("Remove a participant"),
            question=_("Remove %(person)s from “%(thread)s” in ACS?") % {"person": name, "thread": thread},
            consequence=_(
                "They can no longer read or write in this thread; their open page says they were removed, and "
                "everyone else sees “A moderator removed %(name)s”. They keep what they saw until then."
            )
            % {"name": member.display_name},
            confirm=_("Yes, remove %(name)s") % {"name": member.display_name},
            cancel_url=reverse("admin:chat_thread_change", args=[thread.pk]),
            hidden=[("acs_user_id", acs_user_id)],
        )

    @method_decorator(require_http_methods(["GET", "POST"]))
    def message_delete_view(self, request, object_id):
        """GET: the message to delete, to confirm; POST: delete it in ACS."""
        thread = self._changeable(request, object_id)
        form = MessageDeleteForm(request.POST if request.method == "POST" else request.GET)
        if not form.is_valid():
            return self._invalid(request, thread, form)
        if request.method == "POST":
            self._apply(request, thread, _delete_message, form.cleaned_data)
            return redirect("admin:chat_thread_change", thread.pk)
        message_id = form.cleaned_data["message_id"]
        message, refused = self._message_to_moderate(
            request, thread, message_id, system=_("Only people’s messages can be deleted.")
        )
        if refused:
            return refused
        return confirmation(
            request,
            self,
            obj=thread,
            title=_("Delete a message"),
            question=_("Delete %(person)s’s message in “%(thread)s” in ACS?")
            % {"person": message.sender_name, "thread": thread},
            items=_message_items(message),
            consequence=_(
                "Everyone in the thread sees “This message was deleted” in its place. This cannot be undone."
            ),
            confirm=_("Yes, delete the message"),
            cancel_url=reverse("admin:chat_thread_change", args=[thread.pk]),
            hidden=[("message_id", message_id)],
        )

    @method_decorator(require_http_methods(["GET", "POST"]))
    def message_hide_view(self, request, object_id):
        """GET: the message to hide on the site, to confirm; POST: hide it (ACS is not asked: it would refuse)."""
        thread = self._changeable(request, object_id)
        form = MessageDeleteForm(request.POST if request.method == "POST" else request.GET)
        if not form.is_valid():
            return self._invalid(request, thread, form)
        message_id = form.cleaned_data["message_id"]
        if not message_id.isdigit() or int(message_id) in hidden_ids(thread_id=thread.acs_thread_id):
            self.message_user(request, _("This message is hidden already."), messages.WARNING)
            return redirect("admin:chat_thread_change", thread.pk)
        message, refused = self._message_to_moderate(
            request, thread, message_id, system=_("Only people’s messages can be hidden.")
        )
        if refused:
            return refused
        if request.method == "POST":
            record.message_hide(thread_id=thread.acs_thread_id, message_id=int(message_id))
            summary = _("Hid %(person)s’s message “%(preview)s” on the site.") % {
                "person": message.sender_name,
                "preview": message_preview(message),
            }
            self.log_change(request, thread, summary)
            self.message_user(request, _("“%(thread)s”: %(summary)s") % {"thread": thread, "summary": summary})
            return redirect("admin:chat_thread_change", thread.pk)
        return confirmation(
            request,
            self,
            obj=thread,
            title=_("Hide a message"),
            question=_("Hide %(person)s’s message in “%(thread)s” on this site?")
            % {"person": message.sender_name, "thread": thread},
            items=_message_items(message),
            consequence=_(
                "ACS lets only the sender delete a message, and %(name)s is no longer in the thread; this hides it "
                "on this site for everyone: they see “Removed by a moderator” in its place. ACS keeps the message."
            )
            % {"name": message.sender_name},
            confirm=_("Yes, hide the message"),
            cancel_url=reverse("admin:chat_thread_change", args=[thread.pk]),
            hidden=[("message_id", message_id)],
        )

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ThreadImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                thread = threads.thread_import(acs_thread_id=form.cleaned_data["acs_thread_id"])
            except AcsError as error:
                form.add_error("acs_thread_id", refusal(error))
            else:
                self.log_addition(request, thread, _("Imported from ACS."))
                self.message_user(request, _("Imported “%(thread)s” from ACS.") % {"thread": thread})
                return redirect("admin:chat_thread_change", thread.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a thread from ACS"),
            "form": form,
            "service_identity": _service_identity_id(),
        }
        return TemplateResponse(request, "admin/chat/thread/import.html", context)

    def _moderation_view(self, form_class, operation):
        """A POST-only view for one staff change in ACS that can be undone, answered by a message on the thread's
        page (removals and deletions ask first: participant_remove_view, message_delete_view)."""

        @require_POST
        def view(request, object_id):
            thread = self._changeable(request, object_id)
            form = form_class(request.POST)
            if not form.is_valid():
                return self._invalid(request, thread, form)
            self._apply(request, thread, operation, form.cleaned_data)
            return redirect("admin:chat_thread_change", thread.pk)

        return view

    def _changeable(self, request, object_id) -> Thread:
        thread = self._thread(request, object_id)
        if not self.has_change_permission(request, thread):
            raise PermissionDenied
        return thread

    def _message_to_moderate(self, request, thread, message_id, *, system):
        """The message a staff member is about to delete or hide, or the answer saying why they cannot."""
        try:
            message = message_get(actor=Actor.service(), thread_id=thread.acs_thread_id, message_id=message_id)
        except AcsError as error:
            return None, self._refused(request, thread, error)
        if message.is_deleted or message.is_system:
            warning = _("This message is deleted already.") if message.is_deleted else system
            self.message_user(request, warning, messages.WARNING)
            return None, redirect("admin:chat_thread_change", thread.pk)
        return message, None

    def _invalid(self, request, thread, form):
        errors = "; ".join(e for field_errors in form.errors.values() for e in field_errors)
        self.message_user(request, errors, messages.ERROR)
        return redirect("admin:chat_thread_change", thread.pk)

    def _refused(self, request, thread, error):
        text = _("“%(thread)s”: %(reason)s") % {"thread": thread, "reason": refusal(error)}
        self.message_user(request, text, messages.ERROR)
        return redirect("admin:chat_thread_change", thread.pk)

    def _apply(self, request, thread, operation, data=None):
        """Run one ACS operation on a thread and tell the staff member, per thread, what happened."""
        try:
            summary = operation(thread, data)
        except AcsError as error:
            self._refused(request, thread, error)
            return
        self.log_change(request, thread, summary)
        self.message_user(request, _("“%(thread)s”: %(summary)s") % {"thread": thread, "summary": summary})

    def _thread(self, request, object_id) -> Thread:
        thread = self.get_object(request, unquote(object_id))
        if thread is None:
            raise Http404(_("No such thread."))
        return thread


def _message_items(message) -> list[str]:
    """What a staff member is shown of a message before deleting or hiding it."""
    return [
        _("From: %(person)s") % {"person": _sender_label(message)},
        _("Sent: %(when)s") % {"when": date_format(localtime(message.created_on), "DATETIME_FORMAT")},
        _("Message: “%(preview)s”") % {"preview": message_preview(message)},
    ]


def _service_identity_id() -> str | None:
    try:
        return identities.service_identity().acs_user_id
    except AcsError:
        return None


def moderation(message, members, hidden: frozenset[int]) -> str:
    """The one staff action that can work on a message: "delete" in ACS (as its sender: ACS lets only the sender
    delete, so only while they are a site person in the thread), "hide" on the site otherwise, "" for none."""
    if message.is_system or message.is_deleted or (message.id.isdigit() and int(message.id) in hidden):
        return ""
    if any(m.acs_user_id == message.sender_id and m.user is not None for m in members):
        return "delete"
    return "hide"


def refusal(error: AcsError) -> str:
    """What staff read when ACS refuses: people's wording (acs/errors.py) is about their own messages."""
    if isinstance(error, NotAllowed):
        return error.message
    if isinstance(error, AcsForbidden):
        return _("ACS refused: the site's service identity (or the sender) may not do this in this thread.")
    if isinstance(error, AcsNotFound):
        return _("ACS does not know this thread or message (deleted, or never shared with the site).")
    if isinstance(error, AcsThrottled):
        return _("ACS is throttling these requests; wait a few seconds and try again.")
    if isinstance(error, AcsRejected):
        return _("ACS rejected the request.")
    return _("ACS is not answering right now; try again shortly.")


# The operations staff apply to one thread, as the site's service identity: each returns what the log and the
# message say was done.


def _delete_thread(thread, data):
    threads.thread_delete(actor=Actor.service(), thread_id=thread.acs_thread_id)
    return _("Deleted in ACS.")


def _refresh(thread, data):
    threads.thread_refresh(thread=thread)
    return _("Refreshed from ACS.")


def _rename(thread, data):
    threads.topic_update(actor=Actor.service(), thread_id=thread.acs_thread_id, topic=data["topic"])
    return _("Renamed in ACS to “%(topic)s”.") % {"topic": data["topic"]}


def _add_participant(thread, data):
    refused = membership.participants_add(
        actor=Actor.service(), thread_id=thread.acs_thread_id, people=[data["user"]], history_from=None
    )
    if refused:
        raise AcsRejected()
    return _("Added %(person)s in ACS.") % {"person": person_label(data["user"])}


def _remove_participant(thread, data):
    acs_user_id = data["acs_user_id"]
    person = people_by_acs_id([acs_user_id]).get(acs_user_id)
    # Someone from another ACS client is named as ACS has them, read before they leave the list.
    member = None if person else _member(thread, acs_user_id)
    membership.participant_remove(actor=Actor.service(), thread_id=thread.acs_thread_id, acs_user_id=acs_user_id)
    if person is not None:
        name = person_label(person)
    else:
        name = _member_label(member) if member else _("someone who was no longer in the thread")
    return _("Removed %(person)s in ACS.") % {"person": name}


def _delete_message(thread, data):
    message = message_get(actor=Actor.service(), thread_id=thread.acs_thread_id, message_id=data["message_id"])
    message_services.message_delete(
        actor=Actor.service(), thread_id=thread.acs_thread_id, message_id=data["message_id"]
    )
    return _("Deleted %(person)s’s message “%(preview)s” in ACS.") % {
        "person": message.sender_name,
        "preview": message_preview(message),
    }


# How staff read who and what a change is about: names, never ACS ids.


def _thread_label(thread) -> str:
    count = thread.participant_count or 0
    people = ngettext("%(count)d participant", "%(count)d participants", count) % {"count": count}
    if thread.created_by is None:
        return _("“%(topic)s”: %(people)s") % {"topic": thread.topic, "people": people}
    return _("“%(topic)s”: %(people)s, started by %(person)s") % {
        "topic": thread.topic,
        "people": people,
        "person": person_label(thread.created_by),
    }


def _member(thread, acs_user_id):
    """The participant as ACS has them now, or None if they are not in the thread."""
    members = thread_live(acs_thread_id=thread.acs_thread_id).members
    return next((m for m in members if m.acs_user_id == acs_user_id), None)


def _member_label(member) -> str:
    if member.user is not None:
        return person_label(member.user)
    return _("%(name)s (another ACS client)") % {"name": member.display_name or _("someone")}


def _sender_label(message) -> str:
    person = people_by_acs_id([message.sender_id]).get(message.sender_id)
    if person is not None:
        return person_label(person)
    return _("%(name)s (another ACS client)") % {"name": message.sender_name}
