"""Staff view of ACS identities: ids and token expiry, never the token itself (a bearer credential)."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chatsite.admin_pages import confirmation, person_label

from . import staff
from .errors import AcsError
from .models import AcsIdentity, ServiceIdentity

# Only these columns ever reach a page: `token` is absent from every list, form and read-only field.
SHOWN = ["user", "acs_user_id", "token_expires_on", "created_at"]


@admin.register(AcsIdentity)
class AcsIdentityAdmin(admin.ModelAdmin):
    list_display = SHOWN
    fields = readonly_fields = SHOWN
    exclude = ["token"]
    search_fields = ["user__username", "acs_user_id"]
    list_select_related = ["user__profile"]
    actions = ["revoke_tokens", "reset_identity"]

    def has_add_permission(self, request):
        return False  # created in ACS when a person first needs one

    @admin.action(description=gettext_lazy("Revoke tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        identities = list(queryset.select_related("user__profile"))
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                identities,
                action="revoke_tokens",
                title=ngettext("Revoke a person’s tokens", "Revoke people’s tokens", len(identities)),
                question=ngettext(
                    "Revoke this person’s ACS tokens?",
                    "Revoke these %(count)d people’s ACS tokens?",
                    len(identities),
                ),
                consequence=_(
                    "Every token ACS issued to them stops working at once, wherever it is used. The site gets them "
                    "a new one on their next request; they stay in their chats."
                ),
                confirm=_("Yes, revoke"),
            )
        for identity in identities:
            self._apply(request, identity, staff.tokens_revoke, _("Revoked tokens in ACS."))
        return None

    @admin.action(
        description=gettext_lazy("Reset identity (new ACS user; former threads are lost)"),
        permissions=["delete"],
    )
    def reset_identity(self, request, queryset):
        identities = list(queryset.select_related("user__profile"))
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                identities,
                action="reset_identity",
                title=ngettext("Reset an identity", "Reset identities", len(identities)),
                question=ngettext(
                    "Give this person a new ACS user?",
                    "Give these %(count)d people new ACS users?",
                    len(identities),
                ),
                consequence=_(
                    "Their current ACS user and its tokens are deleted in ACS. They are no longer in any of their "
                    "chats, cannot read their history, and must be added again by someone. This cannot be undone."
                ),
                confirm=_("Yes, reset"),
            )
        for identity in identities:
            self._apply(
                request, identity, staff.identity_reset, _("Reset: a new ACS user replaces the old one.")
            )
        return None

    def _confirm(self, request, identities, *, action, question, **texts):
        """The admin's intermediate page: the action runs only when its form posts back with `post=yes`."""
        return confirmation(
            request,
            self,
            question=question % {"count": len(identities)},
            items=[person_label(identity.user) for identity in identities],
            cancel_url=reverse("admin:acs_acsidentity_changelist"),
            hidden=[("action", action), *((ACTION_CHECKBOX_NAME, identity.pk) for identity in identities)],
            **texts,
        )

    def _apply(self, request, identity, operation, done):
        name = person_label(identity.user)
        try:
            complete = operation(identity=identity)
        except AcsError as error:
            self.message_user(
                request,
                _("%(person)s: ACS refused: %(reason)s") % {"person": name, "reason": error.message},
                messages.ERROR,
            )
            return
        self.log_change(request, identity, done)
        self.message_user(request, _("%(person)s: %(summary)s") % {"person": name, "summary": done})
        if complete is False:
            self.message_user(
                request,
                _("%(person)s: the old ACS user could not be deleted in ACS.") % {"person": name},
                messages.WARNING,
            )


@admin.register(ServiceIdentity)
class ServiceIdentityAdmin(admin.ModelAdmin):
    """Read-only: its ACS user id is what another ACS client adds to a thread before staff import it."""

    list_display = fields = readonly_fields = ["acs_user_id", "token_expires_on", "created_at"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the site would lose every thread it moderates
