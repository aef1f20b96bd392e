"""Staff view of ACS identities: ids and token expiry, never the token itself (a bearer credential)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    list_select_related = ["user"]
    actions = ["revoke_tokens", "reset_identity"]

    def has_add_permission(self, request):
        return False  # created in ACS when a person first needs one

    @admin.action(description=gettext_lazy("Revoke tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        for identity in queryset:
            self._apply(request, identity, staff.tokens_revoke, _("Revoked tokens in ACS."))

    @admin.action(
        description=gettext_lazy("Reset identity (new ACS user; former threads are lost)"),
        permissions=["delete"],
    )
    def reset_identity(self, request, queryset):
        for identity in queryset:
            self._apply(
                request, identity, staff.identity_reset, _("Reset: a new ACS user replaces the old one.")
            )

    def _apply(self, request, identity, operation, done):
        name = identity.user.get_username()
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
