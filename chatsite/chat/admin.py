"""Staff view of every thread the site hosts; staff act in ACS as the site's service identity (chat/actors.py)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chatsite.acs import identities
from chatsite.acs.errors import AcsError, AcsForbidden, AcsNotFound, AcsRejected, AcsThrottled

from .actors import Actor
from .admin_forms import (
    MessageDeleteForm,
    ParticipantAddForm,
    ParticipantRemoveForm,
    ThreadImportForm,
    TopicForm,
)
from .models import Thread
from .services import membership, threads
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


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["topic", "created_by", "created_at", "participant_count", "last_activity_at", "is_active"]
    list_filter = [StatusFilter, "created_at"]
    search_fields = [
        "topic",
        "acs_thread_id",
        "participants__username",
        "participants__profile__display_name",
    ]
    list_select_related = ["created_by"]
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

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        # Deleting only the row would leave the conversation in ACS with no staff view of it.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Delete selected threads in ACS"), permissions=["delete"])
    def delete_in_acs(self, request, queryset):
        for thread in queryset.filter(deleted_at__isnull=True):
            self._apply(request, thread, _delete_thread)

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
                    ("participants/remove", "participant_remove", ParticipantRemoveForm, _remove_participant),
                    ("messages/delete", "message_delete", MessageDeleteForm, _delete_message),
                ]
            ),
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
                context["topic_form"] = TopicForm(initial={"topic": live.topic})
                context["add_form"] = ParticipantAddForm()
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        # A thread exists in ACS first; the only way to add one here is to import it.
        return redirect("admin:chat_thread_import")

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        thread = self._thread(request, object_id)
        if not self.has_delete_permission(request, thread):
            raise PermissionDenied
        if thread.deleted_at is None:
            self._apply(request, thread, _delete_thread)
        return redirect("admin:chat_thread_changelist")

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
        """A POST-only view for one staff change in ACS, answered by a message on the thread's page."""

        @require_POST
        def view(request, object_id):
            thread = self._thread(request, object_id)
            if not self.has_change_permission(request, thread):
                raise PermissionDenied
            form = form_class(request.POST)
            if not form.is_valid():
                errors = "; ".join(e for field_errors in form.errors.values() for e in field_errors)
                self.message_user(request, errors, messages.ERROR)
            else:
                self._apply(request, thread, operation, form.cleaned_data)
            return redirect("admin:chat_thread_change", thread.pk)

        return view

    def _apply(self, request, thread, operation, data=None):
        """Run one ACS operation on a thread and tell the staff member, per thread, what happened."""
        try:
            summary = operation(thread, data)
        except AcsError as error:
            text = _("“%(thread)s”: %(reason)s") % {"thread": thread, "reason": refusal(error)}
            self.message_user(request, text, messages.ERROR)
            return
        self.log_change(request, thread, summary)
        self.message_user(request, _("“%(thread)s”: %(summary)s") % {"thread": thread, "summary": summary})

    def _thread(self, request, object_id) -> Thread:
        thread = self.get_object(request, unquote(object_id))
        if thread is None:
            raise Http404(_("No such thread."))
        return thread


def _service_identity_id() -> str | None:
    try:
        return identities.service_identity().acs_user_id
    except AcsError:
        return None


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
    return _("Added %(person)s in ACS.") % {"person": data["user"].get_username()}


def _remove_participant(thread, data):
    membership.participant_remove(
        actor=Actor.service(), thread_id=thread.acs_thread_id, acs_user_id=data["acs_user_id"]
    )
    return _("Removed participant %(id)s in ACS.") % {"id": data["acs_user_id"]}


def _delete_message(thread, data):
    message_services.message_delete(
        actor=Actor.service(), thread_id=thread.acs_thread_id, message_id=data["message_id"]
    )
    return _("Deleted message %(id)s in ACS.") % {"id": data["message_id"]}
